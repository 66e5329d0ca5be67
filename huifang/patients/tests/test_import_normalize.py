import pickle
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from huifang.patients.importing.normalize import (
    Age,
    DiagnosisItem,
    FieldProblem,
    FindingItem,
    PhoneCandidate,
    _labelled_numbers,
    _walk_numbers,
    approx_birth_date,
    clean_free_text,
    clean_name,
    clean_text,
    parse_age,
    parse_contact,
    parse_date,
    parse_diagnoses,
    parse_findings,
    parse_procedures,
    parse_sex,
    split_phones,
)
from huifang.patients.models import AbnormalFinding

Kind = AbnormalFinding.Kind

# Text as it arrives from exports: anything, with a bias to what HIS files hold.
cells = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-/.: 年月日号时分秒T岁个天周小", max_size=25),
    st.from_regex(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?( \d{1,2}[:时]\d{1,2}(:\d{1,2})?)?"),
)


def test_it_carries_a_code_and_a_message_for_the_clerk():
    problem = FieldProblem("invalid_date", "日期无法识别：明天")
    assert problem.code == "invalid_date"
    assert problem.message == str(problem) == "日期无法识别：明天"
    copy = pickle.loads(pickle.dumps(problem))  # noqa: S301 - our own object
    assert (copy.code, copy.message) == (problem.code, problem.message)


# ---------------------------------------------------------------------------
# clean_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  张三  ", "张三"),
        ("张\u3000三", "张 三"),
        ("a\xa0\xa0 b", "a b"),
        ("第一行\n\t第二行", "第一行 第二行"),
        ("１３８１２３４５６７８", "13812345678"),
        ("ＡＢＣ－１２３", "ABC-123"),
        ("（北京市）", "(北京市)"),
        ("\ufeff姓名", "姓名"),
        ("张\u200b三", "张三"),
        ('"张三"', "张三"),
        ("' 张三 '", "张三"),
        ("“张三”", "张三"),
        ('="010123"', "010123"),
        ("'13812345678", "13812345678"),
        ('"""张三"""', "张三"),
        ('"他说"好""', '"他说"好""'),  # quotes inside: not ours to remove
        ("NULL", ""),
        ("null", ""),
        ("None", ""),
        ("nan", ""),
        ("NaN", ""),
        ('"NULL"', ""),
        ("无", "无"),  # "no allergies" is information
        ("-", "-"),
        ("Nullable", "Nullable"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        (36.5, "36.5"),
        (float("nan"), ""),
        (Decimal("13812345678"), "13812345678"),
        (Decimal("1.50"), "1.50"),
        (date(2026, 3, 5), "2026-03-05"),
        (datetime(2026, 3, 5), "2026-03-05"),
        (datetime(2026, 3, 5, 14, 30), "2026-03-05 14:30:00"),
        (time(14, 30), "14:30:00"),
    ],
)
def test_it_cleans_text(value, text):
    assert clean_text(value) == text


@given(st.one_of(st.text(), st.integers(), st.floats(), st.dates(), st.datetimes(), st.none()))
def test_clean_text_is_idempotent_and_tidy(value):
    text = clean_text(value)
    assert clean_text(text) == text
    assert text == text.strip()
    assert "  " not in text


