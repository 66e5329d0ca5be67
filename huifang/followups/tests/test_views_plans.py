"""The plan pages, the re-plan question, and an encounter's schedule explained."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from huifang.core.models import AuditEntry
from huifang.followups.forms import CallWindowsField, format_windows
from huifang.followups.models import FollowUpTask, Plan, Touchpoint
from huifang.followups.tests.test_services_plans import make_plan, make_task, make_touchpoint
from huifang.testing.factories import EncounterFactory

# Persona → may open the plan list and a plan / may change plans.
MAY_VIEW = {"manager", "quality", "admin"}
MAY_CHANGE = {"manager", "admin"}
ALL = ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin", "nobody"]
# While patient_medicine's encounter is still being followed up (discharged 2026-11-10).
DISCHARGE_WEEK = datetime.datetime(2026, 11, 10, 9, 0, tzinfo=datetime.UTC)

# Measured for a manager: 10 queries for the list whatever the number of plans
# (session, user, 2 for permissions, plans with their touchpoint count, their
# departments, one aggregate of open tasks, 3 to save the session). Budget: + 2.
LIST_QUERY_BUDGET = 12


@pytest.fixture
def plan(db):
    return make_plan(code="test-plan", name="测试出院随访")


@pytest.fixture
def touchpoint(plan):
    return make_touchpoint(plan, script="您好，这里是医院随访中心，请问您出院后恢复得怎么样？")


def _plan_form(plan, **overrides):
    data = {
        "name": plan.name,
        "description": plan.description,
        "is_active": "on" if plan.is_active else "",
        "priority": plan.priority,
        "encounter_kinds": plan.encounter_kinds,
        "departments": [d.pk for d in plan.departments.all()] if plan.pk else [],
        "include_subdepartments": "on" if plan.include_subdepartments else "",
        "icd_prefixes": ", ".join(plan.icd_prefixes),
        "diagnosis_keywords": ", ".join(plan.diagnosis_keywords),
        "age_min": plan.age_min if plan.age_min is not None else "",
        "age_max": plan.age_max if plan.age_max is not None else "",
        "sex": plan.sex,
        "tags": ", ".join(plan.tags),
        "fallback_channel": plan.fallback_channel,
        "version": plan.version,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def _touchpoint_form(touchpoint=None, **overrides):
    data = {
        "code": "month-call",
        "name": "一个月回访",
        "anchor": "discharge",
        "offset_days": 30,
        "window_days": 5,
        "channel": "phone",
        "condition": "",
        "questionnaire_code": "",
        "script": "",
        "call_windows": "",
        "max_attempts": 3,
        "priority": 0,
        "repeat_every_days": "",
        "repeat_max": 0,
        "position": 1,
    }
    if touchpoint is not None:
        data.update(
            {
                name: getattr(touchpoint, name)
                for name in data
                if name not in {"call_windows", "repeat_every_days"}
            }
        )
    data.update(overrides)
    return data


def _hidden_fields(html) -> dict[str, list[str]]:
    """What the confirmation page carries over, as the browser would post it back."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html):
        fields.setdefault(name, []).append(unescape(value))
    return fields


def _errors(html):
    return re.findall(r'data-testid="field-error">([^<]*)<', html)


# --- Who may open what ---


@pytest.mark.parametrize("username", ALL)
def test_it_shows_plans_only_to_those_who_manage_or_review_them(client, login, plan, username):
    login(username)

    for url in ["/followups/plans/", f"/followups/plans/{plan.code}/"]:
        response = client.get(url)

        assert response.status_code == (200 if username in MAY_VIEW else 403), url
        assert ("测试出院随访" in response.content.decode()) is (username in MAY_VIEW)


@pytest.mark.parametrize("username", ALL)
def test_it_lets_only_managers_and_administrators_edit(client, login, touchpoint, username):
    login(username)
    code = touchpoint.plan.code
    urls = [
        f"/followups/plans/{code}/edit/",
        "/followups/plans/new/",
        f"/followups/plans/{code}/touchpoints/new/",
        f"/followups/plans/{code}/touchpoints/{touchpoint.pk}/edit/",
        f"/followups/plans/{code}/touchpoints/{touchpoint.pk}/delete/",
    ]

    for url in urls:
        assert client.get(url).status_code == (200 if username in MAY_CHANGE else 403), url


