import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import time_machine
from django.contrib.auth import authenticate
from django.test import RequestFactory

from huifang.accounts.models import Department, User
from huifang.accounts.roles import ROLES
from huifang.core.errors import ApplicationError
from huifang.demo.identities import PLACES, IdentityFaker, id_check_digit, id_number_is_valid
from huifang.demo.plan import WINDOW_DAYS, PatientPlan, plan_patients
from huifang.demo.seed import DEMO_PASSWORD, demo_seed
from huifang.patients.models import AbnormalFinding, Diagnosis, Encounter, Patient, PhoneNumber
from huifang.patients.services import diagnosis_is_sensitive

TODAY = date(2026, 11, 24)
FIRST_DAY = TODAY - timedelta(days=WINDOW_DAYS)
DEPARTMENTS = ["内科", "外科", "妇产科", "儿科", "眼科", "体检中心"]
WARDS = ["心血管内科病区", "呼吸内科病区", "普外科病区", "骨科病区", "产科病区", "新生儿科病区"]


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@pytest.fixture
def seeded(db):
    return demo_seed(patients=60, today=TODAY)


@pytest.fixture(scope="module")
def plans() -> list[PatientPlan]:
    # Enough patients for shares (a few percent) to be measurable.
    return plan_patients(seed=20261124, count=1500, today=TODAY)


