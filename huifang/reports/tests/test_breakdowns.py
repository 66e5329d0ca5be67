"""Figures by sex, age band and department group, plan targets, dimensions: worked by hand.

The month of ``conftest.month``: t1 and t2 are 张三丰's (MED-W1; t1 reached,
t2 attempted; calls answered 满意 and 不满意), t3 and t4 李秀英's (SUR-W1; t3
never attempted, t4 attempted). Both encounters end on 2026-11-10.
"""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from huifang.core.models import AuditEntry
from huifang.followups.models import Plan
from huifang.patients.models import Patient
from huifang.reports import breakdowns
from huifang.reports.models import DepartmentGroup, DepartmentGroupMember
from huifang.reports.periods import parse_period
from huifang.reports.selectors import report_answers, report_passed, report_scope, report_tasks
from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response

NOV = "?period=2026-11"
PERIOD = parse_period("2026-11")


@pytest.fixture
def people(month, patient_medicine, patient_surgery):
    # 张三丰 turns 45 on 11 November 2026: on the day of discharge (10th) he is 44.
    Patient.objects.filter(pk=patient_medicine.pk).update(
        sex="M", birth_date=datetime.date(1981, 11, 11)
    )
    Patient.objects.filter(pk=patient_surgery.pk).update(sex="F", birth_date=None)
    return month


def _sources(user):
    scope = report_scope(user=user)
    bounds = {"scope": scope, "date_from": PERIOD.start, "date_to": PERIOD.end}
    return report_tasks(**bounds), report_answers(**bounds), report_passed(**bounds)


def _by(user, name):
    tasks, answers, passed = _sources(user)
    return {r["key"]: r for r in breakdowns.figures_by_patient(tasks, answers, name, passed)}


def five_level_answers(patient, values, dimension="doctors", day=16):
    q, _ = Questionnaire.objects.get_or_create(
        code="sat", version=1, defaults={"title": "满意度", "status": "active"}
    )
    item, _ = Item.objects.get_or_create(
        questionnaire=q,
        code=f"sat-{dimension}",
        defaults={"kind": ItemKind.SATISFACTION5, "text": "满意吗", "dimension": dimension},
    )
    at = timezone.make_aware(datetime.datetime(2026, 11, day, 10))
    for value in values:
        r = Response.objects.create(
            questionnaire=q,
            patient=patient,
            encounter=patient.encounters.first(),
            channel="phone",
            submitted_at=at,
        )
        Answer.objects.create(response=r, item=item, value=value, number=value)


class TestBySex:
    def test_it_counts_each_sex(self, people, personas):
        rows = _by(personas["manager"], "sex")
        assert list(rows) == ["M", "F", "U"]
        male, female, unknown = rows["M"], rows["F"], rows["U"]
        assert (male["due"], male["attempted"], male["reached"]) == (2, 2, 1)
        assert male["follow_up_rate"] == 1.0
        assert male["success_rate"] == 0.5
        # On calls: 满意 and 不满意 → 1 of 2.
        assert (male["call_answers"], male["call_satisfied"]) == (2, 1)
        assert male["call_satisfaction_rate"] == 0.5
        assert (female["due"], female["attempted"], female["reached"]) == (2, 1, 0)
        assert female["follow_up_rate"] == 0.5
        assert female["call_satisfaction_rate"] is None
        assert unknown["due"] == 0 and unknown["success_rate"] is None

    def test_questionnaire_satisfaction_per_sex(self, people, personas, patient_surgery):
        # 5, 4, 2 from 李秀英: 2 of 3 are 非常满意 or 满意.
        five_level_answers(patient_surgery, [5, 4, 2])
        female = _by(personas["manager"], "sex")["F"]
        assert (female["five_level_answers"], female["five_level_satisfied"]) == (3, 2)
        assert female["five_level_satisfaction_rate"] == pytest.approx(2 / 3)

    def test_an_unknown_sex_code_gets_its_own_row(self, people, personas, patient_surgery):
        Patient.objects.filter(pk=patient_surgery.pk).update(sex="X")
        rows = _by(personas["manager"], "sex")
        assert rows["X"]["due"] == 2
        assert rows["F"]["due"] == 0

    def test_a_head_sees_only_their_departments(self, people, personas):
        rows = _by(personas["head_medicine"], "sex")
        assert rows["M"]["due"] == 2
        assert rows["F"]["due"] == 0


