"""Journeys as tests: each role's ordinary day, end to end in Chromium, on demo-like data.

The day is Wednesday 2 December 2026, 10:30 in Shanghai (inside the morning
call window); November, the last whole month, has its calls finished for
the reports. The data (``day``) is demo-like: five patients in 内科 and 外科,
open tasks with a questionnaire, a web-survey touchpoint, a complaint for
each department, a red flag and a doctor's callback. Everything a user does
goes through the pages; the ORM (and the services, for the starting data
only) builds the day and checks the results.

Screenshots of each step's end go to ``/tmp/journeys/<role>-<n>.png``
(``HUIFANG_JOURNEY_SHOTS`` to put them elsewhere).
"""

import datetime
import json
import os
import re
from datetime import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import PASSWORD
from huifang.accounts import roles
from huifang.accounts.models import Department, User
from huifang.accounts.services import user_create
from huifang.core.models import AuditEntry, CalendarDay
from huifang.feedback.models import Case
from huifang.feedback.services import case_create, case_triage
from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome, Plan, Touchpoint
from huifang.followups.services.followon import task_doctor_callback_create
from huifang.messaging.tasks import send_due
from huifang.patients.services import phone_add
from huifang.reports.tests.conftest import attempt
from huifang.reports.tests.labelled import codes_in, visible_text
from huifang.surveys.models import Response
from huifang.testing.factories import EncounterFactory, PatientFactory, make_task, make_touchpoint

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt(2026, 12, 2, 10, 30, tzinfo=SHANGHAI)  # a Wednesday, in the morning window
TODAY = DAY.date()
NOV = datetime.date(2026, 11, 1)

# Display names: a page must show these, never the user names.
DISPLAY_NAMES = {
    "agent": "王回访",
    "doctor": "王医生",  # the attending doctor of the factories' encounters
    "head_medicine": "李主任",
    "head_surgery": "赵主任",
    "manager": "陈经理",
    "quality": "周质控",
    "admin": "系统管理员",
}
# How November's tasks ended, by their one call's outcome.
ENDED = {
    "reached_patient": FollowUpTask.Status.DONE,
    "reached_family": FollowUpTask.Status.DONE,
    "number_suspended": FollowUpTask.Status.UNREACHABLE,
    "no_answer": FollowUpTask.Status.WINDOW_PASSED,
    "switched_off": FollowUpTask.Status.WINDOW_PASSED,
}
DISCHARGE_PLAN, SURVEY_PLAN, CHECK_PLAN = "discharge-call", "web-satisfaction", "month-check"


@pytest.fixture
def shot(tmp_path):
    folder = Path(os.environ.get("HUIFANG_JOURNEY_SHOTS") or "/tmp/journeys")  # noqa: S108  (the brief's folder)
    folder.mkdir(parents=True, exist_ok=True)

    def _shot(page, name, *, full_page=False):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    return _shot


@pytest.fixture
def outbox(settings, tmp_path):
    settings.HUIFANG_MESSAGE_BACKENDS = {
        channel: {
            "BACKEND": "huifang.messaging.backends.outbox.OutboxBackend",
            "RATE": 0,
            "OPTIONS": {"directory": str(tmp_path / channel)},
        }
        for channel in ("sms", "email")
    }
    return tmp_path / "sms"


def _patient(name, number, sex, ward, mobile):
    person = PatientFactory(name=name, record_number=number, sex=sex)
    phone_add(actor=None, patient=person, raw_number=mobile, is_primary=True)
    EncounterFactory(
        patient=person,
        department=ward,
        number=f"ZY{number}",
        admitted_on=datetime.date(2026, 11, 18),
        discharged_on=datetime.date(2026, 11, 27),
    )
    return person


