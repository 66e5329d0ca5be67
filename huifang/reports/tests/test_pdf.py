"""The PDF downloads, opened back with pypdf: headings, hand-computed figures, charts, roles."""

import datetime
import os
from io import BytesIO

import pytest
import reportlab
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from huifang.core.models import AuditEntry
from huifang.feedback.models import Case

NOV = "?period=2026-11"
VERA = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def page_streams(content: bytes) -> bytes:
    return b"".join(page.get_contents().get_data() for page in PdfReader(BytesIO(content)).pages)


@pytest.fixture
def cases(month, departments, patient_medicine, patient_surgery):
    """November's feedback: two complaints and a suggestion; a December complaint."""
    recorded = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))

    def case(kind, category, department, description, severity="normal", status="new", at=None):
        c = Case.objects.create(
            kind=kind,
            source="agent",
            patient=patient_medicine,
            department=department,
            category=category,
            severity=severity,
            status=status,
            description=description,
        )
        Case.objects.filter(pk=c.pk).update(created_at=at or recorded)
        return c

    case(
        Case.Kind.COMPLAINT,
        "attitude",
        departments["medicine_ward"],
        "夜班护士说话很冲，家属电话13812345678，身份证110101199001011234，"
        "要求科室道歉并给出说法，并希望医院加强对夜班护理人员的服务培训",
        severity="high",
        status="with_department",
    )
    case(Case.Kind.COMPLAINT, "food", departments["surgery_ward"], "饭菜太凉")
    case(
        Case.Kind.SUGGESTION,
        "environment",
        departments["medicine_ward"],
        "开水间热水不够",
        status="closed",
    )
    case(
        Case.Kind.COMPLAINT,
        "cost",
        departments["medicine_ward"],
        "十二月的收费投诉",
        at=recorded + datetime.timedelta(days=30),
    )