@pytest.mark.parametrize("username", ["quality", "agent", "nobody"])
def test_it_refuses_changes_posted_by_other_roles(client, login, touchpoint, username):
    login(username)
    plan = touchpoint.plan

    edit = client.post(f"/followups/plans/{plan.code}/edit/", _plan_form(plan, name="改名"))
    remove = client.post(f"/followups/plans/{plan.code}/touchpoints/{touchpoint.pk}/delete/")

    assert (edit.status_code, remove.status_code) == (403, 403)
    plan.refresh_from_db()
    assert (plan.name, plan.version) == ("测试出院随访", 1)
    assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()


def test_it_sends_anonymous_visitors_to_the_login_page(client, plan):
    response = client.get("/followups/plans/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_answers_not_found_for_an_unknown_plan(client, login):
    login("manager")

    assert client.get("/followups/plans/no-such-plan/").status_code == 404


@pytest.mark.parametrize(("username", "shown"), [("manager", True), ("agent", False)])
def test_it_links_the_navigation_to_the_plan_list(client, login, username, shown):
    login(username)

    html = client.get("/").content.decode()

    assert ('href="/followups/plans/" data-nav="plans"' in html) is shown


# --- Plan list and detail ---


def test_it_lists_plans_with_their_rules_and_open_tasks(client, login, departments, touchpoint):
    plan = touchpoint.plan
    plan.departments.set([departments["medicine"]])
    encounter = EncounterFactory()
    for sequence, status in enumerate(["pending", "no_phone", "pending", "done"]):
        make_task(touchpoint, encounter, status=status, sequence=sequence)
    login("quality")

    html = client.get("/followups/plans/").content.decode()

    row = re.search(r'<tr data-plan="test-plan">(.*?)</tr>', html, re.S).group(1)
    assert "住院" in row
    assert "内科" in row
    assert "v1" in row
    assert '<td class="text-end" data-testid="open-tasks">3</td>' in row
    assert "新建计划" not in html  # the quality office only reviews


def test_it_counts_open_tasks_in_a_fixed_number_of_queries(
    client, login, django_assert_max_num_queries, departments
):
    encounter = EncounterFactory()
    for n in range(6):
        extra = make_plan(code=f"extra-{n}", encounter_kinds=["outpatient", "inpatient"])
        extra.departments.set([departments["medicine"], departments["surgery"]])
        for position in range(2):
            make_task(make_touchpoint(extra, code=f"tp-{position}"), encounter)
    login("manager")

    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = client.get("/followups/plans/")

    assert response.content.decode().count('data-plan="extra-') == 6


@time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_it_warns_when_next_years_holidays_are_unknown(client, login, plan):
    login("manager")

    html = client.get("/followups/plans/").content.decode()

    assert 'data-testid="calendar-warning"' in html
    assert "2027 年的法定节假日尚未录入，按周末规则排程，请在节假日表中录入" in html


@time_machine.travel(datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_it_does_not_warn_when_both_years_are_known(client, login, plan):
    login("manager")

    html = client.get("/followups/plans/").content.decode()

    assert 'data-testid="calendar-warning"' not in html


@time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_it_shows_the_plan_list_in_english_with_the_language_cookie(client, login, plan):
    login("manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/followups/plans/").content.decode()

    assert '<h1 class="h4 mb-0">Follow-up plans</h1>' in html
    assert "Public holidays for 2027 have not been entered yet" in html
    assert "In-patient stay" in html


def test_it_says_the_health_check_calls_repeat_until_a_re_check(client, login):
    login("quality")

    html = client.get("/followups/plans/health-check-abnormal/").content.decode()

    assert "每 30 天重复一次，直至有复查记录" in html
    assert "最多 0 次" not in html


def test_it_shows_a_plan_with_its_touchpoints_and_rules(client, login, departments, touchpoint):
    plan = touchpoint.plan
    plan.icd_prefixes, plan.age_min, plan.age_max = ["I2", "C50"], 18, 80
    plan.save()
    touchpoint.call_windows = [["09:00", "11:00"], ["14:00", "16:00"]]
    touchpoint.questionnaire_code = "inpatient-satisfaction"
    touchpoint.save()
    login("quality")

    html = client.get(f"/followups/plans/{plan.code}/").content.decode()

    assert "I2, C50" in html
    assert "18–80" in html
    assert "出院日期 + 3 天" in html
    assert "4 个工作日" in html
    assert "09:00-11:00, 14:00-16:00" in html
    assert "inpatient-satisfaction" in html
    assert "您好，这里是医院随访中心" in html
    assert 'data-testid="edit-plan"' not in html


# --- Editing a plan, and the re-plan question ---


def test_it_saves_a_plan_without_open_tasks_at_once(client, login, plan):
    login("manager")

    response = client.post(
        f"/followups/plans/{plan.code}/edit/",
        _plan_form(plan, name="住院患者出院随访", encounter_kinds=["inpatient", "day_surgery"]),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/followups/plans/{plan.code}/"
    plan.refresh_from_db()
    assert plan.name == "住院患者出院随访"
    assert plan.encounter_kinds == ["inpatient", "day_surgery"]
    assert plan.version == 2
    page = client.get(response["Location"]).content.decode()
    assert "已保存为第 2 版" in page


def test_it_saves_the_match_rules_typed_as_text(client, login, departments, plan):
    login("admin")

    client.post(
        f"/followups/plans/{plan.code}/edit/",
        _plan_form(
            plan,
            departments=[departments["surgery"].pk],
            icd_prefixes="k35， c50.9、I2",
            diagnosis_keywords="阑尾炎，乳腺癌",
            tags="初诊",
            age_min=14,
            age_max=65,
            sex="F",
            fallback_channel="sms",
        ),
    )

    plan.refresh_from_db()
    assert plan.icd_prefixes == ["K35", "C50.9", "I2"]
    assert plan.diagnosis_keywords == ["阑尾炎", "乳腺癌"]
    assert plan.tags == ["初诊"]
    assert (plan.age_min, plan.age_max, plan.sex, plan.fallback_channel) == (14, 65, "F", "sms")
    assert list(plan.departments.all()) == [departments["surgery"]]


def test_it_asks_whether_open_tasks_are_replanned(client, login, touchpoint):
    plan = touchpoint.plan
    encounter = EncounterFactory()
    for sequence in range(3):
        make_task(touchpoint, encounter, sequence=sequence)
    make_task(touchpoint, encounter, sequence=3, status="done")
    login("manager")

    response = client.post(f"/followups/plans/{plan.code}/edit/", _plan_form(plan, age_max=80))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="replan-question"' in html
    assert "3 个待办任务：重新排程还是保持不变？" in html
    assert 'value="replan"' in html
    assert 'value="keep"' in html
    assert "最大年龄" in html  # what was changed
    plan.refresh_from_db()
    assert (plan.age_max, plan.version) == (None, 1)
    assert not AuditEntry.objects.filter(target_type="followups.plan").exists()


def test_it_keeps_the_tasks_when_the_administrator_says_keep(client, login, touchpoint):
    plan = touchpoint.plan
    task = make_task(touchpoint)
    login("manager")
    url = f"/followups/plans/{plan.code}/edit/"
    question = client.post(url, _plan_form(plan, age_max=80))
    hidden = _hidden_fields(question.content.decode())

    response = client.post(url, {**hidden, "tasks": "keep"})

    assert response.status_code == 302
    plan.refresh_from_db()
    task.refresh_from_db()
    assert (plan.age_max, plan.version) == (80, 2)
    assert (task.due_from, task.plan_version, task.status) == (
        datetime.date(2026, 11, 13),
        1,
        "pending",
    )
    entry = AuditEntry.objects.get(action="update", target_type="followups.plan", field="")
    assert entry.changes["age_max"] == [None, 80]
    assert entry.changes["open_tasks"] == {"open": 1, "choice": "keep", "replanned": 0}


@time_machine.travel(DISCHARGE_WEEK, tick=False)
def test_it_replans_the_tasks_after_a_touchpoint_moves(client, login, patient_medicine, touchpoint):
    plan = touchpoint.plan
    encounter = patient_medicine.encounters.get()
    # As the rule plans it: discharged Tue 2026-11-10, +3 days → Fri 11-13, 4 working days.
    make_task(touchpoint, encounter, due=datetime.date(2026, 11, 13))
    login("manager")
    url = f"/followups/plans/{plan.code}/touchpoints/{touchpoint.pk}/edit/"

    question = client.post(url, _touchpoint_form(touchpoint, offset_days=10, version=1))
    assert "1 个待办任务：重新排程还是保持不变？" in question.content.decode()
    response = client.post(
        url, _touchpoint_form(touchpoint, offset_days=10, version=1, tasks="replan")
    )

    assert response.status_code == 302
    task = FollowUpTask.objects.get(encounter=encounter, touchpoint=touchpoint)
    # +10 days → Fri 2026-11-20, a working day.
    assert task.due_from == datetime.date(2026, 11, 20)
    assert task.plan_version == 2
    entry = AuditEntry.objects.get(action="update", target_type="followups.touchpoint")
    assert entry.changes["offset_days"] == [3, 10]
    assert entry.changes["open_tasks"]["choice"] == "replan"


@time_machine.travel(DISCHARGE_WEEK, tick=False)
def test_it_leaves_due_dates_when_a_touchpoint_moves_and_tasks_are_kept(
    client, login, patient_medicine, touchpoint
):
    plan = touchpoint.plan
    encounter = patient_medicine.encounters.get()
    make_task(touchpoint, encounter, due=datetime.date(2026, 11, 13))
    login("admin")
    url = f"/followups/plans/{plan.code}/touchpoints/{touchpoint.pk}/edit/"

    client.post(url, _touchpoint_form(touchpoint, offset_days=10, version=1, tasks="keep"))

    task = FollowUpTask.objects.get(encounter=encounter, touchpoint=touchpoint)
    assert (task.due_from, task.plan_version) == (datetime.date(2026, 11, 13), 1)
    touchpoint.refresh_from_db()
    assert touchpoint.offset_days == 10


def test_it_refuses_an_edit_started_on_an_older_version(client, login, plan):
    login("manager")
    client.post(f"/followups/plans/{plan.code}/edit/", _plan_form(plan, priority=3))

    response = client.post(
        f"/followups/plans/{plan.code}/edit/", _plan_form(plan, priority=9, version=1)
    )

    assert response.status_code == 409
    assert "其他人修改了该计划" in response.content.decode()
    plan.refresh_from_db()
    assert (plan.priority, plan.version) == (3, 2)


def test_it_creates_a_plan(client, login):
    login("manager")

    response = client.post(
        "/followups/plans/new/",
        _plan_form(
            Plan(name="急诊留观回访"), code="emergency-followup", encounter_kinds=["emergency"]
        ),
    )

    assert response.status_code == 302
    plan = Plan.objects.get(code="emergency-followup")
    assert (plan.name, plan.version, plan.encounter_kinds) == ("急诊留观回访", 1, ["emergency"])
    assert AuditEntry.objects.filter(action="create", target_id=str(plan.pk)).exists()


# --- Touchpoints ---


def test_it_adds_a_touchpoint(client, login, plan):
    login("manager")

    response = client.post(
        f"/followups/plans/{plan.code}/touchpoints/new/",
        _touchpoint_form(call_windows="9:00-11:30，14:00～16:00", version=1),
    )

    assert response.status_code == 302
    touchpoint = plan.touchpoints.get(code="month-call")
    assert touchpoint.call_windows == [["09:00", "11:30"], ["14:00", "16:00"]]
    assert (touchpoint.offset_days, touchpoint.window_days) == (30, 5)
    plan.refresh_from_db()
    assert plan.version == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"call_windows": "12:00-10:00"}, "时段的结束时间必须晚于开始时间。"),
        ({"call_windows": "上午"}, "无法识别时段“上午”，请按 10:00-12:00 的格式填写。"),
        ({"call_windows": "25:00-26:00"}, "时段“25:00-26:00”不是有效的时间。"),
        ({"call_windows": "10:00-12:00, 11:00-13:00"}, "时段之间有重叠。"),
        ({"offset_days": 400}, "须在 0 到 365 之间。"),
        ({"window_days": 0}, "须在 1 到 30 之间。"),
        ({"window_days": 31}, "须在 1 到 30 之间。"),
        ({"code": "first-call"}, "本计划已有代码为 first-call 的随访节点。"),
    ],
)
def test_it_explains_a_wrong_touchpoint_in_chinese(client, login, touchpoint, overrides, message):
    plan = touchpoint.plan
    login("manager")

    response = client.post(
        f"/followups/plans/{plan.code}/touchpoints/new/", _touchpoint_form(**overrides)
    )

    assert response.status_code == 200
    assert message in _errors(response.content.decode())
    assert plan.touchpoints.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"icd_prefixes": "I10, 高血压"}, "icd_prefixes", "不是 ICD-10 编码或前缀：高血压"),
        ({"age_min": 70, "age_max": 18}, "age_max", "最大年龄小于最小年龄。"),
        ({"age_min": 200}, "age_min", "须在 0 到 150 之间。"),
    ],
)
def test_it_explains_wrong_match_rules_in_chinese(client, login, plan, overrides, field, message):
    login("manager")

    response = client.post(f"/followups/plans/{plan.code}/edit/", _plan_form(plan, **overrides))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'data-field="{field}">.*?{re.escape(message)}', html, re.S)
    plan.refresh_from_db()
    assert plan.version == 1