class TestByAge:
    def test_age_is_taken_on_the_day_of_discharge(self, people, personas):
        rows = _by(personas["manager"], "age")
        assert list(rows) == ["0-17", "18-44", "45-59", "60-74", "75+", ""]
        # 44 on 10 November (birthday the 11th), not 45.
        assert rows["18-44"]["due"] == 2
        assert rows["45-59"]["due"] == 0
        # 李秀英 has no date of birth.
        assert rows[""]["due"] == 2
        assert rows[""]["attempted"] == 1

    def test_on_the_birthday_the_patient_is_a_year_older(self, people, personas, patient_medicine):
        Patient.objects.filter(pk=patient_medicine.pk).update(
            birth_date=datetime.date(1981, 11, 10)
        )
        rows = _by(personas["manager"], "age")
        assert rows["45-59"]["due"] == 2
        assert rows["18-44"]["due"] == 0

    def test_bands_come_from_the_setting(self, people, personas, settings):
        settings.HUIFANG_REPORT_AGE_BANDS = ["40", "65"]
        rows = _by(personas["manager"], "age")
        assert list(rows) == ["0-39", "40-64", "65+", ""]
        assert rows["40-64"]["due"] == 2

    def test_band_labels(self):
        bands = breakdowns.age_bands([0, 18, 45, 60, 75])
        assert [b.label for b in bands] == ["0–17", "18–44", "45–59", "60–74", "75+"]


class TestByDepartmentGroup:
    def test_default_groups_place_departments_by_their_names(self, people, personas):
        rows = _by(personas["manager"], "department_group")
        assert list(rows) == ["surgical", "medical", "obstetrics", "paediatrics", ""]
        assert rows["medical"]["label"] == "内科系统"
        # 心血管内科病区 → 内科系统; 普外科病区 → 外科系统.
        assert (rows["medical"]["due"], rows["medical"]["reached"]) == (2, 1)
        assert (rows["surgical"]["due"], rows["surgical"]["attempted"]) == (2, 1)
        assert rows["obstetrics"]["due"] == 0

    def test_an_administrators_listing_beats_the_name(self, people, personas, departments):
        # 外科 listed under 妇产科: its ward 普外科病区 follows its department.
        DepartmentGroupMember.objects.create(
            group=DepartmentGroup.objects.get(code="obstetrics"), department=departments["surgery"]
        )
        rows = _by(personas["manager"], "department_group")
        assert rows["obstetrics"]["due"] == 2
        assert rows["surgical"]["due"] == 0

    def test_a_department_matching_no_group_is_ungrouped(self, people, personas):
        DepartmentGroup.objects.filter(code="surgical").update(name_keywords=[])
        rows = _by(personas["manager"], "department_group")
        assert rows[""]["due"] == 2
        assert "surgical" in rows and rows["surgical"]["due"] == 0


class TestPlanTargets:
    def _plans(self, user):
        from huifang.reports.selectors import figure_source

        source = figure_source(
            scope=report_scope(user=user), date_from=PERIOD.start, date_to=PERIOD.end
        )
        return {p["key"]: p for p in breakdowns.plan_targets(source.task_figures_by("plan"))}

    def test_without_a_target_the_global_rate_applies(self, people, personas):
        plan = self._plans(personas["manager"])["test-plan"]
        # 3 of 4 attempted = 75 % against 95 %: 20 % short, 4 points.
        assert plan["follow_up_rate"] == 0.75
        assert plan["required_rate"] == 0.95
        assert plan["own_target"] is False
        assert plan["shortfall"] == pytest.approx(0.20)
        assert plan["points"] == 4

    def test_the_plans_own_target_is_used(self, people, personas):
        Plan.objects.filter(code="test-plan").update(required_rate=Decimal("100"))
        plan = self._plans(personas["manager"])["test-plan"]
        assert plan["required_rate"] == 1.0 and plan["own_target"] is True
        assert plan["shortfall"] == pytest.approx(0.25)
        assert plan["points"] == 5


class TestAgentRequiredRate:
    def _agent(self, user):
        from huifang.reports.selectors import summary

        rows = summary(user=user, date_from=PERIOD.start, date_to=PERIOD.end)["agents"]
        return {r["agent"]: r for r in rows}

    def test_the_global_rate_is_the_fallback(self, people, personas):
        agent = self._agent(personas["manager"])["agent"]
        # The agent's tasks t1, t2: both attempted.
        assert agent["required_rate"] == 0.95
        assert agent["deductions"] == 0

    def test_a_plan_target_is_weighted_by_the_agents_tasks(self, people, personas, month):
        from huifang.testing.factories import make_task, make_touchpoint

        # A second plan at 100 % with two unattempted tasks of the agent: 4 tasks, 2 attempted.
        medicine = month["t1"].patient
        for code in ("call-a", "call-b"):
            touchpoint = make_touchpoint(plan_code="strict-plan", code=code)
            task = make_task(medicine, touchpoint=touchpoint)
            task.assigned_to = personas["agent"]
            task.save(update_fields=["assigned_to"])
        Plan.objects.filter(code="strict-plan").update(required_rate=Decimal("100"))
        agent = self._agent(personas["manager"])["agent"]
        assert agent["assigned"] == 4 and agent["attempted"] == 2
        # Required: (2 × 95 % + 2 × 100 %) ÷ 4 = 97.5 %; 50 % done: 47.5 % short, 9 points.
        assert agent["required_rate"] == pytest.approx(0.975)
        assert agent["deductions"] == 9

    def test_the_rollups_weigh_the_plan_targets_the_same_way(self, people, personas, month):
        from huifang.reports import rollups
        from huifang.reports.selectors import Scope, figure_source

        Plan.objects.filter(code="test-plan").update(required_rate=Decimal("100"))
        rollups.rollups_rebuild(
            date_from=datetime.date(2026, 11, 1), date_to=datetime.date(2026, 11, 30)
        )
        source = figure_source(
            scope=Scope(department_ids=None), date_from=PERIOD.start, date_to=PERIOD.end
        )
        assert source.from_rollups
        rolled = {r["agent"]: r for r in source.agent_figures()}
        from huifang.reports import metrics

        tasks, _answers, _passed = _sources(personas["manager"])
        live = {r["agent"]: r for r in metrics.agent_figures(tasks)}
        assert rolled["agent"]["required_rate"] == 1.0
        # 2 of 2 attempted against 100 %: no points; the manager's t4 likewise.
        assert rolled["agent"]["deductions"] == 0
        assert rolled == live