@pytest.fixture
def day(personas, departments, patient_medicine, patient_surgery):
    """Wednesday 2 December 2026 in a small follow-up centre, with November finished."""
    for username, name in DISPLAY_NAMES.items():
        User.objects.filter(username=username).update(display_name=name)
    for user in personas.values():
        user.refresh_from_db()
    colleague = user_create(
        username="agent_qian",
        password=PASSWORD,
        display_name="钱回访",
        roles=[roles.AGENT],
        departments=[departments["medicine"], departments["surgery"]],
    )
    medicine, surgery = departments["medicine_ward"], departments["surgery_ward"]
    liu = _patient("刘建国", "200004", "M", medicine, "13622223333")
    wang = _patient("王秀兰", "200003", "F", medicine, "13711112222")
    zhao = _patient("赵敏", "200005", "F", surgery, "13533334444")

    discharge = make_touchpoint(
        plan_code=DISCHARGE_PLAN,
        code="day-3",
        questionnaire_code="inpatient-discharge",
        script="{patient_title}您好！我是{hospital}随访中心的{agent}，想了解您出院后的恢复情况。",
    )
    check = make_touchpoint(plan_code=CHECK_PLAN, code="month-1", script="{patient_title}您好！")
    check_again = make_touchpoint(plan_code=CHECK_PLAN, code="month-1b")
    survey = make_touchpoint(
        plan_code=SURVEY_PLAN,
        code="day-15",
        channel="web",
        questionnaire_code="inpatient-satisfaction",
    )

    with time_machine.travel(DAY, tick=False):
        due = {"due_from": TODAY, "due_until": TODAY + datetime.timedelta(days=5)}
        # Today's queue of 内科, in the order the agent gets it.
        unanswered = make_task(patient_medicine, touchpoint=discharge, **due)
        reached = make_task(liu, touchpoint=discharge, **due)
        later = make_task(wang, touchpoint=check, **due)
        for task, priority in ((unanswered, 5), (reached, 3), (later, 1)):
            FollowUpTask.objects.filter(pk=task.pk).update(priority=priority)
        surgery_call = make_task(patient_surgery, touchpoint=discharge, **due)
        web = make_task(wang, touchpoint=survey, phone=None, **due)

        # A red flag for the attending doctor, and a callback the agent asked for yesterday.
        red_flag = case_create(
            actor=personas["agent"],
            kind=Case.Kind.ESCALATION,
            source=Case.Source.AGENT,
            description="出院后第五天伤口红肿，体温38.6℃",
            encounter=liu.encounters.first(),
        )
        asked = make_task(liu, touchpoint=check_again, **due)
        callback = task_doctor_callback_create(
            actor=personas["agent"],
            task=asked,
            clinician=personas["doctor"],
            reason="患者问降压药能否减量",
        )
        FollowUpTask.objects.filter(pk=asked.pk).update(status=FollowUpTask.Status.CANCELLED)

        # A complaint for each department, forwarded by the manager.
        complaints = {}
        for key, patient, text in (
            ("medicine", patient_medicine, "夜班护士说话很冲，不耐烦"),
            ("surgery", zhao, "换药时医生没有解释就走了"),
        ):
            case = case_create(
                actor=personas["agent"],
                kind=Case.Kind.COMPLAINT,
                source=Case.Source.AGENT,
                category=Case.Category.ATTITUDE,
                description=text,
                encounter=patient.encounters.first(),
            )
            complaints[key] = case_triage(
                actor=personas["manager"],
                case=case,
                departments=[departments[key]],
                forward=True,
            )

    # November, finished: calls in both departments, reached and not, one complaint.
    agent = personas["agent"]
    november = {"due_from": datetime.date(2026, 11, 13), "due_until": datetime.date(2026, 11, 18)}
    month = []
    for i, (patient, code, answers) in enumerate(
        (
            (patient_medicine, "reached_patient", {"satisfaction": "satisfied"}),
            (liu, "reached_family", {"satisfaction": "dissatisfied"}),
            (wang, "no_answer", {}),
            (patient_surgery, "reached_patient", {"satisfaction": "satisfied"}),
            (zhao, "number_suspended", {}),
            (zhao, "switched_off", {}),
        )
    ):
        touchpoint = make_touchpoint(plan_code=DISCHARGE_PLAN, code=f"nov-{i}")
        task = make_task(patient, touchpoint=touchpoint, **november)
        attempt(task, code, datetime.date(2026, 11, 13 + i % 4), agent=agent, answers=answers)
        FollowUpTask.objects.filter(pk=task.pk).update(status=ENDED[code], attempts=1)
        month.append(task)
    old = Case.objects.create(
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.AGENT,
        patient=liu,
        department=medicine,
        category=Case.Category.ATTITUDE,
        description="出院手续办理等了很久",
        reported_by=agent,
    )
    Case.objects.filter(pk=old.pk).update(created_at=dt(2026, 11, 16, 10, tzinfo=SHANGHAI))
    Plan.objects.filter(code=DISCHARGE_PLAN).update(name="出院随访")
    Plan.objects.filter(code=CHECK_PLAN).update(name="出院一月回访")
    Plan.objects.filter(code=SURVEY_PLAN).update(name="出院满意度调查")
    Touchpoint.objects.filter(plan__code=DISCHARGE_PLAN).update(name="出院第3天回访")
    Touchpoint.objects.filter(plan__code=CHECK_PLAN).update(name="出院一月回访")
    Touchpoint.objects.filter(plan__code=SURVEY_PLAN).update(name="出院第15天满意度调查")

    return {
        "unanswered": unanswered,
        "reached": reached,
        "later": later,
        "surgery_call": surgery_call,
        "web": web,
        "red_flag": red_flag,
        "callback": callback,
        "complaints": complaints,
        "colleague": colleague,
        "patients": {"liu": liu, "wang": wang, "zhao": zhao},
        "month": month,
    }