class TestDemoSeed:
    def test_it_creates_a_login_for_every_role(self, seeded):
        assert seeded.created
        request = RequestFactory().post("/accounts/login/")
        roles_seen = set()
        for login in seeded.logins:
            assert login.password == DEMO_PASSWORD
            user = authenticate(request, username=login.username, password=login.password)
            assert user is not None, login.username
            roles_seen.update(user.groups.values_list("name", flat=True))
        assert roles_seen == set(ROLES)

    def test_it_lists_the_logins_in_order(self, seeded):
        assert [login.username for login in seeded.logins] == [
            "agent",
            "agent2",
            "doctor",
            "nurse",
            "head_medicine",
            "head_surgery",
            "manager",
            "quality",
            "admin",
        ]
        assert seeded.logins[0].departments == "内科、外科、妇产科、儿科、眼科、体检中心"
        assert User.objects.get(username="admin").is_superuser
        agent2 = User.objects.get(username="agent2")
        assert sorted(agent2.departments.values_list("name", flat=True)) == sorted(["内科", "外科"])

    def test_it_seeds_only_once(self, seeded):
        patients = Patient.objects.count()
        again = demo_seed(patients=60, today=TODAY)
        assert not again.created
        assert Patient.objects.count() == patients == again.patients == seeded.patients == 60
        assert again.encounters == seeded.encounters == Encounter.objects.count()
        assert [login.username for login in again.logins] == [
            login.username for login in seeded.logins
        ]
        assert Department.objects.filter(code="HQ").count() == 1

    def test_it_builds_the_department_tree(self, seeded):
        campus = Department.objects.get(name="本院区", kind=Department.Kind.CAMPUS)
        for name in DEPARTMENTS:
            department = Department.objects.get(name=name, kind=Department.Kind.DEPARTMENT)
            assert department.parent == campus
            wards = department.children.filter(kind=Department.Kind.WARD).count()
            assert wards == 0 if name == "体检中心" else 1 <= wards <= 3
        for name in WARDS:
            assert Department.objects.get(name=name).kind == Department.Kind.WARD
        for name in ["客服中心", "质控办"]:
            assert Department.objects.get(name=name).kind == Department.Kind.OFFICE

    def test_it_keeps_encounters_inside_the_last_90_days(self, seeded):
        assert seeded.encounters >= seeded.patients
        for encounter in Encounter.objects.all():
            dates = [encounter.admitted_on, encounter.discharged_on, encounter.visit_on]
            dates = [d for d in dates if d is not None]
            assert dates, encounter.number
            assert all(FIRST_DAY <= d <= TODAY for d in dates), encounter.number
            assert encounter.source_system == "demo"

    def test_it_gives_every_patient_one_to_three_encounters(self, seeded):
        counts = Counter(Encounter.objects.values_list("patient_id", flat=True))
        assert len(counts) == 60
        assert set(counts.values()) <= {1, 2, 3}

    def test_it_gives_id_numbers_a_valid_check_digit(self, seeded):
        region_codes = {place.region_code for place in PLACES}
        with_id = 0
        for patient in Patient.objects.all():
            if not patient.id_number:
                # Only newborns lack a resident ID.
                assert patient.encounters.filter(kind=Encounter.Kind.NEWBORN).exists()
                continue
            with_id += 1
            number = patient.id_number
            assert id_number_is_valid(number), number
            assert number[:6] in region_codes
            assert number[6:14] == patient.birth_date.strftime("%Y%m%d")
            assert int(number[16]) % 2 == (1 if patient.sex == "M" else 0)
        assert with_id > 50

    def test_it_stores_valid_chinese_phone_numbers(self, seeded):
        phones = list(PhoneNumber.objects.all())
        assert len(phones) >= 60
        for phone in phones:
            parsed = phonenumbers.parse(phone.number, None)
            assert parsed.country_code == 86
            assert phonenumbers.is_valid_number(parsed), phone.number
        family = [phone for phone in phones if phone.owner == PhoneNumber.Owner.FAMILY]
        assert family
        assert {phone.relation for phone in family} <= {"配偶", "儿子", "女儿", "母亲", "父亲"}
        assert all(phone.contact_name for phone in family)

    def test_it_marks_cancer_diagnoses_sensitive(self, seeded):
        diagnoses = list(Diagnosis.objects.all())
        assert any(diagnosis.is_sensitive for diagnosis in diagnoses)
        for diagnosis in diagnoses:
            assert diagnosis.is_sensitive == diagnosis_is_sensitive(diagnosis.code)
            assert diagnosis.code and diagnosis.name

    def test_it_numbers_encounters_uniquely_by_kind(self, seeded):
        numbers = list(Encounter.objects.values_list("kind", "number"))
        assert len({number for _, number in numbers}) == len(numbers)
        prefixes = {
            Encounter.Kind.INPATIENT: "ZY",
            Encounter.Kind.MATERNITY: "ZY",
            Encounter.Kind.NEWBORN: "ZY",
            Encounter.Kind.DAY_SURGERY: "RJ",
            Encounter.Kind.OUTPATIENT: "MZ",
            Encounter.Kind.HEALTH_CHECK: "TJ",
        }
        for kind, number in numbers:
            assert number.startswith(prefixes[kind]), number

    def test_it_gives_health_checks_abnormal_findings(self, seeded):
        kinds = set(AbnormalFinding.Kind.values)
        checks = Encounter.objects.filter(kind=Encounter.Kind.HEALTH_CHECK)
        assert checks.exists()
        for check in checks:
            findings = list(check.abnormal_findings.all())
            assert 1 <= len(findings) <= 3
            assert all(finding.kind in kinds for finding in findings)
            assert check.department.name == "体检中心"

    def test_it_dates_the_demo_from_today_by_default(self, db):
        moment = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        with time_machine.travel(moment, tick=False):
            demo_seed(patients=20)
        latest = max(encounter.anchor_date for encounter in Encounter.objects.all())
        assert latest <= date(2026, 3, 2)

    def test_it_refuses_a_database_with_a_demo_username_taken(self, db):
        User.objects.create_user(username="agent", password="someone-else-2026")
        with pytest.raises(ApplicationError) as caught:
            demo_seed(patients=5, today=TODAY)
        assert caught.value.code == "demo_conflict"
        assert not Department.objects.exists()
        assert not Patient.objects.exists()