def test_it_removes_a_touchpoint_without_tasks(client, login, touchpoint):
    login("admin")
    plan = touchpoint.plan

    page = client.get(f"/followups/plans/{plan.code}/touchpoints/{touchpoint.pk}/delete/")
    response = client.post(f"/followups/plans/{plan.code}/touchpoints/{touchpoint.pk}/delete/")

    assert "出院首次回访" in page.content.decode()
    assert response.status_code == 302
    assert not Touchpoint.objects.filter(pk=touchpoint.pk).exists()
    assert AuditEntry.objects.filter(action="delete", target_type="followups.touchpoint").exists()


def test_it_refuses_to_remove_a_touchpoint_with_tasks(client, login, touchpoint):
    make_task(touchpoint, status="done")
    login("manager")
    plan = touchpoint.plan

    detail = client.get(f"/followups/plans/{plan.code}/").content.decode()
    response = client.post(f"/followups/plans/{plan.code}/touchpoints/{touchpoint.pk}/delete/")

    assert f"/touchpoints/{touchpoint.pk}/delete/" not in detail
    assert response.status_code == 409
    assert "已有 1 个随访任务，不能删除" in response.content.decode()
    assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()


# --- An encounter's schedule ---

SCHEDULE_ACCESS = [
    ("agent", 200),
    ("doctor", 200),
    ("head_medicine", 200),
    ("head_surgery", 404),
    ("manager", 200),
    ("quality", 200),
    ("admin", 200),
    ("nobody", 403),
]
# Measured for an agent: 26 queries whatever the number of tasks (7 to sign in,
# scope and find the encounter and patient; 14 for the explanation, one of them
# the holiday table; 2 for plan and touchpoint names; 3 to save the session).
# Budget: + 4.
SCHEDULE_QUERY_BUDGET = 30


