"""Four senders emptying one queue at once on PostgreSQL: every message once, none lost."""

import threading

import pytest
import time_machine
from django.db import connection

from huifang.messaging.backends.http_gateway import HttpGatewayBackend
from huifang.messaging.models import Message, MessageTemplate
from huifang.messaging.services.sending import messages_send_due
from huifang.messaging.testing import GatewayServer
from huifang.messaging.tests.conftest import MORNING
from huifang.patients.models import Patient, PhoneNumber

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SENDERS = 4
MESSAGES = 400


def test_four_senders_send_each_message_once(settings):
    settings.HUIFANG_MESSAGE_BACKENDS = {
        **settings.HUIFANG_MESSAGE_BACKENDS,
        "sms": {**settings.HUIFANG_MESSAGE_BACKENDS["sms"], "RATE": 0},
    }
    template = MessageTemplate.objects.get(code="followup-reminder")
    patients = Patient.objects.bulk_create(
        [Patient(record_number=f"C{n:06d}", name="王芳", sex="F") for n in range(MESSAGES)]
    )
    PhoneNumber.objects.bulk_create(
        [
            PhoneNumber(patient=p, number=f"+86139{n:08d}", owner="self", line_type="mobile")
            for n, p in enumerate(patients)
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                key=f"c:{p.pk}",
                patient=p,
                channel="sms",
                category="clinical",
                template=template,
                not_before=MORNING,
            )
            for p in patients
        ]
    )
    errors = []
    with GatewayServer("gateway-secret") as gateway, time_machine.travel(MORNING, tick=True):

        def sender():
            backend = HttpGatewayBackend(name="sms", url=gateway.url, secret="gateway-secret")
            try:
                while messages_send_due(channel="sms", limit=25, backend=backend).get("sent"):
                    pass
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert Message.objects.filter(status="sent").count() == MESSAGES
    assert len(gateway.accepted) == MESSAGES
    assert set(gateway.requests.values()) == {1}
