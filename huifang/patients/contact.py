"""The one rule that says whether a patient may be contacted: on this channel, for this purpose, now.

Ask ``contact_decision`` right before contacting (an agent claiming a call,
a message about to go out); do not copy its conditions. It reads the
patient as they are now, so a death, an opt-out or a number found dead
since the work was planned stops the contact even when the planned work
was not cancelled in time.

In the order people ask:

1. **Deceased** — no contact, except the one condolence to the family.
2. **Opted out of the channel** (``Patient.do_not_contact``) — none on
   that channel, whatever the purpose.
3. **A usable number** — a call needs a number that is not invalid or
   suspended (``PhoneNumber.is_usable``); a text message needs one too.

Category-level opt-outs of messages (a reply of TD to marketing) are the
messaging app's own and are checked there, after this rule.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huifang.patients.models import Channel, Patient, PhoneNumber


class Purpose(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up")
    SURVEY = "survey", _("Satisfaction survey")
    EDUCATION = "education", _("Health education")
    GREETING = "greeting", _("Greeting")
    CONDOLENCE = "condolence", _("Condolence")


class Refusal(models.TextChoices):
    DECEASED = "deceased", _("Patient deceased")
    OPTED_OUT = "opted_out", _("Opted out of this channel")
    NO_USABLE_NUMBER = "no_usable_number", _("No usable number")


# Channels that reach the patient through a phone number.
_NEEDS_NUMBER = {Channel.PHONE, Channel.SMS}


@dataclass(frozen=True)
class ContactDecision:
    """The answer: ``allowed``, else ``reason`` (a ``Refusal``) and a message staff can act on."""

    allowed: bool
    reason: str = ""
    message: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = ContactDecision(allowed=True)


def _channel_label(channel: str) -> str:
    return str(dict(Channel.choices).get(channel, channel))


def contact_refusal(
    *, patient: Patient, channel: str, purpose: str = Purpose.FOLLOW_UP, on: date | None = None
) -> str:
    """The patient's own stop on ``channel`` (a ``Refusal`` value), or "" when there is none.

    Deceased (except for the one condolence), or opted out of the channel.
    Senders that choose their own number or address (the SMS and e-mail
    sender, the web-survey sender) ask this and then check the route they
    picked; a call asks ``contact_decision``, which adds the usable number.
    """
    deceased = patient.deceased_on is not None and (on is None or patient.deceased_on <= on)
    if deceased and purpose != Purpose.CONDOLENCE:
        return Refusal.DECEASED
    if channel in (patient.do_not_contact or []):
        return Refusal.OPTED_OUT
    return ""


def contact_decision(
    *,
    patient: Patient,
    channel: str,
    purpose: str,
    on: date | None = None,
    phones: list[PhoneNumber] | None = None,
) -> ContactDecision:
    """Whether ``patient`` may be contacted on ``channel`` for ``purpose`` (``on`` a day; default today).

    ``phones`` are the patient's numbers when the caller has read them
    already; else they are read here (one query, only for channels that
    need a number). ``patient`` should be freshly read: the rule is only as
    current as the row it is given.
    """
    refusal = contact_refusal(patient=patient, channel=channel, purpose=purpose, on=on)
    if refusal == Refusal.DECEASED:
        return ContactDecision(
            allowed=False,
            reason=Refusal.DECEASED,
            message=gettext("The patient died on %(date)s: no more contact.")
            % {"date": formats.date_format(patient.deceased_on, "Y-m-d")},
        )
    if refusal == Refusal.OPTED_OUT:
        return ContactDecision(
            allowed=False,
            reason=Refusal.OPTED_OUT,
            message=gettext("The patient asked not to be contacted by %(channel)s.")
            % {"channel": _channel_label(channel)},
        )
    if channel in _NEEDS_NUMBER:
        if phones is None:
            phones = list(PhoneNumber.objects.filter(patient_id=patient.pk))
        if not any(phone.is_usable for phone in phones):
            return ContactDecision(
                allowed=False,
                reason=Refusal.NO_USABLE_NUMBER,
                message=gettext(
                    "The patient has no usable phone number (all are missing, empty or "
                    "suspended): add a working number on the patient's page first."
                ),
            )
    return ALLOWED
