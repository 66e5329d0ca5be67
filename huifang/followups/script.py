"""Call scripts: the polite title for the patient and the placeholders filled in.

Placeholders a script may use: ``{patient_title}`` (张先生 / 李女士 /
王小明小朋友家长), ``{patient_name}``, ``{hospital}``, ``{agent}``,
``{department}``, ``{discharge_date}``, ``{visit_date}``. An unknown
placeholder is left as written, so a typo in a script shows instead of
breaking the page.
"""

from datetime import date

from django.conf import settings

from huifang.followups.scheduling import age_on
from huifang.patients.models import Sex

# Below this age the call is to a parent: "…小朋友家长".
CHILD_AGE = 14

COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "澹台",
        "轩辕",
        "端木",
        "西门",
        "南宫",
        "独孤",
        "万俟",
        "闻人",
        "赫连",
        "呼延",
        "申屠",
        "钟离",
        "百里",
        "东郭",
        "太史",
        "濮阳",
        "单于",
    ]
)


def surname(name: str) -> str:
    name = (name or "").strip()
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def patient_title(*, name: str, sex: str, birth_date: date | None, on: date) -> str:
    """How the agent addresses the patient: 张先生, 李女士, 王小明小朋友家长, or the full name."""
    age = age_on(birth_date, on)
    if age is not None and age < CHILD_AGE:
        return f"{name}小朋友家长"
    if sex == Sex.MALE:
        return f"{surname(name)}先生"
    if sex == Sex.FEMALE:
        return f"{surname(name)}女士"
    return name


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _chinese_date(day: date | None) -> str:
    return f"{day.month}月{day.day}日" if day else ""


def script_fill(*, script: str, patient, encounter, agent, on: date) -> str:
    """The touchpoint's script with this call's facts in place of its placeholders."""
    values = _KeepUnknown(
        patient_title=patient_title(
            name=patient.name, sex=patient.sex, birth_date=patient.birth_date, on=on
        ),
        patient_name=patient.name,
        hospital=settings.HUIFANG_HOSPITAL_NAME,
        agent=getattr(agent, "display_name", "") or getattr(agent, "username", ""),
        department=encounter.department.name if encounter.department_id else "",
        discharge_date=_chinese_date(encounter.discharged_on),
        visit_date=_chinese_date(encounter.visit_on),
    )
    try:
        return script.format_map(values)
    except (ValueError, IndexError):
        # A stray brace in an administrator's script: show it as written.
        return script
