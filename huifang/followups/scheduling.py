"""The scheduling engine's rules: which plans apply to an encounter, and when each contact is due.

Pure: plain dataclasses in, plain dataclasses out, no database writes and no
query per encounter (the working calendar reads its holiday table once per
process). Generation (``services.generation``) loads the facts in bulk,
asks these functions, and writes the result; explain
(``selectors.schedule_explain``) asks the same functions, so what the page
says is what the engine did.

The date rule (issue 4, item 3; tests outside the project rely on it): a
touchpoint with offset *d* and window *w* is due from the first working day
on or after anchor + *d* calendar days, until the end of the *w*-th working
day counted from that day (the due-from day being the 1st). Its first slot
is the start of the first call window on the due-from day, or the patient's
preferred time when one is set.

Several plans may match one encounter. Plans for the same kinds of
encounter compete: only those with the highest priority among them apply
(so "specialist first visit", priority 10, replaces "general first visit",
priority 5, for the same out-patient visit). Plans for different kinds of
encounter, or of equal priority, add up.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from huifang.core import calendar
from huifang.followups import slots
from huifang.followups.slots import Window

# Diagnoses that make a discharge "chronic" for the touchpoint condition
# ``chronic_or_surgical`` (the targeted one-month call). ICD-10 category
# prefixes; a code matches when it starts with one of them. Kept here, in
# one constant, so clinicians can review the list in one place:
# fmt: off
CHRONIC_ICD_PREFIXES: tuple[str, ...] = (
    "I10", "I11", "I12", "I13", "I14", "I15",  # I10–I15 hypertensive diseases
    "E10", "E11", "E12", "E13", "E14",  # E10–E14 diabetes mellitus
    "I20", "I21", "I22", "I23", "I24", "I25",  # I20–I25 ischaemic heart diseases
    "J44",  # chronic obstructive pulmonary disease
    "N18",  # chronic kidney disease
    "I50",  # heart failure
    "I63", "I69",  # cerebral infarction; sequelae of cerebrovascular disease
)
# fmt: on

# Values of the model choices, repeated here so this module needs no models.
PHONE, SMS, WEB = "phone", "sms", "web"
PENDING, NO_PHONE, CANCELLED, WINDOW_PASSED = "pending", "no_phone", "cancelled", "window_passed"
ANCHOR_DISCHARGE, ANCHOR_VISIT, ANCHOR_PROCEDURE = "discharge", "visit", "procedure"
CHRONIC_OR_SURGICAL = "chronic_or_surgical"
INPATIENT, HEALTH_CHECK = "inpatient", "health_check"
# Encounters that end with a discharge: until then there is nothing to
# follow up (an admission message arrives before the discharge).
STAY_KINDS = frozenset({INPATIENT, "maternity", "newborn"})
PHONE_USABLE = frozenset({"valid", "unknown"})
LANDLINE = "landline"
OWNER_ORDER = {"self": 0, "family": 1, "other": 2}

KIND_LABELS_ZH = {
    "inpatient": "住院",
    "outpatient": "门诊",
    "day_surgery": "日间手术",
    "maternity": "产科",
    "newborn": "新生儿",
    "health_check": "体检",
    "emergency": "急诊",
}
CHANNEL_LABELS_ZH = {PHONE: "电话", SMS: "短信", WEB: "网上问卷", "email": "电子邮件"}
SEX_LABELS_ZH = {"M": "男", "F": "女", "U": "未知"}
TAG_LABELS_ZH = {
    "lipids": "血脂",
    "glucose": "血糖",
    "blood_pressure": "血压",
    "liver_function": "肝功能",
    "kidney_function": "肾功能",
    "uric_acid": "尿酸",
    "thyroid": "甲状腺",
    "imaging": "影像",
    "other": "其他异常",
}

# Why a task was closed by scheduling (``FollowUpTask.closed_reason``), as people read it.
CLOSED_REASONS_ZH = {
    "readmitted": "再次入院，本次出院随访取消",
    "deceased": "患者已故",
    "opted_out": "患者拒绝此渠道联系",
    "rechecked": "已有复查记录，不再随访",
    "transferred": "已转院",
    "plan_no_longer_matches": "就诊信息变更后不再符合该计划",
    "plan_changed": "计划修改后不再包含此随访",
    "plan_deactivated": "计划已停用",
    "repeat_stopped": "前一次随访已取消，不再重复",
    "encounter_cancelled": "就诊记录已取消",
}


# --- Facts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TouchpointRule:
    """A touchpoint as the engine needs it (``call_windows`` parsed once)."""

    id: int
    code: str
    name: str
    anchor: str
    offset_days: int
    window_days: int
    channel: str
    condition: str = ""
    windows: tuple[Window, ...] = slots.DEFAULT_WINDOWS
    max_attempts: int = 3
    priority: int = 0
    repeat_every_days: int | None = None
    repeat_max: int = 0
    questionnaire_code: str = ""
    position: int = 0

    @property
    def repeats(self) -> bool:
        """True when the touchpoint comes again every ``repeat_every_days`` until a re-check."""
        return bool(self.repeat_every_days)

    @property
    def repeat_limit(self) -> int | None:
        """The highest sequence number this touchpoint may reach.

        0 without repeats; ``None`` when it repeats with no maximum
        (``repeat_max`` 0): until a re-check, death or opt-out stops it.
        Either way a repeat is only created once the one before is due.
        """
        if not self.repeats:
            return 0
        return self.repeat_max if self.repeat_max > 0 else None


@dataclass(frozen=True, slots=True)
class PlanRules:
    """A plan's match rules, loaded once; ``department_ids`` includes sub-departments when asked."""

    id: int
    code: str
    name: str
    version: int = 1
    priority: int = 0
    encounter_kinds: frozenset[str] = frozenset()
    department_ids: frozenset[int] = frozenset()
    department_names: tuple[str, ...] = ()
    include_subdepartments: bool = True
    icd_prefixes: tuple[str, ...] = ()
    diagnosis_keywords: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    sex: str = ""
    tags: frozenset[str] = frozenset()
    fallback_channel: str = ""
    touchpoints: tuple[TouchpointRule, ...] = ()
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class EncounterFacts:
    """What the rules look at in one encounter (with its patient's age and sex)."""

    id: int
    patient_id: int
    kind: str
    department_id: int | None = None
    number: str = ""
    source: str = ""
    department_name: str = ""
    admitted_on: date | None = None
    discharged_on: date | None = None
    visit_on: date | None = None
    procedure_on: date | None = None
    has_procedure: bool = False
    icd_codes: tuple[str, ...] = ()
    diagnosis_names: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    birth_date: date | None = None
    sex: str = ""

    @property
    def anchor_date(self) -> date | None:
        return self.discharged_on or self.visit_on or self.admitted_on


