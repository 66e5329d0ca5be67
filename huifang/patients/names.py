"""Pinyin for name search: agents type ``zhangsan`` or ``zs``."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


# Names repeat a great deal in a hospital's files; pinyin costs ~50 µs a name.
@lru_cache(maxsize=65536)
def name_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore")).lower()


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
