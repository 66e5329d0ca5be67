"""Web-survey touchpoints: the questionnaire link sent by SMS and e-mail, or a call instead.

A plan touchpoint with channel ``web`` (the discharge plan's day-15
in-patient satisfaction questionnaire) is sent when due: one dispatch
(the questionnaire's single-use link) and, in the same transaction, an SMS
with the link to the patient's mobile and an e-mail with it to their
address, each only where ``patients.contact`` and the patient's opt-outs
allow. The task is done (an attempt, ``survey_sent``) when either went
out; when the patient can be reached by neither, or both were skipped at
send time, the task becomes a call on the worklist. Nothing is sent
twice: a task with messages is never queued again, and the messages'
keys (``task:<id>``, ``task:<id>:email``) are unique.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from huifang.core.errors import ApplicationError
from huifang.followups.models import Channel, FollowUpTask
from huifang.followups.services.messages import (
    task_fall_back_to_call,
    task_record_survey_sent,
    web_tasks_due,
)
from huifang.messaging.models import (
    Category,
    EmailAddress,
    Message,
    MessageChannel,
    MessageTemplate,
    OptOut,
)
from huifang.messaging.services.eligibility import opted_out, sms_phone
from huifang.patients.contact import contact_refusal
from huifang.patients.models import PhoneNumber
from huifang.surveys.models import Dispatch, SurveyChannel
from huifang.surveys.selectors import questionnaire_active
from huifang.surveys.services import dispatch_create, dispatch_withdraw

SMS_TEMPLATE = "survey-invitation"
EMAIL_TEMPLATE = "survey-invitation-email"
SENT = (Message.Status.SENT, Message.Status.DELIVERED)
WAITING = (Message.Status.QUEUED, Message.Status.SENDING)
CHANNEL_ZH = {MessageChannel.SMS: "短信", MessageChannel.EMAIL: "邮件"}


def _routes(task: FollowUpTask, templates: dict) -> tuple[PhoneNumber | None, EmailAddress | None]:
    """The mobile and the address the link may go to (either may be None)."""
    patient = task.patient
    if contact_refusal(patient=patient, channel=Channel.WEB):
        return None, None
    opt_outs = list(OptOut.objects.filter(patient=patient))
    phone = email = None
    if SMS_TEMPLATE in templates and not opted_out(
        patient, MessageChannel.SMS, Category.SURVEY, opt_outs
    ):
        phone = sms_phone(list(PhoneNumber.objects.filter(patient=patient)))
    if EMAIL_TEMPLATE in templates and not opted_out(
        patient, MessageChannel.EMAIL, Category.SURVEY, opt_outs
    ):
        email = EmailAddress.objects.filter(patient=patient, is_valid=True).order_by("id").first()
    return phone, email


def _context(task: FollowUpTask, link: str) -> dict:
    # No diagnosis, whatever the template says: the phone or mailbox may be someone else's.
    return {"department": task.encounter.department.name, "link": link}


def _send_one(task_id: int, templates: dict, now: datetime) -> str:
    """Queue one task's link (or fall back to a call); returns what happened."""
    with transaction.atomic():
        task = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("patient", "encounter__department", "touchpoint")
            .filter(pk=task_id, channel=Channel.WEB, status=FollowUpTask.Status.PENDING)
            .first()
        )
        if task is None or Message.objects.filter(task_id=task_id).exists():
            return "already"  # another sender got here first
        code = task.touchpoint.questionnaire_code
        questionnaire = questionnaire_active(code) if code else None
        if questionnaire is None:
            task_fall_back_to_call(
                task_id=task_id, reason=f"网上问卷“{code}”未启用，改为电话回访（按通话问题记录）"
            )
            return "fallback"
        phone, email = _routes(task, templates)
        if phone is None and email is None:
            task_fall_back_to_call(
                task_id=task_id, reason="没有可用的手机号码或电子邮箱，网上问卷改为电话回访"
            )
            return "fallback"
        try:
            _dispatch, path = dispatch_create(
                actor=None,
                questionnaire=questionnaire,
                patient=task.patient,
                encounter=task.encounter,
                task=task,
                channel=SurveyChannel.SMS if phone is not None else SurveyChannel.WEB,
            )
        except ApplicationError as exc:
            task_fall_back_to_call(
                task_id=task_id, reason=f"网上问卷链接未能生成（{exc.message}），改为电话回访"
            )
            return "fallback"
        context = _context(task, f"{settings.HUIFANG_BASE_URL}{path}")
        for key, template, wanted in (
            (f"task:{task_id}", templates.get(SMS_TEMPLATE), phone),
            (f"task:{task_id}:email", templates.get(EMAIL_TEMPLATE), email),
        ):
            if wanted is not None:
                Message.objects.create(
                    key=key,
                    patient=task.patient,
                    channel=template.channel,
                    category=template.category,
                    template=template,
                    task=task,
                    context=context,
                    not_before=now,
                )
        return "queued"


def web_survey_tasks_send(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Queue the link of each due web-survey task (once per task), or turn it into a call.

    Returns counts: ``queued`` (tasks whose SMS and/or e-mail were queued)
    and ``fallback`` (tasks that became calls). The messages go out with
    the next ``messages_send_due``; ``web_survey_messages_settled`` then
    closes the task.
    """
    now = now or timezone.now()
    templates = {
        t.code: t
        for t in MessageTemplate.objects.filter(
            code__in=(SMS_TEMPLATE, EMAIL_TEMPLATE), is_active=True
        )
    }
    queued = Message.objects.filter(task__isnull=False).values("task_id")
    ids = list(web_tasks_due(now=now).exclude(pk__in=queued).values_list("pk", flat=True)[:limit])
    counts = {"queued": 0, "fallback": 0}
    for task_id in ids:
        outcome = _send_one(task_id, templates, now)
        if outcome in counts:
            counts[outcome] += 1
    return counts


def web_survey_messages_settled(*, task_ids: set[int]) -> None:
    """After the sender recorded messages of web-survey tasks: close each task that is settled.

    Sent by SMS or e-mail: the task is done (``task_record_survey_sent``).
    Still on its way by the other route: wait. Every message skipped or
    failed: the dispatch is withdrawn (its link never reached anyone) and
    the task becomes a call.
    """
    for task_id in sorted(task_ids):
        messages = list(
            Message.objects.filter(task_id=task_id).values_list("channel", "status", "skip_reason")
        )
        sent = [channel for channel, status, _r in messages if status in SENT]
        if sent:
            how = "、".join(CHANNEL_ZH.get(channel, channel) for channel in sorted(set(sent)))
            task_record_survey_sent(
                task_id=task_id, at=timezone.now(), note=f"网上问卷链接已通过{how}发送"
            )
            continue
        if any(status in WAITING for _c, status, _r in messages):
            continue
        labels = dict(Message.SkipReason.choices)
        with translation.override(settings.LANGUAGE_CODE):  # kept on the task, in Chinese
            why = "、".join(
                sorted(
                    {str(labels.get(reason, reason or status)) for _c, status, reason in messages}
                )
            )
        for dispatch in Dispatch.objects.filter(task_id=task_id, status=Dispatch.Status.SENT):
            dispatch_withdraw(dispatch=dispatch, reason=why)
        task_fall_back_to_call(task_id=task_id, reason=f"网上问卷未能发出（{why}），改为电话回访")