class TestDimensions:
    def test_every_dimension_is_listed_including_ethics_and_admin_staff(
        self, people, personas, patient_medicine
    ):
        five_level_answers(patient_medicine, [5, 3], dimension="ethics")
        five_level_answers(patient_medicine, [4], dimension="admin_staff")
        _tasks, answers, _passed = _sources(personas["manager"])
        rows = {r["key"]: r for r in breakdowns.dimension_rows(answers)}
        assert rows["ethics"]["label"] == "医德医风"
        assert rows["admin_staff"]["label"] == "行政后勤人员"
        # (100 + 50) ÷ 2 = 75; one of two 非常满意/满意.
        assert (rows["ethics"]["answers"], rows["ethics"]["score"]) == (2, 75.0)
        assert rows["ethics"]["five_level_satisfaction_rate"] == 0.5
        assert (rows["admin_staff"]["answers"], rows["admin_staff"]["score"]) == (1, 75.0)
        assert rows["doctors"]["answers"] == 0 and rows["doctors"]["score"] is None


class TestBreakdownsPage:
    @pytest.mark.parametrize(
        ("persona", "male_due"),
        [("manager", 2), ("quality", 2), ("admin", 2), ("head_medicine", 2), ("head_surgery", 0)],
    )
    def test_it_shows_each_role_its_scope(self, client, login, people, persona, male_due):
        login(persona)
        response = client.get(f"/reports/breakdowns/{NOV}")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="by-sex"' in html
        assert f'data-key="M">\n    <td>男</td><td>{male_due}<' in html

    @pytest.mark.parametrize("persona", ["agent", "doctor", "nobody"])
    def test_it_refuses_roles_without_department_reports(self, client, login, people, persona):
        login(persona)
        for path in (
            "breakdowns/",
            "breakdowns.xlsx",
            "answers/",
            "answers.xlsx",
            "responses.xlsx",
        ):
            assert client.get(f"/reports/{path}{NOV}").status_code == 403, path

    def test_a_head_may_not_ask_for_another_department(self, client, login, people):
        login("head_medicine")
        assert client.get(f"/reports/breakdowns/{NOV}&department=SUR").status_code == 403

    def test_a_bad_return_window_is_explained(self, client, login, people):
        login("manager")
        response = client.get(f"/reports/breakdowns/{NOV}&days=0")
        assert response.status_code == 400
        assert "1" in response.content.decode() and "365" in response.content.decode()

    def test_its_query_count_does_not_grow_with_the_data(
        self, client, login, people, django_assert_max_num_queries, patient_medicine
    ):
        login("manager")
        with django_assert_max_num_queries(40) as few:
            client.get(f"/reports/breakdowns/{NOV}")
        five_level_answers(patient_medicine, [5, 4, 3, 2, 1], dimension="ethics")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(f"/reports/breakdowns/{NOV}")

    def test_the_excel_download_has_every_breakdown_and_is_audited(self, client, login, people):
        login("head_medicine")
        response = client.get(f"/reports/breakdowns.xlsx{NOV}")
        assert response.status_code == 200
        wb = load_workbook(BytesIO(response.content))
        assert wb.sheetnames == [
            "按性别",
            "按年龄段",
            "按科室分组",
            "计划达标",
            "满意度维度",
            "30天复诊率",
        ]
        sex = [row for row in wb["按性别"].iter_rows(values_only=True)]
        assert sex[0][0] == "按性别"
        sex = sex[1:]
        assert sex[0][:4] == ("分组", "应回访数", "已回访数", "回访成功数")
        assert sex[1][:6] == ("男", 2, 2, 1, 1.0, 0.5)
        # The head's scope: 李秀英 (外科) is not counted.
        assert sex[2][1] == 0
        dims = [row[0] for row in wb["满意度维度"].iter_rows(min_row=3, values_only=True)]
        assert "医德医风" in dims and "行政后勤人员" in dims
        entry = AuditEntry.objects.get(field="reports_breakdowns")
        assert entry.actor.username == "head_medicine"
        assert entry.changes["period"] == "2026-11"
