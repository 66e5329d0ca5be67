import datetime

import pytest
from django.db import connection

from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry
from huifang.patients.models import Patient
from huifang.patients.services import (
    DiagnosisData,
    EncounterData,
    encounter_create,
    patient_create,
    patient_update,
    phone_add,
)


@pytest.mark.django_db
def test_it_stores_pinyin_and_initials_for_search(personas):
    patient = patient_create(actor=personas["admin"], record_number="300001", name=" 欧阳娜娜 ")
    assert patient.name == "欧阳娜娜"
    assert patient.name_pinyin == "ouyangnana"
    assert patient.name_initials == "oynn"


@pytest.mark.django_db
def test_it_encrypts_id_numbers_and_finds_them_by_hash(personas):
    from huifang.core.crypto import lookup_hash

    patient = patient_create(
        actor=personas["admin"], record_number="300002", name="王五", id_number="11010519491231002x"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM patients_patient WHERE id = %s", [patient.pk])
        stored = cursor.fetchone()[0]
    assert "11010519491231002X" not in stored
    assert Patient.objects.get(pk=patient.pk).id_number == "11010519491231002X"
    assert Patient.objects.get(id_number_hash=lookup_hash("11010519491231002X")) == patient


@pytest.mark.django_db
def test_it_audits_updates_with_before_and_after_but_masks_the_id(personas):
    patient = patient_create(actor=personas["admin"], record_number="300003", name="赵六")
    patient_update(
        actor=personas["admin"], patient=patient, occupation="教师", id_number="110105194912310011"
    )
    entry = AuditEntry.objects.filter(action="update", patient_id=patient.pk).get()
    assert entry.actor == personas["admin"]
    assert entry.changes["occupation"] == ["", "教师"]
    assert entry.changes["id_number"] == ["***", "***"]
    assert "110105194912310011" not in str(entry.changes)


@pytest.mark.django_db
def test_it_refuses_fields_it_does_not_know(personas):
    patient = patient_create(actor=None, record_number="300004", name="钱七")
    with pytest.raises(ApplicationError) as info:
        patient_update(actor=None, patient=patient, id_number_hash="x")
    assert info.value.code == "unknown_field"


@pytest.mark.django_db
def test_it_keeps_one_row_per_number_and_makes_the_first_primary(personas):
    patient = patient_create(actor=None, record_number="300005", name="孙八")
    first = phone_add(actor=None, patient=patient, raw_number="138 1234 5678")
    again = phone_add(actor=None, patient=patient, raw_number="+86 13812345678")
    family = phone_add(actor=None, patient=patient, raw_number="010-62345678", owner="family")
    assert first.pk == again.pk
    assert first.is_primary and not family.is_primary
    assert family.line_type == "landline"


@pytest.mark.django_db
def test_it_flags_sensitive_diagnoses_by_icd_prefix(departments):
    patient = patient_create(actor=None, record_number="300006", name="周九")
    encounter = encounter_create(
        actor=None,
        patient=patient,
        data=EncounterData(
            kind="inpatient",
            number="ZY300006",
            department=departments["medicine_ward"],
            admitted_on=datetime.date(2026, 11, 1),
            discharged_on=datetime.date(2026, 11, 9),
            diagnoses=[
                DiagnosisData(code="c34.9", name="肺恶性肿瘤", is_primary=True),
                DiagnosisData(code="I10", name="原发性高血压"),
            ],
        ),
    )
    flags = {d.code: d.is_sensitive for d in encounter.diagnoses.all()}
    assert flags == {"C34.9": True, "I10": False}


@pytest.mark.django_db
def test_it_refuses_a_discharge_before_the_admission(departments):
    patient = patient_create(actor=None, record_number="300007", name="吴十")
    with pytest.raises(ApplicationError) as info:
        encounter_create(
            actor=None,
            patient=patient,
            data=EncounterData(
                kind="inpatient",
                number="ZY300007",
                department=departments["medicine_ward"],
                admitted_on=datetime.date(2026, 11, 9),
                discharged_on=datetime.date(2026, 11, 1),
            ),
        )
    assert info.value.code == "discharge_before_admission"
