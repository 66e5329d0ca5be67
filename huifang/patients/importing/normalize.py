"""Cells of hospital (HIS) exports turned into clean values.

Pure functions, no database: each takes what the reader gives for one cell
(``str``, ``int``, ``float``, ``datetime`` or ``None``) and returns a value
the import can store, or raises ``FieldProblem`` with a message a clerk can
act on. They run once per cell of files with a million rows, so the patterns
are compiled once at import time and the common cases take the short path.
"""

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from huifang.patients.models import AbnormalFinding


class FieldProblem(Exception):
    """A value that cannot be used. code: stable English; message: Chinese for a clerk."""

    def __init__(self, code: str, message: str) -> None:
        # Both in ``args`` so the exception survives pickling between processes.
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


def _shown(text: str) -> str:
    """The value as quoted back in a message, cut short if someone pasted a novel."""
    return text if len(text) <= 40 else text[:40] + "…"


# ---------------------------------------------------------------------------
# Text

# Zero-width characters and the byte-order mark survive NFKC; drop them before
# it so that what NFKC composes stays composed.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NULL_WORDS = frozenset({"NULL", "null", "None", "nan", "NaN"})
# Values that only say "nothing here"; for text they may mean something (无:
# no allergies), for dates, ages and lists they are simply empty.
_PLACEHOLDERS = frozenset(
    {"-", "--", "/", "—", "——", "无", "暂无", "不详", "未知", "N/A", "n/a", "NA", "#N/A"}
)
_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』", "`": "`"}


