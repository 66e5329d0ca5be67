"""The workbench's contact panel: numbers and preferences changed during the call."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.core.models import AuditEntry
from huifang.testing.factories import make_task

pytestmark = pytest.mark.django_db

MORNING = datetime.combine(date(2026, 11, 13), time(10, 30), tzinfo=ZoneInfo("Asia/Shanghai"))
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "contact-panel"}
NEW_NUMBER = {"op": "add", "number": "13700001111", "owner": "family", "relation": "女儿"}


@pytest.fixture(autouse=True)
def _friday_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def task(patient_medicine):
    return make_task(patient_medicine)


def _post(client, task, data):
    return client.post(f"/followups/tasks/{task.uuid}/contact/", data, **HTMX)


def test_the_agent_on_the_call_adds_a_number_and_can_dial_it_at_once(client, login, task):
    login("agent")
    client.get(f"/followups/tasks/{task.uuid}/")  # opening the task claims it

    html = _post(client, task, NEW_NUMBER).content.decode()

    assert 'data-testid="contact-saved"' in html
    # The numbers to dial are swapped in too, the new one masked.
    assert 'id="dial-phones" data-testid="phones" hx-swap-oob="true"' in html
    assert html.count("137****1111") == 2 and "13700001111" not in html
    assert AuditEntry.objects.filter(action="create", changes__number="137****1111").exists()
    assert task.patient.phones.filter(number="+8613700001111").exists()


def test_the_workbench_offers_the_forms_only_to_whom_may_use_them(client, login, task):
    login("agent")
    assert (
        'data-testid="phone-add-form"'
        in client.get(f"/followups/tasks/{task.uuid}/").content.decode()
    )
    login("head_medicine")
    assert (
        'data-testid="phone-add-form"'
        not in client.get(f"/followups/tasks/{task.uuid}/").content.decode()
    )


def test_an_agent_whose_claim_ran_out_is_refused(client, login, task, personas):
    login("agent")
    # Never opened: no claim on the call.
    html = _post(client, task, NEW_NUMBER).content.decode()
    assert 'data-testid="contact-error"' in html
    assert not task.patient.phones.filter(number="+8613700001111").exists()


def test_a_manager_may_change_numbers_without_holding_the_call(client, login, task):
    login("manager")
    html = _post(client, task, NEW_NUMBER).content.decode()
    assert 'data-testid="contact-saved"' in html


def test_a_department_head_may_not(client, login, task):
    login("head_medicine")
    html = _post(client, task, NEW_NUMBER).content.decode()
    assert 'data-testid="contact-error"' in html
    assert task.patient.phones.count() == 2


def test_another_departments_task_does_not_exist(client, login, task):
    login("head_surgery")
    assert _post(client, task, NEW_NUMBER).status_code == 404


def test_the_dialect_note_set_on_the_call_is_shown_before_the_next_one(client, login, task):
    login("agent")
    client.get(f"/followups/tasks/{task.uuid}/")
    _post(client, task, {"op": "preferences", "language_note": "粤语，听力不好"})

    html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

    assert 'data-testid="language-alert"' in html and "粤语，听力不好" in html


def test_a_number_retired_on_the_call_is_no_longer_the_one_to_dial(client, login, task):
    from huifang.followups.models import FollowUpTask

    FollowUpTask.objects.filter(pk=task.pk).update(attempts=1)  # tried: not planned again
    login("agent")
    client.get(f"/followups/tasks/{task.uuid}/")
    own = task.patient.phones.get(owner="self")
    family = task.patient.phones.get(owner="family")

    html = _post(client, task, {"op": "retire", "phone": own.pk, "reason": "换号"}).content.decode()

    def checked(phone):
        return re.search(rf'value="{phone.pk}" id="phone-{phone.pk}"\s+checked', html)

    assert checked(family) and not checked(own)