class TestSummaryPdf:
    def test_it_prints_the_headings_and_the_hand_computed_figures(self, client, login, month):
        login("manager")
        response = client.get(f"/reports/summary.pdf{NOV}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            'attachment; filename="followup-report-2026-11.pdf"'
        )
        text = pdf_text(response.content)
        assert "示范人民医院 回访统计汇总" in text
        assert "2026-11（2026-11-01 至 2026-11-30）" in text
        assert "全院各科室" in text
        # conftest: 4 due, 3 attempted, 1 reached; Wilson 95 % intervals by hand.
        assert "回访成功率（成功 ÷ 应回访）" in text
        assert "1/4" in text and "25.00%" in text and "4.6%–69.9%" in text
        assert "3/4" in text and "75.00%" in text and "30.1%–95.4%" in text
        for heading in (
            "科室回访成功率排名",
            "回访失败原因",
            "满意度",
            "回访员完成率与考核要求",
            "投诉",
            "主要投诉",
            "意见建议及处理状态",
        ):
            assert heading in text
        assert "心血管内科病区" in text and "普外科病区" in text
        # Failure reasons by their labels, not their codes.
        assert "患者已故" in text and "无人接听" in text and "no_answer" not in text

    def test_it_draws_the_trend_and_the_failure_reasons(self, client, login, month):
        login("manager")
        content = client.get(f"/reports/summary.pdf{NOV}").content
        text = pdf_text(content)
        # The trend chart's category axis: the twelve months ending with November.
        months = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
        assert "\n".join(months) in text
        # Its value axis and legend.
        assert "0%\n20%\n40%\n60%\n80%\n100%" in text
        assert text.count("回访率（已回访 ÷ 应回访）") == 2  # the rates table and the legend
        # Lines and filled bars are drawn as paths (moveto/lineto, rectangles).
        streams = page_streams(content)
        assert streams.count(b" l") > 20 and streams.count(b" re") > 10

    def test_a_department_report_lists_doctors(self, client, login, month):
        login("head_medicine")
        response = client.get(f"/reports/summary.pdf{NOV}&department=MED&page=department")
        assert response.status_code == 200
        text = pdf_text(response.content)
        assert "示范人民医院 科室回访报表" in text
        assert "范围：内科" in text
        assert "主治医师" in text and "王医生" in text
        assert "普外科病区" not in text

    def test_a_head_gets_only_their_departments(self, client, login, month):
        login("head_surgery")
        text = pdf_text(client.get(f"/reports/summary.pdf{NOV}").content)
        assert "范围：外科" in text
        assert "普外科病区" in text and "心血管内科病区" not in text
        assert "0/2" in text  # surgery: 2 due, none reached

    def test_a_head_may_not_download_another_department(self, client, login, month):
        login("head_surgery")
        assert client.get(f"/reports/summary.pdf{NOV}&department=MED").status_code == 403
        assert not AuditEntry.objects.filter(action="export").exists()

    @pytest.mark.parametrize("persona", ["nobody", "doctor"])
    def test_others_are_refused(self, client, login, month, persona):
        login(persona)
        assert client.get(f"/reports/summary.pdf{NOV}").status_code == 403
        assert client.get("/reports/daily.pdf?date=2026-11-14").status_code == 403
        assert not AuditEntry.objects.filter(action="export").exists()

    def test_anonymous_visitors_go_to_sign_in(self, client, db):
        assert client.get(f"/reports/summary.pdf{NOV}").status_code == 302
        assert client.get("/reports/daily.pdf").status_code == 302

    @pytest.mark.parametrize(
        ("persona", "due"), [("manager", 4), ("quality", 4), ("admin", 4), ("agent", 2)]
    )
    def test_every_reporting_role_downloads_its_scope_and_is_audited(
        self, client, login, month, persona, due
    ):
        user = login(persona)
        response = client.get(f"/reports/summary.pdf{NOV}")
        assert response.status_code == 200
        entry = AuditEntry.objects.get(action="export")
        assert entry.actor == user and entry.field == "reports_summary"
        assert entry.changes == {
            "period": "2026-11",
            "department": None,
            "due": due,
            "format": "pdf",
        }

    def test_an_agent_sees_their_own_figures(self, client, login, month):
        login("agent")
        text = pdf_text(client.get(f"/reports/summary.pdf{NOV}").content)
        assert "agent 本人的数据" in text
        assert "1/2" in text  # the agent's two tasks, one reached

    def test_the_query_count_does_not_grow_with_the_data(
        self, client, login, month, cases, django_assert_max_num_queries
    ):
        login("manager")
        client.get(f"/reports/summary.pdf{NOV}")
        with django_assert_max_num_queries(45):
            assert client.get(f"/reports/summary.pdf{NOV}").status_code == 200

    def test_the_summary_page_links_to_the_pdfs(self, client, login, month):
        login("head_medicine")
        html = client.get(f"/reports/department/{NOV}&department=MED").content.decode()
        assert (
            'data-testid="report-pdf" href="/reports/summary.pdf?period=2026-11'
            "&department=MED&page=department"
        ) in html
        # The month's last call in the department, not its last day.
        assert 'href="/reports/daily.pdf?date=2026-11-20"' in html