# ---------------------------------------------------------------------------
# parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("NULL", None),
        ("-", None),
        ("不详", None),
        (date(2026, 3, 5), date(2026, 3, 5)),
        (datetime(2026, 3, 5, 14, 30), date(2026, 3, 5)),
        (46086, date(2026, 3, 5)),
        (46086.75, date(2026, 3, 5)),
        (Decimal("46086"), date(2026, 3, 5)),
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (2958465, date(9999, 12, 31)),
        ("46086", date(2026, 3, 5)),
        ("46085.5", date(2026, 3, 4)),
        ("20260305", date(2026, 3, 5)),
        ("20260305143000", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        ("2026/3/5", date(2026, 3, 5)),
        ("2026.3.5", date(2026, 3, 5)),
        ("2026年3月5日", date(2026, 3, 5)),
        ("2026年03月05号", date(2026, 3, 5)),
        ("2026年3月5日 14:30", date(2026, 3, 5)),
        ("2026年3月5日14时30分", date(2026, 3, 5)),
        ("2026-03-05 14:30", date(2026, 3, 5)),
        ("2026/3/5 14:30:00", date(2026, 3, 5)),
        ("2026-03-05T14:30:00", date(2026, 3, 5)),
        ("2026-03-05 14:30:00.000", date(2026, 3, 5)),
        ("２０２６－０３－０５", date(2026, 3, 5)),
        (" '2026-03-05' ", date(2026, 3, 5)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_it_parses_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-02-30", "impossible_date"),
        ("2026-13-01", "impossible_date"),
        ("2025-02-29", "impossible_date"),
        ("20261305", "impossible_date"),
        ("2026年2月30日", "impossible_date"),
        ("2026-03-05 25:00", "impossible_date"),
        ("0000-01-01", "impossible_date"),
        (60, "impossible_date"),  # Excel's 29 February 1900
        ("2026-3/5", "invalid_date"),  # mixed separators
        ("26-3-5", "invalid_date"),
        ("3/5/2026", "invalid_date"),
        ("2026年3月", "invalid_date"),
        ("202603", "invalid_date"),
        ("4608", "invalid_date"),
        ("460860", "invalid_date"),
        ("明天", "invalid_date"),
        ("2026-03-05T14:30:00Z", "invalid_date"),
        (0, "invalid_date"),
        (-5, "invalid_date"),
        (2958466, "invalid_date"),
        (float("inf"), "invalid_date"),
        (True, "invalid_date"),
    ],
)
def test_it_refuses_dates_it_cannot_read(value, code):
    with pytest.raises(FieldProblem) as caught:
        parse_date(value)
    assert caught.value.code == code
    assert caught.value.message.startswith(
        "日期不存在：" if code == "impossible_date" else "日期无法识别："
    )


def test_it_quotes_long_values_briefly():
    with pytest.raises(FieldProblem) as caught:
        parse_date("不是日期" * 100)
    assert len(caught.value.message) < 60


def _excel_serial(day: date) -> int:
    serial = (day - date(1899, 12, 30)).days
    return serial if serial > 60 else serial - 1


DATE_FORMATS = [
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
    lambda d: f"{d.year:04d}/{d.month}/{d.day}",
    lambda d: f"{d.year:04d}.{d.month}.{d.day}",
    lambda d: f"{d.year:04d}年{d.month}月{d.day}日",
    lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}",
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d} 14:30",
    lambda d: f"{d.year:04d}/{d.month}/{d.day} 14:30:00",
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}T14:30:00",
    lambda d: datetime(d.year, d.month, d.day, 14, 30),
    lambda d: d,
]


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(DATE_FORMATS), st.booleans())
def test_parse_date_round_trips_every_supported_format(day, fmt, fullwidth):
    value = fmt(day)
    if fullwidth and isinstance(value, str):
        value = value.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-/.:"})
    assert parse_date(value) == day


@given(st.dates(min_value=date(1900, 1, 1)), st.booleans())
def test_parse_date_round_trips_excel_serials(day, as_text):
    serial = _excel_serial(day)
    if as_text:
        assume(10000 <= serial <= 99999)
        assert parse_date(str(serial)) == day
    else:
        assert parse_date(serial) == day
        assert parse_date(serial + 0.5) == day


@given(st.one_of(cells, st.integers(), st.floats()))
def test_parse_date_raises_nothing_but_field_problems(value):
    try:
        result = parse_date(value)
    except FieldProblem as problem:
        assert problem.code in ("invalid_date", "impossible_date")
    else:
        assert result is None or isinstance(result, date)


# ---------------------------------------------------------------------------
# Age, birth date, sex