def _to_text(value) -> str:
    """A non-text cell as text: 13812345678.0 from Excel becomes ``13812345678``."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return str(int(value))
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _unquote(text: str) -> str:
    """Quotes that bad exports leave around a value: "x", 'x', ="0101", '0101."""
    while text:
        first, last = text[0], text[-1]
        if first == "=" and len(text) >= 3 and text[1] == '"' and last == '"':
            inner = text[2:-1]
        elif len(text) >= 2 and _QUOTE_PAIRS.get(first) == last:
            # """x""" when a quoted value was quoted again; not "a "b" c".
            depth = min(len(text) - len(text.lstrip(first)), len(text) - len(text.rstrip(last)))
            depth = min(depth, len(text) // 2)
            inner = text[depth:-depth]
            if last in inner:
                return text
        elif first == "'" and len(text) > 1 and (text[1].isdigit() or text[1] == "+"):
            inner = text[1:]  # Excel's text prefix before a number
        else:
            return text
        text = inner.strip()
    return text


def clean_text(value) -> str:
    """One line of clean text: half-width, trimmed, single spaces, no export debris."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _to_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    text = " ".join(text.split())
    if text and text[0] in "\"'“‘「『`=":
        text = _unquote(text)
    return "" if text in _NULL_WORDS else text


# Names: a space between two Chinese characters is a typing slip (李 四), and
# the middle dot of minority names comes in several look-alikes.
_NAME_DOTS = str.maketrans(dict.fromkeys("•‧∙・", "·"))
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff·]) +(?=[\u3400-\u9fff·])")


def clean_name(value) -> str:
    """A person's name: ``clean_text``, no spaces between Chinese characters.

    ``李 四`` is ``李四`` (another file's ``李四`` is then no name change),
    ``阿依古丽 • 买买提`` is ``阿依古丽·买买提``; ``John Smith`` keeps its space.
    """
    text = clean_text(value)
    if text.isascii():
        return text
    return _CJK_SPACE.sub("", text.translate(_NAME_DOTS))


# Free text keeps its lines and its Chinese punctuation (，。：；（）), which
# NFKC would turn into ASCII; only full-width letters, digits, spaces and the
# signs of doses and values (５．０ｍｇ, ＞１０％) fold.
_FULL_WIDTH_ALNUM = {
    **{code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)},
    **{code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)},
    **{code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)},
    **{ord(sign): ord(sign) - 0xFEE0 for sign in "％＋－．／＜＝＞"},
    0x3000: " ",
}
_SPACES = re.compile(r"[ \t\f\v\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_free_text(value) -> str:
    """Free text (治疗经过, 出院医嘱, 出院带药): ``clean_text`` but keeping line breaks
    and Chinese punctuation; spaces within a line become one, blank lines at most one."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _to_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text.translate(_INVISIBLE)).translate(_FULL_WIDTH_ALNUM)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text:
        lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
    else:
        text = _SPACES.sub(" ", text).strip()
    if text and text[0] in "\"'“‘「『`=":
        text = _unquote(text)
    return "" if text in _NULL_WORDS else text


def _prepare_multiline(value) -> str:
    """Like ``clean_text`` but keeping line breaks, which separate list items."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _to_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_ENUM_CIRCLED).translate(_INVISIBLE))
    return text


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return "" if text in _NULL_WORDS or text in _PLACEHOLDERS else text


# ---------------------------------------------------------------------------
# Dates

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 0, given the fake 1900-02-29
_MAX_SERIAL = 2958465  # 9999-12-31
_TIME = r"(?:(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)"
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:(?:\s|T)" + _TIME + r")?", re.ASCII)
_CN_DATE = re.compile(
    r"(\d{4})\s?年\s?(\d{1,2})\s?月\s?(\d{1,2})\s?[日号]?"
    r"(?:\s?(?:(\d{1,2})[:时点](\d{1,2})分?(?::(\d{1,2})|(\d{1,2})秒)?))?",
    re.ASCII,
)
_SERIAL_TEXT = re.compile(r"(\d{5})(?:\.\d+)?", re.ASCII)


def _invalid_date(text: str) -> FieldProblem:
    return FieldProblem("invalid_date", f"日期无法识别：{_shown(text)}")


def _impossible_date(text: str) -> FieldProblem:
    return FieldProblem("impossible_date", f"日期不存在：{_shown(text)}")


def _from_serial(serial, shown: str) -> date | None:
    """An Excel (1900 system) day number as a date; the fraction is the time of day."""
    if serial != serial:  # NaN: an empty numeric cell
        return None
    if not 1 <= serial < _MAX_SERIAL + 1:
        raise _invalid_date(shown)
    days = int(serial)
    if days == 60:
        raise _impossible_date(shown)  # Excel's 1900-02-29, kept for Lotus 1-2-3
    return _EXCEL_EPOCH + timedelta(days=days if days > 60 else days + 1)


def _make_date(text: str, year, month, day, hour=None, minute=None, second=None) -> date:
    try:
        result = date(int(year), int(month), int(day))
    except ValueError:
        raise _impossible_date(text) from None
    if hour is not None and (
        int(hour) > 23 or int(minute) > 59 or (second is not None and int(second) > 59)
    ):
        raise _impossible_date(text)
    return result


def parse_date(value) -> date | None:
    """A date from a cell in any of the ways HIS exports write one; ``None`` if empty.

    Raises ``FieldProblem`` (``invalid_date``, ``impossible_date``) otherwise.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise _invalid_date(str(value))
    if isinstance(value, int | float | Decimal):
        return _from_serial(value, str(value))
    if type(value) is str and len(value) == 10 and value[4] == "-" == value[7] and value.isascii():
        try:
            return date.fromisoformat(value)  # the usual case, in C
        except ValueError:
            pass  # the slow path says why
    text = clean_text(value)
    if not text or text in _PLACEHOLDERS:
        return None
    if text.isascii() and text.isdigit():
        length = len(text)
        if length == 8:
            return _make_date(text, text[:4], text[4:6], text[6:])
        if length == 5:
            return _from_serial(int(text), text)
        if length in (12, 14):  # HL7-style stamps: 20260305143000
            second = text[12:14] if length == 14 else None
            return _make_date(text, text[:4], text[4:6], text[6:8], text[8:10], text[10:12], second)
        raise _invalid_date(text)
    match = _YMD.fullmatch(text)
    if match:
        year, _, month, day, hour, minute, second = match.groups()
        return _make_date(text, year, month, day, hour, minute, second)
    match = _CN_DATE.fullmatch(text)
    if match:
        year, month, day, hour, minute, second, second_cn = match.groups()
        return _make_date(text, year, month, day, hour, minute, second or second_cn)
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text), text)
    raise _invalid_date(text)


# ---------------------------------------------------------------------------
# Age and sex


@dataclass(frozen=True)
class Age:
    years: int = 0
    months: int = 0
    days: int = 0


_MAX_AGE_YEARS = 130
_AGE = re.compile(
    r"(?:(\d{1,3})(?:周岁|岁|[Yy]))?"
    r"(?:(\d{1,4})(?:个月龄|个月|月龄|月|[Mm]))?"
    r"(?:(\d{1,3})周)?"
    r"(?:(\d{1,5})(?:天|日|[Dd]))?"
    r"(?:(\d{1,3})(?:小时|时|[Hh]))?",
    re.ASCII,
)


