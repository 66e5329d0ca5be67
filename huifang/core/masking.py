"""Masking of phone and ID numbers for lists and pages."""

import re

import phonenumbers


def _national_digits(number: str) -> str:
    """Digits as dialled inside China: 13812345678, 01062345678."""
    if number.startswith("+"):
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            return re.sub(r"\D", "", number)
        if parsed.country_code == 86:
            nsn = phonenumbers.national_significant_number(parsed)
            # Mobiles have 11 digits starting with 1; landlines are dialled
            # with the trunk 0 before the area code (Beijing: 010 + 8 digits).
            is_mobile = len(nsn) == 11 and nsn.startswith("1")
            return nsn if is_mobile else "0" + nsn
    return re.sub(r"\D", "", number)


def mask_phone(number: str | None) -> str:
    """138****5678 for a mobile, 010****5678 for a landline: what staff may see in lists."""
    if not number:
        return ""
    digits = _national_digits(number)
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    head = digits[:4] if digits.startswith("0") and len(digits) > 11 else digits[:3]
    if len(digits) <= 8:
        head = ""
    return f"{head}{'*' * (len(digits) - len(head) - 4)}{digits[-4:]}"


def mask_id_number(value: str | None) -> str:
    """110***********123X: first three and last four characters visible."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


_ID_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9０-９])[0-9０-９]{17}[0-9０-９Xx]|(?<![0-9０-９])[0-9０-９]{15}(?![0-9０-９])"
)
_DIGITS_IN_TEXT = re.compile(r"[0-9０-９]{7,}")


def mask_numbers_in_text(text: str) -> str:
    """A raw cell as staff may see it: ID numbers and any run of seven or more
    digits (a phone, with or without its area code) masked, the rest as it is.

    For cells whose column is not known to hold a number (a contact cell
    ``李四(配偶) 13812345678``, a file's own columns), so a preview of rows as
    read shows no number in full.
    """
    if not text:
        return text
    text = _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _DIGITS_IN_TEXT.sub(lambda m: mask_phone(m.group().translate(_FULL_WIDTH)), text)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