@dataclass(frozen=True, slots=True)
class PhoneFacts:
    id: int
    status: str = "unknown"
    line_type: str = "unknown"
    owner: str = "self"
    is_primary: bool = False

    @property
    def is_usable(self) -> bool:
        return self.status in PHONE_USABLE


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What scheduling needs of a patient: stop conditions, preferred time, numbers.

    Birth date and sex come along for the encounters' facts, which the rules read them from.
    """

    id: int
    deceased_on: date | None = None
    do_not_contact: frozenset[str] = frozenset()
    preferred_start: time | None = None
    preferred_end: time | None = None
    phones: tuple[PhoneFacts, ...] = ()
    birth_date: date | None = None
    sex: str = ""


@dataclass(frozen=True, slots=True)
class StopFacts:
    """What the patient's other encounters say about this one.

    ``readmitted_on``: admission date of the next in-patient stay that began
    on or after this stay's discharge; ``recheck_on``: date of the next
    health check after this one (the re-check that ends repeated calls).
    """

    readmitted_on: date | None = None
    recheck_on: date | None = None


NO_STOPS = StopFacts()


_NO_TAGS: frozenset[str] = frozenset()


def encounter_tags(finding_kinds: Iterable[str], visit_type) -> frozenset[str]:
    """An encounter's tags: its abnormal-finding kinds, and its visit type (初诊/复诊)."""
    if not finding_kinds and visit_type is None:
        return _NO_TAGS  # most encounters: one shared empty set
    tags = {kind for kind in finding_kinds if kind}
    if isinstance(visit_type, str):
        if visit_type.strip():
            tags.add(visit_type.strip())
    elif isinstance(visit_type, list | tuple):
        tags.update(str(value).strip() for value in visit_type if str(value).strip())
    return frozenset(tags)


def stop_facts(
    encounter: EncounterFacts, others: Iterable[tuple[int, str, date | None, date | None]]
) -> StopFacts:
    """Readmission and re-check dates for ``encounter`` from the patient's other encounters.

    ``others``: ``(id, kind, admitted_on, anchor_date)`` of the same patient's
    in-patient stays and health checks (``encounter`` itself may be among them).
    """
    readmitted_on = recheck_on = None
    discharged = encounter.discharged_on if encounter.kind == INPATIENT else None
    checked = encounter.anchor_date if encounter.kind == HEALTH_CHECK else None
    for other_id, kind, admitted_on, anchor in others:
        if other_id == encounter.id:
            continue
        if (
            discharged
            and kind == INPATIENT
            and admitted_on
            and admitted_on >= discharged
            and (readmitted_on is None or admitted_on < readmitted_on)
        ):
            readmitted_on = admitted_on
        if (
            checked
            and kind == HEALTH_CHECK
            and anchor
            and anchor > checked
            and (recheck_on is None or anchor < recheck_on)
        ):
            recheck_on = anchor
    if readmitted_on is None and recheck_on is None:
        return NO_STOPS
    return StopFacts(readmitted_on=readmitted_on, recheck_on=recheck_on)


# --- Dates and slots --------------------------------------------------------


def due_window(anchor: date, offset_days: int, window_days: int) -> tuple[date, date]:
    """``(due_from, due_until)`` of a touchpoint: the exact rule (module docstring).

    A window of 0 or 1 working days means the due-from day only.
    """
    due_from = calendar.next_working_day(anchor + timedelta(days=offset_days))
    return due_from, calendar.add_working_days(due_from, max(1, window_days))