def _answer_every_shown_question(page) -> None:
    """Pick the first option of every shown single-choice question, as an agent clicking down."""
    page.evaluate(
        """() => {
          document.querySelectorAll('[data-q-form] fieldset[data-q-input="radio"]').forEach((fs) => {
            if (fs.hidden) { return; }
            const first = fs.querySelector('input[type=radio]');
            if (first && !fs.querySelector('input:checked')) { first.click(); }
          });
        }"""
    )


def _raw_codes() -> set[str]:
    """The codes and user names a person must never read on a report page."""
    codes = set(Outcome.objects.values_list("code", flat=True))
    codes |= set(FollowUpTask.Status.values) | set(Case.Category.values) | set(Case.Kind.values)
    codes |= set(Department.objects.values_list("code", flat=True))
    codes |= set(Plan.objects.values_list("code", flat=True))
    codes |= set(DISPLAY_NAMES) | {"agent_qian"}
    return codes


def _codes_on(page) -> set[str]:
    main = page.locator("main").first
    html = main.inner_html() if main.count() else page.content()
    return codes_in(visible_text(html), _raw_codes())


# --- 1. Follow-up agent ---------------------------------------------------------------------------


def test_an_agents_day(page, live_server, sign_in, day, shot):
    url = live_server.url
    unanswered, reached, later = day["unanswered"], day["reached"], day["later"]
    with time_machine.travel(DAY, tick=True):
        sign_in(page, live_server, "agent")
        assert page.get_by_test_id("count-due_now").inner_text() == "3"
        assert "李秀英" not in page.content()  # 外科 is not on this agent's queue
        assert page.get_by_test_id("count-overdue").inner_text() == "0"
        shot(page, "agent-1")

        # The questionnaire call nobody answers: 无人接听 saves without answers.
        page.get_by_test_id("next-task").click()
        page.wait_for_url(f"{url}/followups/tasks/{unanswered.uuid}/")
        page.get_by_test_id("questionnaire-form").wait_for()
        page.locator("label[for=outcome-no_answer]").click()
        assert page.locator("[data-q-form] [required]").count() == 0
        shot(page, "agent-2")
        page.get_by_test_id("record").click()

        # Next: reached, the questionnaire answered and a complaint taken down.
        page.wait_for_url(f"{url}/followups/tasks/{reached.uuid}/")
        assert "已保存 张三丰 的回访结果：无人接听" in page.get_by_test_id("saved").inner_text()
        own = reached.patient.phones.get()
        assert page.locator(f"#phone-{own.pk}").is_checked()
        page.get_by_test_id("questionnaire-form").wait_for()
        page.locator("label[for=outcome-reached_patient]").click()
        _answer_every_shown_question(page)
        page.locator("#fb-kind").select_option("complaint")
        page.locator("#fb-category").select_option("attitude")
        page.locator("#fb-description").fill("出院那天护士催着结账，态度生硬")
        shot(page, "agent-3")
        page.get_by_test_id("record").click()

        page.wait_for_url(f"{url}/followups/tasks/{later.uuid}/")
        assert "已保存 刘建国 的回访结果" in page.get_by_test_id("saved").inner_text()
        shot(page, "agent-4")

        # The day's register.
        page.goto(f"{url}/")
        page.get_by_role("link", name="今日回访登记").click()
        rows = page.get_by_test_id("register-row")
        rows.first.wait_for()
        assert rows.count() == 2
        register = page.locator("main").inner_text()
        assert "张三丰" in register and "刘建国" in register
        assert "无人接听" in register and "no_answer" not in register
        assert "接通本人" in register and "非常满意" in register
        assert "共 2 人次，成功 1 人次" in page.get_by_test_id("register-total").inner_text()
        shot(page, "agent-5", full_page=True)

    first = FollowUpTask.objects.get(pk=unanswered.pk)
    assert (first.status, first.attempts) == ("pending", 1)
    assert ContactAttempt.objects.get(task=unanswered).answers == {}
    assert FollowUpTask.objects.get(pk=reached.pk).status == "done"
    response = Response.objects.get(task=reached)
    assert response.channel == "phone"
    case = Case.objects.get(description="出院那天护士催着结账，态度生硬")
    assert (case.kind, case.category, case.patient_id) == (
        "complaint",
        "attitude",
        reached.patient_id,
    )


