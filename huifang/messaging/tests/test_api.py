import pytest

from huifang.messaging.models import OptOut
from huifang.messaging.selectors import Cohort
from huifang.messaging.services.campaigns import campaign_create, campaign_start
from huifang.messaging.services.sending import messages_send_due

pytestmark = pytest.mark.django_db


def test_it_reports_a_campaign(
    client, login, morning, outbox, personas, patient_medicine, greeting
):
    campaign = campaign_create(
        actor=personas["manager"], name="x", template=greeting, cohort=Cohort()
    )
    campaign_start(actor=personas["manager"], campaign=campaign)
    messages_send_due(channel="sms")
    login("manager")
    body = client.get(f"/api/v1/messaging/campaigns/{campaign.uuid}").json()
    assert body["by_status"] == {"sent": 1}
    assert body["done"] == body["recipients"] == 1
    login("agent")
    assert client.get(f"/api/v1/messaging/campaigns/{campaign.uuid}").status_code == 403


def test_it_records_an_opt_out(client, login, patient_medicine, patient_surgery):
    login("agent")
    response = client.post(
        f"/api/v1/messaging/patients/{patient_medicine.uuid}/opt-outs",
        {"channel": "sms", "category": "marketing"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert OptOut.objects.get().patient == patient_medicine
    outside = client.post(
        f"/api/v1/messaging/patients/{patient_surgery.uuid}/opt-outs",
        {"channel": "sms"},
        content_type="application/json",
    )
    assert outside.status_code == 404
    login("doctor")
    refused = client.post(
        f"/api/v1/messaging/patients/{patient_medicine.uuid}/opt-outs",
        {"channel": "email"},
        content_type="application/json",
    )
    assert refused.status_code == 403