def first_slot(due_from: date, windows: Sequence[Window], preferred: time | None) -> datetime:
    """The first moment to call: the patient's preferred time, else the first window's start.

    ``due_from`` is a working day by construction (``due_window``).
    """
    return slots.first_slot_on(due_from, windows or slots.default_windows(), preferred=preferred)


def patient_windows(
    windows: Sequence[Window], preferred_start: time | None, preferred_end: time | None
) -> tuple[Window, ...]:
    """The windows to call a patient in: their own time when they gave one (two hours if open-ended)."""
    if preferred_start is None:
        return tuple(windows) or slots.default_windows()
    if preferred_end is not None and preferred_end > preferred_start:
        return ((preferred_start, preferred_end),)
    end = datetime.combine(date.min, preferred_start) + timedelta(hours=2)
    return ((preferred_start, end.time() if end.date() == date.min else time.max),)


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_chronic_or_surgical(facts: EncounterFacts) -> bool:
    """A procedure was done, or a diagnosis falls in ``CHRONIC_ICD_PREFIXES``."""
    return facts.has_procedure or any(
        code.startswith(CHRONIC_ICD_PREFIXES) for code in facts.icd_codes
    )


def day_reason_zh(day: date) -> str:
    """Why ``day`` is (not) a working day, in a few words: "国庆节，休息", "春节调休上班日"…"""
    info = calendar.day_info(day)
    weekday = calendar.WEEKDAY_NAMES_ZH[day.weekday()]
    if info.reason == calendar.WEEKDAY:
        return "工作日"
    if info.reason == calendar.WEEKEND:
        return f"{weekday}，休息"
    if info.reason == calendar.PUBLIC_HOLIDAY:
        return f"{info.name}，休息"
    if info.reason == calendar.MAKEUP_WORKDAY:
        return f"{info.name}调休上班日"
    if info.reason == calendar.TABLE_HOLIDAY:
        return f"节假日表：{info.name or '休息日'}，休息"
    if info.reason == calendar.TABLE_WORKDAY:
        return f"节假日表：{info.name or '上班日'}，上班"
    state = "工作日" if info.working else f"{weekday}，休息"
    if calendar.year_before_package(day.year):
        return f"{state}；没有 {day.year} 年的节假日数据，按周末推算"
    return f"{state}；{day.year} 年节假日未公布，按周末推算"


def calendar_warning_zh(days: Iterable[date]) -> str:
    """A warning when any of ``days`` falls in a year the package has no holidays for; else "".

    A year not announced yet asks for the official dates; a year before the
    package's first only says there is no data.
    """
    years = calendar.unannounced_years({day.year for day in days if day is not None})
    past = [year for year in years if calendar.year_before_package(year)]
    future = [year for year in years if year not in past]
    warnings = []
    if future:
        listed = "、".join(str(year) for year in future)
        warnings.append(
            f"注意：{listed} 年节假日安排尚未公布，日期按周末规则推算；"
            "公布后请在节假日表中登记，已排的日期会随之复核"
        )
    if past:
        listed = "、".join(str(year) for year in past)
        warnings.append(f"注意：没有 {listed} 年的节假日数据，日期按周末规则和节假日表推算")
    return "；".join(warnings)


def _makeup_days(due_from: date, due_until: date) -> list[date]:
    days, day = [], due_from
    while day <= due_until:
        if calendar.day_info(day).reason in (calendar.MAKEUP_WORKDAY, calendar.TABLE_WORKDAY):
            days.append(day)
        day += timedelta(days=1)
    return days


def due_reason_zh(
    *,
    anchor_label: str,
    anchor: date,
    days: int,
    repeat_note: str,
    window_days: int,
    due_from: date,
    due_until: date,
    slot: datetime,
    preferred: bool,
) -> str:
    """The calendar reasoning behind one task's dates, in one Chinese sentence."""
    target = anchor + timedelta(days=days)
    equals = "= " if repeat_note else " = "
    text = (
        f"{anchor_label} {anchor:%Y-%m-%d} + {days} 天{repeat_note}{equals}"
        f"{target:%Y-%m-%d}（{day_reason_zh(target)}）"
    )
    if due_from != target:
        text += f"→ 顺延至 {due_from:%Y-%m-%d}（第一个工作日）"
    text += f"；窗口 {max(1, window_days)} 个工作日至 {due_until:%Y-%m-%d}"
    makeup = _makeup_days(due_from, due_until)
    if makeup:
        text += "（含调休上班日 " + "、".join(f"{day:%m-%d}" for day in makeup) + "）"
    local = slot.astimezone(slots.local_zone())
    text += f"；首个时段 {local:%H:%M}"
    if preferred:
        text += "（患者希望的时间）"
    return text


# --- Matching ---------------------------------------------------------------


def _kinds_zh(kinds: Iterable[str]) -> str:
    return "、".join(KIND_LABELS_ZH.get(kind, kind) for kind in sorted(kinds))