@pytest.mark.parametrize(
    ("value", "age"),
    [
        (None, None),
        ("", None),
        ("不详", None),
        ("45岁", Age(45)),
        ("45", Age(45)),
        ("45 岁", Age(45)),
        ("４５岁", Age(45)),
        ("45Y", Age(45)),
        ("45周岁", Age(45)),
        (45, Age(45)),
        (45.0, Age(45)),
        ("0岁", Age(0)),
        ("3月", Age(months=3)),
        ("3个月", Age(months=3)),
        ("3月龄", Age(months=3)),
        ("3M", Age(months=3)),
        ("12天", Age(days=12)),
        ("12日", Age(days=12)),
        ("2周", Age(days=14)),
        ("1岁3月", Age(1, 3)),
        ("1岁3个月", Age(1, 3)),
        ("2月15天", Age(months=2, days=15)),
        ("130岁", Age(130)),
    ],
)
def test_it_parses_ages(value, age):
    assert parse_age(value) == age


@pytest.mark.parametrize(
    "value", ["131岁", 131, "200", "45.5岁", "四十五岁", "岁", "45岁岁", -1, 45.5, "1岁3年"]
)
def test_it_refuses_ages_it_cannot_use(value):
    with pytest.raises(FieldProblem) as caught:
        parse_age(value)
    assert caught.value.code == "invalid_age"


@pytest.mark.parametrize(
    ("age", "on", "born"),
    [
        (Age(45), date(2026, 3, 5), date(1981, 3, 5)),
        (Age(1, 3), date(2026, 3, 5), date(2024, 12, 5)),
        (Age(months=1), date(2026, 3, 31), date(2026, 2, 28)),
        (Age(1), date(2024, 2, 29), date(2023, 2, 28)),
        (Age(days=12), date(2026, 3, 5), date(2026, 2, 21)),
        (Age(), date(2026, 3, 5), date(2026, 3, 5)),
        (Age(months=14, days=3), date(2026, 1, 10), date(2024, 11, 7)),
    ],
)
def test_it_estimates_birth_dates_from_ages(age, on, born):
    assert approx_birth_date(age, on) == born


@given(st.integers(min_value=0, max_value=130), st.dates(min_value=date(1900, 1, 1)))
def test_an_estimated_birth_date_gives_back_the_age(years, on):
    born = approx_birth_date(Age(years), on)
    assert on.year - born.year - ((on.month, on.day) < (born.month, born.day)) == years


@pytest.mark.parametrize(
    ("value", "sex"),
    [
        ("男", "M"),
        (" 男性 ", "M"),
        ("M", "M"),
        ("m", "M"),
        ("Male", "M"),
        ("1", "M"),
        (1, "M"),
        (1.0, "M"),
        ("女", "F"),
        ("F", "F"),
        ("female", "F"),
        ("2", "F"),
        ("未知", "U"),
        ("0", "U"),
        ("9", "U"),
        ("", "U"),
        (None, "U"),
        ("男女", "U"),
    ],
)
def test_it_reads_sex(value, sex):
    assert parse_sex(value) == sex


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("李 四", "李四"),
        (" 欧阳  娜娜 ", "欧阳娜娜"),
        ("李　四", "李四"),  # an ideographic space
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("John  Smith", "John Smith"),
        ("李 John", "李 John"),
    ],
)
def test_it_cleans_names(value, name):
    assert clean_name(value) == name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("低盐饮食\n按时服药，1月后复查", "低盐饮食\n按时服药，1月后复查"),
        ("低盐饮食\r\n\r\n\r\n  按时服药。 \r\n", "低盐饮食\n\n按时服药。"),
        ("５．０ｍｇ　每日一次（饭后）；", "5.0mg 每日一次（饭后）；"),
        ("  阿司匹林   100mg  ", "阿司匹林 100mg"),
        ('"氨氯地平片"', "氨氯地平片"),
        ("NULL", ""),
        (None, ""),
    ],
)
def test_it_keeps_lines_and_chinese_punctuation_in_free_text(value, text):
    assert clean_free_text(value) == text


# ---------------------------------------------------------------------------
# Phones


def _phones(*items):
    return [PhoneCandidate(*item) for item in items]


