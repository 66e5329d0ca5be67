"""Pinyin for name search: agents type ``zhangsan`` or ``zs``."""

from pypinyin import Style, lazy_pinyin


def name_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).lower()


def name_initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
