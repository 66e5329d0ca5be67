"""/api/v1/reports/summary: the summary figures for other systems, in the caller's scope."""

import pytest

from huifang.accounts.services import api_token_create

SUMMARY = "/api/v1/reports/summary"


def bearer(user):
    _, clear = api_token_create(user=user, name="集成测试")
    return {"Authorization": f"Bearer {clear}"}


def test_it_gives_the_hand_computed_figures_of_the_month(client, personas, month):
    response = client.get(SUMMARY, {"period": "2026-11"}, headers=bearer(personas["manager"]))
    assert response.status_code == 200, response.content
    body = response.json()
    # conftest: 4 due, 3 attempted, 1 reached, one excluded as deceased, one without phone.
    assert (body["due"], body["attempted"], body["reached"]) == (4, 3, 1)
    assert (body["excluded_deceased"], body["excluded_no_phone"]) == (1, 1)
    assert body["success_rate"] == 0.25
    assert body["follow_up_rate"] == 0.75
    assert (body["date_from"], body["date_to"]) == ("2026-11-01", "2026-11-30")
    assert body["satisfaction"]["call_answers"] >= 1
    assert "by_category" in body["complaints"]


def test_a_department_head_gets_only_its_department(client, personas, month):
    body = client.get(
        SUMMARY, {"period": "2026-11"}, headers=bearer(personas["head_medicine"])
    ).json()
    # Medicine: t1 reached, t2 attempted; surgery's t3 and t4 are not counted.
    assert (body["due"], body["attempted"], body["reached"]) == (2, 2, 1)
    other = client.get(
        SUMMARY,
        {"period": "2026-11", "department": "SUR"},
        headers=bearer(personas["head_medicine"]),
    )
    assert other.status_code == 403
    assert other.json()["code"] == "report_denied"


@pytest.mark.parametrize("persona", ["doctor", "nobody"])
def test_roles_without_reports_may_not_read_the_figures(client, personas, month, persona):
    response = client.get(SUMMARY, {"period": "2026-11"}, headers=bearer(personas[persona]))
    assert response.status_code == 403


def test_a_wrong_period_says_so(client, personas, month):
    response = client.get(SUMMARY, {"period": "November"}, headers=bearer(personas["manager"]))
    assert response.status_code == 400


@pytest.mark.django_db
def test_it_refuses_without_a_token(client):
    assert client.get(SUMMARY).status_code == 401


def test_the_openapi_document_lists_the_integration_endpoints(client, login):
    login("admin")
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/tasks",
        "/api/v1/tasks/{task_uuid}",
        "/api/v1/attempts",
        "/api/v1/cases",
        "/api/v1/cases/{case_uuid}",
        "/api/v1/messaging/messages",
        "/api/v1/reports/summary",
    ):
        assert path in paths, path
        assert set(paths[path]) == {"get"}
    task = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["TaskOut"]
    assert "phone_masked" in task["properties"]
