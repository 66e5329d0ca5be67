"""The help page the reports point to for their definitions, instead of a repository path."""

import pytest

from huifang.reports.tests.test_pdf import NOV, pdf_text

EVERYONE = ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin"]


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_signed_in_user_may_read_the_definitions(client, login, persona):
    login(persona)
    response = client.get("/reports/definitions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "指标口径" in html
    assert "回访率" in html and "已回访 ÷ 应回访" in html
    assert "docs/" not in html


def test_anonymous_visitors_go_to_sign_in(client, db):
    response = client.get("/reports/definitions/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_summary_links_to_the_definitions_not_to_a_file(client, login, month):
    login("manager")
    html = client.get(f"/reports/{NOV}").content.decode()
    assert 'href="/reports/definitions/"' in html
    assert "docs/metrics.md" not in html


def test_the_pdf_names_the_help_page_not_a_file(client, login, month):
    login("manager")
    text = pdf_text(client.get(f"/reports/summary.pdf{NOV}").content)
    assert "docs/metrics.md" not in text
    assert "指标口径" in text
