"""Who may be sent what, decided again at send time (safety rules of architecture.md)."""

from datetime import datetime, time, timedelta

from django.conf import settings

from huifang.messaging.models import Category, Message, OptOut
from huifang.patients.contact import Refusal, contact_refusal
from huifang.patients.models import Patient, PhoneNumber

# What a marketing opt-out (a TD reply) covers: everything not clinical.
NON_CLINICAL = {Category.EDUCATION, Category.GREETING, Category.MARKETING}


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_hours_until(moment: datetime) -> datetime | None:
    """When SMS may go out again if ``moment`` (aware) is in the quiet hours, else None.

    The quiet hours run from ``HUIFANG_SMS_QUIET_START`` to ``..._END`` local
    time, across midnight when the start is later than the end (21:00–08:00).
    """
    from django.utils import timezone

    start = _parse(settings.HUIFANG_SMS_QUIET_START)
    end = _parse(settings.HUIFANG_SMS_QUIET_END)
    if start == end:
        return None
    local = timezone.localtime(moment)
    now = local.time()
    if start < end:
        quiet = start <= now < end
        wake_day = local.date()
    else:
        quiet = now >= start or now < end
        wake_day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(wake_day, end, tzinfo=local.tzinfo)


def opted_out(patient: Patient, channel: str, category: str, opt_outs: list[OptOut]) -> bool:
    """Whether the patient refused ``channel`` for messages of ``category``."""
    if contact_refusal(patient=patient, channel=channel) == Refusal.OPTED_OUT:
        return True
    for opt_out in opt_outs:
        if opt_out.channel != channel:
            continue
        if opt_out.category in ("", category):
            return True
        if opt_out.category == Category.MARKETING and (
            category in NON_CLINICAL or not settings.HUIFANG_CLINICAL_AFTER_MARKETING_OPT_OUT
        ):
            return True
    return False


def sms_phone(phones: list[PhoneNumber]) -> PhoneNumber | None:
    """The mobile to text: the patient's own before family, primary first; usable only."""
    owner_order = {PhoneNumber.Owner.SELF: 0, PhoneNumber.Owner.FAMILY: 1}
    mobiles = [
        phone
        for phone in phones
        if phone.is_usable
        and (
            phone.line_type == PhoneNumber.LineType.MOBILE
            or (phone.line_type == PhoneNumber.LineType.UNKNOWN and phone.number.startswith("+861"))
        )
    ]
    mobiles.sort(key=lambda p: (owner_order.get(p.owner, 9), not p.is_primary, p.pk))
    return mobiles[0] if mobiles else None


def skip_reason(
    message: Message,
    *,
    opt_outs: list[OptOut],
    has_address: bool,
    sent_this_week: int,
) -> str:
    """Why ``message`` must not go out now ("" when it may), in the order people ask:
    deceased, opted out, no valid number or address, weekly limit."""
    patient = message.patient
    if contact_refusal(patient=patient, channel=message.channel) == Refusal.DECEASED:
        return Message.SkipReason.DECEASED
    if opted_out(patient, message.channel, message.category, opt_outs):
        return Message.SkipReason.OPTED_OUT
    if not has_address:
        return Message.SkipReason.NO_NUMBER
    if (
        message.category != Category.CLINICAL
        and sent_this_week >= settings.HUIFANG_MESSAGE_WEEKLY_CAP
    ):
        return Message.SkipReason.WEEKLY_CAP
    return ""
