"""The worklist, the workbench page, recording through it and the daily register, per persona."""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from huifang.core.models import AuditEntry
from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.services.claims import task_claim_next
from huifang.testing.factories import DiagnosisFactory, EncounterFactory, make_task, make_touchpoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 13)
MORNING = datetime.combine(FRIDAY, time(10, 30), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _friday_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def task(patient_medicine):
    return make_task(patient_medicine)


def htmx(client, url, data, target="workbench"):
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)


class TestWorklist:
    def test_it_shows_an_agent_the_due_task_and_the_next_task_button(self, client, login, task):
        login("agent")

        html = client.get("/").content.decode()

        assert 'data-testid="next-task"' in html
        assert 'data-testid="count-due_now">1<' in html
        assert "张三丰" in html
        assert "+86 138" not in html and "13812345678" not in html  # masked

    def test_a_department_head_sees_the_list_but_does_not_call(self, client, login, task):
        login("head_medicine")

        html = client.get("/").content.decode()

        assert 'data-testid="worklist-table"' in html
        assert 'data-testid="next-task"' not in html

    def test_another_departments_head_does_not_see_the_task(self, client, login, task):
        login("head_surgery")

        html = client.get("/").content.decode()

        assert "张三丰" not in html

    def test_a_user_without_a_role_gets_no_worklist(self, client, login, task):
        login("nobody")

        assert 'data-testid="worklist-table"' not in client.get("/").content.decode()
        assert client.get("/followups/worklist/").status_code == 403

    def test_the_groups_switch_by_htmx_with_a_query_budget(
        self, client, login, patient_medicine, django_assert_max_num_queries
    ):
        department = patient_medicine.encounters.first().department
        touchpoint = make_touchpoint()
        for _ in range(30):
            make_task(
                patient_medicine,
                touchpoint=touchpoint,
                encounter=EncounterFactory(patient=patient_medicine, department=department),
                due_until=date(2026, 11, 12),
            )
        login("agent")

        with django_assert_max_num_queries(18):
            response = client.get(
                "/followups/worklist/?group=overdue",
                HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="worklist-results",
            )

        html = response.content.decode()
        assert html.count('data-testid="worklist-row"') == 30
        assert "<html" not in html
        assert 'data-testid="count-overdue">30<' in html


class TestOutsideTheCallWindows:
    def test_at_lunch_the_worklist_says_when_the_afternoon_window_opens_and_how_many_wait(
        self, client, login, task
    ):
        with time_machine.travel(datetime.combine(FRIDAY, time(13, 0), tzinfo=SHANGHAI)):
            login("agent")
            html = client.get("/").content.decode()

        assert 'data-testid="count-due_now">0<' in html
        assert "下一个回访时段 今天 15:00 开始，届时有 1 个回访待拨打。" in html

    def test_the_worklist_with_the_hint_keeps_a_query_budget(
        self, client, login, patient_medicine, django_assert_max_num_queries
    ):
        department = patient_medicine.encounters.first().department
        for code in ("a", "b", "c"):
            touchpoint = make_touchpoint(code=code)
            for _ in range(10):
                make_task(
                    patient_medicine,
                    touchpoint=touchpoint,
                    encounter=EncounterFactory(patient=patient_medicine, department=department),
                )
        with time_machine.travel(datetime.combine(FRIDAY, time(13, 0), tzinfo=SHANGHAI)):
            login("agent")
            with django_assert_max_num_queries(19):
                html = client.get("/followups/worklist/").content.decode()

        assert "届时有 30 个回访待拨打" in html

    def test_on_saturday_it_names_monday(self, client, login, task):
        with time_machine.travel(datetime(2026, 11, 14, 9, 0, tzinfo=SHANGHAI)):
            login("agent")
            html = client.get("/").content.decode()

        assert "下一个回访时段 11-16（星期一）10:00 开始，届时有 1 个回访待拨打。" in html

    def test_in_a_window_it_says_nothing_of_the_next(self, client, login, task):
        login("agent")

        html = client.get("/").content.decode()

        assert 'data-testid="next-window"' not in html

    def test_the_demos_own_windows_make_the_night_a_working_time(
        self, client, login, task, settings, personas
    ):
        settings.HUIFANG_CALL_WINDOWS = "00:00-23:59"
        FollowUpTask.objects.filter(pk=task.pk).update(
            next_attempt_at=datetime.combine(FRIDAY, time(0, 0), tzinfo=SHANGHAI)
        )
        with time_machine.travel(datetime.combine(FRIDAY, time(3, 0), tzinfo=SHANGHAI)):
            login("agent")
            html = client.get("/").content.decode()
            claimed = task_claim_next(agent=personas["agent"])

        assert 'data-testid="count-due_now">1<' in html
        assert 'data-testid="outside-hours"' not in html
        assert claimed.pk == task.pk

    def test_every_day_calls_on_a_sunday_too(self, client, login, task, settings, personas):
        settings.HUIFANG_CALL_EVERY_DAY = True
        with time_machine.travel(datetime(2026, 11, 15, 10, 30, tzinfo=SHANGHAI)):
            login("agent")
            html = client.get("/").content.decode()

        assert 'data-testid="count-due_now">1<' in html


