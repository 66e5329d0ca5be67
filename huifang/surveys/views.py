"""Staff pages: questionnaire list and builder, previews, scores, responses, recording."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.core.errors import ApplicationError, NotFound, PermissionDenied
from huifang.patients.selectors import patient_get
from huifang.surveys import selectors, services
from huifang.surveys.answers import answer_label
from huifang.surveys.forms import (
    ItemForm,
    QuestionnaireForm,
    VoidForm,
    answers_from_post,
    values_for_display,
)
from huifang.surveys.models import Dimension, Item, ItemKind, Questionnaire, SurveyChannel
from huifang.surveys.public_views import polite_greeting

NAV = "questionnaires"
PAGE_SIZE = 50


def _require(user, perm: str, message: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_manage(user) -> None:
    _require(user, "surveys.change_questionnaire", _("Your role may not change questionnaires"))


def _form_errors(form, exc: ApplicationError) -> None:
    """Put a service's per-field details on the form; the rest as a form error."""
    placed = False
    for key, msgs in (exc.details or {}).items():
        if isinstance(msgs, list) and key in form.fields:
            for message in msgs:
                form.add_error(key, message)
            placed = True
        elif isinstance(msgs, list):
            for message in msgs:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


# --- Questionnaires ---------------------------------------------------------------------


def questionnaire_list(request):
    context = {
        "questionnaires": selectors.questionnaire_list(user=request.user),
        "can_add": request.user.has_perm("surveys.add_questionnaire"),
        "can_scores": request.user.has_perm("surveys.view_scores"),
        "nav_active": NAV,
    }
    return render(request, "surveys/questionnaire_list.html", context)


def questionnaire_create(request):
    _require(
        request.user, "surveys.add_questionnaire", _("Your role may not create questionnaires")
    )
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = services.questionnaire_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Questionnaire created. Add its questions next."))
            return redirect("surveys:questionnaire_detail", pk=questionnaire.pk)
    return render(
        request,
        "surveys/questionnaire_form.html",
        {"form": form, "questionnaire": None, "nav_active": NAV},
    )


def _condition_text(item: Item, texts: dict[str, str]) -> str:
    rules = (item.condition or {}).get("rules") or []
    if not rules:
        return ""
    ops = {
        "eq": "=",
        "ne": "≠",
        "gt": ">",
        "lt": "<",
        "gte": "≥",
        "lte": "≤",
        "exists": _("answered"),
    }
    parts = []
    for rule in rules:
        op = ops.get(rule.get("op"), rule.get("op"))
        value = "" if rule.get("op") == "exists" else f" {rule.get('value')}"
        parts.append(f"{rule.get('item')} {op}{value}")
    joiner = _(" or ") if item.condition.get("combine") == "any" else _(" and ")
    return joiner.join(parts)