# --- 2. Patient, on a phone -----------------------------------------------------------------------


def test_a_patient_answers_the_web_survey_on_a_phone(
    settings, outbox, phone_page, live_server, day, shot
):
    settings.HUIFANG_BASE_URL = live_server.url
    web = day["web"]
    with time_machine.travel(DAY, tick=True):
        send_due.call_local()  # the worker's minute: queue the web surveys, send what is due
        sms = json.loads((outbox / f"task_{web.pk}.json").read_text(encoding="utf-8"))
        assert sms["to"] == "+8613711112222"
        link = re.search(r"https?://\S+/s/[A-Za-z0-9_-]{22}", sms["body"]).group(0)

        phone = phone_page
        phone.goto(link)
        phone.get_by_test_id("greeting").wait_for()
        assert phone.get_by_test_id("greeting").inner_text() == "尊敬的王女士，您好！"
        assert phone.get_by_role("heading", name="住院患者满意度调查").is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "patient-1")
        for fieldset in phone.locator("fieldset[data-q-item]").all():
            if not fieldset.is_visible() or not fieldset.locator("input[type=radio]").count():
                continue
            for best in ("总是", "非常满意", "是", "10"):
                choice = fieldset.get_by_label(best, exact=True)
                if choice.count():
                    choice.check()
                    break
        shot(phone, "patient-2", full_page=True)
        phone.get_by_role("button", name="提交").click()
        phone.get_by_test_id("closed-title").wait_for()
        assert phone.get_by_test_id("closed-title").inner_text() == "谢谢您！"
        shot(phone, "patient-3")

    response = Response.objects.get(task=web)
    assert response.channel == "sms" and response.recorded_by is None
    assert FollowUpTask.objects.get(pk=web.pk).status == FollowUpTask.Status.DONE


# --- 3. Clinician ---------------------------------------------------------------------------------


