"""The patient's questionnaire at ``/s/<token>``: no sign-in, the token is the key.

The page shows the hospital's name, a polite greeting with the surname and
the questions — nothing else about the patient (no diagnosis, no numbers).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from huifang.core.errors import ApplicationError
from huifang.followups.script import surname
from huifang.patients.models import Sex
from huifang.surveys import selectors, services
from huifang.surveys.forms import answers_from_post, values_for_display
from huifang.surveys.models import Dispatch


def polite_greeting(patient) -> str:
    """尊敬的张先生 / 李女士; without a known sex, 尊敬的患者."""
    family = surname(patient.name)
    if family and patient.sex == Sex.MALE:
        return _("Dear Mr %(surname)s") % {"surname": family}
    if family and patient.sex == Sex.FEMALE:
        return _("Dear Ms %(surname)s") % {"surname": family}
    return _("Dear patient")


def _storage_key(dispatch: Dispatch) -> str:
    return f"hf-survey-{dispatch.uuid}"


def _closed_page(request, *, title: str, message: str, status: int, forget: str = ""):
    return render(
        request,
        "surveys/public/closed.html",
        {"title": title, "message": message, "forget": forget},
        status=status,
    )


def _expired(dispatch: Dispatch) -> bool:
    if dispatch.status == Dispatch.Status.EXPIRED:
        return True
    return dispatch.expires_at is not None and dispatch.expires_at <= timezone.now()


@login_not_required
@never_cache
@csrf_protect
def patient_form(request, token: str):
    dispatch = selectors.dispatch_for_token(token)
    if dispatch is None:
        return _closed_page(
            request,
            title=_("This link is not valid"),
            message=_("Please check that the whole link was opened, or call us."),
            status=404,
        )
    key = _storage_key(dispatch)
    if dispatch.status == Dispatch.Status.COMPLETED:
        if request.method == "POST":
            # A second tap, or a retry after the first reply was lost: the
            # answers are in (stored once), so the patient sees the thanks.
            return redirect(f"{request.path}?sent=1")
        if request.GET.get("sent"):
            return _closed_page(
                request,
                title=_("Thank you"),
                message=_("Your answers have been received. We wish you good health."),
                status=200,
                forget=key,
            )
        return _closed_page(
            request,
            title=_("Already submitted"),
            message=_("This questionnaire has been answered already. Thank you."),
            status=200,
            forget=key,
        )
    if dispatch.status == Dispatch.Status.REFUSED:
        return _closed_page(
            request,
            title=_("This questionnaire is closed"),
            message=_("No answers are needed any more. Thank you."),
            status=410,
            forget=key,
        )
    if _expired(dispatch):
        services.dispatch_expire_due()
        return _closed_page(
            request,
            title=_("This link has expired"),
            message=_("The questionnaire can no longer be answered. Thank you all the same."),
            status=410,
            forget=key,
        )
    questionnaire = dispatch.questionnaire
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        raw = answers_from_post(questionnaire, request.POST)
        try:
            services.response_submit_link(dispatch=dispatch, answers=raw)
        except ApplicationError as exc:
            if exc.code in ("link_expired", "dispatch_closed"):
                return redirect("survey_link", token=token)
            errors = exc.details.get("items", {})
            values = values_for_display(questionnaire, raw)
            status = 400
        else:
            return redirect(f"{request.path}?sent=1")
    else:
        services.dispatch_open(dispatch=dispatch)
    context = {
        "hospital_name": settings.HUIFANG_HOSPITAL_NAME,
        "greeting": polite_greeting(dispatch.patient),
        "questionnaire": questionnaire,
        "survey_values": values,
        "survey_errors": errors,
        "survey_for_patient": True,
        "survey_storage_key": key,
        "preview": False,
    }
    return render(request, "surveys/public/form.html", context, status=status)
