"""Pages: templates, campaigns (build, preview, start, pause, report) and opt-outs. Thin."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.core.errors import ApplicationError, NotFound
from huifang.messaging import rendering, selectors
from huifang.messaging.forms import CampaignForm, OptOutForm, TemplateForm
from huifang.messaging.models import Message
from huifang.messaging.services import campaigns as campaign_services
from huifang.messaging.services.optouts import optout_record
from huifang.messaging.services.templates import FIELDS, template_save
from huifang.patients.selectors import patient_scope


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def template_list(request):
    templates = selectors.template_list(user=request.user)
    return render(request, "messaging/template_list.html", {"templates": templates})


def template_edit(request, code: str | None = None):
    template = selectors.template_get(user=request.user, code=code) if code else None
    _require(
        request,
        "messaging.change_messagetemplate" if template else "messaging.add_messagetemplate",
    )
    initial = (
        {"code": template.code, **{f: getattr(template, f) for f in FIELDS}} if template else {}
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        new_code = data.pop("code")
        try:
            saved = template_save(actor=request.user, code=new_code, template=template, **data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Template saved."))
            return redirect("messaging:template_edit", code=saved.code)
    context = {
        "form": form,
        "template": template,
        "placeholders": rendering.PLACEHOLDERS,
        "signature": rendering.sms_text(""),
        "sms_single": rendering.SMS_SINGLE,
        "sms_part": rendering.SMS_PART,
    }
    return render(request, "messaging/template_form.html", context)


def campaign_list(request):
    campaigns = selectors.campaign_list(user=request.user)[:100]
    return render(request, "messaging/campaign_list.html", {"campaigns": campaigns})


def campaign_new(request):
    _require(request, "messaging.add_campaign")
    form = CampaignForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        cohort = selectors.Cohort.from_dict(form.cohort_dict())
        template = form.cleaned_data["template"]
        if "preview" in request.POST:
            preview = campaign_services.campaign_preview(
                user=request.user, template=template, cohort=cohort
            )
        else:
            campaign = campaign_services.campaign_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                template=template,
                cohort=cohort,
                scheduled_at=form.cleaned_data.get("scheduled_at"),
            )
            return redirect("messaging:campaign_detail", campaign_uuid=campaign.uuid)
    context = {
        "form": form,
        "preview": preview,
        "reason_labels": dict(Message.SkipReason.choices),
    }
    return render(request, "messaging/campaign_form.html", context)


def campaign_detail(request, campaign_uuid):
    campaign = selectors.campaign_get(user=request.user, campaign_uuid=campaign_uuid)
    report = selectors.campaign_report(user=request.user, campaign=campaign)
    context = {
        "campaign": campaign,
        "report": report,
        "status_labels": dict(Message.Status.choices),
        "reason_labels": dict(Message.SkipReason.choices),
    }
    template = (
        "messaging/_campaign_progress.html" if request.htmx else "messaging/campaign_detail.html"
    )
    return render(request, template, context)


_ACTIONS = {
    "start": campaign_services.campaign_start,
    "pause": campaign_services.campaign_pause,
    "resume": campaign_services.campaign_resume,
}


@require_POST
def campaign_action(request, campaign_uuid, action: str):
    campaign = selectors.campaign_get(user=request.user, campaign_uuid=campaign_uuid)
    if action not in _ACTIONS:
        raise NotFound(_("Unknown action."))
    _ACTIONS[action](actor=request.user, campaign=campaign)
    return redirect("messaging:campaign_detail", campaign_uuid=campaign.uuid)


def optout_new(request):
    _require(request, "messaging.add_optout")
    form = OptOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = (
            patient_scope(request.user)
            .filter(record_number=form.cleaned_data["record_number"].strip())
            .first()
        )
        if patient is None:
            form.add_error("record_number", _("No such patient in your scope."))
        else:
            optout_record(
                actor=request.user,
                patient=patient,
                channel=form.cleaned_data["channel"],
                category=form.cleaned_data.get("category") or "",
            )
            messages.success(request, _("Opt-out recorded; it applies to the next message."))
            return redirect("messaging:optout_new")
    return render(request, "messaging/optout_form.html", {"form": form})
