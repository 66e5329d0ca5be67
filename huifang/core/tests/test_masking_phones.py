import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.core.masking import mask_id_number, mask_numbers_in_text, mask_phone
from huifang.core.phones import InvalidPhoneNumber, dial_string, normalize_phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613812345678", "138****5678"),
        ("+861062345678", "010****5678"),
        ("+862162345678", "021****5678"),
        ("+8657188881234", "0571****1234"),
        ("", ""),
    ],
)
def test_it_masks_phones_as_staff_expect(stored, shown):
    assert mask_phone(stored) == shown


def test_it_masks_id_numbers_keeping_three_and_four():
    assert mask_id_number("11010519491231002X") == "110***********002X"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_it_never_shows_the_middle_of_a_mobile(mobile):
    assert mask_phone("+86" + mobile) == mobile[:3] + "****" + mobile[-4:]


@pytest.mark.parametrize(
    ("raw", "e164", "line"),
    [
        ("13812345678", "+8613812345678", "mobile"),
        ("１３８１２３４５６７８", "+8613812345678", "mobile"),  # full-width digits
        (" 138-1234-5678 ", "+8613812345678", "mobile"),
        ("+86 138 1234 5678", "+8613812345678", "mobile"),
        ("010-62345678", "+861062345678", "landline"),
        ("（０２１）６３４５６７８９", "+862163456789", "landline"),
    ],
)
def test_it_normalises_what_his_files_contain(raw, e164, line):
    assert normalize_phone(raw) == (e164, line)


@pytest.mark.parametrize("raw", ["", "12345", "138123456789", "电话不详", "00000000000"])
def test_it_rejects_numbers_that_cannot_be_dialled(raw):
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize_phone(raw)
    assert info.value.code == "invalid_phone_number"
    assert info.value.message  # a reason staff can read


def test_it_dials_domestic_numbers_without_country_code():
    assert dial_string("+8613812345678") == "13812345678"
    assert dial_string("+861062345678") == "01062345678"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_it_agrees_with_the_full_parser_on_every_mobile(mobile):
    """The fast path for plain mobiles answers exactly as libphonenumber does."""
    import phonenumbers

    parsed = phonenumbers.parse(mobile, "CN")
    full_valid = phonenumbers.is_valid_number(parsed)
    try:
        fast = normalize_phone(mobile)
    except InvalidPhoneNumber:
        fast = None
    if fast is not None and fast[1] == "mobile":
        assert full_valid
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        assert fast[0] == "+86" + mobile
    else:
        assert not (
            full_valid and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("13812345678", "138****5678"),
        ("１３８１２３４５６７８/儿子:13712345678", "138****5678/儿子:137****5678"),
        ("010-62345678", "010-****5678"),
        ("11010519491231002X", "110***********002X"),
        ("110105491231002", "110********1002"),
        ("李秀英(配偶) 13987654321；床号 12", "李秀英(配偶) 139****4321；床号 12"),
        ("2026-11-10", "2026-11-10"),
    ],
)
def test_numbers_in_raw_text_are_masked_and_the_rest_kept(text, shown):
    assert mask_numbers_in_text(text) == shown