def questionnaire_detail(request, pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    items = list(questionnaire.items.all())
    texts = {item.code: item.text for item in items}
    kinds, dimensions = dict(ItemKind.choices), dict(Dimension.choices)
    for item in items:
        item.condition_text = _condition_text(item, texts)
        item.kind_label = kinds.get(item.kind, item.kind)
        item.dimension_label = dimensions.get(item.dimension, "")
    context = {
        "questionnaire": questionnaire,
        "items": items,
        "versions": selectors.questionnaire_versions(user=request.user, code=questionnaire.code),
        "can_change": request.user.has_perm("surveys.change_questionnaire")
        and questionnaire.status != Questionnaire.Status.RETIRED,
        "can_scores": request.user.has_perm("surveys.view_scores"),
        "nav_active": NAV,
    }
    return render(request, "surveys/questionnaire_detail.html", context)


def questionnaire_edit(request, pk: int):
    _require_manage(request.user)
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    form = QuestionnaireForm(
        request.POST or None,
        editing=True,
        initial={"title": questionnaire.title, "description": questionnaire.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.questionnaire_update(
                actor=request.user, questionnaire=questionnaire, **form.cleaned_data
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            _draft_message(request, questionnaire, draft)
            return redirect("surveys:questionnaire_detail", pk=draft.pk)
    return render(
        request,
        "surveys/questionnaire_form.html",
        {"form": form, "questionnaire": questionnaire, "nav_active": NAV},
    )


def _draft_message(request, before: Questionnaire, draft: Questionnaire) -> None:
    if before.pk != draft.pk:
        messages.info(
            request,
            _("Saved in draft version %(version)d. Version %(old)d stays in use until you publish.")
            % {"version": draft.version, "old": before.version},
        )
    else:
        messages.success(request, _("Saved."))


def _item_page(request, questionnaire: Questionnaire, item: Item | None):
    _require_manage(request.user)
    items = list(questionnaire.items.all())
    earlier = (
        items
        if item is None
        else [i for i in items if (i.position, i.pk) < (item.position, item.pk)]
    )
    form = ItemForm(
        request.POST or None,
        earlier=earlier,
        initial=ItemForm.initial_for(item) if item else {"kind": ItemKind.SATISFACTION5},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.item_save(
                actor=request.user, questionnaire=questionnaire, item=item, data=form.item_data()
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            _draft_message(request, questionnaire, saved.questionnaire)
            return redirect("surveys:questionnaire_detail", pk=saved.questionnaire_id)
    context = {
        "form": form,
        "questionnaire": questionnaire,
        "item": item,
        "rule_rows": [
            (form[f"rule_item_{n}"], form[f"rule_op_{n}"], form[f"rule_value_{n}"])
            for n in range(3)
        ],
        "nav_active": NAV,
    }
    return render(request, "surveys/item_form.html", context)


def _item(questionnaire: Questionnaire, item_pk: int) -> Item:
    item = next((i for i in questionnaire.items.all() if i.pk == item_pk), None)
    if item is None:
        raise NotFound(_("Question not found"), code="item_not_found")
    return item


def item_add(request, pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    return _item_page(request, questionnaire, None)


def item_edit(request, pk: int, item_pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    return _item_page(request, questionnaire, _item(questionnaire, item_pk))


@require_POST
def item_move(request, pk: int, item_pk: int):
    _require_manage(request.user)
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    item = services.item_move(
        actor=request.user,
        questionnaire=questionnaire,
        item=_item(questionnaire, item_pk),
        direction=request.POST.get("direction", ""),
    )
    return redirect("surveys:questionnaire_detail", pk=item.questionnaire_id)


@require_POST
def item_delete(request, pk: int, item_pk: int):
    _require_manage(request.user)
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    draft = services.item_delete(
        actor=request.user, questionnaire=questionnaire, item=_item(questionnaire, item_pk)
    )
    messages.success(request, _("Question removed."))
    return redirect("surveys:questionnaire_detail", pk=draft.pk)


@require_POST
def questionnaire_publish(request, pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    services.questionnaire_publish(actor=request.user, questionnaire=questionnaire)
    messages.success(
        request, _("Version %(version)d is now in use.") % {"version": questionnaire.version}
    )
    return redirect("surveys:questionnaire_detail", pk=pk)


@require_POST
def questionnaire_retire(request, pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    services.questionnaire_retire(actor=request.user, questionnaire=questionnaire)
    messages.success(request, _("Questionnaire retired."))
    return redirect("surveys:questionnaire_detail", pk=pk)


def preview_agent(request, pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)
    return render(
        request,
        "surveys/preview_agent.html",
        {"questionnaire": questionnaire, "nav_active": NAV},
    )


def preview_patient(request, pk: int):
    questionnaire = selectors.questionnaire_get(user=request.user, pk=pk)

    class Sample:
        name, sex = _("Zhang"), "M"

    context = {
        "hospital_name": settings.HUIFANG_HOSPITAL_NAME,
        "greeting": polite_greeting(Sample),
        "questionnaire": questionnaire,
        "survey_for_patient": True,
        "preview": True,
    }
    return render(request, "surveys/public/form.html", context)


# --- Scores and responses ------------------------------------------------------------------


def scores(request, code: str):
    questionnaire = selectors.questionnaire_for_code(user=request.user, code=code)
    result = selectors.questionnaire_scores(user=request.user, code=code)
    dimensions = dict(Dimension.choices)
    for d in result.dimensions:
        d.label = dimensions.get(d.dimension, d.dimension)
    context = {
        "questionnaire": questionnaire,
        "scores": result,
        "nav_active": NAV,
    }
    return render(request, "surveys/scores.html", context)


def response_list(request):
    code = request.GET.get("questionnaire", "")[:50]
    paginator = Paginator(
        selectors.response_list(user=request.user, questionnaire_code=code), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "querystring": urlencode({"questionnaire": code}) if code else "",
        "responses": page.object_list,
        "code": code,
        "channels": dict(SurveyChannel.choices),
        "nav_active": NAV,
    }
    return render(request, "surveys/response_list.html", context)


def response_detail(request, response_uuid):
    response = selectors.response_get(user=request.user, response_uuid=response_uuid)
    form = VoidForm(request.POST or None)
    if request.method == "POST":
        _require(request.user, "surveys.void_response", _("Your role may not void responses"))
        if form.is_valid():
            try:
                services.response_void(
                    actor=request.user, response=response, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Response voided; it no longer counts in any score."))
                return redirect("surveys:response_detail", response_uuid=response.uuid)
    rows = [
        {
            "item": answer.item,
            "label": answer_label(answer.item, answer.value),
            "opens_feedback": answer.opens_feedback,
            "red_flag": answer.red_flag,
        }
        for answer in response.answers.all()
    ]
    context = {
        "response": response,
        "rows": rows,
        "form": form,
        "can_void": request.user.has_perm("surveys.void_response") and not response.is_void,
        "channel_label": dict(SurveyChannel.choices).get(response.channel, response.channel),
        "nav_active": NAV,
    }
    return render(request, "surveys/response_detail.html", context)


def record(request, code: str, patient_uuid):
    """An agent asks the questionnaire on the phone and records the answers."""
    _require(request.user, "surveys.add_response", _("Your role may not record answers"))
    patient = patient_get(user=request.user, patient_uuid=patient_uuid)
    questionnaire = selectors.questionnaire_active(code)
    if questionnaire is None:
        raise NotFound(_("No active version of this questionnaire"), code="questionnaire_not_found")
    errors, values, status = {}, {}, 200
    if request.method == "POST" and request.POST.get("refused"):
        dispatch, _url = services.dispatch_create(
            actor=request.user,
            questionnaire=questionnaire,
            patient=patient,
            channel=SurveyChannel.PHONE,
        )
        services.dispatch_refuse(actor=request.user, dispatch=dispatch)
        messages.info(request, _("Recorded that the patient declined the questionnaire."))
        return redirect(reverse("patients:detail", args=[patient.uuid]))
    if request.method == "POST":
        raw = answers_from_post(questionnaire, request.POST)
        try:
            response = services.response_record(
                actor=request.user,
                questionnaire=questionnaire,
                answers=raw,
                channel=SurveyChannel.PHONE,
                patient=patient,
            )
        except ApplicationError as exc:
            if exc.code != "invalid_answers":
                raise
            errors = exc.details.get("items", {})
            values = values_for_display(questionnaire, raw)
            status = 400
        else:
            messages.success(request, _("Answers saved."))
            if request.user.has_perm("surveys.view_response"):
                return redirect("surveys:response_detail", response_uuid=response.uuid)
            return redirect(reverse("patients:detail", args=[patient.uuid]))
    context = {
        "questionnaire": questionnaire,
        "patient": patient,
        "survey_values": values,
        "survey_errors": errors,
        "nav_active": NAV,
    }
    return render(request, "surveys/record.html", context, status=status)


def invite(request, patient_uuid):
    """A questionnaire link for the patient, printed as a QR slip (handed out at discharge)."""
    _require(request.user, "surveys.add_dispatch", _("Your role may not send questionnaires"))
    patient = patient_get(user=request.user, patient_uuid=patient_uuid)
    questionnaires = selectors.questionnaires_active()
    encounters = list(patient.encounters.select_related("department").order_by("-pk")[:20])
    if request.method == "POST":
        questionnaire = next(
            (q for q in questionnaires if str(q.pk) == request.POST.get("questionnaire")), None
        )
        encounter = next(
            (e for e in encounters if str(e.pk) == request.POST.get("encounter")), None
        )
        if questionnaire is None:
            messages.error(request, _("Choose a questionnaire."))
        else:
            dispatch, path = services.dispatch_create(
                actor=request.user,
                questionnaire=questionnaire,
                patient=patient,
                encounter=encounter,
                channel=SurveyChannel.QR,
            )
            link = request.build_absolute_uri(path)
            return render(
                request,
                "surveys/invite_slip.html",
                {
                    "patient": patient,
                    "greeting": polite_greeting(patient),
                    "questionnaire": questionnaire,
                    "dispatch": dispatch,
                    "link": link,
                    "qr_svg": segno.make(link, error="m").svg_inline(scale=5, title=link),
                    "nav_active": NAV,
                },
            )
    return render(
        request,
        "surveys/invite.html",
        {
            "patient": patient,
            "questionnaires": questionnaires,
            "encounters": encounters,
            "days": settings.HUIFANG_SURVEY_LINK_DAYS,
            "nav_active": NAV,
        },
    )