def _schedule_url(encounter):
    return f"/followups/encounters/{encounter.uuid}/schedule/"


@pytest.mark.parametrize(("username", "status"), SCHEDULE_ACCESS)
def test_it_explains_a_schedule_to_whoever_may_see_the_patient(
    client, login, patient_medicine, username, status
):
    encounter = patient_medicine.encounters.get()
    login(username)

    response = client.get(_schedule_url(encounter))

    assert response.status_code == status
    assert (encounter.number in response.content.decode()) is (status == 200)


def test_it_answers_not_found_for_an_unknown_encounter(client, login, db):
    login("manager")

    response = client.get("/followups/encounters/00000000-0000-0000-0000-000000000000/schedule/")

    assert response.status_code == 404


@time_machine.travel(DISCHARGE_WEEK, tick=False)
def test_it_shows_which_plans_matched_and_the_tasks_dates(
    client, login, patient_medicine, touchpoint
):
    encounter = patient_medicine.encounters.get()
    make_task(touchpoint, encounter, due=datetime.date(2026, 11, 13))
    from huifang.followups.selectors import schedule_explain

    explained = schedule_explain(encounter=encounter)
    login("agent")

    html = client.get(_schedule_url(encounter)).content.decode()

    assert explained["plans"]
    for row in explained["plans"]:
        matched = "yes" if row["matched"] else "no"
        assert f'<tr data-plan="{row["code"]}" data-matched="{matched}">' in html
    assert 'data-plan="test-plan" data-matched="yes"' in html  # in-patient, as the plan asks
    tasks = re.search(r'data-testid="schedule-tasks">(.*?)</table>', html, re.S).group(1)
    assert "测试出院随访" in tasks
    assert "出院首次回访" in tasks
    assert "2026-11-13" in tasks
    assert "2026-11-18" in tasks
    assert "2026-11-13 10:00" in tasks
    assert "待办" in tasks


