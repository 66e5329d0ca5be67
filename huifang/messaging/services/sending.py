"""Queueing and sending messages, delivery receipts and replies.

A message is queued once per purpose (its ``key``), claimed by a sender with
a conditional UPDATE (so several workers can run), checked again just before
it goes out (deceased, opted out, no valid number, weekly limit, sensitive
diagnosis), sent through the channel's backend within its rate limit and
outside the SMS quiet hours, and recorded at once. A sender killed mid-send
leaves its messages ``sending``; once their lease has run out they are sent
again through a backend that de-duplicates on the key, or marked failed
through one that cannot: a patient never gets the same message twice.
"""

import logging
import math
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from huifang.core.errors import ApplicationError
from huifang.core.phones import InvalidPhoneNumber, normalize_phone
from huifang.followups.models import Channel, FollowUpTask
from huifang.followups.script import patient_title
from huifang.followups.services.messages import task_complete_by_message
from huifang.messaging import rendering
from huifang.messaging.backends import BaseBackend, Outgoing, SendError, backend_for, backend_rate
from huifang.messaging.models import (
    Campaign,
    Category,
    EmailAddress,
    InboundMessage,
    Message,
    MessageChannel,
    MessageTemplate,
    OptOut,
    RateBucket,
)
from huifang.messaging.services.eligibility import quiet_hours_until, skip_reason, sms_phone
from huifang.patients import services as patient_services
from huifang.patients.models import Patient, PhoneNumber

logger = logging.getLogger(__name__)

Status = Message.Status
SENDABLE_CAMPAIGN = (Campaign.Status.SCHEDULED, Campaign.Status.RUNNING)


def message_enqueue(
    *,
    key: str,
    patient: Patient,
    template: MessageTemplate,
    context: dict | None = None,
    not_before: datetime | None = None,
    campaign: Campaign | None = None,
    task_id: int | None = None,
) -> tuple[Message, bool]:
    """Queue ``template`` for ``patient`` under the idempotency ``key``; (message, created).

    Queueing the same key again returns the message already queued: a
    retried job never queues twice. Whether it may go out is decided when
    it is sent, not here.
    """
    if not template.is_active:
        raise ApplicationError(f"模板 {template.code} 已停用", code="template_inactive")
    return Message.objects.get_or_create(
        key=key,
        defaults={
            "patient": patient,
            "channel": template.channel,
            "category": template.category,
            "template": template,
            "campaign": campaign,
            "task_id": task_id,
            "context": context or {},
            "not_before": not_before or timezone.now(),
        },
    )


# --- Rate limit: a token bucket per backend, shared by every worker --------------------


def rate_take(*, backend: str, rate: float, want: int, now: datetime) -> int:
    """Take up to ``want`` sends from ``backend``'s bucket (``rate`` per second, one second
    of burst); returns how many may go out now. ``rate`` 0 means no limit."""
    if rate <= 0:
        return want
    with transaction.atomic():
        bucket, _ = RateBucket.objects.select_for_update().get_or_create(
            backend=backend, defaults={"tokens": rate, "updated_at": now}
        )
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(rate, bucket.tokens + elapsed * rate)
        taken = min(want, math.floor(tokens))
        bucket.tokens = tokens - taken
        bucket.updated_at = max(now, bucket.updated_at)
        bucket.save(update_fields=["tokens", "updated_at"])
    return taken


def rate_give_back(*, backend: str, rate: float, count: int) -> None:
    """Return sends taken but not used (fewer messages were due)."""
    if rate <= 0 or count <= 0:
        return
    with transaction.atomic():
        bucket = RateBucket.objects.select_for_update().filter(backend=backend).first()
        if bucket is not None:
            bucket.tokens = min(rate, bucket.tokens + count)
            bucket.save(update_fields=["tokens"])


# --- Sending ------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.HUIFANG_MESSAGE_LEASE_SECONDS)


def _recover_interrupted(*, channel: str, backend: BaseBackend, now: datetime) -> int:
    """Messages whose sender died mid-send: resend only through a de-duplicating backend."""
    stale = Message.objects.filter(channel=channel, status=Status.SENDING, lease_expires_at__lt=now)
    if backend.idempotent:
        return stale.update(status=Status.QUEUED, claim="", lease_expires_at=None)
    return stale.update(
        status=Status.FAILED,
        claim="",
        lease_expires_at=None,
        error="interrupted while sending; not resent to avoid a duplicate",
    )


