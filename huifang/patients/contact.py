"""The one rule that decides whether a patient may be contacted on a channel.

Every part of the product that is about to call, text or mail a patient asks
``contact_refusal`` (follow-up tasks made by hand, greetings and campaigns):
a deceased patient is never contacted again, and a channel the patient
refused (退订) is not used. Rules that belong to one kind of message (the
messaging app's category opt-outs, its weekly limit) stay with that app and
are asked after this one.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.patients.models import Patient


class ContactRefusal(models.TextChoices):
    DECEASED = "deceased", _("The patient has died")
    OPTED_OUT = "opted_out", _("The patient refused this channel")


def contact_refusal(*, patient: Patient, channel: str) -> str:
    """Why ``patient`` must not be contacted by ``channel`` ("" when they may be)."""
    if patient.deceased_on is not None:
        return ContactRefusal.DECEASED
    if channel in (patient.do_not_contact or []):
        return ContactRefusal.OPTED_OUT
    return ""


def contact_allowed(*, patient: Patient, channel: str) -> bool:
    """Whether ``patient`` may be contacted by ``channel`` (see ``contact_refusal``)."""
    return not contact_refusal(patient=patient, channel=channel)
