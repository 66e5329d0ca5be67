from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.core.idnumbers import (
    id_birth_date,
    id_check_digit,
    id_number_valid,
    id_sex,
    normalize_id_number,
)

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002x ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),  # full-width
        ("110105\u300019491231002X", "11010519491231002X"),
        ("'11010519491231002X", "11010519491231002X"),  # Excel text prefix
        ('="11010519491231002X"', "11010519491231002X"),
        ('"11010519491231002X"', "11010519491231002X"),
        (110105491231002, "110105491231002"),  # legacy number stored as a number
        (110105491231002.0, "110105491231002"),
        (None, ""),
        ("", ""),
    ],
)
def test_it_normalizes_id_numbers_as_exports_write_them(raw, normalized):
    assert normalize_id_number(raw) == normalized


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # The two examples given with GB 11643-1999.
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
    ],
)
def test_it_computes_check_characters(first17, check):
    assert id_check_digit(first17) == check


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100X", ""])
def test_it_refuses_to_compute_a_check_character_from_anything_but_17_digits(bad):
    with pytest.raises(ValueError, match="17 digits"):
        id_check_digit(bad)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("440524188001010014", True),  # born 1880: the oldest example in the standard
        ("１１０１０５１９４９１２３１００２Ｘ", True),
        ("110105 1949 1231 002X", True),
        ("110105491231002", True),  # 15-digit number issued before 1999
        ("110105194912310021", False),  # wrong check character
        ("11010519491231002", False),  # 17 characters
        ("11010519491231002XX", False),
        ("1101051949123100X2", False),  # X only as the last character
        ("110105194902300020", False),  # 30 February; check character right
        ("110105194913010029", False),  # month 13; check character right
        ("110105187912310024", False),  # born 1879
        ("11010520300101001X", False),  # born in the future
        ("110105491331002", False),  # 15 digits, month 13
        ("11010549123100X", False),  # 15 characters, not all digits
        ("", False),
        ("身份证号", False),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", False),  # Arabic-Indic digits
    ],
)
def test_it_checks_id_numbers(number, valid):
    assert id_number_valid(number, today=TODAY) is valid


def test_it_uses_the_real_today_by_default():
    assert id_number_valid("11010519491231002X")
    first17 = "110105" + "29991231" + "001"
    assert not id_number_valid(first17 + id_check_digit(first17))


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F"),
        ("440524188001010014", date(1880, 1, 1), "M"),
        ("11010519491231002x", date(1949, 12, 31), "F"),
        ("110105491231002", date(1949, 12, 31), "F"),  # legacy: sex from the 15th digit
        ("110105491231003", date(1949, 12, 31), "M"),
        ("110105194912310021", None, None),
        ("not a number", None, None),
    ],
)
def test_it_reads_birth_date_and_sex_from_valid_numbers_only(number, born, sex):
    assert id_birth_date(number) == born
    assert id_sex(number) == sex


ids = st.builds(
    lambda region, born, sequence: (f"{region:06d}{born:%Y%m%d}{sequence:03d}", born),
    st.integers(min_value=110000, max_value=999999),
    st.dates(min_value=date(1880, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(ids)
def test_it_accepts_every_number_built_with_the_check_character(built):
    first17, born = built
    number = first17 + id_check_digit(first17)
    assert id_number_valid(number, today=TODAY)
    assert id_number_valid(number.lower(), today=TODAY)
    assert id_birth_date(number) == born
    assert id_sex(number) == ("M" if int(first17[16]) % 2 else "F")


@given(ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_it_rejects_any_single_character_change(built, position, replacement):
    first17, _ = built
    number = first17 + id_check_digit(first17)
    if position < 17 and replacement == "X":
        replacement = "0"  # X is only ever a check character
    if number[position] == replacement:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    assert not id_number_valid(changed, today=TODAY)


@given(st.text())
def test_it_never_raises_on_arbitrary_text(text):
    assert isinstance(id_number_valid(text), bool)
    assert normalize_id_number(normalize_id_number(text)) == normalize_id_number(text)
