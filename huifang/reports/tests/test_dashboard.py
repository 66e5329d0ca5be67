import datetime
import json

import pytest
from django.utils import timezone

from huifang.reports import metrics
from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response


@pytest.fixture
def answers(month, patient_medicine, patient_surgery):
    q = Questionnaire.objects.create(code="sat", title="满意度", status="active")
    doctors = Item.objects.create(
        questionnaire=q, code="d", kind=ItemKind.SATISFACTION5, text="医生", dimension="doctors"
    )
    nurses = Item.objects.create(
        questionnaire=q, code="n", kind=ItemKind.SATISFACTION3, text="护士", dimension="nurses"
    )
    at = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
    # 内科: doctors 5 and 3 → (100 + 50)/2 = 75; nurses 3 → 100.  外科: doctors 1 → 0.
    for patient, values in (
        (patient_medicine, [(doctors, 5), (doctors, 3), (nurses, 3)]),
        (patient_surgery, [(doctors, 1)]),
    ):
        for item, value in values:
            r = Response.objects.create(
                questionnaire=q,
                patient=patient,
                encounter=patient.encounters.first(),
                channel="phone",
                submitted_at=at,
            )
            Answer.objects.create(response=r, item=item, value=value, number=value)


def data_of(response):
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">') + len(
        '<script id="dashboard-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


class TestHeatMap:
    def test_scores_per_department_and_dimension(self, answers):
        result = metrics.dimension_by_department(Answer.objects.all())
        assert result == {"MED-W1": {"doctors": 75.0, "nurses": 100.0}, "SUR-W1": {"doctors": 0.0}}


class TestDashboardPage:
    def test_a_manager_sees_every_department(self, client, login, answers):
        login("manager")
        response = client.get("/reports/dashboard/?period=2026-11")
        assert response.status_code == 200
        data = data_of(response)
        assert set(data["heatmap"]) == {"MED-W1", "SUR-W1"}
        assert data["months"][-1] == "2026-11"
        assert data["success_rate"][-1] == 0.25
        assert data["failure_reasons"] == {"deceased": 1, "no_answer": 1, "no_phone": 1}
        assert data["funnel"] == {
            "recorded": 0,
            "forwarded": 0,
            "answered": 0,
            "verified": 0,
            "closed": 0,
        }
        assert "vendor/echarts/echarts.min.js" in response.content.decode()

    def test_a_head_sees_their_department_only(self, client, login, answers):
        login("head_surgery")
        data = data_of(client.get("/reports/dashboard/?period=2026-11"))
        assert set(data["heatmap"]) == {"SUR-W1"}
        assert data["failure_reasons"] == {"deceased": 1, "no_phone": 1}

    @pytest.mark.parametrize("persona", ["nobody", "doctor"])
    def test_others_are_refused(self, client, login, answers, persona):
        login(persona)
        assert client.get("/reports/dashboard/?period=2026-11").status_code == 403

    def test_its_query_count_is_bounded(
        self, client, login, answers, django_assert_max_num_queries
    ):
        login("manager")
        client.get("/reports/dashboard/?period=2026-11")
        with django_assert_max_num_queries(25):
            client.get("/reports/dashboard/?period=2026-11")


class TestFunnel:
    def test_complaints_through_the_loop(self, month, patient_medicine, departments):
        from huifang.feedback.models import Case

        now = timezone.now()
        common = {
            "kind": "complaint",
            "source": "call",
            "patient": patient_medicine,
            "category": "attitude",
            "description": "…",
        }
        Case.objects.create(**common)
        Case.objects.create(**common, department=departments["medicine"])
        Case.objects.create(**common, department=departments["medicine"], answered_at=now)
        Case.objects.create(
            **common,
            department=departments["medicine"],
            answered_at=now,
            verification_result="satisfied",
            status="closed",
        )
        Case.objects.create(**{**common, "kind": "suggestion"})
        assert metrics.complaint_funnel(Case.objects.all()) == {
            "recorded": 4,
            "forwarded": 3,
            "answered": 2,
            "verified": 1,
            "closed": 1,
        }