def test_a_clinicians_day(page, live_server, sign_in, day, shot):
    url = live_server.url
    callback = day["callback"]
    with time_machine.travel(DAY, tick=True):
        sign_in(page, live_server, "doctor")
        row = page.get_by_test_id("red-flag-row")
        row.wait_for()
        assert "转给您的" in row.inner_text() and "伤口红肿" in row.inner_text()
        home = page.locator("main").inner_text()
        assert "我的回电" in home and "刘建国" in home
        shot(page, "clinician-1", full_page=True)

        # The red flag: disposed of.
        row.click()
        form = page.get_by_test_id("step-dispose")
        form.wait_for()
        page.get_by_label("处置结果").select_option(label="患者已就诊")
        page.get_by_label("处置经过").fill("患者当日来院，门诊清创换药，三日后复查")
        form.get_by_role("button", name="记录临床处置").click()
        page.get_by_test_id("case-disposition").wait_for()
        assert page.get_by_test_id("case-status").inner_text() == "已办结"
        assert "王医生" in page.get_by_test_id("case-disposition").inner_text()
        shot(page, "clinician-2")

        # The callback: opened from 我的回电, called, recorded.
        page.goto(f"{url}/")
        page.get_by_test_id("red-flags-none").wait_for()
        page.get_by_role("link", name="我的回电").first.click()
        task_row = page.get_by_test_id("clinician-task")
        assert "患者问降压药能否减量" in task_row.inner_text()
        task_row.get_by_role("link", name="刘建国").click()
        page.wait_for_url(f"{url}/followups/tasks/{callback.uuid}/")
        assert "请医生回电：患者问降压药能否减量" in page.get_by_test_id("task-reason").inner_text()
        page.locator("label[for=outcome-reached_patient]").click()
        page.locator("#note").fill("可减为每日半片，两周后门诊复查血压")
        shot(page, "clinician-3")
        page.get_by_test_id("record").click()
        page.wait_for_url(f"{url}/followups/my-callbacks/")
        assert "目前没有等待您回电的患者" in page.content()
        shot(page, "clinician-4")

    case = Case.objects.get(pk=day["red_flag"].pk)
    assert (case.status, case.disposition) == (Case.Status.CLOSED, "seen")
    callback.refresh_from_db()
    assert callback.status == FollowUpTask.Status.DONE
    assert callback.attempts_made.get().agent.username == "doctor"


# --- 4. Department head ---------------------------------------------------------------------------


def test_a_department_heads_day(page, live_server, sign_in, day, shot):
    url = live_server.url
    mine, theirs = day["complaints"]["medicine"], day["complaints"]["surgery"]
    with time_machine.travel(DAY, tick=True):
        sign_in(page, live_server, "head_medicine")
        # The start page counts what the inbox lists: one red flag, one complaint to answer.
        assert "1 条病情上报" in page.locator("main").inner_text()
        assert page.get_by_test_id("to-answer-count").inner_text() == "1 件待本科室答复"
        shot(page, "head-1")
        page.locator('[data-nav="feedback"]').click()
        inbox = page.get_by_test_id("inbox-to-answer")
        inbox.wait_for()
        assert "夜班护士说话很冲" in inbox.inner_text()
        assert "换药时医生没有解释" not in page.content()  # 外科's complaint
        assert "伤口红肿" in page.get_by_test_id("inbox-red-flags").inner_text()
        shot(page, "head-2", full_page=True)

        inbox.get_by_role("link", name="夜班护士说话很冲").click()
        page.wait_for_url(f"{url}/feedback/{mine.uuid}/")
        page.get_by_label("给患者的答复").fill("护士长已电话向患者致歉")
        page.get_by_label("原因分析").fill("夜班人手紧张，沟通不耐心")
        page.get_by_label("整改措施").fill("科内通报，本月组织服务礼仪培训")
        page.get_by_test_id("step-answer").get_by_role("button", name="答复").click()
        page.get_by_test_id("case-answer").wait_for()
        assert page.get_by_test_id("case-status").inner_text() == "科室已答复"
        shot(page, "head-3")

        # 外科's case is not theirs to open.
        response = page.goto(f"{url}/feedback/{theirs.uuid}/")
        assert response.status in (403, 404)
        assert "换药时医生没有解释" not in page.content()
        shot(page, "head-4")

    assert Case.objects.get(pk=mine.pk).status == Case.Status.ANSWERED
    assert Case.objects.get(pk=theirs.pk).status != Case.Status.ANSWERED