@time_machine.travel(DISCHARGE_WEEK, tick=False)
def test_it_explains_a_schedule_within_a_query_budget(
    client, login, patient_medicine, django_assert_max_num_queries
):
    encounter = patient_medicine.encounters.get()
    login("agent")

    with django_assert_max_num_queries(SCHEDULE_QUERY_BUDGET):
        response = client.get(_schedule_url(encounter))

    assert response.status_code == 200


def test_it_links_each_encounter_to_its_schedule(client, login, patient_medicine):
    encounter = patient_medicine.encounters.get()
    login("agent")

    html = client.get(f"/patients/{patient_medicine.uuid}/").content.decode()

    assert f'href="{_schedule_url(encounter)}" data-testid="schedule-link">排程说明</a>' in html


# --- Django admin ---


def _admin_plan_form(plan, touchpoints, **overrides):
    data = {
        key: value
        for key, value in _plan_form(plan).items()
        if key not in {"version", "departments"}
    }
    data.update(
        {
            "touchpoints-TOTAL_FORMS": len(touchpoints),
            "touchpoints-INITIAL_FORMS": len(touchpoints),
            "touchpoints-MIN_NUM_FORMS": 0,
            "touchpoints-MAX_NUM_FORMS": 1000,
        }
    )
    for index, touchpoint in enumerate(touchpoints):
        for name, value in _touchpoint_form(touchpoint).items():
            if value != "":
                data[f"touchpoints-{index}-{name}"] = value
        data[f"touchpoints-{index}-id"] = touchpoint.pk
        data[f"touchpoints-{index}-plan"] = plan.pk
    data.update(overrides)
    return data