class TestComplaintsAndSuggestions:
    def test_the_pdf_lists_them_with_numbers_masked(self, client, login, cases):
        login("manager")
        text = pdf_text(client.get(f"/reports/summary.pdf{NOV}").content)
        assert "夜班护士说话很冲" in text and "138****5678" in text
        assert "110***********1234" in text
        assert "13812345678" not in text and "110101199001011234" not in text
        assert "饭菜太凉" in text and "开水间热水不够" in text
        assert "十二月的收费投诉" not in text  # recorded in December
        # The more severe complaint comes first.
        assert text.index("夜班护士") < text.index("饭菜太凉")
        assert "2026-11-16" in text

    def test_the_page_shows_them(self, client, login, cases):
        login("head_surgery")
        html = client.get(f"/reports/{NOV}").content.decode()
        complaints = html.split('data-testid="top-complaints"')[1].split("</table>")[0]
        assert complaints.count('data-testid="top-complaint"') == 1
        assert "饭菜太凉" in complaints and "夜班护士" not in complaints
        login("manager")
        html = client.get(f"/reports/{NOV}").content.decode()
        suggestions = html.split('data-testid="suggestions"')[1].split("</table>")[0]
        assert "开水间热水不够" in suggestions and "已办结" in suggestions
        complaints = html.split('data-testid="top-complaints"')[1].split("</table>")[0]
        assert "138****5678" in complaints and "13812345678" not in complaints

    def test_the_workbook_has_them(self, client, login, cases):
        login("manager")
        book = load_workbook(BytesIO(client.get(f"/reports/summary.xlsx{NOV}").content))
        ws = book["主要投诉"]
        assert [c.value for c in ws[3]] == ["类别", "科室", "内容摘要", "状态", "登记日期"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
        assert len(rows) == 2
        assert rows[0][1] == "心血管内科病区" and rows[0][2].startswith("夜班护士说话很冲")
        assert "138****5678" in rows[0][2] and rows[0][2].endswith("…")
        assert rows[0][4].date() == datetime.date(2026, 11, 16)
        suggestions = [[c.value for c in r] for r in book["意见建议"].iter_rows(min_row=4)]
        assert [s[2] for s in suggestions] == ["开水间热水不够"]


class TestDailyRegisterPdf:
    def test_it_prints_the_register_with_totals_and_audits_it(self, client, login, month):
        user = login("manager")
        response = client.get("/reports/daily.pdf?date=2026-11-14")
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('daily-register-2026-11-14.pdf"')
        text = pdf_text(response.content)
        assert "示范人民医院 回访日报表" in text
        for header in ("序号", "姓名", "电话号码", "回访内容", "回访人员", "满意度", "备注"):
            assert header in text
        assert "张三丰" in text and "138****5678" in text and "13812345678" not in text
        assert "恢复良好" in text and "满意" in text
        assert "合计" in text and "1 次回访" in text and "接通 1 次" in text
        assert "填表人：manager" in text and "日期：2026-11-14" in text
        entry = AuditEntry.objects.get(action="export")
        assert entry.actor == user and entry.field == "reports_daily_register"
        assert entry.changes == {"date": "2026-11-14", "calls": 1, "format": "pdf"}

    def test_a_head_gets_only_their_departments_calls(self, client, login, month):
        login("head_surgery")
        text = pdf_text(client.get("/reports/daily.pdf?date=2026-11-14").content)
        assert "张三丰" not in text and "0 次回访" in text

    def test_a_bad_date_is_explained(self, client, login, month):
        login("manager")
        assert client.get("/reports/daily.pdf?date=14.11.2026").status_code == 400


class TestFont:
    def test_by_default_chinese_uses_the_cid_font_without_embedding(self, client, login, month):
        login("manager")
        content = client.get("/reports/daily.pdf?date=2026-11-14").content
        assert b"/STSong-Light" in content and b"/FontFile2" not in content

    def test_a_truetype_font_is_embedded(self, client, login, month):
        login("manager")
        with override_settings(HUIFANG_PDF_FONT=VERA):
            content = client.get("/reports/daily.pdf?date=2026-11-14").content
        assert b"/FontFile2" in content and b"/STSong-Light" not in content
        assert "2026-11-14" in pdf_text(content)

    def test_an_unusable_font_is_explained(self, client, login, month, tmp_path):
        login("manager")
        with override_settings(HUIFANG_PDF_FONT=str(tmp_path / "missing.ttf")):
            response = client.get("/reports/daily.pdf?date=2026-11-14")
        assert response.status_code == 400
        assert "HUIFANG_PDF_FONT" in response.content.decode()
        assert not AuditEntry.objects.filter(action="export").exists()


class TestCommands:
    def test_summary_pdf(self, month, tmp_path, capsys):
        out = tmp_path / "summary.pdf"
        call_command(
            "report", "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--pdf", out
        )
        text = pdf_text(out.read_bytes())
        assert "2026-11（2026-11-01 至 2026-11-30）" in text and "全院各科室" in text
        assert "25.00%" in text and "4.6%–69.9%" in text
        assert "summary written to" in capsys.readouterr().out

    def test_summary_pdf_of_a_department_as_a_user(self, month, tmp_path):
        out = tmp_path / "sur.pdf"
        call_command(
            "report",
            "summary",
            "--from",
            "2026-10-01",
            "--to",
            "2026-12-31",
            "--department",
            "SUR",
            "--user",
            "head_surgery",
            "--pdf",
            out,
        )
        text = pdf_text(out.read_bytes())
        assert "2026-Q4（2026-10-01 至 2026-12-31）" in text and "范围：外科" in text
        assert "心血管内科病区" not in text

    def test_summary_pdf_of_any_range(self, month, tmp_path):
        out = tmp_path / "range.pdf"
        call_command(
            "report", "summary", "--from", "2026-11-14", "--to", "2026-11-20", "--pdf", out
        )
        text = pdf_text(out.read_bytes())
        assert "统计期间：2026-11-14 至 2026-11-20" in text

    def test_summary_json_stays_one_object_with_pdf(self, month, tmp_path, capsys):
        import json

        out = tmp_path / "s.pdf"
        call_command(
            "report",
            "summary",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--json",
            "--pdf",
            out,
        )
        assert json.loads(capsys.readouterr().out)["due"] == 4
        assert out.read_bytes().startswith(b"%PDF-")

    def test_daily_pdf(self, month, tmp_path, capsys):
        out = tmp_path / "daily.pdf"
        call_command("report", "daily", "--date", "2026-11-14", "--pdf", out)
        text = pdf_text(out.read_bytes())
        assert "回访日报表" in text and "张三丰" in text and "填表人：system" in text
        assert "1 calls written to" in capsys.readouterr().out


class TestTrendData:
    def test_each_of_the_twelve_months_has_its_rates(self, personas, patient_medicine):
        from huifang.reports import pdf
        from huifang.reports.periods import parse_period
        from huifang.reports.tests.test_metrics import _cohort
        from huifang.testing.factories import make_touchpoint

        encounter = patient_medicine.encounters.first()
        # September 6 of 10 reached; November 3 of 4; nothing due in October.
        _cohort(encounter, make_touchpoint(code="sep"), 6, 4, due_from=datetime.date(2026, 9, 7))
        _cohort(encounter, make_touchpoint(code="nov"), 3, 1)
        document = pdf.summary_document(user=personas["manager"], period=parse_period("2026-11"))
        months = {m["label"]: m for m in document.months}
        assert list(months) == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
        assert months["2026-09"]["success_rate"] == pytest.approx(0.6)
        assert months["2026-09"]["follow_up_rate"] == 1
        assert months["2026-10"]["success_rate"] is None and months["2026-10"]["due"] == 0
        assert months["2026-11"]["success_rate"] == pytest.approx(0.75)


class TestSatisfactionInPdf:
    def test_questionnaire_rates_and_dimensions(self, client, login, month, patient_medicine):
        from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response

        q = Questionnaire.objects.create(code="sat", title="满意度", status="active")
        five = Item.objects.create(
            questionnaire=q,
            code="doctors",
            kind=ItemKind.SATISFACTION5,
            text="医生",
            dimension="doctors",
        )
        three = Item.objects.create(
            questionnaire=q,
            code="overall",
            kind=ItemKind.SATISFACTION3,
            text="总体",
            dimension="overall",
        )
        at = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
        # Five levels 5, 4, 3, 1: 2/4 satisfied, mean 56.2; three levels 3, 3, 3, 1: 3/4, 75.0.
        for value in (5, 4, 3, 1):
            r = Response.objects.create(
                questionnaire=q,
                patient=patient_medicine,
                encounter=patient_medicine.encounters.first(),
                channel="phone",
                submitted_at=at,
            )
            Answer.objects.create(response=r, item=five, value=value, number=value)
            level = 3 if value > 2 else 1
            Answer.objects.create(response=r, item=three, value=level, number=level)
        login("manager")
        text = pdf_text(client.get(f"/reports/summary.pdf{NOV}").content)
        section = text.split("满意度\n", 1)[1]
        # Wilson 95 %: 2/4 → 15.0 %–85.0 %; 3/4 → 30.1 %–95.4 %.
        assert "问卷（五级）\n4\n50.0%\n15.0%–85.0%" in section.replace(" ", "")
        assert "问卷（三级）\n4\n75.0%\n30.1%–95.4%" in section.replace(" ", "")
        assert "各维度满意度（平均得分 0–100）" in text
        assert "总体\n4\n75.0" in text.replace(" ", "") and "医生\n4\n56.2" in text.replace(" ", "")