@pytest.mark.parametrize(
    ("cell", "family", "found"),
    [
        ("13812345678", False, _phones(("13812345678", "self"))),
        ("１３８１２３４５６７８", False, _phones(("13812345678", "self"))),
        (13812345678.0, False, _phones(("13812345678", "self"))),
        ("138 1234 5678", False, _phones(("13812345678", "self"))),
        ("138-1234-5678", False, _phones(("13812345678", "self"))),
        ("010-6234 5678", False, _phones(("01062345678", "self"))),
        ("(010)62345678", False, _phones(("01062345678", "self"))),
        ("0571 8888 7777", False, _phones(("057188887777", "self"))),
        ("62345678", False, _phones(("62345678", "self"))),
        ("+86 138 1234 5678", False, _phones(("+8613812345678", "self"))),
        ("0086 13812345678", False, _phones(("008613812345678", "self"))),
        ("010-62345678转801", False, _phones(("01062345678", "self", "", "", "801"))),
        (
            "13812345678/13912345678",
            False,
            _phones(("13812345678", "self"), ("13912345678", "self")),
        ),
        (
            "13812345678 13912345678",
            False,
            _phones(("13812345678", "self"), ("13912345678", "self")),
        ),
        (
            "138 1234 5678 139 1234 5678",
            False,
            _phones(("13812345678", "self"), ("13912345678", "self")),
        ),
        (
            "1381234567813912345678",
            False,
            _phones(("13812345678", "self"), ("13912345678", "self")),
        ),
        (
            "13812345678，010-62345678；13912345678",
            False,
            _phones(("13812345678", "self"), ("01062345678", "self"), ("13912345678", "self")),
        ),
        ("13812345678、13812345678", False, _phones(("13812345678", "self"))),
        ("13812345678(本人)", False, _phones(("13812345678", "self"))),
        ("儿子：13912345678", False, _phones(("13912345678", "family", "儿子"))),
        ("配偶 13712345678", False, _phones(("13712345678", "family", "配偶"))),
        ("家属13612345678", False, _phones(("13612345678", "family", "家属"))),
        ("母亲/13512345678", False, _phones(("13512345678", "family", "母亲"))),
        ("老伴 13512345678", False, _phones(("13512345678", "family", "配偶"))),
        ("手机 13512345678", False, _phones(("13512345678", "self"))),
        ("爱人13512345678", False, _phones(("13512345678", "family", "配偶"))),
        ("患者儿子13512345678", False, _phones(("13512345678", "family", "儿子"))),
        (
            "13812345678(本人)，儿子：13912345678",
            False,
            _phones(("13812345678", "self"), ("13912345678", "family", "儿子")),
        ),
        (
            "本人13812345678 女儿13912345678",
            False,
            _phones(("13812345678", "self"), ("13912345678", "family", "女儿")),
        ),
        (
            "13812345678 本人 13912345678 儿子",
            False,
            _phones(("13812345678", "self"), ("13912345678", "family", "儿子")),
        ),
        (
            "13812345678（本人）13912345678（外孙女）",
            False,
            _phones(("13812345678", "self"), ("13912345678", "family", "外孙女")),
        ),
        ("13912345678", True, _phones(("13912345678", "family"))),
        ("13912345678 本人", True, _phones(("13912345678", "self"))),
        ("女儿 13912345678", True, _phones(("13912345678", "family", "女儿"))),
        ("", False, []),
        ("无", False, []),
        ("NULL", False, []),
        ("12345", False, []),
        ("2345678", False, _phones(("2345678", "self"))),  # validated later, not here
    ],
)
def test_it_splits_phone_cells(cell, family, found):
    assert split_phones(cell, family=family) == found


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
separators = st.sampled_from(["/", ",", "，", ";", "；", "、", " ", "\u3000", "\n", " / ", "；\n"])
layouts = st.sampled_from(
    [
        lambda m: m,
        lambda m: f"{m[:3]} {m[3:7]} {m[7:]}",
        lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}",
        lambda m: m.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
    ]
)
labels = st.sampled_from(["", "本人", "儿子：", "配偶 ", "家属", "母亲/"])
trailers = st.sampled_from(["", "(本人)", "（女儿）"])