def _tags_zh(tags: Iterable[str]) -> str:
    return "、".join(TAG_LABELS_ZH.get(tag, tag) for tag in sorted(tags))


def match_code(plan: PlanRules, facts: EncounterFacts, today: date) -> str:
    """``plan_matches``'s reason code alone, without building any text (the generation path).

    Must agree with ``plan_matches`` (a property test holds them together).
    """
    if plan.encounter_kinds and facts.kind not in plan.encounter_kinds:
        return "encounter_kind"
    if plan.department_ids and facts.department_id not in plan.department_ids:
        return "department"
    if (plan.icd_prefixes or plan.diagnosis_keywords) and not (
        (plan.icd_prefixes and any(c.startswith(plan.icd_prefixes) for c in facts.icd_codes))
        or any(k in n for k in plan.diagnosis_keywords for n in facts.diagnosis_names)
    ):
        return "diagnosis"
    if plan.age_min is not None or plan.age_max is not None:
        age = age_on(facts.birth_date, facts.anchor_date or today)
        if age is None:
            return "age_unknown"
        if (plan.age_min is not None and age < plan.age_min) or (
            plan.age_max is not None and age > plan.age_max
        ):
            return "age"
    if plan.sex and facts.sex != plan.sex:
        return "sex"
    if plan.tags and plan.tags.isdisjoint(facts.tags):
        return "tags"
    return "matched"


def plan_matches(
    plan_rules: PlanRules, encounter_facts: EncounterFacts, today: date
) -> tuple[bool, str, str]:
    """Whether the plan's match rules take the encounter: ``(matched, reason code, reason in Chinese)``.

    Codes: ``matched``, ``encounter_kind``, ``department``, ``diagnosis``,
    ``age_unknown``, ``age``, ``sex``, ``tags``. An empty rule matches
    everything; ICD-10 prefixes and diagnosis keywords match when either does.
    The age is taken at the encounter's anchor date (``today`` without one).
    """
    plan, facts = plan_rules, encounter_facts
    met: list[str] = []
    if plan.encounter_kinds:
        if facts.kind not in plan.encounter_kinds:
            return (
                False,
                "encounter_kind",
                f"就诊类型为{KIND_LABELS_ZH.get(facts.kind, facts.kind)}，"
                f"本计划只适用于：{_kinds_zh(plan.encounter_kinds)}",
            )
        met.append(f"就诊类型{KIND_LABELS_ZH.get(facts.kind, facts.kind)}")
    if plan.department_ids:
        scope = "（含下级科室）" if plan.include_subdepartments else ""
        names = "、".join(plan.department_names)
        if facts.department_id not in plan.department_ids:
            return (
                False,
                "department",
                f"科室“{facts.department_name or facts.department_id}”不在本计划的科室{scope}中：{names}",
            )
        met.append(f"科室{facts.department_name}属于{names}{scope}")
    if plan.icd_prefixes or plan.diagnosis_keywords:
        code = (
            next((c for c in facts.icd_codes if c.startswith(plan.icd_prefixes)), None)
            if plan.icd_prefixes
            else None
        )
        keyword = None
        if code is None and plan.diagnosis_keywords:
            keyword = next(
                (k for k in plan.diagnosis_keywords for n in facts.diagnosis_names if k in n), None
            )
        if code is None and keyword is None:
            wanted = []
            if plan.icd_prefixes:
                wanted.append("ICD-10 编码前缀 " + "、".join(plan.icd_prefixes))
            if plan.diagnosis_keywords:
                wanted.append("关键词 " + "、".join(plan.diagnosis_keywords))
            return False, "diagnosis", "诊断中没有" + "或".join(wanted)
        met.append(f"诊断编码 {code}" if code else f"诊断含“{keyword}”")
    if plan.age_min is not None or plan.age_max is not None:
        low = plan.age_min if plan.age_min is not None else 0
        high = f"{plan.age_max}" if plan.age_max is not None else ""
        span = f"{low}–{high} 岁" if high else f"{low} 岁以上"
        age = age_on(facts.birth_date, facts.anchor_date or today)
        if age is None:
            return False, "age_unknown", f"出生日期未知，无法判断是否在 {span}"
        if (plan.age_min is not None and age < plan.age_min) or (
            plan.age_max is not None and age > plan.age_max
        ):
            return False, "age", f"就诊时 {age} 岁，不在 {span}"
        met.append(f"{age} 岁")
    if plan.sex:
        if facts.sex != plan.sex:
            return (
                False,
                "sex",
                f"性别为{SEX_LABELS_ZH.get(facts.sex, facts.sex)}，"
                f"本计划只适用于{SEX_LABELS_ZH.get(plan.sex, plan.sex)}性",
            )
        met.append(f"性别{SEX_LABELS_ZH.get(facts.sex, facts.sex)}")
    if plan.tags:
        common = plan.tags & facts.tags
        if not common:
            have = _tags_zh(facts.tags) or "无"
            return (
                False,
                "tags",
                f"本次就诊的标签（{have}）不含本计划的任一标签：{_tags_zh(plan.tags)}",
            )
        met.append(f"标签{_tags_zh(common)}")
    return True, "matched", "符合：" + "；".join(met) if met else "符合（本计划不限条件）"


