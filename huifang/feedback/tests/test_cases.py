"""Feedback cases: deadlines in working days or hours, and who sees which case."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.feedback.models import Case
from huifang.feedback.services import case_create, case_deadline
from huifang.testing.factories import EncounterFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


class TestDeadline:
    def test_a_complaint_counts_five_working_days_after_the_day_it_came(self):
        # Friday 13 Nov 2026 → Mon 16 … Fri 20 → due by the end of Friday 20.
        assert case_deadline(kind="complaint", received_at=at(2026, 11, 13, 16, 0)) == at(
            2026, 11, 21
        )

    def test_national_day_is_skipped_and_the_make_up_saturday_counts(self):
        # Received Wed 30 Sep 2026; 1–7 Oct are off; Sat 10 Oct is a working day:
        # Thu 8, Fri 9, Sat 10, Mon 12, Tue 13 → due by the end of Tue 13 Oct.
        assert case_deadline(kind="suggestion", received_at=at(2026, 9, 30, 10, 0)) == at(
            2026, 10, 14
        )

    def test_a_clinical_escalation_is_due_in_hours(self, settings):
        settings.HUIFANG_ESCALATION_HOURS = 6

        assert case_deadline(kind="escalation", received_at=at(2026, 10, 2, 22, 0)) == at(
            2026, 10, 3, 4, 0
        )

    def test_praise_needs_no_answer(self):
        assert case_deadline(kind="praise", received_at=at(2026, 11, 13, 9, 0)) is None


@pytest.fixture
def cases(personas, patient_medicine, patient_surgery):
    made = {}
    for key, patient in (("medicine", patient_medicine), ("surgery", patient_surgery)):
        made[key] = case_create(
            actor=personas["agent"],
            kind=Case.Kind.ESCALATION,
            source=Case.Source.AGENT,
            description=f"{patient.name}：伤口红肿发热",
            encounter=patient.encounters.first(),
        )
    return made


class TestCaseList:
    @pytest.mark.parametrize(
        ("username", "seen"),
        [
            ("head_medicine", ["张三丰"]),
            ("doctor", ["张三丰"]),
            ("head_surgery", ["李秀英"]),
            ("manager", ["张三丰", "李秀英"]),
            ("quality", ["张三丰", "李秀英"]),
        ],
    )
    def test_each_role_sees_its_departments_cases(self, client, login, cases, username, seen):
        login(username)

        html = client.get("/feedback/").content.decode()

        for name in ("张三丰", "李秀英"):
            assert (f"{name}：伤口红肿发热" in html) == (name in seen)

    def test_a_user_without_a_role_is_refused(self, client, login, cases):
        login("nobody")

        assert client.get("/feedback/").status_code == 403

    def test_the_department_heads_start_page_shows_the_escalation(self, client, login, cases):
        login("head_surgery")

        html = client.get("/").content.decode()

        assert 'data-testid="escalation-count"' in html
        assert "1 条病情上报" in html

    def test_overdue_cases_are_marked(self, client, login, cases):
        Case.objects.filter(pk=cases["medicine"].pk).update(deadline_at=at(2026, 1, 1))
        login("manager")

        html = client.get("/feedback/?overdue=1").content.decode()

        assert html.count('data-testid="case-row"') == 1
        assert "超期" in html

    def test_the_list_keeps_to_a_query_budget(
        self, client, login, cases, personas, departments, django_assert_max_num_queries
    ):
        for n in range(30):
            encounter = EncounterFactory(department=departments["medicine_ward"])
            case_create(
                actor=personas["agent"],
                kind=Case.Kind.COMPLAINT,
                source=Case.Source.HOTLINE,
                description=f"投诉{n}",
                encounter=encounter,
            )
        login("manager")

        with django_assert_max_num_queries(12):
            response = client.get("/feedback/?status=all")

        assert response.content.decode().count('data-testid="case-row"') == 32
