"""The one rule of whether a patient may be contacted through a channel.

Every part of the product that reaches a patient asks it (the SMS and
e-mail sender, the questionnaire links, the web-survey sender) rather
than checking the patient's record itself, so a new stop condition is
added here once. Finer choices stay with their owners: which number to
dial or text, a message category the patient opted out of, quiet hours.
"""

from huifang.patients.models import Patient

DECEASED = "deceased"
OPTED_OUT = "opted_out"


def contact_refusal(*, patient: Patient, channel: str) -> str:
    """Why ``patient`` may not be contacted through ``channel`` now; "" when they may.

    ``deceased``: a date of death is recorded (never contact again);
    ``opted_out``: the patient asked not to be contacted through this
    channel (``do_not_contact``). ``channel`` is a ``patients.models.Channel``
    value: ``phone``, ``sms``, ``email`` or ``web``.
    """
    if patient.deceased_on is not None:
        return DECEASED
    if channel in (patient.do_not_contact or []):
        return OPTED_OUT
    return ""