class TestTaskPage:
    def test_an_agent_opening_a_task_claims_it(self, client, login, task, personas):
        login("agent")

        response = client.get(f"/followups/tasks/{task.uuid}/")

        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="record-form"' in html
        assert "张先生" in html  # the script's title
        assert FollowUpTask.objects.get(pk=task.pk).claimed_by == personas["agent"]

    def test_a_task_of_a_patient_who_died_meanwhile_opens_closed_and_says_why(
        self, client, login, task
    ):
        type(task.patient).objects.filter(pk=task.patient_id).update(deceased_on=FRIDAY)
        login("agent")

        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

        assert "患者已于 2026-11-13 去世，不再联系。该患者未完成的回访任务已全部取消。" in html
        assert 'id="record-form"' not in html
        assert FollowUpTask.objects.get(pk=task.pk).status == "cancelled"

    def test_next_task_says_which_patient_it_skipped(self, client, login, task):
        task.patient.phones.update(status="suspended")
        login("agent")

        response = client.post("/followups/next/", follow=True)

        html = response.content.decode()
        assert "已跳过 张三丰：患者没有可用的电话号码" in html
        assert "现在没有到期的任务" in html
        assert FollowUpTask.objects.get(pk=task.pk).status == "no_phone"

    def test_another_departments_head_cannot_open_it(self, client, login, task):
        login("head_surgery")

        assert client.get(f"/followups/tasks/{task.uuid}/").status_code == 404

    def test_the_departments_own_head_reads_it_without_recording(self, client, login, task):
        login("head_medicine")

        response = client.get(f"/followups/tasks/{task.uuid}/")

        assert response.status_code == 200
        assert 'id="record-form"' not in response.content.decode()
        assert FollowUpTask.objects.get(pk=task.pk).claimed_by is None

    def test_a_user_without_a_role_is_refused(self, client, login, task):
        login("nobody")

        assert client.get(f"/followups/tasks/{task.uuid}/").status_code == 403

    def test_a_task_a_colleague_holds_opens_read_only_with_their_name(
        self, client, login, task, personas
    ):
        task_claim_next(agent=personas["manager"], now=MORNING)
        login("agent")

        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

        assert 'data-testid="held-by-other"' in html
        assert 'id="record-form"' not in html

    def test_sensitive_diagnoses_are_marked(self, client, login, task):
        DiagnosisFactory(encounter=task.encounter, code="B20", name="HIV病", is_sensitive=True)
        login("agent")

        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

        assert "HIV病" in html
        assert "敏感" in html

    def test_earlier_complaints_of_the_patient_are_shown_before_the_call(
        self, client, login, task, personas
    ):
        from huifang.feedback.services import case_create

        case_create(
            actor=personas["manager"],
            kind="complaint",
            source="hotline",
            description="上次住院陪护床收费不清楚",
            encounter=task.encounter,
        )
        login("agent")

        html = client.get(f"/followups/tasks/{task.uuid}/").content.decode()

        assert 'data-testid="patient-cases"' in html
        assert "上次住院陪护床收费不清楚" in html

    def test_fifty_earlier_encounters_open_in_a_fixed_number_of_queries(
        self, client, login, task, patient_medicine, django_assert_max_num_queries
    ):
        department = task.encounter.department
        for n in range(50):
            encounter = EncounterFactory(
                patient=patient_medicine, department=department, number=f"OLD{n}"
            )
            DiagnosisFactory(encounter=encounter)
        login("agent")

        with django_assert_max_num_queries(40):
            response = client.get(f"/followups/tasks/{task.uuid}/")

        html = response.content.decode()
        assert "(50)" in html  # the count of earlier encounters, twenty listed