@dataclass(frozen=True, slots=True)
class PlanVerdict:
    plan: PlanRules
    matched: bool
    code: str
    reason: str


def select_plans(
    plans: Sequence[PlanRules], facts: EncounterFacts, today: date, *, explain: bool = True
) -> list[PlanVerdict]:
    """Every plan's verdict for the encounter, with competing plans resolved by priority.

    Matching plans for the same set of encounter kinds compete: only those at
    the highest priority among them apply; the others are reported as
    ``superseded`` (not matched) naming the plan that replaced them.
    ``explain=False`` leaves the reasons empty (fast, for generation).
    """
    verdicts = []
    for plan in plans:
        if explain:
            matched, code, reason = plan_matches(plan, facts, today)
        else:
            code, reason = match_code(plan, facts, today), ""
            matched = code == "matched"
        verdicts.append(PlanVerdict(plan, matched, code, reason))
    best: dict[frozenset[str], PlanRules] = {}
    for verdict in verdicts:
        if verdict.matched:
            top = best.get(verdict.plan.encounter_kinds)
            if top is None or verdict.plan.priority > top.priority:
                best[verdict.plan.encounter_kinds] = verdict.plan
    result = []
    for verdict in verdicts:
        top = best.get(verdict.plan.encounter_kinds)
        if verdict.matched and top is not None and top.priority > verdict.plan.priority:
            reason = (
                f"条件符合，但同类就诊由优先级更高的计划“{top.name}”（{top.code}，"
                f"优先级 {top.priority}）负责"
                if explain
                else ""
            )
            verdict = PlanVerdict(verdict.plan, False, "superseded", reason)
        result.append(verdict)
    return result


def touchpoint_applies(touchpoint: TouchpointRule, facts: EncounterFacts) -> tuple[bool, str]:
    """Whether the touchpoint's condition holds for the encounter, and why not."""
    if touchpoint.condition == CHRONIC_OR_SURGICAL and not is_chronic_or_surgical(facts):
        return (
            False,
            "无手术，诊断也不属于慢性病（高血压、糖尿病、冠心病、慢阻肺、慢性肾病、心衰、脑卒中）",
        )
    return True, ""


def touchpoint_anchor(touchpoint: TouchpointRule, facts: EncounterFacts) -> tuple[date | None, str]:
    """The date a touchpoint counts from, and its name ("出院", "就诊", "体检", "手术").

    A stay not yet discharged has no discharge anchor: its discharge
    follow-up is planned when the discharge arrives. Otherwise a missing
    date falls back to the encounter's own date.
    """
    visit_label = "体检" if facts.kind == HEALTH_CHECK else "就诊"
    if touchpoint.anchor == ANCHOR_DISCHARGE:
        if facts.discharged_on:
            return facts.discharged_on, "出院"
        if facts.kind in STAY_KINDS:
            return None, "尚未出院，出院后再排"
    elif touchpoint.anchor == ANCHOR_PROCEDURE and facts.procedure_on:
        return facts.procedure_on, "手术"
    if facts.visit_on:
        return facts.visit_on, visit_label
    if facts.discharged_on:
        return facts.discharged_on, "出院"
    if facts.admitted_on:
        return facts.admitted_on, "入院"
    return None, "没有可计算的日期"


def pick_phone(phones: Sequence[PhoneFacts], channel: str) -> PhoneFacts | None:
    """The number to use on ``channel``: usable, primary first, the patient's own before family's.

    An SMS needs a number that is not a landline; a web survey needs none.
    """
    candidates = [
        phone
        for phone in phones
        if phone.is_usable and (channel != SMS or phone.line_type != LANDLINE)
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda p: (not p.is_primary, OWNER_ORDER.get(p.owner, 9), p.id),
    )


def _needs_number(channel: str) -> bool:
    return channel in (PHONE, SMS)


# --- Planning ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class TaskShape:
    """Everything about a planned task except its patient, encounter and number to dial.

    Tasks of different encounters with the same anchor date, touchpoint,
    preferred time, phone situation and readmission date share one shape:
    a run over a million encounters computes a few thousand shapes, and
    the writer renders each shape's columns once. Compared by identity.
    """

    plan: PlanRules
    touchpoint: TouchpointRule
    sequence: int
    channel: str
    status: str
    due_from: date
    due_until: date
    first_slot: datetime
    text: str
    notes: tuple[str, ...]
    closed_reason: str
    iso: tuple[str, str, str]  # due_from, due_until, first_slot

    @property
    def base(self) -> dict:
        """What the rules alone give (before merging and the weekly cap): to see later changes.

        The number to dial is compared on its own column.
        """
        return {
            "due_from": self.iso[0],
            "due_until": self.iso[1],
            "first_slot": self.iso[2],
            "channel": self.channel,
        }

    def reason(self) -> dict:
        """What is stored as the task's ``reason``: the reasoning and its notes.

        The ``base`` is stored only when merging or the weekly cap moves the
        task away from it; until then the task's own columns are the base.
        """
        return {"text": self.text, "notes": list(self.notes)}