def parse_age(value) -> Age | None:
    """An age as HIS systems write it (45岁, 3个月, 12天, 1岁3月); ``None`` if empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldProblem("invalid_age", f"年龄无法识别：{value}")
    if isinstance(value, int | float | Decimal):
        if value != value:
            return None
        if not 0 <= value <= _MAX_AGE_YEARS or value != int(value):
            raise FieldProblem("invalid_age", f"年龄不合理：{_to_text(value)}")
        return Age(years=int(value))
    text = clean_text(value)
    if not text or text in _PLACEHOLDERS:
        return None
    compact = text.replace(" ", "")
    if compact.isascii() and compact.isdigit():
        age = Age(years=int(compact))
    else:
        match = _AGE.fullmatch(compact)
        if not match or not any(match.groups()):
            raise FieldProblem("invalid_age", f"年龄无法识别：{_shown(text)}")
        years, months, weeks, days, hours = (int(part or 0) for part in match.groups())
        age = Age(years=years, months=months, days=weeks * 7 + days + hours // 24)
    if age.years * 365 + age.months * 30 + age.days > _MAX_AGE_YEARS * 365:
        raise FieldProblem("invalid_age", f"年龄不合理：{_shown(text)}")
    return age


def approx_birth_date(age: Age, on: date) -> date:
    """The birth date of someone ``age`` old on ``on``; 29 February becomes the 28th."""
    months = on.year * 12 + on.month - 1 - age.years * 12 - age.months
    year, month0 = divmod(months, 12)
    day = min(on.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day) - timedelta(days=age.days)


_SEXES = {
    **dict.fromkeys(("男", "男性", "男士", "m", "male", "man", "1"), "M"),
    **dict.fromkeys(("女", "女性", "女士", "f", "female", "woman", "2"), "F"),
}


def parse_sex(value) -> str:
    """``"M"``, ``"F"`` or ``"U"`` (unknown, including GB/T 2261 codes 0 and 9)."""
    return _SEXES.get(clean_text(value).lower(), "U")


# ---------------------------------------------------------------------------
# Phones


@dataclass(frozen=True)
class PhoneCandidate:
    raw: str
    owner: str  # "self" | "family"
    relation: str = ""
    contact_name: str = ""
    # An extension after the number (010-62345678转8021): nobody can dial it,
    # but the clerk should see it.
    extension: str = ""


OWNER_SELF = "self"
OWNER_FAMILY = "family"

# Relation words as staff type them, and the word we store.
_RELATION_WORDS = (
    "配偶 丈夫 妻子 儿子 女儿 子女 儿媳 女婿 孙子 孙女 外孙 外孙女 父亲 母亲 父母 "
    "哥哥 姐姐 弟弟 妹妹 兄弟 姐妹 爷爷 奶奶 外公 外婆 侄子 侄女 外甥 外甥女 "
    "家属 亲属 亲戚 朋友 邻居 同事 保姆 护工 监护人"
)
_RELATIONS = {word: word for word in _RELATION_WORDS.split()} | {
    "老公": "丈夫",
    "老婆": "妻子",
    "爱人": "配偶",
    "老伴": "配偶",
    "儿女": "子女",
    "爸爸": "父亲",
    "妈妈": "母亲",
    "姥姥": "外婆",
    "姥爷": "外公",
    "联系人": "",  # someone to call, relation not said
}
_RELATION = re.compile("|".join(sorted(_RELATIONS, key=len, reverse=True)))
_SELF = re.compile("本人|患者|病人|自己")
# Words around a number in a contact cell that are neither a name nor a relation.
_CONTACT_NOISE = re.compile(
    r"紧急|联系电话|联系方式|联系|电话号码|电话|手机号码|手机号|手机|座机|固话|宅电|号码|姓名|关系|"
    r"(?<![A-Za-z])(?:tel|phone|mobile)(?![A-Za-z])",
    re.IGNORECASE,
)
_NAME = re.compile(r"[\u3400-\u9fff·]{1,8}|[A-Za-z][A-Za-z .'-]*[A-Za-z]")
# A run of characters that can make up one or more numbers: digits with
# spaces, dashes and brackets between them.
_PHONE_RUN = re.compile(r"\+?\d[\d\-—–() ]*\d", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)
_PHONE_SEPARATOR = re.compile(r"[/,;、|，；]")
_PAREN_LABEL = re.compile(r"\s*[(\[【]([^)\]】]*)[)\]】]")
_MEANINGFUL = re.compile(r"[^\W\d_]")
_MIN_PHONE_DIGITS = 7
# An extension right after a number: 转8021, 分机 8021, ext 12, x12, #12, (8021);
# -8021 only after a landline (a dash also splits a mobile into groups).
_EXTENSION_AFTER = re.compile(
    r"\s*[(（]?\s*(?:转|分机号?|ext\.?|x|#)\s*[:：.]?\s*(\d{1,6})(?!\d)\s*[)）]?", re.IGNORECASE
)
_DASH_EXTENSION_AFTER = re.compile(r"\s*[-—–]\s*(\d{1,6})(?!\d)")


def _digit_limit(first_group: str, plus: bool) -> int:
    """How many digits a number that starts with ``first_group`` can have."""
    if first_group == "0086":
        return 15
    if first_group == "86" or (plus and first_group.startswith("86")):
        return 13
    if plus:
        return 15
    if first_group[0] == "1":
        return 11  # mobile
    if first_group[0] == "0":
        return 12  # area code and local number
    return 8  # local number without area code


def _numbers_in_run(run: str, offset: int) -> list[tuple[str, int, int]]:
    """``(raw, start, end)`` of each number in a run: ``138 1234 5678 139 1234 5678``
    holds two, ``010-6234 5678`` one. Groups are joined while they fit one number."""
    numbers: list[tuple[str, int, int]] = []
    plus = run[0] == "+"
    current = ""
    start = end = limit = 0
    for group in _DIGITS.finditer(run):
        digits = group.group()
        if current and len(current) + len(digits) <= limit:
            current += digits
            end = group.end()
            continue
        if current:
            numbers.append((current, start, end))
        first = not numbers and not current
        current = digits
        start, end = (0 if first and plus else group.start()), group.end()
        limit = _digit_limit(digits, plus and first)
        if first and plus:
            current = "+" + digits
            limit += 1
    if current:
        numbers.append((current, start, end))
    result = []
    for raw, s, e in numbers:
        # Two or three mobiles typed without any separator.
        if len(raw) in (22, 33) and all(raw[i] == "1" for i in range(0, len(raw), 11)):
            result += [(raw[i : i + 11], offset + s, offset + e) for i in range(0, len(raw), 11)]
        elif len(raw.lstrip("+")) >= _MIN_PHONE_DIGITS:
            result.append((raw, offset + s, offset + e))
    return result


# A cell with one group of digits and words around it ("家属配偶 13912345678"),
# the usual contact cell: one number, labelled by all the words.
_ONE_NUMBER = re.compile(r"([^\d+]*)(\d{7,21})([^\d+]*)", re.ASCII)


def _labelled_numbers(text: str) -> list[tuple[str, str, str]]:
    """Each number in the cell with the words that belong to it (``儿子``, ``(本人)``)
    and its extension (``转8021``)."""
    one = _ONE_NUMBER.fullmatch(text)
    if one is not None:
        # What the general walk below gives for a single group of 7 to 21
        # digits: that group, labelled by what precedes and follows it.
        lead, digits, trail = one.groups()
        return [(digits, lead + trail, "")]
    return _walk_numbers(text)


def _extension_after(text: str, raw: str, end: int) -> re.Match | None:
    found = _EXTENSION_AFTER.match(text, end)
    if found is None and not raw.startswith(("1", "+", "86")):
        found = _DASH_EXTENSION_AFTER.match(text, end)
    return found


def _walk_numbers(text: str) -> list[tuple[str, str, str]]:
    numbers: list[tuple[str, int, int]] = []
    for run in _PHONE_RUN.finditer(text):
        numbers += _numbers_in_run(run.group(), run.start())
    if not numbers:
        return []
    # The extension belongs to the number before it, not to the words of the
    # next one, and its digits are no number of their own.
    extensions = [""] * len(numbers)
    for i, (raw, start, end) in enumerate(numbers):
        following = numbers[i + 1][1] if i + 1 < len(numbers) else len(text)
        found = _extension_after(text, raw, end)
        if found is not None and found.end() <= following:
            extensions[i] = found.group(1)
            numbers[i] = (raw, start, found.end())
    count = len(numbers)
    labels = [""] * count
    lead = text[: numbers[0][1]]
    trail = text[numbers[-1][2] :]
    # "13812345678 本人 13912345678 儿子": words follow the numbers when nothing
    # precedes the first one; otherwise they precede ("儿子：139...").
    words_follow = not _MEANINGFUL.search(lead) and bool(_MEANINGFUL.search(trail))
    labels[0] += lead
    labels[-1] += trail
    for i in range(1, count):
        between = text[numbers[i - 1][2] : numbers[i][1]]
        paren = _PAREN_LABEL.match(between)
        if paren:  # "13812345678(本人)" : the brackets belong to the number before
            labels[i - 1] += paren.group(1)
            between = between[paren.end() :]
        separator = _PHONE_SEPARATOR.search(between)
        if separator:
            labels[i - 1] += " " + between[: separator.start()]
            labels[i] += between[separator.end() :]
        elif words_follow:
            labels[i - 1] += " " + between
        else:
            labels[i] += between
    return [
        (raw, label, extension)
        for (raw, _, _), label, extension in zip(numbers, labels, extensions, strict=True)
    ]


def _candidates(value, *, family: bool, names: bool) -> list[PhoneCandidate]:
    text = clean_text(value)
    if not text:
        return []
    if 7 <= len(text) <= 21 and text.isascii() and text.isdigit():
        # Most cells: one number, nothing else.
        return [PhoneCandidate(raw=text, owner=OWNER_FAMILY if family else OWNER_SELF)]
    candidates: list[PhoneCandidate] = []
    seen: set[str] = set()
    for raw, label, extension in _labelled_numbers(text):
        if raw in seen:
            continue
        seen.add(raw)
        relations = [_RELATIONS[found] for found in _RELATION.findall(label)]
        if relations:
            # "联系人：张三(儿子)": the relation said, not the word for a contact.
            owner, word = OWNER_FAMILY, next(filter(None, relations), "")
        elif _SELF.search(label):
            owner, word = OWNER_SELF, ""
        else:
            owner, word = (OWNER_FAMILY if family else OWNER_SELF), ""
        name = ""
        if names and owner == OWNER_FAMILY:
            rest = _CONTACT_NOISE.sub(" ", _RELATION.sub(" ", label))
            found = _NAME.search(rest)
            name = found.group() if found else ""
        candidates.append(
            PhoneCandidate(
                raw=raw, owner=owner, relation=word, contact_name=name, extension=extension
            )
        )
    return candidates


def split_phones(value, *, family: bool = False) -> list[PhoneCandidate]:
    """The numbers in a phone cell, each with whose it is as far as the cell says.

    ``raw`` keeps only digits (and a leading ``+``); ``core.phones.normalize_phone``
    decides later whether the number is valid.
    """
    return _candidates(value, family=family, names=False)


def parse_contact(value) -> list[PhoneCandidate]:
    """The numbers in a "联系人及电话" cell, with the contact's name and relation."""
    return _candidates(value, family=True, names=True)