class TestRecording:
    def post(self, task, **fields):
        data = {"version": task.version, "outcome": "no_answer", "then": "next"}
        data.update(fields)
        return data

    def test_no_answer_returns_the_task_to_the_queue_and_opens_the_next(
        self, client, login, task, patient_medicine
    ):
        other = make_task(
            patient_medicine,
            touchpoint=make_touchpoint(code="second"),
            encounter=EncounterFactory(
                patient=patient_medicine, department=task.encounter.department
            ),
        )
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")

        response = htmx(client, f"/followups/tasks/{task.uuid}/record/", self.post(task))

        assert response.status_code == 200
        assert response["HX-Push-Url"] == f"/followups/tasks/{other.uuid}/"
        saved = FollowUpTask.objects.get(pk=task.pk)
        assert saved.attempts == 1
        assert saved.claimed_by is None
        assert saved.next_attempt_at == datetime.combine(FRIDAY, time(15, 0), tzinfo=SHANGHAI)

    def test_reached_with_answers_and_a_complaint_completes_the_task(self, client, login, task):
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")

        response = htmx(
            client,
            f"/followups/tasks/{task.uuid}/record/",
            self.post(
                task,
                outcome="reached_patient",
                **{"q-recovery": "good", "q-satisfaction": "fairly_satisfied"},
                feedback_kind="complaint",
                feedback_category="cost",
                feedback_description="出院结算多收了一天床位费",
            ),
        )

        assert response.status_code == 200
        assert response["HX-Redirect"] == "/"  # nothing else due
        assert FollowUpTask.objects.get(pk=task.pk).status == "done"
        attempt = ContactAttempt.objects.get()
        assert attempt.answers == {
            "recovery": "good",
            "satisfaction": "fairly_satisfied",
        }
        case = Case.objects.get()
        assert (case.kind, case.category) == ("complaint", "cost")

    def test_a_stale_page_is_told_and_nothing_is_overwritten(self, client, login, task):
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")
        FollowUpTask.objects.filter(pk=task.pk).update(version=5)

        response = htmx(client, f"/followups/tasks/{task.uuid}/record/", self.post(task, version=0))

        assert response["HX-Retarget"] == "#record-errors"
        assert 'data-testid="record-error"' in response.content.decode()
        assert ContactAttempt.objects.count() == 0

    def test_a_complaint_without_words_is_sent_back(self, client, login, task):
        login("agent")

        response = htmx(
            client,
            f"/followups/tasks/{task.uuid}/record/",
            self.post(task, outcome="reached_patient", feedback_kind="complaint"),
        )

        assert response["HX-Retarget"] == "#record-errors"
        assert ContactAttempt.objects.count() == 0

    def test_the_next_tasks_partial_says_saved_and_selects_its_first_number(
        self, client, login, task, patient_medicine
    ):
        other = make_task(
            patient_medicine,
            touchpoint=make_touchpoint(code="second"),
            encounter=EncounterFactory(
                patient=patient_medicine, department=task.encounter.department
            ),
        )
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")

        html = htmx(client, f"/followups/tasks/{task.uuid}/record/", self.post(task)).content
        html = html.decode()

        assert 'data-testid="saved"' in html and "已保存 张三丰 的回访结果：无人接听" in html
        assert re.search(rf'id="phone-{other.phone_id}"\s+checked', html)
        # Shown once: the next full page does not repeat it.
        assert "已保存" not in client.get(f"/followups/tasks/{other.uuid}/").content.decode()

    @pytest.mark.parametrize("outcome", ["no_answer", "busy", "not_convenient"])
    def test_a_questionnaire_call_not_answered_saves_without_the_required_answers(
        self, client, login, patient_medicine, outcome
    ):
        task = make_task(
            patient_medicine,
            touchpoint=make_touchpoint(code="survey", questionnaire_code="inpatient-discharge"),
        )
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")
        fields = {"callback_at": "2026-11-13T16:00"} if outcome == "not_convenient" else {}

        response = htmx(
            client,
            f"/followups/tasks/{task.uuid}/record/",
            self.post(task, outcome=outcome, then="list", **fields),
        )

        assert response["HX-Redirect"] == "/"
        attempt = ContactAttempt.objects.get()
        assert (attempt.outcome.code, attempt.answers) == (outcome, {})

    def test_a_reached_questionnaire_call_still_needs_the_required_answers(
        self, client, login, patient_medicine
    ):
        task = make_task(
            patient_medicine,
            touchpoint=make_touchpoint(code="survey", questionnaire_code="inpatient-discharge"),
        )
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")

        response = htmx(
            client,
            f"/followups/tasks/{task.uuid}/record/",
            self.post(task, outcome="reached_family", then="list"),
        )

        assert response["HX-Retarget"] == "#record-errors"
        assert "您出院后身体恢复得怎么样？" in response.content.decode()
        assert ContactAttempt.objects.count() == 0

    @pytest.mark.parametrize("username", ["head_medicine", "doctor", "quality", "nobody"])
    def test_only_agents_and_managers_record(self, client, login, task, username):
        login(username)

        response = client.post(f"/followups/tasks/{task.uuid}/record/", self.post(task))

        assert response.status_code == 403
        assert ContactAttempt.objects.count() == 0


