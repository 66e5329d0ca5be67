"""Resident ID numbers (居民身份证号码, GB 11643-1999).

An 18-character number is six digits of region, eight of birth date, three of
sequence (the last of them odd for men, even for women) and a check character
computed with ISO 7064 MOD 11-2. Numbers issued before 1999 have 15 digits:
the birth date is written ``yymmdd`` (always 19yy) and there is no check
character. Pure functions; they run once per row of a hospital export.
"""

import re
import unicodedata
from datetime import date

# ISO 7064 MOD 11-2: the weight of digit i (from 0) is 2**(17 - i) mod 11,
# i.e. 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, and the check character is
# _CHECK[weighted sum mod 11].
_CHECK = "10X98765432"
# The earliest birth year accepted: nobody born before it held an 18-digit number.
_MIN_BIRTH_YEAR = 1880

_SPACES = re.compile(r"\s+")
# Exports force text in Excel with a leading apostrophe or ="...".
_WRAPPERS = re.compile(r"""^(?:=?"(.*)"|'(.*))$""")


def normalize_id_number(value: str) -> str:
    """Half-width, no spaces, upper-case check character: ``11010519491231002X``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        # A legacy 15-digit number stored as a number in a spreadsheet.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
        value = _SPACES.sub("", value)
        # Spaces removed can leave combining marks side by side: order them again.
        value = unicodedata.normalize("NFKC", value)
    else:
        value = _SPACES.sub("", value)
    wrapped = _WRAPPERS.match(value)
    while wrapped:
        value = wrapped.group(1) if wrapped.group(1) is not None else wrapped.group(2)
        wrapped = _WRAPPERS.match(value)
    return value.replace("x", "X")


def id_check_digit(first17: str) -> str:
    """The check character of an 18-character ID number from its first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    # Read as a base-13 number the digits weigh 13**(16 - i), and 13 = 2 mod 11,
    # so twice that number is the weighted sum mod 11, computed in C.
    return _CHECK[2 * int(first17, 13) % 11]


def _birth_date(number: str) -> date | None:
    """The birth date written in an 18- or 15-digit number, if it is a real date."""
    try:
        if len(number) == 18:
            return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        return date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None


def id_number_valid(value: str, *, today: date | None = None) -> bool:
    """Whether ``value`` is a well-formed ID number: 18 characters with a correct
    check character, or 15 digits (legacy), and a real birth date not in the future.

    The region code is not checked against a list: numbers of residence permits
    (81, 82, 83) and of foreigners' permanent residence cards (9x) are valid too.
    """
    if not value:
        return False
    if not (value.isascii() and value.isalnum()):
        value = normalize_id_number(value)
        if not value.isascii():
            return False
    length = len(value)
    if length == 18:
        first17 = value[:17]
        if not first17.isdigit() or id_check_digit(first17) != value[17].upper():
            return False
    elif length != 15 or not value.isdigit():
        return False
    born = _birth_date(value)
    if born is None or born.year < _MIN_BIRTH_YEAR:
        return False
    return born <= (today or date.today())


def id_birth_date(value: str) -> date | None:
    """The birth date of a valid ID number, else ``None``."""
    if not id_number_valid(value):
        return None
    return _birth_date(normalize_id_number(value))


def id_sex(value: str) -> str | None:
    """``"M"`` or ``"F"`` from the sequence digit (odd for men) of a valid ID number."""
    if not id_number_valid(value):
        return None
    number = normalize_id_number(value)
    digit = number[16] if len(number) == 18 else number[14]
    return "M" if int(digit) % 2 else "F"
