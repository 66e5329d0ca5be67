"""Phone numbers: parse what HIS files and staff type into E.164."""

import unicodedata

import phonenumbers

from huifang.core.errors import ApplicationError

LINE_MOBILE = "mobile"
LINE_LANDLINE = "landline"
LINE_UNKNOWN = "unknown"


class InvalidPhoneNumber(ApplicationError):
    code = "invalid_phone_number"


def to_halfwidth(text: str) -> str:
    """Full-width digits and punctuation (１３８，－) become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def normalize_phone(raw: str, *, region: str = "CN") -> tuple[str, str]:
    """Return ``(e164, line_type)`` or raise ``InvalidPhoneNumber``."""
    text = to_halfwidth(raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("电话号码为空", details={"value": ""})
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("无法识别的电话号码", details={"reason": str(exc)}) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("电话号码无效（位数或号段不对）")
    kind = phonenumbers.number_type(parsed)
    if kind in (phonenumbers.PhoneNumberType.MOBILE,):
        line = LINE_MOBILE
    elif kind in (phonenumbers.PhoneNumberType.FIXED_LINE,):
        line = LINE_LANDLINE
    elif kind == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE:
        line = LINE_UNKNOWN
    else:
        line = LINE_UNKNOWN
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), line


def national_format(e164: str) -> str:
    """The number as a Chinese caller dials it (13812345678, 010 1234 5678)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == 86:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def dial_string(e164: str) -> str:
    """Digits for a ``tel:`` link inside China (no +86 for domestic numbers)."""
    return "".join(ch for ch in national_format(e164) if ch.isdigit() or ch == "+")