# --- 5. Service manager ---------------------------------------------------------------------------


def test_a_service_managers_day(page, live_server, sign_in, day, shot):
    url = live_server.url
    absent = User.objects.get(username="agent")
    open_tasks = [day["unanswered"], day["reached"], day["later"]]
    FollowUpTask.objects.filter(pk__in=[t.pk for t in open_tasks]).update(assigned_to=absent)
    with time_machine.travel(DAY, tick=True):
        sign_in(page, live_server, "manager")

        # The summary of the last whole month.
        page.locator('[data-nav="reports"]').click()
        page.get_by_test_id("figure-due").wait_for()
        assert page.get_by_label("月份或季度").input_value() == "2026-11"
        assert page.get_by_test_id("figure-due").inner_text() == "6"
        summary = page.locator("main").inner_text()
        assert "停机" in summary and "无人接听" in summary
        assert _codes_on(page) == set()
        shot(page, "manager-1", full_page=True)

        # The satisfaction page for November.
        page.goto(f"{url}/reports/satisfaction/")
        page.get_by_test_id("satisfaction-filters").wait_for()
        page.get_by_label("月份或季度").fill("2026-11")
        page.get_by_test_id("satisfaction-show").click()
        page.wait_for_url("**period=2026-11**")
        assert "心血管内科病区" in page.get_by_test_id("satisfaction-department").inner_text()
        # No five-level answers in November: no interval, and no dangling "95% CI" either.
        five = page.get_by_test_id("total-five").locator("xpath=..").inner_text()
        assert "0/0" in five and "CI" not in five
        assert _codes_on(page) == set()
        shot(page, "manager-2", full_page=True)

        # The absent agent's tasks, moved in bulk to a colleague.
        page.goto(f"{url}/")
        page.get_by_role("link", name="任务移交").click()
        page.get_by_label("谁的任务").select_option(label="王回访 · 3 项未完成任务")
        page.wait_for_url(f"**/followups/reassign/?owner={absent.pk}")
        assert page.get_by_test_id("owner-task").count() == 3
        page.get_by_label("钱回访").check()
        page.get_by_label("原因").fill("病假一周")
        shot(page, "manager-3")
        page.get_by_test_id("reassign-submit").click()
        page.get_by_text("已移交 王回访 的 3 项任务").wait_for()
        assert page.get_by_test_id("owner-task").count() == 0
        assert "agent_qian" not in page.locator("main").inner_text()
        shot(page, "manager-4")

    owners = set(
        FollowUpTask.objects.filter(pk__in=[t.pk for t in open_tasks]).values_list(
            "assigned_to", flat=True
        )
    )
    assert owners == {day["colleague"].pk}


# --- 6. Quality office ----------------------------------------------------------------------------

CHART_OPTIONS = """(id) => {
  const option = echarts.getInstanceByDom(document.getElementById(id)).getOption();
  const names = (axes) => (axes || []).flatMap((a) => a.data || []).map((d) => d.value ?? d);
  return [
    ...names(option.xAxis), ...names(option.yAxis),
    ...(option.legend || []).flatMap((l) => l.data || []).map((d) => d.name ?? d),
    ...option.series.flatMap((s) => (s.data || []).map((d) => d && d.name).filter(Boolean)),
  ];
}"""
CHARTS = ("chart-trend", "chart-reasons", "chart-funnel", "chart-heatmap")