@given(st.lists(st.tuples(mobiles, layouts, labels, trailers), min_size=1, max_size=5), st.data())
def test_split_phones_finds_every_mobile_whatever_joins_them(entries, data):
    numbers = [number for number, *_ in entries]
    assume(len(set(numbers)) == len(numbers))
    cell = ""
    for i, (number, layout, label, trailer) in enumerate(entries):
        if i:
            cell += data.draw(separators)
        cell += label + layout(number) + trailer
    assert [candidate.raw for candidate in split_phones(cell)] == numbers


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        ("李四(配偶) 13812345678", _phones(("13812345678", "family", "配偶", "李四"))),
        (
            "王芳 女儿 13912345678；张伟 儿子 13712345678",
            _phones(
                ("13912345678", "family", "女儿", "王芳"),
                ("13712345678", "family", "儿子", "张伟"),
            ),
        ),
        ("13612345678 刘洋", _phones(("13612345678", "family", "", "刘洋"))),
        (
            "13612345678 刘洋 13712345678 王芳",
            _phones(("13612345678", "family", "", "刘洋"), ("13712345678", "family", "", "王芳")),
        ),
        ("紧急联系人：王先生 电话13812345678", _phones(("13812345678", "family", "", "王先生"))),
        ("联系人:张三(儿子),手机:13812345678", _phones(("13812345678", "family", "儿子", "张三"))),
        ("女儿13912345678", _phones(("13912345678", "family", "女儿"))),
        ("患者本人 13812345678", _phones(("13812345678", "self"))),
        ("李四", []),
        (None, []),
    ],
)
def test_it_reads_contact_cells(cell, found):
    assert parse_contact(cell) == found


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        ("010-62345678-8021", [("01062345678", "8021")]),
        ("010-6234-5678转8021", [("01062345678", "8021")]),
        ("021 6234 5678 ext 12", [("02162345678", "12")]),
        ("0755-88886666 分机：123", [("075588886666", "123")]),
        ("62345678#21", [("62345678", "21")]),
        ("010-62345678(转8021)/13912345678", [("01062345678", "8021"), ("13912345678", "")]),
        ("010-62345678转8021 13912345678", [("01062345678", "8021"), ("13912345678", "")]),
        # a dash between groups of a mobile, or before the next number, is no extension
        ("138-1234-5678", [("13812345678", "")]),
        ("0755-88886666-13912345678", [("075588886666", ""), ("13912345678", "")]),
    ],
)
def test_it_keeps_the_extension_apart_from_the_number(cell, found):
    assert [(c.raw, c.extension) for c in split_phones(cell)] == found


def test_an_extension_is_not_taken_for_the_contact_s_name():
    assert parse_contact("010-62345678转8021 李四(儿子)") == [
        PhoneCandidate("01062345678", "family", "儿子", "李四", "8021")
    ]


_label = st.text(alphabet="家属配偶儿子女联系人张三本人电话：:()（） -—/，,", max_size=8)


@given(_label, st.text(alphabet="0123456789", min_size=2, max_size=24), _label)
def test_a_single_number_cell_reads_as_the_general_walk_reads_it(lead, digits, trail):
    text = clean_text(lead + digits + trail)
    assert _labelled_numbers(text) == _walk_numbers(text)


@given(cells)
def test_phone_parsers_never_raise(cell):
    for candidate in split_phones(cell) + parse_contact(cell):
        assert candidate.owner in ("self", "family")
        assert candidate.raw.lstrip("+").isdigit()


# ---------------------------------------------------------------------------
# Diagnoses, procedures, findings


