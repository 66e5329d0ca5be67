"""Outcome words clerks wrote in registers, and satisfaction words and scores.

Registers say what happened in a few words (成功, 无人接听, 空号 …). Each
known word maps to one outcome code of the seeded outcome table; a cell
that holds none of them is rejected rather than guessed, so a clerk can
fix the word and import the row again.
"""

import functools
import re
import unicodedata

from django.conf import settings
from django.utils import translation

from huifang.followups.questions import SATISFACTION_LABELS

# Exact words (after normalising: half-width, no spaces or punctuation).
OUTCOME_WORDS: dict[str, str] = {
    # reached
    "成功": "reached_patient",
    "回访成功": "reached_patient",
    "已回访": "reached_patient",
    "已接通": "reached_patient",
    "接通": "reached_patient",
    "本人接听": "reached_patient",
    "本人": "reached_patient",
    "接通本人": "reached_patient",
    "患者本人接听": "reached_patient",
    "正常": "reached_patient",
    "家属接听": "reached_family",
    "接通家属": "reached_family",
    "家属": "reached_family",
    "家人接听": "reached_family",
    "不方便": "not_convenient",
    "约定回访": "not_convenient",
    "不方便约定回访": "not_convenient",
    "稍后再打": "not_convenient",
    # not reached
    "无人接听": "no_answer",
    "无人接": "no_answer",
    "未接": "no_answer",
    "未接听": "no_answer",
    "无应答": "no_answer",
    "占线": "busy",
    "忙音": "busy",
    "通话中": "busy",
    "关机": "switched_off",
    "疑为诈骗挂断": "scam_hangup",
    "挂断": "scam_hangup",
    "拒接": "scam_hangup",
    # final
    "停机": "number_suspended",
    "欠费停机": "number_suspended",
    "空号": "number_invalid",
    "错号": "number_invalid",
    "号码错误": "number_invalid",
    "电话错误": "number_invalid",
    "非本人": "number_invalid",
    "空号错号": "number_invalid",
    "无电话": "no_phone",
    "无联系电话": "no_phone",
    "拒访": "refused",
    "拒绝": "refused",
    "拒绝回访": "refused",
    "不愿回访": "refused",
    "沟通障碍": "communication_barrier",
    "听不清": "communication_barrier",
    "方言不通": "communication_barrier",
    "死亡": "deceased",
    "已故": "deceased",
    "去世": "deceased",
    "已去世": "deceased",
    "患者已故": "deceased",
    "病故": "deceased",
    "再次住院": "readmitted",
    "再入院": "readmitted",
    "已住院": "readmitted",
    "转院": "transferred",
    "已转院": "transferred",
}

_NOISE = re.compile(r"[\s,，.。;；:：、!！?？()（）\[\]【】\-—/]+")

# The built-in three levels of the call's questions (followups.questions).
SATISFACTION_KEYS = tuple(SATISFACTION_LABELS)


@functools.cache
def satisfaction_label(key: str) -> str:
    """The level as the hospital's staff read it (kept on the attempt, like a questionnaire's wording)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(SATISFACTION_LABELS[key])


SATISFACTION_WORDS: dict[str, str] = {
    "满意": "satisfied",
    "很满意": "satisfied",
    "非常满意": "satisfied",
    "基本满意": "fairly_satisfied",
    "一般": "fairly_satisfied",
    "较满意": "fairly_satisfied",
    "比较满意": "fairly_satisfied",
    "不满意": "dissatisfied",
    "不太满意": "dissatisfied",
    "很不满意": "dissatisfied",
    "非常不满意": "dissatisfied",
}
# A 1–5 score (5 best) on the three-level scale: 4–5 satisfied, 3 fairly
# satisfied, 1–2 dissatisfied. The score itself is kept beside the key.
SCORE_KEYS = {
    5: "satisfied",
    4: "satisfied",
    3: "fairly_satisfied",
    2: "dissatisfied",
    1: "dissatisfied",
}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return _NOISE.sub("", text).lower()


def outcome_code(text: str) -> str | None:
    """The outcome code for a register's outcome cell, or ``None`` when not known."""
    key = _key(text)
    if not key:
        return None
    found = OUTCOME_WORDS.get(key)
    if found is not None:
        return found
    # "家属接听，恢复良好": a known word, then the clerk's remarks after a
    # separator. Only the first part counts, so 本人拒访 is never 本人.
    first = _NOISE.split(unicodedata.normalize("NFKC", text).strip(), maxsplit=1)[0]
    return OUTCOME_WORDS.get(first.lower())


class SatisfactionUnknown(ValueError):
    pass


def satisfaction(value) -> tuple[str, int | None] | None:
    """(built-in key, 1–5 score or None) for a satisfaction cell; None when empty.

    Raises ``SatisfactionUnknown`` for a value that is neither a known word
    nor a whole score from 1 to 5.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise SatisfactionUnknown(str(value))
    if isinstance(value, int | float):
        if float(value).is_integer() and int(value) in SCORE_KEYS:
            return SCORE_KEYS[int(value)], int(value)
        raise SatisfactionUnknown(str(value))
    key = _key(str(value))
    if not key or key in ("无", "-", "/"):
        return None
    if key in SATISFACTION_WORDS:
        return SATISFACTION_WORDS[key], None
    # The score as written, so "-1" is not read as 1 once the dash is gone.
    digits = "".join(unicodedata.normalize("NFKC", str(value)).split()).removesuffix("分")
    if digits.isdigit() and int(digits) in SCORE_KEYS:
        return SCORE_KEYS[int(digits)], int(digits)
    raise SatisfactionUnknown(str(value))