# ---------------------------------------------------------------------------
# Lists: diagnoses, procedures, findings

# ①..⑳, ⑴..⒇, ⒈..⒛ become digits under NFKC, which would glue the number to
# the item ("1原发性高血压"); they only ever enumerate, so they separate.
_ENUM_CIRCLED = dict.fromkeys(range(0x2460, 0x249C), ";")
# "1.原发性高血压 2、2型糖尿病 (3)高脂血症": numbering at the start of an item.
_ENUM = re.compile(r"(?:^|(?<=[\s;；,，、|]))(?:\(\d{1,2}\)|\d{1,2}[.、)])", re.ASCII)
# The same, but not "7.2" in "空腹血糖 7.2", where a value follows a space.
_ENUM_NOT_VALUE = re.compile(
    r"(?:^|(?<=[\s;；,，、|]))(?:\(\d{1,2}\)|\d{1,2}[.、)](?!\d))", re.ASCII
)


@dataclass(frozen=True)
class DiagnosisItem:
    code: str
    name: str


_DIAGNOSIS_SPLIT = re.compile(r"[;；,，、\n\r]+")
# ICD-10 with the national extensions (I10.x00x003) and dagger/asterisk pairs.
_ICD = re.compile(
    r"[A-Za-z]\d{2}[0-9A-Za-z]*(?:\.[0-9A-Za-z]+)?(?:\+[A-Za-z]\d{2}(?:\.[0-9A-Za-z]+)?)?[*†]?",
    re.ASCII,
)
_CODE_BEFORE = frozenset(" (（[【:：|-<")
_CODE_AFTER = frozenset(" )）]】:：|-,>")
_EMPTY_BRACKETS = re.compile(r"[(（\[【]\s*[)）\]】]")
_NAME_EDGES = " :：-|"


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


