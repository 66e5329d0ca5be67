"""Dashboard filters: department (and wards below), plan, encounter kind, tag, agent.

On top of the ``month`` fixture (test-plan, in-patient stays: 内科 t1 reached and
t2 not, both called by the agent; 外科 t3 no phone and t4 deceased), a health
check in 外科 under plan ``recheck`` with a glucose finding: 3 reached, 1 not.

| filter                 | due | reached | success | reasons                              |
| ---------------------- | --- | ------- | ------- | ------------------------------------ |
| none                   | 8   | 4       | 0.5     | no_answer 2, deceased 1, no_phone 1  |
| department MED         | 2   | 1       | 0.5     | no_answer 1                          |
| plan recheck           | 4   | 3       | 0.75    | no_answer 1                          |
| kind inpatient         | 4   | 1       | 0.25    | deceased 1, no_answer 1, no_phone 1  |
| tag glucose            | 4   | 3       | 0.75    | no_answer 1                          |
| agent "agent"          | 2   | 1       | 0.5     | no_answer 1                          |
"""

import datetime

import pytest

from huifang.patients.models import AbnormalFinding, Encounter
from huifang.reports.tests.test_dashboard import data_of
from huifang.reports.tests.test_metrics import _cohort
from huifang.testing.factories import make_touchpoint

URL = "/reports/dashboard/?period=2026-11"


@pytest.fixture
def filtered(month, patient_surgery):
    check = Encounter.objects.create(
        patient=patient_surgery,
        kind=Encounter.Kind.HEALTH_CHECK,
        number="TJ9",
        department=patient_surgery.encounters.first().department,
        visit_on=datetime.date(2026, 11, 2),
    )
    AbnormalFinding.objects.create(encounter=check, kind="glucose", description="空腹血糖 7.9")
    _cohort(check, make_touchpoint(plan_code="recheck", code="r"), 3, 1)


@pytest.mark.parametrize(
    ("query", "success", "reasons"),
    [
        ("", 0.5, {"no_answer": 2, "deceased": 1, "no_phone": 1}),
        ("&department=MED", 0.5, {"no_answer": 1}),
        ("&plan=recheck", 0.75, {"no_answer": 1}),
        ("&kind=inpatient", 0.25, {"deceased": 1, "no_answer": 1, "no_phone": 1}),
        ("&tag=glucose", 0.75, {"no_answer": 1}),
        ("&agent=agent", 0.5, {"no_answer": 1}),
    ],
)
def test_each_filter_drives_the_charts(client, login, filtered, query, success, reasons):
    login("manager")
    data = data_of(client.get(URL + query))
    assert data["success_rate"][-1] == success
    assert data["failure_reasons"] == reasons


def test_the_agent_table_follows_the_filters(client, login, filtered):
    login("manager")
    assert [a["agent"] for a in data_of(client.get(URL))["agents"]] == ["agent", "manager"]
    agents = data_of(client.get(URL + "&agent=agent"))["agents"]
    assert [(a["agent"], a["assigned"], a["reached"]) for a in agents] == [("agent", 2, 1)]
    assert data_of(client.get(URL + "&plan=recheck"))["agents"] == []


def test_filters_combine(client, login, filtered):
    login("manager")
    data = data_of(client.get(URL + "&department=SUR&kind=inpatient"))
    assert data["success_rate"][-1] == 0.0
    assert data["failure_reasons"] == {"deceased": 1, "no_phone": 1}
    assert data_of(client.get(URL + "&department=MED&plan=recheck"))["months"] == []


def test_the_form_keeps_the_filters_in_the_url(client, login, filtered):
    login("manager")
    html = client.get(URL + "&department=SUR&plan=recheck&kind=health_check").content.decode()
    assert 'method="get"' in html and 'hx-push-url="true"' in html
    assert '<option value="SUR" selected>' in html
    assert '<option value="recheck" selected>' in html
    assert '<option value="health_check" selected>' in html


def test_an_htmx_request_gets_the_charts_only(client, login, filtered):
    login("manager")
    response = client.get(URL + "&plan=recheck", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="dashboard-charts"' in html
    assert data_of(response)["success_rate"][-1] == 0.75


class TestScope:
    def test_a_head_picks_only_within_their_departments(self, client, login, filtered):
        login("head_surgery")
        html = client.get(URL).content.decode()
        assert '<option value="SUR"' in html and '<option value="MED"' not in html
        assert data_of(client.get(URL + "&department=SUR-W1"))["failure_reasons"] == {
            "deceased": 1,
            "no_phone": 1,
            "no_answer": 1,
        }

    def test_a_forged_department_gives_no_data_from_it(self, client, login, filtered):
        login("head_surgery")
        response = client.get(URL + "&department=MED")
        assert response.status_code == 403
        assert 'id="dashboard-data"' not in response.content.decode()

    def test_an_agent_filter_stays_inside_the_heads_departments(self, client, login, filtered):
        # The agent called only 内科 patients: 外科's head sees nothing of theirs.
        login("head_surgery")
        data = data_of(client.get(URL + "&agent=agent"))
        assert data["months"] == [] and data["agents"] == []

    def test_an_agent_sees_only_their_own_figures_and_no_agent_menu(self, client, login, filtered):
        login("agent")
        response = client.get(URL + "&agent=manager")
        assert 'name="agent"' not in response.content.decode()
        assert data_of(response)["agents"] == []
        data = data_of(client.get(URL))
        assert [a["agent"] for a in data["agents"]] == ["agent"]

    @pytest.mark.parametrize("persona", ["nobody", "doctor"])
    def test_others_are_refused(self, client, login, filtered, persona):
        login(persona)
        assert client.get(URL + "&plan=recheck").status_code == 403


def test_an_unknown_plan_or_kind_is_explained(client, login, filtered):
    login("manager")
    assert client.get(URL + "&plan=ghost").status_code == 400
    assert client.get(URL + "&kind=spa").status_code == 400


def test_the_query_count_is_bounded_with_every_filter(
    client, login, filtered, django_assert_max_num_queries
):
    login("manager")
    query = URL + "&department=SUR&plan=recheck&kind=health_check&tag=glucose&agent=agent"
    client.get(query)
    with django_assert_max_num_queries(25):
        assert client.get(query).status_code == 200