def _diagnoses(*items):
    return [DiagnosisItem(*item) for item in items]


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        ("I10 原发性高血压", _diagnoses(("I10", "原发性高血压"))),
        ("原发性高血压(I10)", _diagnoses(("I10", "原发性高血压"))),
        ("原发性高血压（I10.x00）", _diagnoses(("I10.X00", "原发性高血压"))),
        ("原发性高血压[I10]", _diagnoses(("I10", "原发性高血压"))),
        ("I10|原发性高血压", _diagnoses(("I10", "原发性高血压"))),
        ("原发性高血压|I10", _diagnoses(("I10", "原发性高血压"))),
        ("i10 原发性高血压", _diagnoses(("I10", "原发性高血压"))),
        ("I10:原发性高血压", _diagnoses(("I10", "原发性高血压"))),
        ("I10.x00x003原发性高血压3级", _diagnoses(("I10.X00X003", "原发性高血压3级"))),
        ("原发性高血压I10.x00", _diagnoses(("I10.X00", "原发性高血压"))),
        ("原发性高血压", _diagnoses(("", "原发性高血压"))),
        ("I10", _diagnoses(("I10", "I10"))),
        ("B24", _diagnoses(("B24", "B24"))),
        ("I10；I10 原发性高血压", _diagnoses(("I10", "原发性高血压"))),
        (
            "E11.900x001 2型糖尿病; I10 原发性高血压",
            _diagnoses(("E11.900X001", "2型糖尿病"), ("I10", "原发性高血压")),
        ),
        (
            "I10 原发性高血压\nE11.9 2型糖尿病",
            _diagnoses(("I10", "原发性高血压"), ("E11.9", "2型糖尿病")),
        ),
        (
            "I10|原发性高血压|E11.9|2型糖尿病",
            _diagnoses(("I10", "原发性高血压"), ("E11.9", "2型糖尿病")),
        ),
        (
            "I10 原发性高血压|E11.9 2型糖尿病",
            _diagnoses(("I10", "原发性高血压"), ("E11.9", "2型糖尿病")),
        ),
        ("原发性高血压|2型糖尿病", _diagnoses(("", "原发性高血压"), ("", "2型糖尿病"))),
        (
            "I10 原发性高血压 E11.9 2型糖尿病",
            _diagnoses(("I10", "原发性高血压"), ("E11.9", "2型糖尿病")),
        ),
        (
            "原发性高血压(I10) 2型糖尿病(E11.9)",
            _diagnoses(("I10", "原发性高血压"), ("E11.9", "2型糖尿病")),
        ),
        ("1.原发性高血压 2.2型糖尿病", _diagnoses(("", "原发性高血压"), ("", "2型糖尿病"))),
        ("1、原发性高血压 2、冠心病", _diagnoses(("", "原发性高血压"), ("", "冠心病"))),
        ("①原发性高血压②冠心病", _diagnoses(("", "原发性高血压"), ("", "冠心病"))),
        (
            "原发性高血压，冠心病、2型糖尿病",
            _diagnoses(("", "原发性高血压"), ("", "冠心病"), ("", "2型糖尿病")),
        ),
        ("I10 原发性高血压；I10 原发性高血压", _diagnoses(("I10", "原发性高血压"))),
        ("I10;E11.9", _diagnoses(("I10", "I10"), ("E11.9", "E11.9"))),
        ("维生素B12缺乏", _diagnoses(("", "维生素B12缺乏"))),
        ("HLA-B27阳性", _diagnoses(("", "HLA-B27阳性"))),
        ("CA125升高", _diagnoses(("", "CA125升高"))),
        ("D51.900 维生素B12缺乏性贫血", _diagnoses(("D51.900", "维生素B12缺乏性贫血"))),
        ("", []),
        ("无", []),
        ("NULL", []),
    ],
)
def test_it_parses_diagnoses(cell, found):
    assert parse_diagnoses(cell) == found


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        ("腹腔镜下胆囊切除术", ["腹腔镜下胆囊切除术"]),
        ("阑尾切除术；腹腔探查术", ["阑尾切除术", "腹腔探查术"]),
        ("阑尾切除术、腹腔探查术,肠粘连松解术", ["阑尾切除术", "腹腔探查术", "肠粘连松解术"]),
        ("1.阑尾切除术\n2.腹腔探查术", ["阑尾切除术", "腹腔探查术"]),
        (" 经皮冠状动脉  支架植入术 ;; ", ["经皮冠状动脉 支架植入术"]),
        ("", []),
        ("无", []),
    ],
)
def test_it_parses_procedures(cell, found):
    assert parse_procedures(cell) == found