class TestClaimEndpoints:
    def test_next_task_opens_the_claimed_task(self, client, login, task):
        login("agent")

        response = client.post("/followups/next/")

        assert response.status_code == 302
        assert response["Location"] == f"/followups/tasks/{task.uuid}/"

    def test_next_task_with_nothing_due_says_so(self, client, login, departments):
        login("agent")

        response = client.post("/followups/next/", follow=True)

        assert "没有" in response.content.decode() or "Nothing" in response.content.decode()

    def test_the_page_renews_and_releases_its_claim(self, client, login, task, personas):
        login("agent")
        client.get(f"/followups/tasks/{task.uuid}/")

        assert client.post(f"/followups/tasks/{task.uuid}/lease/").status_code == 200
        response = client.post(f"/followups/tasks/{task.uuid}/release/", {"beacon": "1"})

        assert response.status_code == 204
        assert FollowUpTask.objects.get(pk=task.pk).claimed_by is None

    def test_a_manager_reassigns_with_a_reason_from_the_page(self, client, login, task, personas):
        task_claim_next(agent=personas["agent"], now=MORNING)
        login("manager")

        response = client.post(
            f"/followups/tasks/{task.uuid}/reassign/", {"agent": "", "reason": "组长接手"}
        )

        assert response.status_code == 302
        assert FollowUpTask.objects.get(pk=task.pk).claimed_by == personas["manager"]
        assert AuditEntry.objects.filter(action="take_over").exists()

    def test_an_agent_cannot_reassign(self, client, login, task):
        login("agent")

        response = client.post(
            f"/followups/tasks/{task.uuid}/reassign/", {"agent": "", "reason": "x"}
        )

        assert response.status_code == 403


class TestRegister:
    def record(self, client, task, outcome, **fields):
        client.get(f"/followups/tasks/{task.uuid}/")
        return client.post(
            f"/followups/tasks/{task.uuid}/record/",
            {
                "version": FollowUpTask.objects.get(pk=task.pk).version,
                "outcome": outcome,
                "then": "list",
                **fields,
            },
        )

    def test_it_lists_the_days_calls_with_a_total(self, client, login, task):
        login("agent")
        self.record(client, task, "no_answer")
        self.record(client, task, "reached_patient", **{"q-satisfaction": "satisfied"})

        html = client.get("/followups/register/").content.decode()

        assert html.count('data-testid="register-row"') == 2
        assert "满意" in html
        assert "合计" in html
        assert "13812345678" not in html

    def test_a_manager_reads_any_agents_register(self, client, login, task, personas):
        login("agent")
        self.record(client, task, "no_answer")
        login("manager")

        html = client.get(f"/followups/register/?agent={personas['agent'].pk}").content.decode()

        assert html.count('data-testid="register-row"') == 1

    def test_an_agent_cannot_read_a_colleagues_register(self, client, login, personas):
        login("agent")

        response = client.get(f"/followups/register/?agent={personas['manager'].pk}")

        assert response.status_code == 403

    def test_a_department_head_has_no_register(self, client, login, departments):
        login("head_medicine")

        assert client.get("/followups/register/").status_code == 403
