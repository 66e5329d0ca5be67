"""Follow-up work done by message: SMS touchpoints, survey invitations, call-us-back SMS."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huifang.core.errors import ApplicationError
from huifang.followups.models import FollowUpTask
from huifang.followups.services.messages import sms_tasks_due, task_complete_by_message
from huifang.messaging.models import Message, MessageTemplate
from huifang.messaging.services.sending import message_enqueue
from huifang.patients.services import diagnosis_is_sensitive
from huifang.surveys.models import Questionnaire
from huifang.surveys.services.responses import dispatch_create

REMINDER_TEMPLATE = "followup-reminder"
SURVEY_TEMPLATE = "survey-invitation"
CALL_US_BACK_TEMPLATE = "call-us-back"


def _encounter_context(task: FollowUpTask) -> dict:
    encounter = task.encounter
    diagnosis = encounter.diagnoses.order_by("-is_primary", "position", "id").first()
    anchor = encounter.anchor_date
    return {
        "department": encounter.department.name,
        "doctor": encounter.attending_doctor,
        "visit_date": f"{anchor.month}月{anchor.day}日" if anchor else "",
        "diagnosis": diagnosis.name if diagnosis else "",
        "diagnosis_sensitive": bool(
            diagnosis and (diagnosis.is_sensitive or diagnosis_is_sensitive(diagnosis.code))
        ),
    }


def _survey_link(task: FollowUpTask) -> str:
    """A survey link for the task's questionnaire; "" when none can be made (the send-time
    check then skips the message with its reason, e.g. deceased or opted out)."""
    questionnaire = (
        Questionnaire.objects.filter(
            code=task.touchpoint.questionnaire_code, status=Questionnaire.Status.ACTIVE
        )
        .order_by("-version")
        .first()
    )
    if questionnaire is None:
        return ""
    try:
        _dispatch, path = dispatch_create(
            actor=None,
            questionnaire=questionnaire,
            patient=task.patient,
            encounter=task.encounter,
            task=task,
            channel="sms",
        )
    except ApplicationError:
        return ""
    return f"{settings.HUIFANG_BASE_URL}{path}" if path else ""


def task_messages_enqueue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue the message of each due SMS follow-up task (once per task); returns how many.

    A touchpoint that asks a questionnaire sends the survey invitation with
    its link; any other sends the clinical reminder.
    """
    now = now or timezone.now()
    templates = {
        t.code: t
        for t in MessageTemplate.objects.filter(
            code__in=(REMINDER_TEMPLATE, SURVEY_TEMPLATE), is_active=True
        )
    }
    queued = Message.objects.filter(task__isnull=False).values("task_id")
    tasks = list(sms_tasks_due(now=now).exclude(pk__in=queued)[:limit])
    count = 0
    for task in tasks:
        code = SURVEY_TEMPLATE if task.touchpoint.questionnaire_code else REMINDER_TEMPLATE
        template = templates.get(code)
        if template is None:
            task_complete_by_message(
                task_id=task.pk, sent=False, reason=f"没有可用的短信模板 {code}"
            )
            continue
        with transaction.atomic():
            context = _encounter_context(task)
            if code == SURVEY_TEMPLATE:
                context["link"] = _survey_link(task)
            _message, created = message_enqueue(
                key=f"task:{task.pk}",
                patient=task.patient,
                template=template,
                context=context,
                task_id=task.pk,
                not_before=now,
            )
        count += created
    return count


def call_us_back_enqueue(*, task: FollowUpTask) -> Message | None:
    """After ``HUIFANG_CALL_US_BACK_AFTER`` failed calls on a task, queue one SMS asking the
    patient to call the centre back (once per task). None when not due or turned off."""
    after = settings.HUIFANG_CALL_US_BACK_AFTER
    if not after or task.channel != "phone" or task.attempts < after:
        return None
    template = MessageTemplate.objects.filter(code=CALL_US_BACK_TEMPLATE, is_active=True).first()
    if template is None:
        return None
    message, _created = message_enqueue(
        key=f"call-us-back:{task.pk}",
        patient=task.patient,
        template=template,
        context={"department": task.encounter.department.name},
    )
    return message