@dataclass(slots=True)
class PlannedTask:
    """One task the rules call for, before it is written."""

    plan: PlanRules
    touchpoint: TouchpointRule
    sequence: int
    channel: str
    status: str
    due_from: date
    due_until: date
    first_slot: datetime
    phone_id: int | None
    text: str
    notes: list[str] = field(default_factory=list)
    closed_reason: str = ""
    iso: tuple[str, str, str] = ("", "", "")  # due_from, due_until, first_slot
    shape: TaskShape | None = None

    @classmethod
    def of(cls, shape: TaskShape, phone_id: int | None) -> "PlannedTask":
        return cls(
            plan=shape.plan,
            touchpoint=shape.touchpoint,
            sequence=shape.sequence,
            channel=shape.channel,
            status=shape.status,
            due_from=shape.due_from,
            due_until=shape.due_until,
            first_slot=shape.first_slot,
            phone_id=phone_id,
            text=shape.text,
            notes=list(shape.notes),
            closed_reason=shape.closed_reason,
            iso=shape.iso,
            shape=shape,
        )

    @property
    def base(self) -> dict:
        """What the rules alone give (before merging and the weekly cap): see ``TaskShape.base``."""
        return {
            "due_from": self.iso[0],
            "due_until": self.iso[1],
            "first_slot": self.iso[2],
            "channel": self.channel,
        }

    def reason(self) -> dict:
        """What is stored as the task's ``reason``: see ``TaskShape.reason``."""
        return {"text": self.text, "notes": list(self.notes)}

    def reason_key(self) -> tuple:
        """A hashable stand-in for ``reason()``: equal keys, equal reasons (to serialise once)."""
        return (self.text, tuple(self.notes))


@dataclass(slots=True)
class EncounterPlan:
    """What the rules say about one encounter: plan verdicts, tasks, touchpoints left out."""

    verdicts: list[PlanVerdict]
    tasks: list[PlannedTask]
    skipped: list[tuple[PlanRules, TouchpointRule, str]]


# A memo holding more entries than this is emptied and starts again, so a
# long run over very varied data keeps its memory flat.
MEMO_LIMIT = 200_000

# The phone situation of a task, as far as its shape is concerned.
_PHONE_OK, _PHONE_FALLBACK, _PHONE_NONE = 0, 1, 2


