"""The hotline form: who called (name, phone, relation), the 12345 reference, callers not on record."""

import pytest

from huifang.core.models import AuditEntry
from huifang.feedback.models import Case

pytestmark = pytest.mark.django_db


def form(**fields) -> dict:
    return {
        "kind": "complaint",
        "source": "hotline",
        "channel": "phone",
        "category": "attitude",
        "severity": "normal",
        "description": "来电反映门诊挂号窗口工作人员态度差",
        **fields,
    }


def test_a_caller_not_on_record_is_recorded_with_name_phone_and_relation(client, login):
    login("manager")

    response = client.post(
        "/feedback/new/",
        form(caller_name="赵女士", caller_phone="139 1234 5678", caller_relation="child"),
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.patient is None
    assert (case.caller_name, case.caller_phone, case.caller_relation) == (
        "赵女士",
        "+8613912345678",
        "child",
    )
    listed = client.get("/feedback/").content.decode()
    assert "赵女士" in listed
    assert "139****5678" in listed
    assert "13912345678" not in listed
    page = client.get(f"/feedback/{case.uuid}/").content.decode()
    assert "子女" in page
    assert "13912345678" not in page


def test_a_12345_transfer_needs_its_reference_number(client, login):
    login("manager")

    refused = client.post("/feedback/new/", form(source="12345", caller_name="钱先生"))
    assert refused.status_code == 200
    assert "请填写12345" in refused.content.decode()
    assert Case.objects.count() == 0

    client.post("/feedback/new/", form(source="12345", reference_12345="GD20261116-0042"))
    assert Case.objects.get().reference_12345 == "GD20261116-0042"
    assert "GD20261116-0042" in client.get("/feedback/").content.decode()


def test_a_phone_that_is_not_a_number_is_refused_and_nothing_is_saved(client, login):
    login("manager")

    response = client.post("/feedback/new/", form(caller_name="孙先生", caller_phone="12345"))

    assert "请核对号码" in response.content.decode()
    assert Case.objects.count() == 0


def test_revealing_the_callers_number_is_audited(client, login):
    login("manager")
    client.post("/feedback/new/", form(caller_name="赵女士", caller_phone="13912345678"))
    case = Case.objects.get()

    response = client.post(f"/feedback/{case.uuid}/caller-phone/reveal/")

    assert "139 1234 5678" in response.content.decode()
    assert AuditEntry.objects.filter(action="reveal", field="caller_phone").count() == 1


def test_a_role_that_may_not_see_numbers_cannot_reveal_it(client, login, personas):
    login("manager")
    client.post("/feedback/new/", form(caller_name="赵女士", caller_phone="13912345678"))
    case = Case.objects.get()
    login("quality")

    response = client.post(f"/feedback/{case.uuid}/caller-phone/reveal/")

    assert response.status_code == 403
    assert "13912345678" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal", field="caller_phone").exists()