def test_it_saves_a_plan_from_the_admin_through_the_services(client, login, touchpoint):
    plan = touchpoint.plan
    task = make_task(touchpoint)
    login("admin")
    url = f"/admin/followups/plan/{plan.pk}/change/"

    page = client.get(url).content.decode()
    response = client.post(
        url,
        _admin_plan_form(
            plan, [touchpoint], **{"name": "住院随访", "touchpoints-0-window_days": 6}
        ),
    )

    assert "待办任务保持不变" in page
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    touchpoint.refresh_from_db()
    task.refresh_from_db()
    assert (plan.name, touchpoint.window_days) == ("住院随访", 6)
    assert plan.version == 3  # one for the plan, one for its touchpoint
    assert (task.plan_version, task.due_from) == (1, datetime.date(2026, 11, 13))
    assert (
        AuditEntry.objects.filter(target_type="followups.plan", action="update", field="").count()
        == 1
    )
    assert (
        AuditEntry.objects.filter(target_type="followups.touchpoint", action="update").count() == 1
    )


def test_it_refuses_to_delete_a_touchpoint_with_tasks_in_the_admin(client, login, touchpoint):
    plan = touchpoint.plan
    make_task(touchpoint)
    login("admin")

    response = client.post(
        f"/admin/followups/plan/{plan.pk}/change/",
        _admin_plan_form(plan, [touchpoint], **{"touchpoints-0-DELETE": "on"}),
    )

    assert response.status_code == 200
    assert "受保护的相关对象" in response.content.decode()
    assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()