class Scheduler:
    """Plans tasks for encounters on one day, remembering answers between them.

    One instance per generation run. The memos are keyed by dates, rules and
    the few patient facts that change a task (preferred time, whether a
    usable number exists, readmission date), never by patient: a million
    encounters cost a few thousand calendar computations, one plan match
    per distinct combination of the facts the plans look at, and one
    ``TaskShape`` per distinct task. ``explain=True`` keeps no match memo
    and builds every reason text (the explain page).
    """

    def __init__(
        self, *, today: date, cancel_on_readmission: bool = True, explain: bool = False
    ) -> None:
        self.today = today
        self.cancel_on_readmission = cancel_on_readmission
        self.explain = explain
        self._due: dict[tuple[date, int, int], tuple[date, date]] = {}
        self._timing: dict[tuple, tuple[date, date, datetime, str, tuple[str, str, str]]] = {}
        self._shapes: dict[tuple, TaskShape] = {}
        self._matches: dict[tuple, tuple[list[PlanVerdict], tuple[PlanRules, ...]]] = {}
        self._plans: Sequence[PlanRules] | None = None
        self._by_kind: dict[str, list[PlanRules]] = {}
        self._looks_at: tuple[bool, bool, bool] = (False, False, False)
        self._phone_patient: PatientFacts | None = None
        self._phone_picks: dict[str, PhoneFacts | None] = {}

    def _candidates(self, plans: Sequence[PlanRules], kind: str) -> Sequence[PlanRules]:
        """The plans an encounter of ``kind`` could match (all of them when explaining)."""
        if self.explain:
            return plans
        if plans is not self._plans:
            self._plans, self._by_kind, self._matches = plans, {}, {}
            # Which facts any plan looks at beyond kind, department, codes and tags.
            self._looks_at = (
                any(plan.diagnosis_keywords for plan in plans),
                any(plan.age_min is not None or plan.age_max is not None for plan in plans),
                any(plan.sex for plan in plans),
            )
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = [
                plan for plan in plans if not plan.encounter_kinds or kind in plan.encounter_kinds
            ]
        return found

    def _select(
        self, plans: Sequence[PlanRules], facts: EncounterFacts
    ) -> tuple[list[PlanVerdict], tuple[PlanRules, ...]]:
        """The verdicts and the matched plans, once per distinct combination of matched-on facts."""
        candidates = self._candidates(plans, facts.kind)
        if self.explain:
            verdicts = select_plans(candidates, facts, self.today, explain=True)
            return verdicts, tuple(v.plan for v in verdicts if v.matched)
        keywords, ages, sexes = self._looks_at
        key = (
            facts.kind,
            facts.department_id,
            facts.icd_codes,
            facts.tags,
            facts.diagnosis_names if keywords else None,
            age_on(facts.birth_date, facts.anchor_date or self.today) if ages else None,
            facts.sex if sexes else None,
        )
        found = self._matches.get(key)
        if found is None:
            if len(self._matches) >= MEMO_LIMIT:
                self._matches.clear()
            verdicts = select_plans(candidates, facts, self.today, explain=False)
            found = self._matches[key] = (verdicts, tuple(v.plan for v in verdicts if v.matched))
        return found

    def due(self, anchor: date, offset_days: int, window_days: int) -> tuple[date, date]:
        key = (anchor, offset_days, window_days)
        found = self._due.get(key)
        if found is None:
            if len(self._due) >= MEMO_LIMIT:
                self._due.clear()
            found = self._due[key] = due_window(anchor, offset_days, window_days)
        return found

    def _timing_for(self, touchpoint, anchor, label, days, sequence, preferred):
        """Dates, first slot and the reasoning text, computed once per distinct input."""
        key = (anchor, days, touchpoint.window_days, touchpoint.windows, preferred, label, sequence)
        found = self._timing.get(key)
        if found is None:
            due_from, due_until = self.due(anchor, days, touchpoint.window_days)
            slot = first_slot(due_from, touchpoint.windows, preferred)
            repeat_note = (
                f"（每 {touchpoint.repeat_every_days} 天重复，第 {sequence + 1} 次）"
                if sequence
                else ""
            )
            text = due_reason_zh(
                anchor_label=label,
                anchor=anchor,
                days=days,
                repeat_note=repeat_note,
                window_days=touchpoint.window_days,
                due_from=due_from,
                due_until=due_until,
                slot=slot,
                preferred=preferred is not None,
            )
            iso = (due_from.isoformat(), due_until.isoformat(), slot.isoformat())
            if len(self._timing) >= MEMO_LIMIT:
                self._timing.clear()
            found = self._timing[key] = (due_from, due_until, slot, text, iso)
        return found

    def plan_encounter(
        self,
        facts: EncounterFacts,
        patient: PatientFacts,
        plans: Sequence[PlanRules],
        *,
        stops: StopFacts = NO_STOPS,
        existing: Mapping[tuple[int, int], str] | None = None,
    ) -> EncounterPlan:
        """The tasks the rules call for: every applicable plan's touchpoints, with repeats.

        ``existing``: status of the encounter's tasks already written, by
        ``(touchpoint id, sequence)`` — a cancelled one stops its repeats.
        A deceased patient gets no task; a channel the patient refused is
        left out (both listed in ``skipped``).
        """
        verdicts, matched = self._select(plans, facts)
        skipped: list[tuple[PlanRules, TouchpointRule, str]] = []
        pairs = self._plan(matched, facts, patient, stops, existing or {}, skipped)
        tasks = [PlannedTask.of(shape, phone_id) for shape, phone_id in pairs]
        return EncounterPlan(list(verdicts), tasks, skipped)

    def plan_shapes(
        self,
        facts: EncounterFacts,
        patient: PatientFacts,
        plans: Sequence[PlanRules],
        *,
        stops: StopFacts = NO_STOPS,
        existing: Mapping[tuple[int, int], str] | None = None,
    ) -> list[tuple[TaskShape, int | None]]:
        """``plan_encounter``'s tasks as ``(shape, number to dial)`` pairs (the generation path).

        The same rules and memos as ``plan_encounter``, without a
        ``PlannedTask`` per task (``PlannedTask.of`` makes one).
        """
        _, matched = self._select(plans, facts)
        return self._plan(matched, facts, patient, stops, existing or {}, None)

    def _plan(self, matched, facts, patient, stops, existing, skipped):
        out: list[tuple[TaskShape, int | None]] = []
        for plan in matched:
            for touchpoint in plan.touchpoints:
                anchor, label = touchpoint_anchor(touchpoint, facts)
                why_not = self._why_not(touchpoint, facts, patient, anchor, label)
                if why_not:
                    if skipped is not None:
                        skipped.append((plan, touchpoint, why_not))
                    continue
                self._plan_touchpoint(
                    plan, touchpoint, anchor, label, patient, stops, existing, out
                )
        return out

    def _why_not(
        self,
        touchpoint: TouchpointRule,
        facts: EncounterFacts,
        patient: PatientFacts,
        anchor: date | None,
        label: str,
    ) -> str:
        if patient.deceased_on is not None:
            return f"患者已故（{patient.deceased_on:%Y-%m-%d}），不再随访"
        if touchpoint.channel in patient.do_not_contact:
            return f"患者拒绝{CHANNEL_LABELS_ZH.get(touchpoint.channel, touchpoint.channel)}联系"
        if touchpoint.condition:
            applies, why = touchpoint_applies(touchpoint, facts)
            if not applies:
                return why
        if anchor is None:
            return label
        return ""

    def _plan_touchpoint(
        self, plan, touchpoint, anchor, label, patient, stops, existing, out
    ) -> None:
        repeats, limit = touchpoint.repeats, touchpoint.repeat_limit
        every = touchpoint.repeat_every_days or 0
        sequence = 0
        while True:
            days = touchpoint.offset_days + every * sequence
            due_from, _ = self.due(anchor, days, touchpoint.window_days)
            if repeats and stops.recheck_on is not None and due_from >= stops.recheck_on:
                break
            out.append(self._task(plan, touchpoint, patient, stops, sequence, anchor, label, days))
            if (
                not repeats
                or (limit is not None and sequence >= limit)
                or existing.get((touchpoint.id, sequence)) == CANCELLED
            ):
                break
            # The next repeat is created once this one is due (the nightly job).
            if due_from > self.today:
                break
            sequence += 1

    def _task(self, plan, touchpoint, patient, stops, sequence, anchor, label, days):
        """``(shape, number to dial)`` of one task; the shape from the memo when seen before."""
        channel = touchpoint.channel
        phone = self._phone(patient, channel)
        situation = _PHONE_OK
        if phone is None and _needs_number(channel):
            fallback = plan.fallback_channel
            fallback_phone = self._phone(patient, fallback)
            if (
                fallback
                and fallback != channel
                and fallback not in patient.do_not_contact
                and (fallback_phone is not None or not _needs_number(fallback))
            ):
                situation, phone = _PHONE_FALLBACK, fallback_phone
            else:
                situation = _PHONE_NONE
        # A readmission on or before the due-from day cancels a discharge call
        # (its date is in the note); any other readmission changes nothing here.
        readmitted = stops.readmitted_on
        if readmitted is not None and not (
            self.cancel_on_readmission
            and touchpoint.anchor == ANCHOR_DISCHARGE
            and readmitted <= self.due(anchor, days, touchpoint.window_days)[0]
        ):
            readmitted = None
        preferred = patient.preferred_start
        key = (id(touchpoint), id(plan), sequence, anchor, label, days, preferred, situation)
        if readmitted is not None:
            key += (readmitted,)
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= MEMO_LIMIT:
                self._shapes.clear()
            shape = self._shapes[key] = self._shape(
                plan, touchpoint, sequence, anchor, label, days, preferred, situation, readmitted
            )
        return shape, (phone.id if phone is not None else None)

    def _shape(
        self, plan, touchpoint, sequence, anchor, label, days, preferred, situation, readmitted
    ):
        due_from, due_until, slot, text, iso = self._timing_for(
            touchpoint, anchor, label, days, sequence, preferred
        )
        notes: list[str] = []
        channel, status, closed_reason = touchpoint.channel, PENDING, ""
        if situation == _PHONE_FALLBACK:
            fallback = plan.fallback_channel
            notes.append(
                f"没有可用的{CHANNEL_LABELS_ZH.get(channel, channel)}号码，"
                f"按计划改用{CHANNEL_LABELS_ZH.get(fallback, fallback)}"
            )
            channel = fallback
        elif situation == _PHONE_NONE:
            status = NO_PHONE
            notes.append("没有可用的电话号码（未登记，或号码无效、停机），待补充号码")
        if readmitted is not None:  # on or before the due-from day (``_task``)
            status, closed_reason = CANCELLED, "readmitted"
            notes.append(
                f"患者于 {readmitted:%Y-%m-%d} 再次入院，本次出院随访取消"
                f"（入院不晚于应随访日 {due_from:%Y-%m-%d}）"
            )
        elif due_until < self.today:
            status = WINDOW_PASSED
            notes.append(
                f"补录的历史记录：窗口已于 {due_until:%Y-%m-%d} 结束，不再排队（计入“窗口已过”）"
            )
        return TaskShape(
            plan=plan,
            touchpoint=touchpoint,
            sequence=sequence,
            channel=channel,
            status=status,
            due_from=due_from,
            due_until=due_until,
            first_slot=slot,
            text=text,
            notes=tuple(notes),
            closed_reason=closed_reason,
            iso=iso,
        )

    def _phone(self, patient: PatientFacts, channel: str) -> PhoneFacts | None:
        """``pick_phone`` remembered for the patient being planned (several tasks ask)."""
        if not _needs_number(channel) or not patient.phones:
            return None
        if self._phone_patient is not patient:
            self._phone_patient, self._phone_picks = patient, {}
        if channel not in self._phone_picks:
            self._phone_picks[channel] = pick_phone(patient.phones, channel)
        return self._phone_picks[channel]


# --- Weekly cap ---------------------------------------------------------------


def cap_day(day: date, taken: Sequence[date], cap: int) -> date:
    """The first working day on or after ``day`` where one more contact keeps every 7-day span within ``cap``.

    ``taken``: the days of the patient's other contacts. ``cap`` < 1: no cap.
    """
    if cap < 1:
        return day
    current = day
    for _ in range(400):
        if calendar.is_working_day(current) and all(
            sum(1 for other in taken if start <= other <= start + timedelta(days=6)) < cap
            for start in (current - timedelta(days=k) for k in range(7))
        ):
            return current
        current += timedelta(days=1)
    raise ValueError("no day within 400 days keeps the weekly contact cap")
