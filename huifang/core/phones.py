"""Phone numbers: parse what HIS files and staff type into E.164."""

import functools
import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext as _

from huifang.core.errors import ApplicationError

LINE_MOBILE = "mobile"
LINE_LANDLINE = "landline"
LINE_UNKNOWN = "unknown"


class InvalidPhoneNumber(ApplicationError):
    code = "invalid_phone_number"


def to_halfwidth(text: str) -> str:
    """Full-width digits and punctuation (１３８，－) become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


_PLAIN_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_SEPARATORS = re.compile(r"[\s\-]")


def normalize_phone(raw: str, *, region: str = "CN") -> tuple[str, str]:
    """Return ``(e164, line_type)`` or raise ``InvalidPhoneNumber``."""
    text = to_halfwidth(raw or "").strip()
    # Most numbers in HIS files are plain mainland mobiles: recognise them
    # without the general parser (which costs ~100 µs a number). The pattern
    # accepts exactly what libphonenumber accepts as a CN mobile range start;
    # numbers outside these ranges still go through the full parser below.
    if region == "CN":
        plain = _PLAIN_MOBILE.fullmatch(_SEPARATORS.sub("", text))
        if plain is not None and plain.group(1)[:4] in _mobile_prefixes():
            return "+86" + plain.group(1), LINE_MOBILE
    if not text:
        raise InvalidPhoneNumber(_("The phone number is empty"), details={"value": ""})
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(
            _("Unrecognised phone number"), details={"reason": str(exc)}
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(_("Invalid phone number (wrong number of digits or prefix)"))
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


@functools.cache
def _mobile_prefixes() -> frozenset[str]:
    """Four-digit prefixes whose every number libphonenumber treats as a CN mobile.

    A prefix is taken only when all its five-digit sub-prefixes, sampled at
    both ends of their range, are mobiles: 1740 is split (17400–17405 are
    satellite mobiles, 17406 is not), so such prefixes go to the full parser.
    """

    def mobile(number: str) -> bool:
        parsed = phonenumbers.parse(number, "CN")
        return (
            phonenumbers.is_valid_number(parsed)
            and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        )

    return frozenset(
        str(head)
        for head in range(1300, 2000)
        if all(
            mobile(f"{head}{digit}{rest}")
            for digit in range(10)
            for rest in ("000000", "123456", "999999")
        )
    )