def _codes(item: str) -> list[re.Match]:
    """Codes standing on their own: "I10 高血压", "高血压(I10)", not "维生素B12缺乏"."""
    found = []
    for match in _ICD.finditer(item):
        start, end = match.span()
        before = item[start - 1] if start else " "
        after = item[end] if end < len(item) else " "
        if after not in _CODE_AFTER and not _is_cjk(after):
            continue
        if before == "-" and start > 1 and item[start - 2].isascii() and item[start - 2].isalnum():
            continue  # HLA-B27
        if before in _CODE_BEFORE or (_is_cjk(before) and end == len(item) and "." in match[0]):
            found.append(match)
    return found


def _diagnosis(item: str, match: re.Match | None) -> DiagnosisItem | None:
    if match is None:
        name = item
        code = ""
    else:
        name = item[: match.start()] + " " + item[match.end() :]
        code = match.group().upper()
    name = _EMPTY_BRACKETS.sub("", name).strip(_NAME_EDGES)
    name = " ".join(name.split())
    if name in _PLACEHOLDERS:
        name = ""
    if not name:
        if not code:
            return None
        # A bare code ("B24"): the code is the name, as for a codes-only column.
        name = code
    return DiagnosisItem(code=code, name=name)


def _diagnoses_in_item(item: str) -> list[DiagnosisItem | None]:
    codes = _codes(item)
    if len(codes) <= 1:
        return [_diagnosis(item, codes[0] if codes else None)]
    # Several pairs in one item: "I10 高血压 E11.9 2型糖尿病" (code first) or
    # "高血压(I10) 2型糖尿病(E11.9)" (name first).
    if not item[: codes[0].start()].strip(" (（[【:：-"):
        bounds = [m.start() for m in codes[1:]]
    else:
        bounds = []
        for m in codes[:-1]:
            end = m.end()
            while end < len(item) and item[end] in ")）]】":
                end += 1
            bounds.append(end)
    pieces = [item[a:b] for a, b in zip([0, *bounds], [*bounds, len(item)], strict=True)]
    result = []
    for piece in pieces:
        inner = _codes(piece)
        result.append(_diagnosis(piece, inner[0] if inner else None))
    return result


