"""/api/v1/messaging/messages: SMS and e-mail for other systems, scoped by patient, masked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huifang.accounts.services import api_token_create
from huifang.messaging.models import Message

MESSAGES = "/api/v1/messaging/messages"
# Measured with a department head's token: 7 queries whatever the page size
# (token and user, permissions, department scope, count, the page with its
# patients, phones, addresses, campaigns and tasks joined). Budget: + 2.
MESSAGES_BUDGET = 9


def bearer(user):
    _, clear = api_token_create(user=user, name="集成测试")
    return {"Authorization": f"Bearer {clear}"}


def message(patient, n=0, **fields):
    return Message.objects.create(
        key=f"test-{patient.pk}-{n}-{Message.objects.count()}",
        patient=patient,
        channel="sms",
        category="reminder",
        phone=patient.phones.get(owner="self"),
        body="【示范医院】请按时复诊，咨询电话 02161234567",
        not_before=timezone.now(),
        **fields,
    )


def test_a_department_head_sees_only_messages_to_its_patients(
    client, personas, patient_medicine, patient_surgery
):
    own = message(patient_medicine)
    message(patient_surgery)
    body = client.get(MESSAGES, headers=bearer(personas["head_medicine"])).json()
    assert [item["key"] for item in body["results"]] == [own.key]
    item = body["results"][0]
    assert item["to_masked"] == "138****5678"
    assert "13812345678" not in str(body) and "02161234567" not in str(body)
    assert client.get(MESSAGES, headers=bearer(personas["manager"])).json()["count"] == 2


def test_after_gives_only_newer_messages(client, personas, patient_medicine):
    first = message(patient_medicine)
    headers = bearer(personas["manager"])
    assert client.get(MESSAGES, {"after": first.pk}, headers=headers).json()["count"] == 0
    second = message(patient_medicine, 1)
    newer = client.get(MESSAGES, {"after": first.pk}, headers=headers).json()["results"]
    assert [item["id"] for item in newer] == [second.pk]


def test_a_role_without_patients_may_not_list_messages(client, personas, patient_medicine):
    message(patient_medicine)
    response = client.get(MESSAGES, headers=bearer(personas["nobody"]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_it_refuses_without_a_token(client):
    assert client.get(MESSAGES).status_code == 401


def test_a_page_costs_the_same_queries_for_5_or_40_messages(
    client, personas, patient_medicine, django_assert_max_num_queries
):
    headers = bearer(personas["head_medicine"])
    client.get(MESSAGES, headers=headers)
    for n in range(5):
        message(patient_medicine, n)
    with CaptureQueriesContext(connection) as few:
        assert client.get(MESSAGES, {"page_size": 100}, headers=headers).json()["count"] == 5
    for n in range(35):
        message(patient_medicine, 10 + n)
    with CaptureQueriesContext(connection) as many:
        assert (
            len(client.get(MESSAGES, {"page_size": 100}, headers=headers).json()["results"]) == 40
        )
    assert len(few) == len(many)
    with django_assert_max_num_queries(MESSAGES_BUDGET):
        client.get(MESSAGES, {"page_size": 100}, headers=headers)