def test_the_quality_offices_day(page, live_server, sign_in, day, patient_medicine, shot):
    url = live_server.url
    with time_machine.travel(DAY, tick=True):
        sign_in(page, live_server, "quality")
        page.locator('[data-nav="reports"]').click()
        page.get_by_test_id("figure-due").wait_for()
        assert page.get_by_test_id("figure-due").inner_text() == "6"
        assert _codes_on(page) == set()
        shot(page, "quality-1", full_page=True)

        page.get_by_role("link", name="图表").click()
        for chart in CHARTS:
            page.locator(f'[data-testid="{chart}"][data-ready="1"] canvas').first.wait_for()
        labels = [str(w) for chart in CHARTS for w in page.evaluate(CHART_OPTIONS, chart)]
        assert "无人接听" in labels and "停机" in labels
        assert codes_in("\n".join(labels), _raw_codes()) == set()
        assert not [w for w in labels if re.fullmatch(r"[A-Za-z_ ]{3,}", w)]  # no English words
        shot(page, "quality-2", full_page=True)

        # A patient's numbers stay masked: the quality office reads, it does not reveal.
        page.goto(f"{url}/patients/{patient_medicine.uuid}/")
        page.get_by_test_id("contact-phones").wait_for()
        assert "138****5678" in page.get_by_test_id("contact-phones").inner_text()
        assert page.get_by_test_id("reveal-phone").count() == 0
        # Nor does the page's own request reveal it, were the button forced back in.
        mobile = patient_medicine.phones.get(owner="self")
        refused = page.evaluate(
            """async (address) => {
              const token = document.querySelector('meta[name=csrf-token]').content;
              const r = await fetch(address, {method: 'POST', headers: {'X-CSRFToken': token}});
              return {status: r.status, body: await r.text()};
            }""",
            f"{url}/patients/{patient_medicine.uuid}/phones/{mobile.pk}/reveal/",
        )
        assert refused["status"] == 403
        assert "您的角色无权查看完整电话号码" in refused["body"]
        assert "13812345678" not in refused["body"] and "1234 5678" not in refused["body"]
        assert "13812345678" not in page.content() and "138 1234 5678" not in page.content()
        shot(page, "quality-3")

    assert not AuditEntry.objects.filter(action="reveal").exists()


# --- 7. Administrator -----------------------------------------------------------------------------


def test_an_administrators_day(page, live_server, sign_in, day, shot):
    url = live_server.url
    year = 2030
    with time_machine.travel(DAY, tick=True):
        sign_in(page, live_server, "admin")
        page.goto(f"{url}/admin/")
        assert "Site administration" not in page.content()
        greeting = page.locator("#user-tools").inner_text()
        assert "系统管理员" in greeting and "ADMIN" not in greeting.upper()
        shot(page, "admin-1", full_page=True)

        page.goto(f"{url}/admin/accounts/user/{day['colleague'].pk}/change/")
        chosen = page.locator("#id_groups_to")
        chosen.wait_for()
        assert chosen.locator("option").all_inner_texts() == ["回访员"]
        available = page.locator("#id_groups_from option").all_inner_texts()
        assert {"客服经理", "临床医护", "质控办"} <= set(available)
        assert not [r for r in available if re.search(r"[a-z_]{4,}", r)]
        page.locator(".field-groups").scroll_into_view_if_needed()
        shot(page, "admin-2")

        # The holiday table: a whole break entered at once.
        page.goto(f"{url}/admin/core/calendarday/")
        page.get_by_test_id("calendar-range-link").click()
        page.get_by_label("名称").fill("国庆节")
        page.get_by_label("开始日期").fill(f"{year}-10-01")
        page.get_by_label("结束日期").fill(f"{year}-10-07")
        page.get_by_label("类型").select_option("holiday")
        shot(page, "admin-3")
        page.get_by_role("button", name="保存").click()
        page.wait_for_url(f"{url}/admin/core/calendarday/")
        assert "已录入 7 天（新增 7 天" in page.content()
        shot(page, "admin-4", full_page=True)

    entered = CalendarDay.objects.filter(date__year=year).values_list("date", flat=True)
    assert sorted(entered) == [datetime.date(year, 10, d) for d in range(1, 8)]