class TestPlanPatients:
    def test_it_repeats_itself_for_the_same_seed(self):
        first = plan_patients(seed=42, count=200, today=TODAY)
        assert first == plan_patients(seed=42, count=200, today=TODAY)
        other = plan_patients(seed=43, count=200, today=TODAY)
        assert [p.name for p in first] != [p.name for p in other]

    def test_it_matches_ages_to_the_kind_of_encounter(self, plans):
        for plan in plans:
            for encounter in plan.encounters:
                age = _age(plan.birth_date, encounter.start)
                if encounter.kind == Encounter.Kind.NEWBORN:
                    assert 0 <= (encounter.start - plan.birth_date).days <= 28
                    assert plan.id_number == ""
                elif encounter.kind == Encounter.Kind.MATERNITY:
                    assert plan.sex == "F"
                    assert 20 <= age <= 42
                elif encounter.department_code.startswith("EK"):
                    assert age < 15
                elif encounter.department_code.startswith("NK-"):
                    assert age >= 18

    def test_it_has_a_few_of_each_special_case(self, plans):
        count = len(plans)
        deceased = [plan for plan in plans if plan.deceased_on]
        assert 0.01 * count <= len(deceased) <= 0.06 * count
        for plan in deceased:
            assert max(e.end for e in plan.encounters) < plan.deceased_on <= TODAY
        sensitive = [
            plan
            for plan in plans
            if any(diagnosis_is_sensitive(code) for e in plan.encounters for code, _ in e.diagnoses)
        ]
        assert 0.01 * count <= len(sensitive) <= 0.08 * count
        assert 0.01 * count <= sum(plan.do_not_contact == ["sms"] for plan in plans) <= 0.08 * count
        evening = [plan for plan in plans if plan.preferred_time_start is not None]
        assert 0.02 * count <= len(evening) <= 0.15 * count
        landlines = [p for plan in plans for p in plan.phones if "-" in p.raw_number]
        assert landlines
        ethnicities = Counter(plan.ethnicity for plan in plans)
        assert 0.8 * count <= ethnicities["汉族"] < count
        assert {"回族", "满族", "壮族", "蒙古族"} <= set(ethnicities)

    def test_it_mixes_encounter_kinds(self, plans):
        kinds = Counter(e.kind for plan in plans for e in plan.encounters)
        assert set(kinds) == set(Encounter.Kind.values) - {Encounter.Kind.EMERGENCY}
        assert kinds[Encounter.Kind.INPATIENT] > kinds[Encounter.Kind.NEWBORN]


class TestIdentities:
    def test_it_computes_the_check_digit_of_known_id_numbers(self):
        # The examples given with GB 11643-1999.
        assert id_check_digit("11010519491231002") == "X"
        assert id_check_digit("44052418800101001") == "4"
        assert id_number_is_valid("11010519491231002x")
        assert not id_number_is_valid("110105194912310021")

    def test_it_gives_the_same_names_for_the_same_seed(self):
        def names(seed: int) -> list[str]:
            faker = IdentityFaker(random.Random(seed))
            return [faker.name("MF"[i % 2], 1940 + i % 80) for i in range(100)]

        assert names(7) == names(7)
        assert names(7) != names(8)
        assert all(2 <= len(name) <= 4 for name in names(7))
        assert {len(name) for name in names(7)} >= {2, 3}

    def test_it_writes_phone_numbers_china_accepts(self):
        faker = IdentityFaker(random.Random(3))
        numbers = [faker.mobile() for _ in range(300)]
        numbers += [faker.landline(place) for place in PLACES for _ in range(5)]
        for raw in numbers:
            parsed = phonenumbers.parse(raw, "CN")
            assert phonenumbers.is_valid_number(parsed), raw


def test_it_queues_no_planning_job_for_the_encounters_it_planned(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "huifang.followups.tasks.generate_tasks_task", lambda ids: queued.append(ids)
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = demo_seed(patients=20, today=TODAY)
    assert result.created and result.tasks > 0
    assert queued == []