def _findings(*items):
    return [FindingItem(*item) for item in items]


@pytest.mark.parametrize(
    ("cell", "found"),
    [
        (
            "总胆固醇6.8mmol/L偏高；空腹血糖7.2；血压150/95mmHg；ALT 85U/L；甲状腺结节",
            _findings(
                (Kind.LIPIDS, "总胆固醇6.8mmol/L偏高"),
                (Kind.GLUCOSE, "空腹血糖7.2"),
                (Kind.BLOOD_PRESSURE, "血压150/95mmHg"),
                (Kind.LIVER_FUNCTION, "ALT 85U/L"),
                (Kind.THYROID, "甲状腺结节"),
            ),
        ),
        ("甘油三酯2.3", _findings((Kind.LIPIDS, "甘油三酯2.3"))),
        ("LDL-C 4.5", _findings((Kind.LIPIDS, "LDL-C 4.5"))),
        ("TG升高", _findings((Kind.LIPIDS, "TG升高"))),
        ("糖化血红蛋白7.5%", _findings((Kind.GLUCOSE, "糖化血红蛋白7.5%"))),
        ("HbA1c 7.5%", _findings((Kind.GLUCOSE, "HbA1c 7.5%"))),
        ("谷丙转氨酶升高", _findings((Kind.LIVER_FUNCTION, "谷丙转氨酶升高"))),
        ("B超提示脂肪肝", _findings((Kind.LIVER_FUNCTION, "B超提示脂肪肝"))),
        ("肌酐135μmol/L", _findings((Kind.KIDNEY_FUNCTION, "肌酐135μmol/L"))),
        ("Cr 135", _findings((Kind.KIDNEY_FUNCTION, "Cr 135"))),
        ("CRP升高", _findings((Kind.OTHER, "CRP升高"))),
        ("血尿酸520", _findings((Kind.URIC_ACID, "血尿酸520"))),
        ("TSH 6.2", _findings((Kind.THYROID, "TSH 6.2"))),
        ("胸部CT：右肺结节", _findings((Kind.IMAGING, "胸部CT:右肺结节"))),
        ("TCT未见异常", _findings((Kind.OTHER, "TCT未见异常"))),
        ("肝囊肿", _findings((Kind.IMAGING, "肝囊肿"))),
        ("乳腺增生", _findings((Kind.OTHER, "乳腺增生"))),
        (
            "血压150/95mmHg，建议复查",
            _findings((Kind.BLOOD_PRESSURE, "血压150/95mmHg,建议复查")),
        ),
        (
            "总胆固醇6.8、甘油三酯2.3偏高，空腹血糖7.2",
            _findings(
                (Kind.LIPIDS, "总胆固醇6.8、甘油三酯2.3偏高"),
                (Kind.GLUCOSE, "空腹血糖7.2"),
            ),
        ),
        (
            "1.血脂异常 2.空腹血糖 7.2",
            _findings((Kind.LIPIDS, "血脂异常"), (Kind.GLUCOSE, "空腹血糖 7.2")),
        ),
        ("", []),
        ("无", []),
    ],
)
def test_it_sorts_findings_into_kinds(cell, found):
    assert parse_findings(cell) == found


def test_it_keeps_finding_descriptions_within_the_column():
    (finding,) = parse_findings("血压" + "偏高" * 200)
    assert len(finding.description) == 200


@given(cells)
def test_list_parsers_never_raise_and_give_known_kinds(cell):
    for finding in parse_findings(cell):
        assert finding.kind in Kind.values
        assert finding.description
    for diagnosis in parse_diagnoses(cell):
        assert diagnosis.code or diagnosis.name
        assert diagnosis.code == diagnosis.code.upper()
    assert all(parse_procedures(cell))
