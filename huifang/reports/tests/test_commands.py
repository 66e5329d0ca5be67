import datetime
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from huifang.core.errors import ApplicationError
from huifang.reports.selectors import ReportDenied


def run(capsys, *args):
    call_command("report", *args)
    return capsys.readouterr().out


class TestSummary:
    def test_the_json_carries_every_metric(self, month, capsys):
        out = run(capsys, "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--json")
        data = json.loads(out)
        for key in (
            "due",
            "attempted",
            "reached",
            "excluded_deceased",
            "excluded_no_phone",
            "eligible",
            "follow_up_rate",
            "success_rate",
            "success_rate_of_attempted",
            "on_time_rate",
            "failure_reasons",
            "satisfaction",
            "complaints",
            "agents",
            "recheck",
        ):
            assert key in data
        assert (data["due"], data["reached"]) == (4, 1)
        assert data["success_rate"] == 0.25

    def test_a_department_and_breakdowns(self, month, capsys):
        out = run(
            capsys,
            "summary",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--department",
            "SUR",
            "--breakdown",
            "month",
            "--json",
        )
        data = json.loads(out)
        assert data["due"] == 2
        assert data["breakdowns"]["month"][0]["due"] == 2

    def test_as_a_user_the_scope_is_theirs(self, month, capsys):
        out = run(
            capsys,
            "summary",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--user",
            "head_medicine",
            "--json",
        )
        assert json.loads(out)["due"] == 2
        with pytest.raises(ReportDenied):
            run(capsys, "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--user", "nobody")
        with pytest.raises(ReportDenied):
            run(
                capsys,
                "summary",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
                "--user",
                "head_surgery",
                "--department",
                "MED",
            )

    @pytest.mark.parametrize(
        ("args", "code"),
        [
            (["--from", "2026-13-01", "--to", "2026-11-30"], "invalid_date"),
            (["--from", "2026-11-30", "--to", "2026-11-01"], "invalid_period"),
            (
                ["--from", "2026-11-01", "--to", "2026-11-30", "--department", "X"],
                "unknown_department",
            ),
            (["--from", "2026-11-01", "--to", "2026-11-30", "--user", "ghost"], "unknown_user"),
        ],
    )
    def test_bad_input_is_an_application_error(self, month, capsys, args, code):
        with pytest.raises(ApplicationError) as exc:
            run(capsys, "summary", *args)
        assert exc.value.code == code


class TestDaily:
    def test_the_register_workbook(self, month, capsys, tmp_path):
        path = tmp_path / "daily.xlsx"
        run(capsys, "daily", "--date", "2026-11-14", "--xlsx", str(path))
        ws = load_workbook(path)["回访日报表"]
        assert [c.value for c in ws[3]] == [
            "序号",
            "姓名",
            "电话号码",
            "回访内容",
            "回访人员",
            "满意度",
            "投诉建议",
            "病情预警",
            "备注",
        ]
        assert ws.freeze_panes == "A4"
        assert ws[3][0].font.bold
        row = [c.value for c in ws[4]]
        assert row[1] == "张三丰"
        assert row[2] == "138****5678"  # masked
        assert "接通本人" in row[3]
        assert row[4] == "agent"
        assert row[5] == "满意"
        assert row[8] == "恢复良好"
        footer = {r[0]: r[1] for r in ws.iter_rows(min_row=6, values_only=True) if r[0]}
        assert footer["合计回访次数"] == 1 and footer["其中接通"] == 1
        assert footer["填表人"] == "system"
        assert footer["日期"].date() == datetime.date(2026, 11, 14)

    def test_all_agents_calls_of_the_day(self, month, capsys):
        out = run(capsys, "daily", "--date", "2026-11-15")
        assert "李秀英" in out and "manager" in out
        assert out.strip().endswith("合计\t1")

    def test_a_head_sees_only_their_departments_calls(self, month, capsys):
        assert "合计\t0" in run(capsys, "daily", "--date", "2026-11-15", "--user", "head_medicine")
        assert "合计\t1" in run(capsys, "daily", "--date", "2026-11-15", "--user", "head_surgery")