def _claim(*, channel: str, now: datetime, count: int) -> list[Message]:
    due = Message.objects.filter(channel=channel, status=Status.QUEUED, not_before__lte=now).filter(
        Q(campaign__isnull=True) | Q(campaign__status__in=SENDABLE_CAMPAIGN)
    )
    ids = list(due.order_by("id").values_list("id", flat=True)[:count])
    if not ids:
        return []
    token = uuid.uuid4().hex
    Message.objects.filter(id__in=ids, status=Status.QUEUED).update(
        status=Status.SENDING, claim=token, lease_expires_at=now + _lease()
    )
    return list(
        Message.objects.filter(claim=token, status=Status.SENDING)
        .select_related("patient", "template")
        .order_by("id")
    )


class _Batch:
    """What the checks need for a batch of messages, read in a few queries."""

    def __init__(self, messages: list[Message], now: datetime) -> None:
        patient_ids = {m.patient_id for m in messages}
        self.phones: dict[int, list[PhoneNumber]] = {}
        for phone in PhoneNumber.objects.filter(patient_id__in=patient_ids):
            self.phones.setdefault(phone.patient_id, []).append(phone)
        self.emails: dict[int, list[EmailAddress]] = {}
        for email in EmailAddress.objects.filter(patient_id__in=patient_ids, is_valid=True):
            self.emails.setdefault(email.patient_id, []).append(email)
        self.opt_outs: dict[int, list[OptOut]] = {}
        for opt_out in OptOut.objects.filter(patient_id__in=patient_ids):
            self.opt_outs.setdefault(opt_out.patient_id, []).append(opt_out)
        self.sent_this_week = Counter(
            dict(
                Message.objects.filter(
                    patient_id__in=patient_ids,
                    status__in=(Status.SENT, Status.DELIVERED),
                    sent_at__gte=now - timedelta(days=7),
                )
                .values_list("patient_id")
                .annotate(n=Count("id"))
            )
        )


def _context(message: Message, now: datetime) -> dict:
    patient = message.patient
    return {
        "patient": patient_title(
            name=patient.name, sex=patient.sex, birth_date=patient.birth_date, on=now.date()
        ),
        "hospital": settings.HUIFANG_HOSPITAL_NAME,
        "hotline": settings.HUIFANG_HOTLINE,
        **(message.context or {}),
    }


def _outgoing(message: Message, to: str, now: datetime) -> tuple[Outgoing, str, int]:
    template = message.template
    context = _context(message, now)
    body = rendering.render(template.body, context)
    if message.channel == MessageChannel.SMS:
        body = rendering.sms_text(body)
        segments = rendering.sms_segments(body)
    else:
        segments = 0
    params = {name: str(context.get(name, "")) for name in rendering.placeholders_in(template.body)}
    subject = rendering.render(template.subject, context)
    outgoing = Outgoing(
        key=message.key,
        to=to,
        body=body,
        subject=subject,
        template_code=template.provider_template_code,
        params=params,
    )
    return outgoing, body, segments


def _mentions_sensitive(message: Message) -> bool:
    uses = set(rendering.placeholders_in(message.template.body)) & rendering.DIAGNOSIS_FIELDS
    return bool(uses) and bool((message.context or {}).get("diagnosis_sensitive"))


_SAVED_FIELDS = [
    "status",
    "skip_reason",
    "error",
    "provider_id",
    "backend",
    "body",
    "phone",
    "email",
    "segments",
    "sent_at",
    "claim",
    "lease_expires_at",
]


