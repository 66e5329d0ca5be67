"""The audit log page at /audit/: who may read it, its filters, its cost."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huifang.core.models import AuditEntry
from huifang.core.services import audit_record

URL = "/audit/"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Measured: 10 queries for a page of the log whatever the number of entries
# (session, user, 2 for permissions, count, object types, the page, and 3 to
# save the session because SESSION_SAVE_EVERY_REQUEST). Budget: measured + 2.
QUERY_BUDGET = 12


def _record_at(when, *, actor, action, target_repr, patient_id=None):
    with time_machine.travel(when, tick=False):
        return audit_record(
            actor=actor, action=action, target_repr=target_repr, patient_id=patient_id
        )


@pytest.fixture
def entries(personas):
    """Three entries on three days, by two people, of three kinds."""
    return [
        _record_at(
            datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI),
            actor=personas["agent"],
            action="view",
            target_repr="第一条-查看",
            patient_id=101,
        ),
        _record_at(
            datetime.datetime(2026, 11, 3, 23, 30, tzinfo=SHANGHAI),
            actor=personas["agent"],
            action="reveal",
            target_repr="第二条-显示号码",
            patient_id=102,
        ),
        _record_at(
            datetime.datetime(2026, 11, 4, 0, 30, tzinfo=SHANGHAI),
            actor=personas["doctor"],
            action="update",
            target_repr="第三条-修改",
            patient_id=101,
        ),
    ]


def _rows(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    return {label for label in ["第一条-查看", "第二条-显示号码", "第三条-修改"] if label in html}


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"


@pytest.mark.parametrize("username", ["manager", "quality", "admin"])
def test_it_opens_for_those_who_review_the_log(client, login, entries, username):
    login(username)

    assert _rows(client) == {"第一条-查看", "第二条-显示号码", "第三条-修改"}


@pytest.mark.parametrize("username", ["agent", "doctor", "head_medicine", "head_surgery", "nobody"])
def test_it_refuses_everyone_else(client, login, entries, username):
    login(username)

    response = client.get(URL)

    assert response.status_code == 403
    html = response.content.decode()
    assert "您的角色无权查看审计日志" in html
    assert "第一条-查看" not in html


def test_it_shows_who_did_what_to_which_record(client, login, entries):
    login("quality")

    html = client.get(URL).content.decode()

    assert "<td>agent</td>" in html
    assert "<td>doctor</td>" in html
    assert 'data-testid="audit-table"' in html


def test_it_shows_a_revealed_phone_masked(client, login, patient_medicine):
    login("agent")
    phone = patient_medicine.phones.get(owner="self")
    client.post(f"/patients/{patient_medicine.uuid}/phones/{phone.pk}/reveal/")
    login("quality")

    html = client.get(URL, {"action": "reveal"}).content.decode()

    assert "张三丰 138****5678" in html
    assert "13812345678" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "view"}, {"第一条-查看"}),
        ({"action": "reveal"}, {"第二条-显示号码"}),
        ({"actor": "doctor"}, {"第三条-修改"}),
        ({"actor": "AGE"}, {"第一条-查看", "第二条-显示号码"}),  # part of the name, any case
        ({"patient": "101"}, {"第一条-查看", "第三条-修改"}),
        ({"date_from": "2026-11-03"}, {"第二条-显示号码", "第三条-修改"}),
        ({"date_to": "2026-11-03"}, {"第一条-查看", "第二条-显示号码"}),  # the whole day
        ({"date_from": "2026-11-03", "date_to": "2026-11-03"}, {"第二条-显示号码"}),
        ({"date_from": "2026-11-04", "date_to": "2026-11-04"}, {"第三条-修改"}),
        ({"date_from": "2026-12-01"}, set()),
        ({"action": "reveal", "actor": "doctor"}, set()),
    ],
)
def test_it_narrows_the_rows_by_filters(client, login, entries, params, expected):
    login("manager")

    assert _rows(client, **params) == expected


def test_it_ignores_dates_it_cannot_read(client, login, entries):
    login("manager")

    assert _rows(client, date_from="03/11/2026", patient="abc") == {
        "第一条-查看",
        "第二条-显示号码",
        "第三条-修改",
    }


def test_it_returns_only_the_rows_to_an_htmx_request(client, login, entries):
    login("manager")

    response = client.get(
        URL, {"action": "view"}, headers={"HX-Request": "true", "HX-Target": "audit-results"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'name="actor"' not in html
    assert "第一条-查看" in html
    assert "第二条-显示号码" not in html


def test_it_refuses_an_htmx_request_with_a_message(client, login, entries):
    login("agent")

    response = client.get(URL, headers={"HX-Request": "true", "HX-Target": "audit-results"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "<html" not in html
    assert "您的角色无权查看审计日志" in html


def test_it_shows_fifty_entries_a_page_newest_first(client, login, personas):
    for index in range(60):
        audit_record(actor=personas["agent"], action="view", target_repr=f"条目{index:02d}")
    login("manager")

    first = client.get(URL, {"action": "view"}).content.decode()
    second = client.get(URL, {"action": "view", "page": 2}).content.decode()

    assert "条目59" in first
    assert "条目10" in first
    assert "条目09" not in first
    assert "条目09" in second
    assert "条目00" in second
    assert "条目59" not in second


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def _add_entries(count, actor):
    for index in range(count):
        audit_record(
            actor=actor,
            action="view",
            target_repr=f"患者{index}",
            patient_id=index,
            changes={"via": "page"},
        )


def test_it_costs_the_same_few_queries_for_5_or_60_entries(
    client, login, personas, django_assert_max_num_queries
):
    login("manager")
    _add_entries(5, personas["agent"])
    few = _count_queries(client)
    _add_entries(55, personas["doctor"])
    many = _count_queries(client)

    assert few == many
    with django_assert_max_num_queries(QUERY_BUDGET):
        client.get(URL)


def test_it_does_not_write_to_the_log_when_read(client, login, entries):
    login("manager")
    before = AuditEntry.objects.count()

    client.get(URL)

    assert AuditEntry.objects.count() == before
