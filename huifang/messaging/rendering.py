"""Template placeholders, the opt-out instruction and SMS length (pure functions)."""

import math
import re

from django.conf import settings
from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError

PLACEHOLDER = re.compile(r"\{(\w+)\}")

# What a template may say, filled per patient when the message is sent.
PLACEHOLDERS = {
    "patient": "张先生",
    "hospital": "示范人民医院",
    "department": "心血管内科",
    "doctor": "王医生",
    "visit_date": "11月10日",
    "link": "https://hospital.example/s/AbCdEfGhIjKlMnOpQrStUv",
    "hotline": "010-12345678",
    "diagnosis": "原发性高血压",
}
# Fields that reveal a diagnosis: never in a clinical reminder or a survey invitation,
# which go to whoever holds the phone.
DIAGNOSIS_FIELDS = {"diagnosis"}
CLINICAL_CATEGORIES = {"clinical", "survey"}

SMS_SINGLE = 70
SMS_PART = 67


def placeholders_in(body: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(body or "")))


def opt_out_suffix() -> str:
    return settings.HUIFANG_SMS_OPT_OUT_SUFFIX


def body_check(*, body: str, category: str) -> str:
    """The body as it will be stored: placeholders known, no diagnosis in clinical texts,
    the opt-out instruction at the end of greetings and marketing. Raises on a fault."""
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("The message text is empty."), code="template_empty")
    names = placeholders_in(body)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        raise ApplicationError(
            _("Unknown placeholders: %(names)s. Allowed: %(allowed)s")
            % {"names": ", ".join(unknown), "allowed": ", ".join(PLACEHOLDERS)},
            code="template_unknown_placeholder",
            details={"placeholders": unknown},
        )
    if category in CLINICAL_CATEGORIES and DIAGNOSIS_FIELDS & set(names):
        raise ApplicationError(
            _("Clinical reminders and survey invitations may not name the diagnosis."),
            code="template_diagnosis_field",
        )
    if category in ("greeting", "marketing"):
        suffix = opt_out_suffix()
        if not body.endswith(suffix):
            body = f"{body}{suffix}"
    return body


def render(body: str, context: dict) -> str:
    """Fill the placeholders; a missing value becomes empty rather than "{name}"."""
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), "") or ""), body)


def sms_text(body: str) -> str:
    """What the phone shows: the signature 【…】 then the text."""
    return f"【{settings.HUIFANG_SMS_SIGNATURE}】{body}"


def sms_segments(text: str) -> int:
    """How many SMS the text takes: 70 characters in one, 67 per part when split."""
    length = len(text)
    if length == 0:
        return 0
    if length <= SMS_SINGLE:
        return 1
    return math.ceil(length / SMS_PART)


def sample_context() -> dict:
    return {**PLACEHOLDERS, "hospital": settings.HUIFANG_HOSPITAL_NAME}
