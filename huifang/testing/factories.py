"""factory_boy factories for tests."""

import datetime

import factory

from huifang.accounts.models import Department
from huifang.followups import slots
from huifang.followups.models import FollowUpTask, Plan, Touchpoint
from huifang.patients.models import Diagnosis, Encounter, Patient, PhoneNumber
from huifang.patients.names import name_initials, name_pinyin


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"科室{n}")
    kind = Department.Kind.DEPARTMENT


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    record_number = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Iterator(["张三", "李四", "王小明", "赵丽", "刘洋"])
    name_pinyin = factory.LazyAttribute(lambda o: name_pinyin(o.name))
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    sex = "M"
    birth_date = datetime.date(1970, 5, 1)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    patient = factory.SubFactory(PatientFactory)
    number = factory.Sequence(lambda n: f"+86138{n:08d}")
    owner = PhoneNumber.Owner.SELF
    line_type = PhoneNumber.LineType.MOBILE
    status = PhoneNumber.Status.VALID
    is_primary = True


class EncounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Encounter

    patient = factory.SubFactory(PatientFactory)
    kind = Encounter.Kind.INPATIENT
    number = factory.Sequence(lambda n: f"ZY{n:06d}")
    department = factory.SubFactory(DepartmentFactory)
    admitted_on = datetime.date(2026, 11, 1)
    discharged_on = datetime.date(2026, 11, 10)
    attending_doctor = "王医生"


class DiagnosisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnosis

    encounter = factory.SubFactory(EncounterFactory)
    code = "I10"
    name = "原发性高血压"


# Follow-up tasks: a plan with one touchpoint, and a task due from a Friday.


def make_touchpoint(plan_code="test-plan", code="call", channel="phone", **fields) -> Touchpoint:
    plan, _ = Plan.objects.get_or_create(code=plan_code, defaults={"name": plan_code})
    return Touchpoint.objects.create(
        plan=plan,
        code=code,
        name=code,
        offset_days=3,
        window_days=4,
        channel=channel,
        **fields,
    )


def make_task(
    patient,
    *,
    due_from=datetime.date(2026, 11, 13),
    due_until=datetime.date(2026, 11, 18),
    touchpoint=None,
    encounter=None,
    max_attempts=3,
    phone="self",
) -> FollowUpTask:
    touchpoint = touchpoint or make_touchpoint()
    encounter = encounter or patient.encounters.first()
    if phone in ("self", "family"):
        phone = patient.phones.filter(owner=phone).first()
    first_slot = slots.at(due_from, datetime.time(10, 0))
    return FollowUpTask.objects.create(
        patient=patient,
        encounter=encounter,
        plan=touchpoint.plan,
        plan_version=touchpoint.plan.version,
        touchpoint=touchpoint,
        channel=touchpoint.channel,
        due_from=due_from,
        due_until=due_until,
        first_slot=first_slot,
        next_attempt_at=first_slot,
        max_attempts=max_attempts,
        phone=phone,
    )
