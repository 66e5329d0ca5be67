"""Satisfaction by attending doctor and by responsible nurse, worked out by hand.

Encounters: 内科 stay — 王医生, 赵护士; 外科 stay — 李医生, 赵护士.

Calls (built-in three levels, 满意 and 基本满意 count as satisfied):
内科 t1 满意, t2 不满意 (the ``month`` fixture); 外科: three 基本满意 and one 不满意.
Questionnaires (five levels, 5 and 4 satisfied; the ``answers`` fixture):
内科 doctors item 5 and 3 (the three-level nurses item is not five-level); 外科 1.

| name   | calls | rate | Wilson 95 %   | questionnaires | rate |
| ------ | ----- | ---- | ------------- | -------------- | ---- |
| 李医生 | 3/4   | 75 % | 30.1 %–95.4 % | 0/1            | 0 %  |
| 王医生 | 1/2   | 50 % | 9.5 %–90.5 %  | 1/2            | 50 % |
| 赵护士 | 4/6   | 66.7 % | 30.0 %–90.3 % | 1/3          | 33.3 % |
"""

import datetime
import json
from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from huifang.core.models import AuditEntry
from huifang.followups.models import ContactAttempt, Outcome
from huifang.reports import metrics
from huifang.reports.tests.test_dashboard import answers  # noqa: F401 (fixture)
from huifang.surveys.models import Answer
from huifang.testing.factories import make_task, make_touchpoint

NOV = "?period=2026-11"


@pytest.fixture
def staffed(answers, patient_medicine, patient_surgery):  # noqa: F811
    patient_medicine.encounters.update(attending_doctor="王医生", responsible_nurse="赵护士")
    patient_surgery.encounters.update(attending_doctor="李医生", responsible_nurse="赵护士")
    task = make_task(patient_surgery, touchpoint=make_touchpoint(code="sat"))
    reached = Outcome.objects.get(code="reached_patient")
    at = datetime.datetime(2026, 11, 14, 10, tzinfo=datetime.UTC)
    for value in ("fairly_satisfied", "fairly_satisfied", "fairly_satisfied", "dissatisfied"):
        ContactAttempt.objects.create(
            task=task, outcome=reached, at=at, answers={"satisfaction": value}
        )


def _rows(rows):
    return {
        r["key"]: (
            r["call_satisfied"],
            r["call_answers"],
            r["five_level_satisfied"],
            r["five_level_answers"],
        )
        for r in rows
    }


class TestMetric:
    def test_by_doctor_and_by_nurse(self, staffed):
        from huifang.followups.models import FollowUpTask

        tasks, answers_ = FollowUpTask.objects.all(), Answer.objects.all()
        assert _rows(metrics.satisfaction_by(tasks, answers_, "doctor")) == {
            "李医生": (3, 4, 0, 1),
            "王医生": (1, 2, 1, 2),
        }
        rows = metrics.satisfaction_by(tasks, answers_, "nurse")
        assert _rows(rows) == {"赵护士": (4, 6, 1, 3)}
        assert rows[0]["call_satisfaction_rate"] == 4 / 6
        assert rows[0]["five_level_satisfaction_rate"] == 1 / 3

    def test_a_name_not_recorded_counts_last_under_an_empty_key(self, staffed, patient_surgery):
        from huifang.followups.models import FollowUpTask

        patient_surgery.encounters.update(attending_doctor="")
        rows = metrics.satisfaction_by(FollowUpTask.objects.all(), Answer.objects.all(), "doctor")
        assert [r["key"] for r in rows] == ["王医生", ""]


class TestPages:
    def test_the_department_page_shows_each_rate_with_its_sample_and_interval(
        self, client, login, staffed
    ):
        login("manager")
        html = client.get(f"/reports/department/{NOV}").content.decode()
        table = html.split('data-testid="satisfaction-doctor"')[1].split("</table>")[0]
        assert "<td>李医生</td>" in table
        assert "<td>75.0%</td><td>4</td>" in table and "30.1%–95.4%" in table
        assert "<td>50.0%</td><td>2</td>" in table and "9.5%–90.5%" in table
        nurses = html.split('data-testid="satisfaction-nurse"')[1].split("</table>")[0]
        assert "<td>66.7%</td><td>6</td>" in nurses and "30.0%–90.3%" in nurses
        assert "<td>33.3%</td><td>3</td>" in nurses

    def test_a_head_sees_only_their_departments_staff(self, client, login, staffed):
        login("head_medicine")
        html = client.get(f"/reports/department/{NOV}&department=MED").content.decode()
        table = html.split('data-testid="satisfaction-doctor"')[1].split("</table>")[0]
        assert "王医生" in table and "李医生" not in table
        nurses = html.split('data-testid="satisfaction-nurse"')[1].split("</table>")[0]
        assert "<td>50.0%</td><td>2</td>" in nurses  # 赵护士, 内科 calls only

    def test_the_summary_page_shows_them_too(self, client, login, staffed):
        login("quality")
        html = client.get(f"/reports/{NOV}").content.decode()
        assert 'data-testid="satisfaction-doctor"' in html
        assert 'data-testid="satisfaction-nurse"' in html

    def test_the_query_count_stays_bounded(
        self, client, login, staffed, django_assert_max_num_queries
    ):
        login("manager")
        client.get(f"/reports/department/{NOV}")
        # As the summary's: the names of departments and agents, the department points.
        with django_assert_max_num_queries(45):
            assert client.get(f"/reports/department/{NOV}").status_code == 200


class TestExcel:
    def test_the_download_carries_a_sheet_per_doctor_and_per_nurse(self, client, login, staffed):
        user = login("manager")
        response = client.get(f"/reports/summary.xlsx{NOV}&by=doctor")
        book = load_workbook(BytesIO(response.content))
        ws = book["医生满意度"]
        assert [c.value for c in ws[3]][:4] == [
            "主治医师",
            "电话满意度回答数",
            "满意+基本满意",
            "电话满意度",
        ]
        assert ws.freeze_panes == "A4"
        rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=4, values_only=True)}
        li = rows["李医生"]
        assert li[:3] == (4, 3, 0.75)
        assert (round(li[3], 3), round(li[4], 3)) == (0.301, 0.954)
        assert li[5:7] == (1, 0)
        assert ws.cell(row=4, column=4).number_format == "0.00%"
        nurse = list(book["护士满意度"].iter_rows(min_row=4, values_only=True))
        assert [(r[0], r[1], r[2], r[6], r[7]) for r in nurse] == [("赵护士", 6, 4, 3, 1)]
        assert AuditEntry.objects.get(action="export").actor == user

    def test_a_heads_download_holds_their_staff_only(self, client, login, staffed):
        login("head_surgery")
        book = load_workbook(BytesIO(client.get(f"/reports/summary.xlsx{NOV}").content))
        names = [r[0] for r in book["医生满意度"].iter_rows(min_row=4, values_only=True)]
        assert names == ["李医生"]


def test_the_summary_json_carries_them_with_the_breakdown(staffed, capsys):
    call_command(
        "report", "summary", "--from", "2026-11-01", "--to", "2026-11-30",
        "--breakdown", "nurse", "--json",
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert "by_doctor" not in data["satisfaction"]
    (row,) = data["satisfaction"]["by_nurse"]
    assert (row["key"], row["call_answers"], row["call_satisfied"]) == ("赵护士", 6, 4)
