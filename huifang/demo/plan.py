"""The demo's patients as plain data, drawn from one ``random.Random(seed)``.

``plan_patients`` touches no database: the same seed and the same ``today``
give the same people, phone numbers, encounters and encounter numbers, so it
can be checked on its own. ``seed.demo_seed`` writes a plan through the
patients' services.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from huifang.accounts.models import Department
from huifang.demo import catalogue
from huifang.demo.catalogue import Case, Code
from huifang.demo.identities import IdentityFaker, Place
from huifang.patients.models import Encounter, PhoneNumber
from huifang.patients.services import DiagnosisData, EncounterData

SOURCE_SYSTEM = "demo"
WINDOW_DAYS = 90
# The demo's own clinicians (logins ``doctor`` and ``nurse``) find their names
# on their patients' records.
DEMO_DOCTOR = "张伟"
DEMO_NURSE = "刘洋"

Kind = Encounter.Kind


@dataclass
class PhonePlan:
    raw_number: str
    owner: str = PhoneNumber.Owner.SELF
    relation: str = ""
    contact_name: str = ""


@dataclass
class EncounterPlan:
    kind: str
    department_code: str
    start: date  # admission or visit: numbers follow it
    number: str = ""
    attending_doctor: str = ""
    responsible_nurse: str = ""
    admitted_on: date | None = None
    discharged_on: date | None = None
    visit_on: date | None = None
    chief_complaint: str = ""
    treatment: str = ""
    discharge_orders: str = ""
    discharge_medication: str = ""
    source_record: dict[str, Any] = field(default_factory=dict)
    diagnoses: list[Code] = field(default_factory=list)  # the first is the main one
    procedures: list[tuple[str, str, date | None]] = field(default_factory=list)
    abnormal_findings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def end(self) -> date:
        """The last day of the encounter so far (today's for a patient still in a bed)."""
        return self.discharged_on or self.visit_on or self.start

    def to_data(self, department: Department) -> EncounterData:
        return EncounterData(
            kind=self.kind,
            number=self.number,
            department=department,
            attending_doctor=self.attending_doctor,
            responsible_nurse=self.responsible_nurse,
            admitted_on=self.admitted_on,
            discharged_on=self.discharged_on,
            visit_on=self.visit_on,
            chief_complaint=self.chief_complaint,
            treatment=self.treatment,
            discharge_orders=self.discharge_orders,
            discharge_medication=self.discharge_medication,
            source_system=SOURCE_SYSTEM,
            source_record=self.source_record,
            diagnoses=[
                DiagnosisData(name=name, code=code, is_primary=index == 0)
                for index, (code, name) in enumerate(self.diagnoses)
            ],
            procedures=list(self.procedures),
            abnormal_findings=list(self.abnormal_findings),
        )


@dataclass
class PatientPlan:
    record_number: str
    name: str
    sex: str
    birth_date: date
    ethnicity: str
    occupation: str
    address: str
    id_number: str
    phones: list[PhonePlan] = field(default_factory=list)
    encounters: list[EncounterPlan] = field(default_factory=list)
    deceased_on: date | None = None
    do_not_contact: list[str] = field(default_factory=list)
    preferred_time_start: time | None = None
    preferred_time_end: time | None = None
    preferred_time_note: str = ""

    def patient_fields(self) -> dict[str, Any]:
        return {
            "sex": self.sex,
            "birth_date": self.birth_date,
            "ethnicity": self.ethnicity,
            "occupation": self.occupation,
            "address": self.address,
            "id_number": self.id_number,
            "deceased_on": self.deceased_on,
            "do_not_contact": list(self.do_not_contact),
            "preferred_time_start": self.preferred_time_start,
            "preferred_time_end": self.preferred_time_end,
            "preferred_time_note": self.preferred_time_note,
        }


# (weight, kind, ward or department) of a patient's main encounter.
_PROFILES: tuple[tuple[int, str, str], ...] = (
    (9, Kind.INPATIENT, "NK-XXG"),
    (6, Kind.INPATIENT, "NK-HX"),
    (5, Kind.INPATIENT, "NK-NFM"),
    (6, Kind.INPATIENT, "WK-PW"),
    (5, Kind.INPATIENT, "WK-GK"),
    (3, Kind.INPATIENT, "WK-MN"),
    (6, Kind.MATERNITY, "FCK-CK"),
    (3, Kind.INPATIENT, "FCK-FK"),
    (3, Kind.INPATIENT, "EK-EK"),
    (4, Kind.NEWBORN, "EK-XSE"),
    (2, Kind.INPATIENT, "YK-BQ"),
    (4, Kind.DAY_SURGERY, "YK"),
    (3, Kind.DAY_SURGERY, "WK"),
    (8, Kind.OUTPATIENT, "NK"),
    (4, Kind.OUTPATIENT, "WK"),
    (3, Kind.OUTPATIENT, "FCK"),
    (5, Kind.OUTPATIENT, "EK"),
    (3, Kind.OUTPATIENT, "YK"),
    (10, Kind.HEALTH_CHECK, "TJZX"),
)
_STAYS = (Kind.INPATIENT, Kind.MATERNITY, Kind.NEWBORN)
_HEALTH_CHECK_AGES = (25, 75)

_ETHNICITIES = (
    ("汉族", 910),
    ("满族", 25),
    ("回族", 20),
    ("壮族", 10),
    ("蒙古族", 10),
    ("土家族", 6),
    ("朝鲜族", 5),
    ("苗族", 5),
    ("维吾尔族", 4),
    ("藏族", 3),
    ("彝族", 2),
)
# Provinces (first two digits of the region code) where a minority is local.
_LOCAL_ETHNICITY = {"15": "蒙古族", "45": "壮族", "64": "回族"}
# Occupation categories as the front page of a Chinese medical record lists them.
_OCCUPATIONS = (
    ("职员", 20),
    ("工人", 15),
    ("专业技术人员", 15),
    ("个体经营者", 10),
    ("自由职业者", 8),
    ("企业管理人员", 6),
    ("农民", 6),
    ("无业人员", 6),
    ("国家公务员", 4),
    ("其他", 4),
    ("现役军人", 1),
)


# Ward code → its department's code.
_PARENT = {ward: unit.code for unit in catalogue.DEPARTMENTS for ward, _ in unit.wards}


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([item for item, _ in weighted], [w for _, w in weighted])[0]


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _suits(case: Case, sex: str, age: int) -> bool:
    return case.sex in ("", sex) and case.ages[0] <= age <= case.ages[1]


class _Planner:
    def __init__(self, *, seed: int, today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up demo data, not security
        self.faker = IdentityFaker(self.rng)
        self.today = today
        self.first_day = today - timedelta(days=WINDOW_DAYS)
        self.doctors: dict[str, list[str]] = {}
        self.nurses: dict[str, list[str]] = {}
        for unit in catalogue.DEPARTMENTS:
            for code in (unit.code, *(ward for ward, _ in unit.wards)):
                self.doctors[code] = [self._staff_name() for _ in range(4)]
                if code != unit.code:
                    self.nurses[code] = [self._staff_name(nurse=True) for _ in range(4)]
            # Clinic and day-surgery nurses come from the department's first ward.
            self.nurses[unit.code] = self.nurses.get(unit.wards[0][0], []) if unit.wards else []
        for code in ("NK", "NK-XXG", "NK-HX"):
            self.doctors[code][0] = DEMO_DOCTOR
        for code in ("WK-PW", "WK-GK"):
            self.nurses[code][0] = DEMO_NURSE
        self.record_number = self.rng.randint(3_000_000, 3_400_000)

    def _staff_name(self, *, nurse: bool = False) -> str:
        sex = "F" if nurse and self.rng.random() < 0.9 else self.rng.choice("MF")
        return self.faker.name(sex, self.rng.randint(1965, 1998))

    def _day(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def _inside(self, encounter: EncounterPlan) -> bool:
        return self.first_day <= encounter.start and encounter.end <= self.today

    def _case(self, cases: tuple[Case, ...]) -> Case:
        return self.rng.choices(cases, [case.weight for case in cases])[0]

    def _diagnoses(self, case: Case) -> list[Code]:
        count = self.rng.choices((0, 1, 2), (50, 35, 15))[0]
        extra = self.rng.sample(case.comorbidities, min(count, len(case.comorbidities)))
        return [(case.code, case.name), *extra]

    # Encounters ---------------------------------------------------------------------

    def _stay(
        self, kind: str, ward: str, case: Case, admitted: date, length: int | None = None
    ) -> EncounterPlan:
        if length is None:
            length = self.rng.randint(*case.stay)
        discharged: date | None = admitted + timedelta(days=length)
        if discharged > self.today:
            discharged = None  # still in hospital
        procedures = []
        if case.procedure:
            latest = max(0, min(2, ((discharged or self.today) - admitted).days - 1))
            on = admitted + timedelta(days=self.rng.randint(0, latest))
            procedures.append((*case.procedure, on))
        return EncounterPlan(
            kind=kind,
            department_code=ward,
            start=admitted,
            attending_doctor=self.rng.choice(self.doctors[ward]),
            responsible_nurse=self.rng.choice(self.nurses[ward]),
            admitted_on=admitted,
            discharged_on=discharged,
            chief_complaint=case.complaint,
            treatment=case.treatment,
            discharge_orders=case.orders if discharged else "",
            discharge_medication=case.medication if discharged else "",
            diagnoses=self._diagnoses(case),
            procedures=procedures,
        )

    def _day_surgery(self, department: str, case: Case, on: date) -> EncounterPlan:
        discharged = min(on + timedelta(days=self.rng.randint(*case.stay)), self.today)
        assert case.procedure is not None  # every day-surgery case names its operation
        return EncounterPlan(
            kind=Kind.DAY_SURGERY,
            department_code=department,
            start=on,
            attending_doctor=self.rng.choice(self.doctors[department]),
            responsible_nurse=self.rng.choice(self.nurses[department]),
            admitted_on=on,
            discharged_on=discharged,
            chief_complaint=case.complaint,
            treatment=case.treatment,
            discharge_orders=case.orders,
            discharge_medication=case.medication,
            diagnoses=[(case.code, case.name)],
            procedures=[(*case.procedure, on)],
        )

    def _visit(
        self,
        department: str,
        diagnosis: Code,
        on: date,
        *,
        complaint: str,
        treatment: str,
        first: bool = True,
    ) -> EncounterPlan:
        return EncounterPlan(
            kind=Kind.OUTPATIENT,
            department_code=department,
            start=on,
            visit_on=on,
            attending_doctor=self.rng.choice(self.doctors[department]),
            chief_complaint=complaint,
            treatment=treatment,
            source_record={"visit_type": "初诊" if first else "复诊"},
            diagnoses=[diagnosis],
        )

    def _clinic_visit(self, department: str, case: Case, on: date) -> EncounterPlan:
        return self._visit(
            department,
            (case.code, case.name),
            on,
            complaint=case.complaint,
            treatment=case.treatment,
        )

    def _finding(
        self, kind: str, text: str, ranges: tuple[tuple[float, float, int], ...]
    ) -> tuple[str, str]:
        values = [f"{self.rng.uniform(low, high):.{places}f}" for low, high, places in ranges]
        return kind, text.format(*values)

    def _health_check(self, on: date) -> EncounterPlan:
        count = self.rng.choices((1, 2, 3), (50, 35, 15))[0]
        findings = [self._finding(*item) for item in self.rng.sample(catalogue.FINDINGS, count)]
        return EncounterPlan(
            kind=Kind.HEALTH_CHECK,
            department_code="TJZX",
            start=on,
            visit_on=on,
            attending_doctor=self.rng.choice(self.doctors["TJZX"]),
            treatment="完成健康体检，异常结果已当面告知，建议相关专科复查",
            diagnoses=[catalogue.HEALTH_CHECK_DIAGNOSIS],
            abnormal_findings=findings,
        )

    def _main(self, kind: str, unit: str, case: Case | None) -> EncounterPlan:
        rng = self.rng
        if kind in _STAYS:
            assert case is not None
            length = rng.randint(*case.stay)
            if kind == Kind.INPATIENT and rng.random() < 0.03:
                # Still in a bed today: no discharge, no follow-up yet.
                admitted = self.today - timedelta(days=rng.randint(0, length - 1))
            else:
                discharged = self._day(self.first_day + timedelta(days=length), self.today)
                admitted = discharged - timedelta(days=length)
            return self._stay(kind, unit, case, admitted, length)
        on = self._day(self.first_day, self.today)
        if kind == Kind.DAY_SURGERY:
            assert case is not None
            return self._day_surgery(unit, case, on)
        if kind == Kind.OUTPATIENT:
            assert case is not None
            return self._clinic_visit(unit, case, on)
        return self._health_check(on)

    def _follow_ons(
        self, kind: str, unit: str, case: Case | None, main: EncounterPlan, sex: str, age: int
    ) -> list[Callable[[], EncounterPlan | None]]:
        """Encounters that may come before or after the main one (dates not yet checked)."""
        rng = self.rng
        diagnosis = main.diagnoses[0]
        department = _PARENT.get(unit, unit)

        def before(low: int, high: int, **texts: str) -> Callable[[], EncounterPlan]:
            return lambda: self._visit(
                department,
                diagnosis,
                main.start - timedelta(days=rng.randint(low, high)),
                **texts,
            )

        def after(low: int, high: int, **texts: str) -> Callable[[], EncounterPlan]:
            return lambda: self._visit(
                department,
                diagnosis,
                main.end + timedelta(days=rng.randint(low, high)),
                first=False,
                **texts,
            )

        def other_clinic() -> EncounterPlan | None:
            choices = [
                (code, c)
                for code, cases in catalogue.CLINIC_CASES.items()
                if code != department
                for c in cases
                if _suits(c, sex, age)
            ]
            if not choices:
                return None
            code, other = rng.choices(choices, [c.weight for _, c in choices])[0]
            return self._clinic_visit(code, other, self._day(self.first_day, self.today))

        back = {
            "complaint": f"{diagnosis[1]}复诊",
            "treatment": "恢复良好，继续目前治疗，按医嘱定期复查",
        }
        if kind == Kind.INPATIENT:
            assert case is not None
            candidates = [
                before(0, 3, complaint=case.complaint, treatment="建议住院治疗，开具住院证")
            ]
            if main.discharged_on is None:
                return candidates
            chemo = case.code.startswith("C34")
            if rng.random() < (0.6 if chemo else 0.12):
                gap = rng.randint(19, 23) if chemo else rng.randint(5, 30)
                complaint = (
                    f"{case.name}化疗后{gap}天，返院行下一周期化疗"
                    if chemo
                    else f"{case.name}出院后{gap}天，症状再发"
                )

                def readmission() -> EncounterPlan:
                    stay = self._stay(kind, unit, case, main.end + timedelta(days=gap))
                    stay.chief_complaint = complaint
                    return stay

                candidates.append(readmission)
            else:
                candidates.append(after(7, 30, **back))
            return candidates
        if kind == Kind.DAY_SURGERY:
            return [
                before(
                    3, 14, complaint=main.chief_complaint, treatment="完善术前检查，预约日间手术"
                ),
                after(1, 14, complaint=f"{diagnosis[1]}术后复查", treatment="术后恢复良好"),
            ]
        if kind == Kind.MATERNITY:
            checkup = ("Z34.9", "正常妊娠监督")
            prenatal = {
                "complaint": "孕晚期定期产前检查",
                "treatment": "胎心、胎位正常，预约下次产检",
            }
            return [
                lambda: self._visit(
                    "FCK", checkup, main.start - timedelta(days=rng.randint(5, 9)), **prenatal
                ),
                lambda: self._visit(
                    "FCK", checkup, main.start - timedelta(days=rng.randint(12, 16)), **prenatal
                ),
                lambda: self._visit(
                    "FCK",
                    ("Z39.2", "产后常规随访"),
                    main.end + timedelta(days=rng.randint(40, 44)),
                    complaint="产后42天复查",
                    treatment="子宫复旧良好，母乳喂养指导",
                    first=False,
                ),
            ]
        if kind == Kind.NEWBORN:
            return [
                after(
                    3,
                    10,
                    complaint="新生儿出院后复查",
                    treatment="一般情况好，继续按需喂养，按时预防接种",
                )
            ]
        if kind == Kind.OUTPATIENT:
            return [after(3, 21, **back), other_clinic]
        # A health check: the first finding that needs a re-check brings the patient to 内科.
        recheck = next(
            (
                (kind_, text)
                for kind_, text in main.abnormal_findings
                if kind_ in catalogue.RECHECK_DIAGNOSES
            ),
            None,
        )
        candidates = [other_clinic]
        if recheck is not None:
            candidates.append(
                lambda: self._visit(
                    "NK",
                    catalogue.RECHECK_DIAGNOSES[recheck[0]],
                    main.end + timedelta(days=rng.randint(7, 40)),
                    complaint=f"体检发现{recheck[1]}，来院复查",
                    treatment="复查并给予饮食、运动指导，必要时药物治疗",
                )
            )
        return candidates

    # People -------------------------------------------------------------------------

    def _occupation(self, age: int, place: Place) -> str:
        rng = self.rng
        if age < 3:
            return "散居儿童"
        if age < 7:
            return rng.choice(("散居儿童", "幼托儿童"))
        if age < 18 or (age < 23 and rng.random() < 0.6):
            return "学生"
        if age >= 60:
            farmers = 25 if place.is_rural else 5
            return _pick(rng, (("退(离)休人员", 70), ("农民", farmers), ("无业人员", 10)))
        if place.is_rural and rng.random() < 0.6:
            return "农民"
        return _pick(rng, _OCCUPATIONS)

    def _ethnicity(self, place: Place) -> str:
        local = _LOCAL_ETHNICITY.get(place.region_code[:2])
        if local and self.rng.random() < 0.25:
            return local
        return _pick(self.rng, _ETHNICITIES)

    def _relative(self, sex: str, born: int, surname: str | None = None) -> str:
        name = self.faker.name(sex, born)
        if surname is None:
            return name
        return surname + self.faker.given_name(sex, born)

    def _phones(
        self, *, sex: str, age: int, birth: date, surname: str, place: Place, mother: str | None
    ) -> list[PhonePlan]:
        rng, faker = self.rng, self.faker
        family = PhoneNumber.Owner.FAMILY
        if age < 14:
            mother = mother or self._relative("F", birth.year - rng.randint(22, 38))
            phones = [PhonePlan(faker.mobile(), family, "母亲", mother)]
            if rng.random() < 0.4:
                father = self._relative("M", birth.year - rng.randint(24, 40), surname)
                phones.append(PhonePlan(faker.mobile(), family, "父亲", father))
            return phones
        if age >= 70:
            own = faker.landline(place) if rng.random() < 0.5 else faker.mobile()
        elif age >= 50 and rng.random() < 0.1:
            own = faker.landline(place)
        else:
            own = faker.mobile()
        phones = [PhonePlan(own)]
        second = 0.7 if age >= 70 else 0.35
        if age < 18:
            relation = rng.choice(("母亲", "父亲"))
            parent_sex = "F" if relation == "母亲" else "M"
            born = birth.year - rng.randint(24, 40)
            contact = self._relative(parent_sex, born, surname if parent_sex == "M" else None)
        elif age >= 60 and rng.random() < 0.75:
            relation = rng.choice(("儿子", "女儿"))
            child_sex = "M" if relation == "儿子" else "F"
            born = birth.year + rng.randint(22, 35)
            contact = self._relative(child_sex, born, surname if sex == "M" else None)
        elif age >= 22:
            relation = "配偶"
            contact = self._relative("F" if sex == "M" else "M", birth.year + rng.randint(-4, 4))
        else:
            return phones
        if rng.random() < second:
            phones.append(PhonePlan(faker.mobile(), family, relation, contact))
        return phones

    def patient(self) -> PatientPlan:
        rng, faker = self.rng, self.faker
        _, kind, unit = rng.choices(_PROFILES, [weight for weight, _, _ in _PROFILES])[0]
        if kind in _STAYS:
            case: Case | None = self._case(catalogue.WARD_CASES[unit])
        elif kind == Kind.DAY_SURGERY:
            case = self._case(catalogue.DAY_SURGERY_CASES[unit])
        elif kind == Kind.OUTPATIENT:
            case = self._case(catalogue.CLINIC_CASES[unit])
        else:
            case = None
        main = self._main(kind, unit, case)

        sex = (case.sex if case else "") or rng.choice("MF")
        if kind == Kind.NEWBORN:
            birth = main.start - timedelta(days=rng.randint(0, 6))
        else:
            low, high = case.ages if case else _HEALTH_CHECK_AGES
            birth = main.start - timedelta(days=rng.randint(max(low * 365, 30), high * 365 + 364))
        age = _age(birth, main.start)

        encounters = [main]
        wanted = rng.choices((0, 1, 2), (55, 33, 12))[0]
        candidates = self._follow_ons(kind, unit, case, main, sex, age)
        rng.shuffle(candidates)
        for make in candidates:
            if len(encounters) > wanted:
                break
            encounter = make()
            if encounter is not None and self._inside(encounter):
                encounters.append(encounter)
        encounters.sort(key=lambda e: e.start)

        place = faker.place()
        mother = None
        if kind == Kind.NEWBORN and rng.random() < 0.7:
            # Until the parents register a name, the ward writes “母亲之子/之女”.
            mother = faker.name("F", birth.year - rng.randint(22, 40))
            name = f"{mother}之{'子' if sex == 'M' else '女'}"
            surname = faker.surname()
        else:
            surname = faker.surname()
            name = surname + faker.given_name(sex, birth.year)
        self.record_number += rng.randint(1, 40)
        plan = PatientPlan(
            record_number=str(self.record_number),
            name=name,
            sex=sex,
            birth_date=birth,
            ethnicity=self._ethnicity(place),
            occupation=self._occupation(age, place),
            address=faker.address(place),
            # Newborns have no resident ID yet.
            id_number=""
            if kind == Kind.NEWBORN
            else faker.id_number(place.region_code, birth, sex),
            encounters=encounters,
        )
        plan.phones = self._phones(
            sex=sex, age=age, birth=birth, surname=surname, place=place, mother=mother
        )

        last = max(encounter.end for encounter in encounters)
        in_bed = any(e.kind in _STAYS and e.discharged_on is None for e in encounters)
        was_admitted = any(e.kind in _STAYS for e in encounters)
        dies = 0.35 if any(d[0].startswith("C") for e in encounters for d in e.diagnoses) else 0.15
        if was_admitted and not in_bed and age >= 65 and last < self.today and rng.random() < dies:
            plan.deceased_on = self._day(last + timedelta(days=1), self.today)
        if age >= 18 and rng.random() < 0.04:
            plan.do_not_contact = ["sms"]
        if 18 <= age < 60:
            roll = rng.random()
            if roll < 0.08:
                plan.preferred_time_start, plan.preferred_time_end = time(19), time(21)
                plan.preferred_time_note = "白天上班，晚上七点以后方便接听"
            elif roll < 0.1:
                plan.preferred_time_start, plan.preferred_time_end = time(12), time(13, 30)
                plan.preferred_time_note = "中午休息时方便"
        return plan

    def number(self, plans: list[PatientPlan]) -> None:
        """Give encounters numbers that grow with their dates, as a hospital system does."""
        rng = self.rng
        inpatient = rng.randint(12_000, 18_000)
        day_surgery = rng.randint(800, 1_500)
        daily: dict[tuple[str, date], int] = {}
        everything = [e for plan in plans for e in plan.encounters]
        for encounter in sorted(everything, key=lambda e: e.start):
            if encounter.kind in _STAYS:
                inpatient += rng.randint(1, 6)
                encounter.number = f"ZY{encounter.start.year}{inpatient:06d}"
            elif encounter.kind == Kind.DAY_SURGERY:
                day_surgery += rng.randint(1, 4)
                encounter.number = f"RJ{encounter.start.year}{day_surgery:05d}"
            else:
                prefix = "TJ" if encounter.kind == Kind.HEALTH_CHECK else "MZ"
                key = (prefix, encounter.start)
                daily[key] = daily.get(key, rng.randint(1, 30)) + rng.randint(1, 25)
                encounter.number = f"{prefix}{encounter.start:%Y%m%d}{daily[key]:04d}"


def plan_patients(*, seed: int, count: int, today: date) -> list[PatientPlan]:
    """The demo's patients and their encounters, as data (pure: same input, same output)."""
    planner = _Planner(seed=seed, today=today)
    plans = [planner.patient() for _ in range(count)]
    planner.number(plans)
    return plans
