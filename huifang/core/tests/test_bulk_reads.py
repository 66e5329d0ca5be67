"""Bulk reads and writes: ``field__any_of``, the statistics refresh after a large write, the collector."""

import gc
import threading

import pytest
from django.db import connection

from huifang.core import bulk
from huifang.followups.selectors import id_filter
from huifang.patients.models import Patient, PhoneNumber
from huifang.testing.factories import PatientFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds_for_ids_and_foreign_keys():
    patients = [PatientFactory() for _ in range(8)]
    for patient in patients:
        PhoneFactory(patient=patient)
    wanted = [p.pk for p in patients[::3]]
    assert sorted(Patient.objects.filter(pk__any_of=wanted).values_list("pk", flat=True)) == sorted(
        wanted
    )
    by_fk = PhoneNumber.objects.filter(patient__any_of=wanted).values_list("patient_id", flat=True)
    by_column = PhoneNumber.objects.filter(patient_id__any_of=wanted).values_list(
        "patient_id", flat=True
    )
    assert sorted(by_fk) == sorted(by_column) == sorted(wanted)
    assert not Patient.objects.filter(pk__any_of=[]).exists()
    assert Patient.objects.exclude(pk__any_of=wanted).count() == len(patients) - len(wanted)


def test_any_of_is_one_parameter_on_postgresql_and_a_list_elsewhere():
    query = str(Patient.objects.filter(pk__any_of=[5, 9, 12]).query)
    if connection.vendor == "postgresql":
        assert "= ANY(" in query
    else:
        assert "IN (5, 9, 12)" in query


def test_id_filter_takes_a_range_for_packed_ids_and_an_array_for_scattered_ones():
    assert "gte" in str(id_filter("pk", range(1000, 1100)))
    assert "any_of" in str(id_filter("pk", range(1000, 100_000, 97)))
    assert "__in" in str(id_filter("pk", [3, 99, 4000]))


def test_a_large_write_refreshes_the_planner_statistics(monkeypatch):
    PatientFactory()
    if connection.vendor != "postgresql":
        assert bulk.refresh_statistics([Patient], 1_000_000) is False
        return
    monkeypatch.setattr(bulk, "ANALYZE_MIN_ROWS", 1)
    assert bulk.refresh_statistics([Patient], 0) is False
    sql = "SELECT count(*) FROM pg_statistic WHERE starelid = %s::regclass"
    with connection.cursor() as cursor:
        cursor.execute(sql, ["patients_patient"])
        before = cursor.fetchone()[0]
        assert bulk.refresh_statistics([Patient], 1) is True
        cursor.execute(sql, ["patients_patient"])
        assert cursor.fetchone()[0] > before


def test_few_collections_restores_the_collector_after_overlapping_runs():
    before = gc.get_threshold()
    inside = threading.Event()
    leave = threading.Event()

    def other_run():
        with bulk.few_collections():
            inside.set()
            leave.wait(5)

    with bulk.few_collections():
        assert gc.get_threshold()[0] >= 50_000
        assert gc.get_freeze_count() > 0  # what existed is set aside, never walked
        thread = threading.Thread(target=other_run)
        thread.start()
        inside.wait(5)
    # The first run is over, the other still going: the collector stays quiet for it.
    assert gc.get_threshold()[0] >= 50_000
    leave.set()
    thread.join(5)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
