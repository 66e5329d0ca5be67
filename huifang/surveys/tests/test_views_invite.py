"""A questionnaire QR slip printed for a patient: who may make one, and what it holds."""

import re

import pytest

from huifang.core.models import AuditEntry
from huifang.surveys.models import Dispatch

pytestmark = pytest.mark.django_db


def make_slip(client, patient, code="inpatient-satisfaction"):
    from huifang.surveys.models import Questionnaire

    questionnaire = Questionnaire.objects.get(code=code, status="active")
    encounter = patient.encounters.first()
    return client.post(
        f"/surveys/invite/{patient.uuid}/",
        {"questionnaire": questionnaire.pk, "encounter": encounter.pk},
    )


def test_the_patient_page_offers_the_qr_code_to_an_agent(client, login, patient_medicine):
    login("agent")

    html = client.get(f"/patients/{patient_medicine.uuid}/").content.decode()

    assert f"/surveys/invite/{patient_medicine.uuid}/" in html


def test_a_slip_holds_a_working_single_use_link_and_no_diagnosis(client, login, patient_medicine):
    login("agent")

    response = make_slip(client, patient_medicine)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    link = re.search(r'data-testid="qr-link">(http[^<]+)<', html).group(1)
    assert re.fullmatch(r"http://testserver/s/[A-Za-z0-9_-]{22}", link)
    assert "张先生" in html
    diagnosis = patient_medicine.encounters.first().diagnoses.first().name
    assert diagnosis not in html
    dispatch = Dispatch.objects.get()
    assert (dispatch.channel, dispatch.status) == ("qr", "sent")
    assert AuditEntry.objects.filter(target_type="surveys.dispatch", action="create").exists()
    client.logout()
    assert client.get(link.removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize("username", ["head_surgery", "quality", "nobody"])
def test_who_may_not_make_one_is_refused(client, login, patient_medicine, username):
    login(username)

    response = client.get(f"/surveys/invite/{patient_medicine.uuid}/")

    assert response.status_code in (403, 404)
    assert Dispatch.objects.count() == 0


def test_a_deceased_patient_gets_no_button(client, login, patient_medicine):
    import datetime

    patient_medicine.deceased_on = datetime.date(2026, 11, 12)
    patient_medicine.save()
    login("agent")

    html = client.get(f"/patients/{patient_medicine.uuid}/").content.decode()

    assert "/surveys/invite/" not in html