def _bare_code(text: str) -> bool:
    match = _ICD.fullmatch(text)
    return match is not None


def _pipe_items(item: str) -> list[str]:
    """One diagnosis in "I10|原发性高血压", two in "原发性高血压|2型糖尿病"."""
    parts = [part.strip() for part in item.split("|")]
    items = []
    i = 0
    while i < len(parts):
        part = parts[i]
        following = parts[i + 1] if i + 1 < len(parts) else ""
        if following and (
            (_bare_code(part) and not _codes(following))
            or (_bare_code(following) and part and not _codes(part))
        ):
            items.append(f"{part} {following}")
            i += 2
            continue
        items.append(part)
        i += 1
    return items


def parse_diagnoses(value) -> list[DiagnosisItem]:
    """Diagnoses with their ICD-10 codes, in order, without repeats."""
    text = _prepare_multiline(value)
    if not text:
        return []
    text = _ENUM.sub(";", text)
    result: list[DiagnosisItem] = []
    seen: set[DiagnosisItem] = set()
    for chunk in _DIAGNOSIS_SPLIT.split(text):
        chunk = " ".join(chunk.split())
        if not chunk or chunk in _NULL_WORDS:
            continue
        for item in _pipe_items(chunk) if "|" in chunk else (chunk,):
            if not item:
                continue
            for diagnosis in _diagnoses_in_item(item):
                if diagnosis is not None and diagnosis not in seen:
                    seen.add(diagnosis)
                    result.append(diagnosis)
    if len(result) > 1:
        # "I10；I10 原发性高血压": the bare code says no more than the named one.
        named = {d.code for d in result if d.code and d.name != d.code}
        result = [d for d in result if d.name != d.code or d.code not in named]
    return result


_PROCEDURE_SPLIT = re.compile(r"[;；、,，\n\r]+")


def parse_procedures(value) -> list[str]:
    """Operation and procedure names, in order."""
    text = _prepare_multiline(value)
    if not text:
        return []
    text = _ENUM_NOT_VALUE.sub(";", text)
    return [name for name in map(_one_line, _PROCEDURE_SPLIT.split(text)) if name]


