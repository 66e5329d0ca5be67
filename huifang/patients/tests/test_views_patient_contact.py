"""The patient page's contact panel: who sees the forms, who may post, masking."""

import pytest

from huifang.core.models import AuditEntry

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "contact-panel"}


def _url(patient):
    return f"/patients/{patient.uuid}/contact/"


def _add(client, patient, **data):
    payload = {"op": "add", "number": "13700001111", "owner": "family", "relation": "女儿"}
    payload.update(data)
    return client.post(_url(patient), payload, **HTMX)


def test_a_manager_sees_the_forms_on_the_patient_page(client, login, patient_medicine):
    login("manager")
    html = client.get(f"/patients/{patient_medicine.uuid}/").content.decode()
    assert 'data-testid="phone-add-form"' in html
    assert 'data-testid="preferences-save"' in html


@pytest.mark.parametrize("persona", ["agent", "head_medicine", "doctor"])
def test_others_see_the_numbers_masked_without_the_forms(client, login, patient_medicine, persona):
    login(persona)
    html = client.get(f"/patients/{patient_medicine.uuid}/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert 'data-testid="phone-add-form"' not in html


def test_a_manager_adds_a_family_number_and_sees_it_masked(client, login, patient_medicine):
    login("manager")
    response = _add(client, patient_medicine)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="contact-saved"' in html
    assert "137****1111" in html and "13700001111" not in html
    assert "女儿" in html
    assert patient_medicine.phones.filter(number="+8613700001111", relation="女儿").exists()


def test_an_agent_off_a_call_is_told_to_use_the_workbench(client, login, patient_medicine):
    login("agent")
    html = _add(client, patient_medicine).content.decode()
    assert 'data-testid="contact-error"' in html
    assert "工作台" in html
    assert not patient_medicine.phones.filter(number="+8613700001111").exists()


def test_a_department_head_may_not_change_numbers(client, login, patient_medicine):
    login("head_medicine")
    phone = patient_medicine.phones.first()
    response = client.post(_url(patient_medicine), {"op": "retire", "phone": str(phone.pk)})
    assert response.status_code == 403
    assert patient_medicine.phones.filter(status="retired").count() == 0


def test_another_departments_patient_does_not_exist_for_the_head(client, login, patient_medicine):
    login("head_surgery")
    assert _add(client, patient_medicine).status_code == 404


def test_a_mistake_is_shown_in_the_panel_and_nothing_is_saved(client, login, patient_medicine):
    login("manager")
    html = _add(client, patient_medicine, relation="").content.decode()
    assert "亲属" in html or "关系" in html
    html = _add(client, patient_medicine, number="12").content.decode()
    assert 'data-testid="contact-error"' in html
    assert patient_medicine.phones.count() == 2


def test_retiring_strikes_the_number_through(client, login, patient_medicine):
    login("manager")
    own = patient_medicine.phones.get(owner="self")
    html = client.post(
        _url(patient_medicine), {"op": "retire", "phone": own.pk, "reason": "换号"}, **HTMX
    ).content.decode()
    assert "不再使用" in html
    own.refresh_from_db()
    assert own.status == "retired"
    assert AuditEntry.objects.filter(target_id=str(own.pk), field="status").exists()


def test_the_preferences_and_language_note_are_saved(client, login, patient_medicine):
    login("manager")
    html = client.post(
        _url(patient_medicine),
        {
            "op": "preferences",
            "preferred_time_start": "19:00",
            "preferred_time_end": "21:00",
            "preferred_time_note": "下班后",
            "language_note": "粤语",
        },
        **HTMX,
    ).content.decode()
    assert "19:00–21:00" in html and "粤语" in html
    patient_medicine.refresh_from_db()
    assert patient_medicine.language_note == "粤语"
