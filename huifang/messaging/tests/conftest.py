import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.messaging.models import MessageTemplate
from huifang.messaging.testing import GatewayServer

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning, outside the SMS quiet hours.
MORNING = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outbox(settings, tmp_path):
    settings.HUIFANG_MESSAGE_BACKENDS = {
        "sms": {
            "BACKEND": "huifang.messaging.backends.outbox.OutboxBackend",
            "RATE": 0,
            "OPTIONS": {"directory": str(tmp_path / "sms")},
        },
        "email": {
            "BACKEND": "huifang.messaging.backends.outbox.OutboxBackend",
            "RATE": 0,
            "OPTIONS": {"directory": str(tmp_path / "email")},
        },
    }
    return tmp_path / "sms"


@pytest.fixture
def gateway(settings):
    with GatewayServer("gateway-secret") as server:
        settings.HUIFANG_MESSAGE_BACKENDS = {
            **settings.HUIFANG_MESSAGE_BACKENDS,
            "sms": {
                "BACKEND": "huifang.messaging.backends.http_gateway.HttpGatewayBackend",
                "RATE": 0,
                "OPTIONS": {"url": server.url, "secret": "gateway-secret"},
            },
        }
        yield server


@pytest.fixture
def greeting(db):
    return MessageTemplate.objects.get(code="holiday-greeting")


@pytest.fixture
def reminder(db):
    return MessageTemplate.objects.get(code="followup-reminder")