@dataclass(frozen=True)
class FindingItem:
    kind: str
    description: str


_Kind = AbnormalFinding.Kind
# Most specific first: 甲状腺结节 is a thyroid finding before it is an image,
# B超提示脂肪肝 a liver one.
_FINDING_WORDS = (
    (_Kind.THYROID, "甲状腺 甲功 甲亢 甲减 TSH FT3 FT4"),
    (_Kind.LIVER_FUNCTION, "肝功 肝肾功 转氨酶 ALT AST 谷丙 谷草 胆红素 脂肪肝 GGT 谷氨酰"),
    (_Kind.GLUCOSE, "血糖 糖化 HbA1c GLU 尿糖 糖耐量 糖尿病"),
    (_Kind.URIC_ACID, "尿酸 UA 痛风"),
    (_Kind.KIDNEY_FUNCTION, "肾功 肌酐 尿素氮 尿素 Cr Scr BUN eGFR 尿蛋白"),
    (_Kind.LIPIDS, "血脂 胆固醇 甘油三酯 低密度 高密度 脂蛋白 TC TG LDL HDL"),
    (_Kind.BLOOD_PRESSURE, "血压"),
    (_Kind.IMAGING, "B超 彩超 超声 CT MRI 核磁 X线 胸片 DR 钼靶 结节 影像 囊肿 钙化 斑块 占位"),
)
_FINDING_KIND: dict[str, tuple[int, str]] = {}
for _rank, (_kind, _words) in enumerate(_FINDING_WORDS):
    for _word in _words.split():
        _FINDING_KIND[_word.lower()] = (_rank, _kind.value)


def _keyword_pattern(word: str) -> str:
    # Latin abbreviations only as whole words: CT is not the CT of TCT.
    pattern = re.escape(word)
    if word[0].isascii() and word[0].isalpha():
        pattern = r"(?<![A-Za-z])" + pattern
    if word[-1].isascii() and word[-1].isalpha():
        pattern += r"(?![A-Za-z])"
    return pattern


_FINDING_KEYWORD = re.compile(
    "|".join(map(_keyword_pattern, sorted(_FINDING_KIND, key=len, reverse=True))),
    re.IGNORECASE,
)
_FINDING_SPLIT = re.compile(r"[;；。\n\r]+")
_FINDING_SUBSPLIT = re.compile(r"([,，、])")
_DESCRIPTION_LENGTH = 200  # AbnormalFinding.description


def _finding_kind(text: str) -> str | None:
    best = None
    for match in _FINDING_KEYWORD.finditer(text):
        ranked = _FINDING_KIND[match.group().lower()]
        if best is None or ranked < best:
            best = ranked
    return best[1] if best else None


def _finding(kind: str | None, text: str) -> FindingItem:
    text = " ".join(text.split()).strip(" ,，、:：")
    if len(text) > _DESCRIPTION_LENGTH:
        text = text[: _DESCRIPTION_LENGTH - 1] + "…"
    return FindingItem(kind=kind or _Kind.OTHER.value, description=text)


def parse_findings(value) -> list[FindingItem]:
    """Abnormal health-check findings, each with the kind of follow-up it needs.

    Parts joined by commas stay one finding while they are about the same thing
    ("总胆固醇6.8、甘油三酯2.3偏高", "血压150/95mmHg，建议复查").
    """
    text = _prepare_multiline(value)
    if not text:
        return []
    text = _ENUM_NOT_VALUE.sub(";", text)
    findings: list[FindingItem] = []
    for segment in _FINDING_SPLIT.split(text):
        segment = segment.strip()
        if not segment or segment in _NULL_WORDS or segment in _PLACEHOLDERS:
            continue
        pieces = _FINDING_SUBSPLIT.split(segment)
        current, current_kind = pieces[0], _finding_kind(pieces[0])
        for i in range(1, len(pieces), 2):
            separator, piece = pieces[i], pieces[i + 1]
            if not piece.strip():
                continue
            kind = _finding_kind(piece)
            if current.strip() and kind is not None and current_kind not in (None, kind):
                findings.append(_finding(current_kind, current))
                current, current_kind = piece, kind
            else:
                current += separator + piece
                current_kind = current_kind or kind
        if current.strip(" ,，、:："):
            findings.append(_finding(current_kind, current))
    return findings
