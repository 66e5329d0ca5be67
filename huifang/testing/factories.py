"""factory_boy factories for tests."""

import datetime

import factory

from huifang.accounts.models import Department
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