def test_it_shows_tasks_read_only_in_the_admin(client, login, touchpoint):
    task = make_task(touchpoint)
    login("admin")

    listing = client.get("/admin/followups/followuptask/?status__exact=pending")
    change = client.get(f"/admin/followups/followuptask/{task.pk}/change/")

    assert listing.status_code == 200
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.get("/admin/followups/followuptask/add/").status_code == 403
    assert client.get(f"/admin/followups/followuptask/{task.pk}/delete/").status_code == 403


def test_it_lets_the_administrator_reorder_outcomes_in_the_list(client, login, db):
    login("admin")

    html = client.get("/admin/followups/outcome/").content.decode()

    assert 'name="form-0-sort_order"' in html
    assert 'name="form-0-is_active"' in html


# --- Call windows typed as text ---


@st.composite
def _windows(draw):
    """Sorted, non-overlapping windows on whole minutes within one day."""
    cuts = sorted(draw(st.sets(st.integers(0, 23 * 60 + 59), min_size=2, max_size=8)))
    pairs = [cuts[i : i + 2] for i in range(0, len(cuts) - 1, 2)]
    return [
        [f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]
        for start, end in pairs
    ]


@given(_windows())
def test_call_windows_read_back_what_the_detail_page_shows(windows):
    field = CallWindowsField()

    assert field.clean(format_windows(windows)) == windows


def test_a_script_sent_back_with_the_browsers_line_breaks_is_no_change(client, login, touchpoint):
    """Browsers send a textarea's lines as CRLF: that alone is not an edit of the script."""
    touchpoint.script = "您好，我是回访中心。\n请问您出院后恢复得怎么样？"
    touchpoint.save()
    make_task(touchpoint, EncounterFactory())
    login("manager")
    url = f"/followups/plans/{touchpoint.plan.code}/touchpoints/{touchpoint.pk}/edit/"
    sent = _touchpoint_form(touchpoint, offset_days=10, version=1)
    sent["script"] = touchpoint.script.replace("\n", "\r\n")
    question = client.post(url, sent).content.decode()
    assert "间隔天数" in question
    assert "通话话术" not in question
    client.post(url, {**sent, "tasks": "keep"})
    touchpoint.refresh_from_db()
    assert touchpoint.script == "您好，我是回访中心。\n请问您出院后恢复得怎么样？"


def test_a_manager_who_cannot_edit_the_holiday_table_is_told_whom_to_ask(client, login, plan):
    from huifang.core import calendar

    login("manager")
    years = calendar.unannounced_years([2026, 2027])
    html = client.get("/followups/plans/").content.decode()
    if not years:
        pytest.skip("the calendar package knows both years")
    assert 'data-testid="ask-administrator"' in html
    assert "请联系管理员录入" in html


def test_the_explanation_breaks_lines_between_clauses_not_inside_brackets():
    from huifang.followups.views.plans import _reason_lines

    reason = (
        "出院 2026-12-27 + 6 天 = 2027-01-02（星期六，休息；2027 年节假日未公布，按周末推算）"
        "→ 顺延至 2027-01-04；窗口 4 个工作日至 2027-01-07"
    )
    assert _reason_lines(reason) == [
        "出院 2026-12-27 + 6 天 = 2027-01-02（星期六，休息；2027 年节假日未公布，按周末推算）"
        "→ 顺延至 2027-01-04",
        "窗口 4 个工作日至 2027-01-07",
    ]
