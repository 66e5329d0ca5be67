"""Every report surface shows words, not codes: pages, workbooks and PDFs, in the user's language.

The data (``labelled``) holds every failure reason, complaint category,
case kind and questionnaire dimension; no page, workbook or PDF may show
one of their codes, a department code, the plan's code or an agent's user
name where a person reads it.
"""

from io import BytesIO

import pytest
from django.conf import settings
from openpyxl import load_workbook
from pypdf import PdfReader

from huifang.reports.tests.labelled import (
    AGENT_NAME,
    PLAN_NAME,
    codes_in,
    labelled,  # noqa: F401 (fixture)
    raw_codes,
    visible_text,
)

NOV = "period=2026-11"
PAGES = [
    f"/reports/?{NOV}",
    f"/reports/department/?{NOV}",
    f"/reports/dashboard/?{NOV}",
    "/reports/compare/?a_period=2026-11&b_period=2026-10",
    f"/reports/satisfaction/?{NOV}",
    f"/reports/breakdowns/?{NOV}",
    f"/reports/answers/?{NOV}",
]
WORKBOOKS = [
    f"/reports/summary.xlsx?{NOV}",
    f"/reports/summary.xlsx?{NOV}&by=doctor",
    "/reports/daily.xlsx?date=2026-11-14",
    "/reports/daily.xlsx?date=2026-11-16",
    "/feedback/notice.xlsx?month=2026-11",
    f"/reports/satisfaction.xlsx?{NOV}",
    f"/reports/breakdowns.xlsx?{NOV}",
    f"/reports/answers.xlsx?{NOV}",
    f"/reports/responses.xlsx?{NOV}",
]
PDFS = [
    f"/reports/summary.pdf?{NOV}",
    f"/reports/summary.pdf?{NOV}&page=department",
    "/reports/daily.pdf?date=2026-11-16",
]


def _workbook_text(content: bytes) -> str:
    book = load_workbook(BytesIO(content))
    cells = [book.sheetnames]
    for sheet in book:
        cells += [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    return "\n".join(str(c) for c in cells)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


@pytest.fixture(params=["zh-hans", "en"])
def language(request, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = request.param
    return request.param


class TestNoCodeWhereAPersonReads:
    @pytest.mark.parametrize("url", PAGES)
    def test_the_pages(self, client, login, labelled, language, url):  # noqa: F811
        login("manager")
        response = client.get(url)
        assert response.status_code == 200
        text = visible_text(response.content.decode())
        assert codes_in(text, raw_codes(english=language == "en")) == set()

    @pytest.mark.parametrize("url", PAGES)
    def test_the_pages_name_no_repository_file_and_speak_chinese(
        self,
        client,
        login,
        labelled,  # noqa: F811
        url,
    ):
        login("manager")
        text = visible_text(client.get(url).content.decode())
        assert "docs/" not in text and ".md" not in text
        assert "95% CI" not in text

    @pytest.mark.parametrize("url", WORKBOOKS)
    def test_the_workbooks(self, client, login, labelled, language, url):  # noqa: F811
        login("manager")
        response = client.get(url)
        assert response.status_code == 200
        text = _workbook_text(response.content)
        assert codes_in(text, raw_codes(english=language == "en")) == set()

    @pytest.mark.parametrize("url", PDFS)
    def test_the_pdfs(self, client, login, labelled, url):  # noqa: F811
        login("manager")
        text = _pdf_text(client.get(url).content)
        assert codes_in(text, raw_codes()) == set()


class TestTheWordsAreThePdfs:
    def test_the_summary_page_names_reasons_categories_departments_and_agents(
        self,
        client,
        login,
        labelled,  # noqa: F811
    ):
        login("manager")
        html = client.get(f"/reports/?{NOV}").content.decode()
        reasons = html.split('data-testid="failure-reasons"')[1].split("</table>")[0]
        assert "无人接听" in reasons and "疑为诈骗挂断" in reasons and "已过随访窗口" in reasons
        assert "态度" in visible_text(html)
        agents = html.split('data-testid="agents"')[1].split("</table>")[0]
        assert AGENT_NAME in agents
        plans = html.split('data-testid="breakdown-plan"')[1].split("</table>")[0]
        assert PLAN_NAME in plans

    def test_the_workbook_and_the_pdf_say_the_same_reason(self, client, login, labelled):  # noqa: F811
        login("manager")
        book = load_workbook(BytesIO(client.get(f"/reports/summary.xlsx?{NOV}").content))
        reasons = [r[0] for r in book["失败原因"].iter_rows(min_row=4, values_only=True)]
        pdf = _pdf_text(client.get(f"/reports/summary.pdf?{NOV}").content)
        assert "无人接听" in reasons
        assert all(reason in pdf for reason in reasons)

    def test_in_english_the_reasons_are_english(self, client, login, labelled):  # noqa: F811
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        login("manager")
        html = client.get(f"/reports/?{NOV}").content.decode()
        reasons = html.split('data-testid="failure-reasons"')[1].split("</table>")[0]
        assert "No answer" in reasons and "Hung up, thought it a scam" in reasons
        book = load_workbook(BytesIO(client.get(f"/reports/summary.xlsx?{NOV}").content))
        assert "Failure reasons" in book.sheetnames
        assert "No answer" in [
            r[0] for r in book["Failure reasons"].iter_rows(min_row=4, values_only=True)
        ]

    def test_the_dashboard_data_carries_the_words_of_its_codes(self, client, login, labelled):  # noqa: F811
        from huifang.reports.tests.test_dashboard import data_of

        login("manager")
        data = data_of(client.get(f"/reports/dashboard/?{NOV}"))
        words = data["labels"]
        assert {words["reasons"][code] for code in data["failure_reasons"]} >= {"无人接听", "停机"}
        assert words["departments"]["MED-W1"] == "心血管内科病区"
        assert words["dimensions"]["education"] == "健康宣教"
