"""Every workbook prints: title, A4 page setup fitted to the width, headers repeated, numbers as numbers.

And the daily register carries what the call brought: the satisfaction of a
health-check call, the complaints taken on it and the red flag raised.
"""

import datetime
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from huifang.feedback.models import Case
from huifang.followups import slots
from huifang.followups.models import ContactAttempt, Outcome
from huifang.reports.tests.labelled import labelled  # noqa: F401 (fixture)
from huifang.surveys.models import Item, ItemKind, Questionnaire
from huifang.testing.factories import make_task, make_touchpoint

WORKBOOKS = [
    "/reports/summary.xlsx?period=2026-11",
    "/reports/summary.xlsx?period=2026-11&by=doctor",
    "/reports/daily.xlsx?date=2026-11-16",
    "/feedback/notice.xlsx?month=2026-11",
    "/reports/satisfaction.xlsx?period=2026-11",
    "/reports/breakdowns.xlsx?period=2026-11",
    "/reports/answers.xlsx?period=2026-11",
    "/reports/responses.xlsx?period=2026-11",
]
# A count or a rate written as text: "12", "70.2%", "1 次回访".
NUMBER_AS_TEXT = re.compile(r"^\s*\d+(\.\d+)?\s*(%|次回访|次)?\s*$|^接通 \d+ 次$")


def _book(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


def _header_row(sheet) -> int:
    return int(sheet.print_title_rows.split(":")[0].lstrip("$"))


class TestEveryWorkbookPrints:
    @pytest.mark.parametrize("url", WORKBOOKS)
    def test_page_setup_title_and_repeated_headers(self, client, login, labelled, url):  # noqa: F811
        login("manager")
        for sheet in _book(client, url):
            assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4), sheet.title
            assert sheet.page_setup.orientation in ("portrait", "landscape"), sheet.title
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
            assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
            header = _header_row(sheet)
            assert sheet.print_title_rows == f"${header}:${header}"
            assert sheet["A1"].value and sheet["A1"].font.bold, sheet.title
            assert sheet.freeze_panes == f"A{header + 1}"
            headers = [c.value for c in sheet[header] if c.value]
            assert headers and all(c.font.bold for c in sheet[header] if c.value)
            for i in range(1, len(headers) + 1):
                letter = sheet.cell(header, i).column_letter
                assert sheet.column_dimensions[letter].width > 0, (sheet.title, letter)

    @pytest.mark.parametrize("url", WORKBOOKS)
    def test_numbers_are_numbers_and_rates_percents(self, client, login, labelled, url):  # noqa: F811
        login("manager")
        for sheet in _book(client, url):
            header = _header_row(sheet)
            names = [str(c.value or "") for c in sheet[header]]
            for row in sheet.iter_rows(min_row=header + 1):
                for cell, name in zip(row, names + [""] * len(row), strict=False):
                    # Identifiers (病案号, 就诊号) stay text: leading zeros are theirs.
                    if isinstance(cell.value, str) and "号" not in name:
                        assert not NUMBER_AS_TEXT.match(cell.value), (sheet.title, cell.value)
                    is_rate = "率" in name or "上限" in name or "下限" in name or "占" in name
                    if is_rate and isinstance(cell.value, float):
                        assert cell.number_format.endswith("%"), (sheet.title, name)

    def test_the_summary_total_and_rates_are_numbers(self, client, login, labelled):  # noqa: F811
        login("manager")
        sheet = _book(client, WORKBOOKS[0])["汇总"]
        total = [c for c in sheet[sheet.max_row]]
        assert total[0].value == "合计" and total[0].font.bold
        assert isinstance(total[1].value, int)
        assert isinstance(total[5].value, float) and total[5].number_format == "0.00%"


@pytest.fixture
def busy_day(month, personas, patient_medicine):
    """90 calls on 17 November 2026."""
    outcome = Outcome.objects.get(code="no_answer")
    tasks = [
        make_task(patient_medicine, touchpoint=make_touchpoint(code=f"busy{i}")) for i in range(90)
    ]
    ContactAttempt.objects.bulk_create(
        ContactAttempt(
            task=task,
            outcome=outcome,
            agent=personas["agent"],
            at=slots.at(datetime.date(2026, 11, 17), datetime.time(9, 0))
            + datetime.timedelta(minutes=i),
            note="患者未接，明日再拨",
        )
        for i, task in enumerate(tasks)
    )


