"""Demo data: a hospital, a login for every role and a few thousand recent patients.

``demo_seed`` builds it once; a second call changes nothing. The patients
come from ``plan.plan_patients``: the same seed and the same ``today`` give
the same people, numbers and dates. They are written through the services,
so the demo holds what an import would hold, audit entries included.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from huifang.accounts import roles
from huifang.accounts.models import Department, User
from huifang.accounts.services import department_create, roles_sync, user_create
from huifang.core.errors import ApplicationError
from huifang.demo import catalogue
from huifang.demo.history import history_build
from huifang.demo.plan import (
    DEMO_DOCTOR,
    DEMO_NURSE,
    SOURCE_SYSTEM,
    WINDOW_DAYS,
    PatientPlan,
    plan_patients,
)
from huifang.followups.services.generation import tasks_generate_for_encounters
from huifang.patients.models import Encounter, Patient
from huifang.patients.services import encounter_create, patient_create, phone_add
from huifang.reports.rollups import rollups_rebuild

DEMO_PASSWORD = "huifang-demo-2026"  # noqa: S105 - printed for everyone to use


@dataclass
class DemoLogin:
    username: str
    password: str
    role_label: str
    departments: str


@dataclass
class SeedResult:
    created: bool
    patients: int
    encounters: int
    logins: list[DemoLogin]
    tasks: int = 0
    attempts: int = 0
    cases: int = 0


@dataclass(frozen=True)
class _Staff:
    username: str
    display_name: str
    role: str
    role_label: str
    departments: tuple[str, ...]
    title: str
    employee_number: str
    is_superuser: bool = False


# The follow-up centre covers every clinical department.
_CLINICAL = ("NK", "WK", "FCK", "EK", "YK", "TJZX")
STAFF: tuple[_Staff, ...] = (
    _Staff("agent", "王芳", roles.AGENT, "回访员", _CLINICAL, "回访专员", "KF1021"),
    _Staff("agent2", "李静", roles.AGENT, "回访员", ("NK", "WK"), "随访护士", "KF1022"),
    _Staff("doctor", DEMO_DOCTOR, roles.CLINICIAN, "临床医护", ("NK",), "主治医师", "YS2107"),
    _Staff("nurse", DEMO_NURSE, roles.CLINICIAN, "临床医护", ("WK",), "责任护士", "HS3054"),
    _Staff(
        "head_medicine", "陈建国", roles.DEPARTMENT_HEAD, "科主任", ("NK",), "内科主任", "YS2001"
    ),
    _Staff(
        "head_surgery", "杨志强", roles.DEPARTMENT_HEAD, "科主任", ("WK",), "外科主任", "YS2002"
    ),
    _Staff("manager", "赵敏", roles.SERVICE_MANAGER, "客服经理", ("KFZX",), "客服经理", "KF1001"),
    _Staff("quality", "黄丽华", roles.QUALITY_OFFICE, "质控办", ("ZKB",), "质控办主任", "ZK1001"),
    _Staff("admin", "周涛", roles.ADMINISTRATOR, "系统管理员", (), "系统管理员", "XX0001", True),
)
_UNIT_NAMES = {unit.code: unit.name for unit in (*catalogue.DEPARTMENTS, *catalogue.OFFICES)}
_ALL_CODES = [
    catalogue.CAMPUS_CODE,
    *_UNIT_NAMES,
    *(ward for unit in catalogue.DEPARTMENTS for ward, _ in unit.wards),
]


def demo_logins() -> list[DemoLogin]:
    """The demo's logins, in the order the ``demo`` command prints them."""
    return [
        DemoLogin(
            username=staff.username,
            password=DEMO_PASSWORD,
            role_label=staff.role_label,
            departments="、".join(_UNIT_NAMES[code] for code in staff.departments) or "全院",
        )
        for staff in STAFF
    ]


def _existing() -> SeedResult:
    encounters = Encounter.objects.filter(source_system=SOURCE_SYSTEM)
    return SeedResult(
        created=False,
        patients=Patient.objects.filter(pk__in=encounters.values("patient_id")).count(),
        encounters=encounters.count(),
        logins=demo_logins(),
    )