def _save_outcomes(done: list[Message]) -> None:
    """One prepared UPDATE run for every message (``bulk_update`` builds a CASE per field
    and row, which cost more than sending the messages)."""
    fields = [Message._meta.get_field(name) for name in _SAVED_FIELDS]
    table = connection.ops.quote_name(Message._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    rows = [
        [f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk]
        for m in done
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608


def _record(done: list[Message]) -> None:
    """Save what happened to ``done`` and close the follow-up tasks they carried."""
    if not done:
        return
    with transaction.atomic():
        _save_outcomes(done)
        task_ids = {m.task_id for m in done if m.task_id}
        web = set(
            FollowUpTask.objects.filter(pk__in=task_ids, channel=Channel.WEB).values_list(
                "pk", flat=True
            )
            if task_ids
            else ()
        )
        if web:
            # Imported here: web_surveys queues through this module.
            from huifang.messaging.services.web_surveys import web_survey_messages_settled

            web_survey_messages_settled(task_ids=web)
        for message in done:
            if message.task_id in web:
                continue
            if message.task_id and message.status in (Status.SENT, Status.SKIPPED, Status.FAILED):
                sent = message.status == Status.SENT
                task_complete_by_message(
                    task_id=message.task_id,
                    sent=sent,
                    reason="短信已发送"
                    if sent
                    else f"短信未发送：{message.skip_reason or message.error}",
                )
                if not sent:
                    _withdraw_links(message)
    done.clear()


def _withdraw_links(message: Message) -> None:
    """A survey invitation that never went out: its link reached nobody, so the dispatch goes."""
    from huifang.surveys.models import Dispatch
    from huifang.surveys.services import dispatch_withdraw

    reason = message.skip_reason or message.error or message.status
    for dispatch in Dispatch.objects.filter(task_id=message.task_id, status=Dispatch.Status.SENT):
        dispatch_withdraw(dispatch=dispatch, reason=reason)


def _release(messages: list[Message], *, not_before: datetime) -> None:
    Message.objects.filter(pk__in=[m.pk for m in messages], status=Status.SENDING).update(
        status=Status.QUEUED, claim="", lease_expires_at=None, not_before=not_before
    )


def messages_send_due(
    *,
    channel: str,
    now: datetime | None = None,
    limit: int = 500,
    backend: BaseBackend | None = None,
) -> dict[str, int]:
    """Send up to ``limit`` due messages of ``channel``; returns counts by what happened.

    Holds back SMS in the quiet hours and beyond the backend's rate; each
    message is checked again just before it goes out and skipped with the
    reason when it may not.
    """
    now = now or timezone.now()
    backend = backend or backend_for(channel)
    counts: Counter = Counter()
    counts["recovered"] = _recover_interrupted(channel=channel, backend=backend, now=now)
    if channel == MessageChannel.SMS and quiet_hours_until(now) is not None:
        counts["quiet_hours"] = 1
        return dict(counts)
    rate = backend_rate(channel)
    allowed = rate_take(backend=backend.name, rate=rate, want=limit, now=now)
    if allowed < limit:
        counts["rate_limited"] = 1
    # A backend that cannot de-duplicate gets one message per claim, so a crash
    # leaves at most the one being sent in doubt (and that one is not resent).
    per_claim = allowed if backend.idempotent else 1
    flush_every = 50 if backend.idempotent else 1
    used = 0
    backend.open()
    try:
        while used < allowed:
            batch = _claim(channel=channel, now=now, count=min(per_claim, allowed - used))
            if not batch:
                break
            used += len(batch)
            if not _send_batch(
                batch, backend=backend, now=now, counts=counts, flush_every=flush_every
            ):
                break
    finally:
        backend.close()
        rate_give_back(backend=backend.name, rate=rate, count=allowed - used)
    campaigns_finish_done(now=now)
    return dict(counts)


@dataclass(frozen=True)
class Check:
    """What the send-time check says of one message: why not ("" when it may go), and where to."""

    reason: str
    phone: PhoneNumber | None
    email: EmailAddress | None

    @property
    def address(self) -> str:
        if self.phone is not None:
            return self.phone.number
        return self.email.address if self.email is not None else ""


def _check(message: Message, facts: "_Batch") -> Check:
    patient_id = message.patient_id
    phone = email = None
    if message.channel == MessageChannel.SMS:
        phone = sms_phone(facts.phones.get(patient_id, []))
    else:
        emails = facts.emails.get(patient_id, [])
        email = emails[0] if emails else None
    reason = skip_reason(
        message,
        opt_outs=facts.opt_outs.get(patient_id, []),
        has_address=phone is not None or email is not None,
        sent_this_week=facts.sent_this_week[patient_id],
    )
    if not reason and _mentions_sensitive(message):
        reason = Message.SkipReason.SENSITIVE
    return Check(reason, phone, email)


def messages_check(messages: list[Message], *, now: datetime) -> list[Check]:
    """The send-time check of ``messages`` (saved or not), as the sender would make it now.

    Deceased, opted out, no valid number or address, weekly limit, sensitive
    diagnosis: for a campaign's preview, which counts who would get it. A
    few queries for the whole list.
    """
    facts = _Batch(messages, now)
    return [_check(message, facts) for message in messages]


def message_text(message: Message, check: Check, *, now: datetime) -> str:
    """The text ``message`` would carry if sent now (the SMS with its signature)."""
    return _outgoing(message, check.address, now)[1]


def _send_batch(
    batch: list[Message], *, backend: BaseBackend, now: datetime, counts: Counter, flush_every: int
) -> bool:
    facts = _Batch(batch, now)
    done: list[Message] = []
    for index, message in enumerate(batch):
        patient_id = message.patient_id
        check = _check(message, facts)
        reason, phone, email, address = check.reason, check.phone, check.email, check.address
        message.claim, message.lease_expires_at = "", None
        if reason:
            message.status, message.skip_reason = Status.SKIPPED, reason
            counts[f"skipped_{reason}"] += 1
            done.append(message)
            continue
        outgoing, body, segments = _outgoing(message, address, now)
        try:
            result = backend.send(outgoing)
        except SendError as exc:
            if not exc.permanent:
                # The gateway is down or busy: what is left waits a minute.
                _record(done)
                _release(batch[index:], not_before=now + timedelta(minutes=1))
                counts["retry_later"] += len(batch) - index
                logger.warning("%s backend: %s; retrying later", backend.name, exc)
                return False
            message.status, message.error = Status.FAILED, str(exc)[:200]
            counts["failed"] += 1
            done.append(message)
            continue
        message.status = Status.SENT
        message.provider_id = result.provider_id[:100]
        message.backend = backend.name
        message.body, message.segments = body, segments
        message.phone, message.email = phone, email
        message.sent_at = timezone.now()
        facts.sent_this_week[patient_id] += 1
        counts["sent"] += 1
        done.append(message)
        if len(done) >= flush_every:
            _record(done)
    _record(done)
    return True


def campaigns_finish_done(*, now: datetime) -> int:
    """Scheduled campaigns whose time came are sending; those with nothing left, finished."""
    Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now).update(
        status=Campaign.Status.RUNNING
    )
    busy = Message.objects.filter(status__in=(Status.QUEUED, Status.SENDING)).values("campaign_id")
    return (
        Campaign.objects.filter(status__in=SENDABLE_CAMPAIGN)
        .exclude(pk__in=busy.filter(campaign__isnull=False))
        .update(status=Campaign.Status.FINISHED, finished_at=now)
    )


# --- Delivery receipts and replies ---------------------------------------------------


RECEIPT_STATUS = {
    "delivered": Status.DELIVERED,
    "failed": Status.FAILED,
    "undelivered": Status.FAILED,
    "rejected": Status.FAILED,
}


@transaction.atomic
def receipt_apply(
    *, provider_id: str, status: str, error_code: str = "", at: datetime | None = None
) -> Message | None:
    """Apply a delivery receipt: the message's status, and the phone's when the receipt
    says the number does not exist or is suspended. Unknown ids are ignored (None)."""
    new_status = RECEIPT_STATUS.get((status or "").lower())
    if new_status is None:
        raise ApplicationError(f"未知的回执状态：{status}", code="unknown_receipt_status")
    message = (
        Message.objects.select_for_update(of=("self",))
        .filter(Q(provider_id=provider_id) | Q(key=provider_id))
        .select_related("phone")
        .first()
    )
    if message is None:
        return None
    message.status = new_status
    if new_status == Status.DELIVERED:
        message.delivered_at = at or timezone.now()
        message.save(update_fields=["status", "delivered_at"])
    else:
        message.error = f"receipt: {error_code or status}"[:200]
        message.save(update_fields=["status", "error"])
    phone_status = settings.HUIFANG_SMS_NUMBER_ERRORS.get(error_code)
    if phone_status and message.phone is not None:
        patient_services.phone_set_status(
            actor=None,
            phone=message.phone,
            status=phone_status,
            reason=f"短信回执 {error_code}",
        )
    return message


def _is_opt_out_word(text: str) -> bool:
    word = "".join((text or "").split()).upper()
    return word in {w.upper() for w in settings.HUIFANG_SMS_OPT_OUT_WORDS}


@transaction.atomic
def inbound_receive(
    *, backend: str, sender: str, text: str, provider_id: str = ""
) -> InboundMessage:
    """Keep a reply; TD / 退订 / STOP opts every patient with that mobile out of marketing SMS."""
    from huifang.messaging.services.optouts import optout_record

    try:
        number, _line_type = normalize_phone(sender)
    except InvalidPhoneNumber:
        number = ""
    phones = (
        list(PhoneNumber.objects.filter(number=number).select_related("patient")) if number else []
    )
    is_opt_out = _is_opt_out_word(text)
    reply = InboundMessage.objects.create(
        phone=phones[0] if phones else None,
        backend=backend,
        provider_id=provider_id[:100],
        text=(text or "")[:500],
        is_opt_out=is_opt_out,
    )
    if is_opt_out:
        for phone in phones:
            optout_record(
                actor=None,
                patient=phone.patient,
                channel=MessageChannel.SMS,
                category=Category.MARKETING,
                source="reply",
            )
    return reply