class TestTheDailyRegisterPrints:
    def test_ninety_calls_print_landscape_one_page_wide(self, client, login, busy_day):
        login("manager")
        sheet = _book(client, "/reports/daily.xlsx?date=2026-11-17").active
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$3:$3"
        assert "回访日报表" in sheet["A1"].value and "2026-11-17" in sheet["A2"].value
        numbers = [r[0] for r in sheet.iter_rows(min_row=4, max_row=93, values_only=True)]
        assert numbers == list(range(1, 91))
        footer = {r[0]: r[1] for r in sheet.iter_rows(min_row=94, values_only=True) if r[0]}
        assert footer["合计回访次数"] == 90 and footer["其中接通"] == 0


@pytest.fixture
def health_check_call(month, personas, patient_medicine, departments):
    """A health-check call: its questionnaire asks about the report's explanation, not "overall"."""
    questionnaire = Questionnaire.objects.create(code="hc-test", title="体检回访", status="active")
    Item.objects.create(
        questionnaire=questionnaire,
        code="sat-explain",
        kind=ItemKind.SATISFACTION5,
        text="您对体检报告的解读和说明满意吗？",
        dimension="education",
    )
    task = make_task(patient_medicine, touchpoint=make_touchpoint(code="hc"))
    at = slots.at(datetime.date(2026, 11, 18), datetime.time(10, 0))
    call = ContactAttempt.objects.create(
        task=task,
        outcome=Outcome.objects.get(code="reached_patient"),
        agent=personas["agent"],
        at=at,
        phone=task.phone,
        answers={
            "questionnaire": "hc-test",
            "version": questionnaire.version,
            "answers": {"sat-explain": 4},
        },
        note="已提醒复查血脂",
    )
    for kind, category, description in (
        (Case.Kind.COMPLAINT, "process", "体检报告等了两周才拿到，电话13812345678"),
        (Case.Kind.ESCALATION, "", "自述胸闷气短三天"),
    ):
        case = Case.objects.create(
            kind=kind,
            source=Case.Source.AGENT,
            patient=patient_medicine,
            department=departments["medicine"],
            category=category,
            description=description,
            task=task,
            attempt=call,
        )
        Case.objects.filter(pk=case.pk).update(created_at=at)
    return call


class TestTheRegisterCarriesTheCall:
    def _row(self, client):
        sheet = _book(client, "/reports/daily.xlsx?date=2026-11-18").active
        headers = [c.value for c in sheet[3]]
        return dict(zip(headers, [c.value for c in sheet[4]], strict=True))

    def test_the_satisfaction_of_a_health_check_call(self, client, login, health_check_call):
        login("manager")
        assert self._row(client)["满意度"] == "满意"

    def test_the_complaints_taken_and_the_red_flag(self, client, login, health_check_call):
        login("manager")
        row = self._row(client)
        assert row["投诉建议"].startswith("投诉·流程")
        assert "体检报告等了两周才拿到" in row["投诉建议"]
        assert "138****5678" in row["投诉建议"] and "13812345678" not in row["投诉建议"]
        assert row["病情预警"] == "自述胸闷气短三天"
        assert row["备注"] == "已提醒复查血脂"

    def test_the_pdf_register_carries_them_too(self, client, login, health_check_call):
        from pypdf import PdfReader

        login("manager")
        content = client.get("/reports/daily.pdf?date=2026-11-18").content
        text = "".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
        assert "自述胸闷气短三天" in text.replace("\n", "")
        assert "体检报告等了两周" in text.replace("\n", "")

    def test_a_head_of_another_department_sees_no_such_call(self, client, login, health_check_call):
        login("head_surgery")
        sheet = _book(client, "/reports/daily.xlsx?date=2026-11-18").active
        assert "自述胸闷气短三天" not in [c for r in sheet.iter_rows(values_only=True) for c in r]