def _check_free() -> None:
    usernames = [staff.username for staff in STAFF]
    taken = list(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    taken += list(Department.objects.filter(code__in=_ALL_CODES).values_list("code", flat=True))
    if taken:
        raise ApplicationError(
            f"数据库中已有同名的用户或科室代码（{'、'.join(sorted(taken))}），"
            "演示数据只能装入空数据库",
            code="demo_conflict",
            details={"taken": sorted(taken)},
        )


def _create_departments() -> dict[str, Department]:
    kinds = Department.Kind
    campus = department_create(
        code=catalogue.CAMPUS_CODE, name=catalogue.CAMPUS_NAME, kind=kinds.CAMPUS
    )
    created = {campus.code: campus}
    for index, unit in enumerate(catalogue.DEPARTMENTS, start=1):
        department = department_create(
            code=unit.code,
            name=unit.name,
            kind=kinds.DEPARTMENT,
            parent=campus,
            sort_order=index * 10,
        )
        created[unit.code] = department
        for offset, (code, name) in enumerate(unit.wards, start=1):
            created[code] = department_create(
                code=code,
                name=name,
                kind=kinds.WARD,
                parent=department,
                sort_order=index * 10 + offset,
            )
    for index, office in enumerate(catalogue.OFFICES, start=1):
        created[office.code] = department_create(
            code=office.code,
            name=office.name,
            kind=kinds.OFFICE,
            parent=campus,
            sort_order=900 + index,
        )
    return created


def _create_staff(departments: dict[str, Department]) -> None:
    for staff in STAFF:
        user_create(
            username=staff.username,
            password=DEMO_PASSWORD,
            display_name=staff.display_name,
            roles=[staff.role],
            departments=[departments[code] for code in staff.departments],
            employee_number=staff.employee_number,
            title=staff.title,
            is_superuser=staff.is_superuser,
        )


def _create_patients(plans: list[PatientPlan], departments: dict[str, Department]) -> int:
    encounters = 0
    for plan in plans:
        patient = patient_create(
            actor=None, record_number=plan.record_number, name=plan.name, **plan.patient_fields()
        )
        for phone in plan.phones:
            phone_add(
                actor=None,
                patient=patient,
                raw_number=phone.raw_number,
                owner=phone.owner,
                relation=phone.relation,
                contact_name=phone.contact_name,
                source=SOURCE_SYSTEM,
            )
        for encounter in plan.encounters:
            encounter_create(
                actor=None,
                patient=patient,
                data=encounter.to_data(departments[encounter.department_code]),
                # demo_seed plans every encounter at once below; a queued job
                # per encounter would only plan them again (3,068 jobs).
                announce=False,
            )
            encounters += 1
    return encounters


def demo_seed(
    *, seed: int = 20261124, patients: int = 2000, today: date | None = None
) -> SeedResult:
    """Fill an empty database with the demo hospital, its staff and recent patients.

    Runs once: when the demo campus already exists nothing is written and the
    result says ``created=False``. Everything is written in one transaction.
    """
    if patients < 0:
        raise ApplicationError("患者人数不能为负数", code="invalid_count")
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            if Department.objects.filter(code=catalogue.CAMPUS_CODE).exists():
                return _existing()
            _check_free()
            roles_sync()  # user_create silently skips a role whose group is missing
            departments = _create_departments()
            _create_staff(departments)
            plans = plan_patients(seed=seed, count=patients, today=today)
            encounters = _create_patients(plans, departments)
            # Plan the follow-up tasks now (the queue's consumer would do it
            # later), so the past can be written on them.
            ids = list(
                Encounter.objects.filter(source_system=SOURCE_SYSTEM).values_list("pk", flat=True)
            )
            now = timezone.now()
            if today != timezone.localdate():
                now = datetime.combine(today, time(8, 0), tzinfo=timezone.get_current_timezone())
            planned = tasks_generate_for_encounters(ids, now=now)
            history = history_build(seed=seed, today=today)
            # The dashboard and the summary read the monthly rollups: build the
            # months the demo covers so they show its past at once.
            rollups_rebuild(date_from=today - timedelta(days=WINDOW_DAYS), date_to=today)
    except IntegrityError:
        # Another process seeded the demo at the same moment: theirs stands.
        if Department.objects.filter(code=catalogue.CAMPUS_CODE).exists():
            return _existing()
        raise
    return SeedResult(
        created=True,
        patients=len(plans),
        encounters=encounters,
        logins=demo_logins(),
        tasks=planned.created,
        attempts=history.attempts,
        cases=history.cases,
    )
