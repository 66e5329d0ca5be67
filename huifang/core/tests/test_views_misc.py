"""Health check, system page, coming-soon pages, navigation, workbench and error pages."""

import re

import pytest

from huifang.core.models import AuditEntry
from huifang.core.services import job_run_finish, job_run_start

EVERYONE = ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin"]
HTMX = {"HX-Request": "true", "HX-Target": "main"}


def _nav(html):
    return set(re.findall(r'data-nav="([a-z]+)"', html))


def test_it_answers_the_health_check_without_signing_in(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_answers_the_health_check_only_to_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_it_shows_the_system_page_to_the_administrator(client, login):
    login("admin")
    run = job_run_start(name="nightly_housekeeping")
    job_run_finish(run=run, summary={"sessions": 3})

    response = client.get("/system/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "sqlite" in html or "postgresql" in html
    assert "nightly_housekeeping" in html
    assert "sessions=3" in html
    assert 'data-testid="worker-status"><span class="text-success">' in html


def test_it_warns_the_administrator_when_no_job_succeeded(client, login):
    login("admin")
    run = job_run_start(name="nightly_housekeeping")
    job_run_finish(run=run, error="database is locked")

    html = client.get("/system/").content.decode()

    assert 'data-testid="worker-status"><span class="text-danger">' in html
    assert "database is locked" in html


@pytest.mark.parametrize(
    "username", ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "nobody"]
)
def test_it_refuses_the_system_page_to_everyone_else(client, login, username):
    login(username)
    job_run_start(name="nightly_housekeeping")

    response = client.get("/system/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "仅系统管理员可查看后台任务" in html
    assert "nightly_housekeeping" not in html


def test_it_sends_anonymous_visitors_of_the_system_page_to_login(client, db):
    response = client.get("/system/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/system/"


@pytest.mark.parametrize(
    ("section", "title"),
    [
        ("plans", "随访计划"),
        ("feedback", "投诉建议"),
        ("reports", "统计报表"),
    ],
)
def test_it_shows_the_coming_soon_pages(client, login, section, title):
    login("agent")

    response = client.get(f"/coming/{section}/")

    assert response.status_code == 200
    assert f'<h1 class="h4 mb-3">{title}</h1>' in response.content.decode()


def test_it_has_no_coming_soon_page_for_an_unknown_section(client, login):
    login("agent")

    assert client.get("/coming/payroll/").status_code == 404


def test_it_sends_anonymous_visitors_of_a_coming_soon_page_to_login(client, db):
    response = client.get("/coming/plans/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("username", "audit", "system"),
    [
        ("agent", False, False),
        ("doctor", False, False),
        ("head_medicine", False, False),
        ("head_surgery", False, False),
        ("manager", True, False),
        ("quality", True, False),
        ("admin", True, True),
        ("nobody", False, False),
    ],
)
def test_it_shows_audit_and_system_links_only_to_those_who_may_open_them(
    client, login, username, audit, system
):
    login(username)

    html = client.get("/").content.decode()

    nav = _nav(html)
    assert "home" in nav
    assert ("audit" in nav) is audit
    assert ('href="/audit/"' in html) is audit
    assert ("system" in nav) is system
    assert ('href="/system/"' in html) is system


@pytest.mark.parametrize(("username", "shown"), [*[(u, True) for u in EVERYONE], ("nobody", False)])
def test_it_shows_the_patients_link_only_to_roles_that_may_view_patients(
    client, login, username, shown
):
    login(username)

    nav = _nav(client.get("/").content.decode())

    assert ("patients" in nav) is shown


def test_it_marks_the_current_section_in_the_navigation(client, login):
    login("manager")

    html = client.get("/audit/").content.decode()

    assert re.search(r'aria-current="page"\s+href="/audit/" data-nav="audit"', html)


@pytest.mark.parametrize(
    ("username", "count"), [("agent", "1"), ("head_surgery", "1"), ("manager", "2"), ("admin", "2")]
)
def test_it_counts_the_patients_in_scope_on_the_workbench(
    client, login, patient_medicine, patient_surgery, username, count
):
    login(username)

    response = client.get("/")

    assert response.status_code == 200
    assert f'data-testid="count-patients">{count}<' in response.content.decode()


def test_it_shows_a_user_without_a_role_an_empty_workbench(client, login, patient_medicine):
    login("nobody")

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="count-patients"' not in html
    assert 'data-testid="current-user">nobody<' in html


def test_it_sends_anonymous_visitors_of_the_workbench_to_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_it_shows_an_application_error_as_a_page_with_its_message(client, login, patient_surgery):
    login("agent")

    response = client.get(f"/patients/{patient_surgery.uuid}/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<html" in html
    assert 'data-error-code="not_found"' in html
    assert "找不到该患者，或您无权查看" in html
    assert 'data-nav="patients"' in html  # the user can go on from the page


def test_it_shows_an_application_error_as_a_fragment_to_htmx(client, login, patient_surgery):
    login("agent")

    response = client.get(f"/patients/{patient_surgery.uuid}/", headers=HTMX)

    assert response.status_code == 404
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-error-code="not_found"' in html
    assert "找不到该患者，或您无权查看" in html


@pytest.mark.parametrize("signed_in", [True, False])
def test_it_shows_a_chinese_capable_page_for_a_wrong_address(client, login, signed_in):
    if signed_in:
        login("agent")

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode("utf-8")
    assert '<html lang="zh-hans">' in html
    assert '<meta charset="utf-8">' in html
    assert "示范人民医院" in html  # Chinese text comes through intact
    assert 'href="/"' in html


def test_it_answers_a_wrong_patient_address_with_404(client, login):
    login("agent")

    response = client.get("/patients/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


def test_it_switches_the_interface_language(client, login):
    login("agent")

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_it_tags_each_response_and_its_audit_entries_with_a_request_id(
    client, login, patient_medicine
):
    login("agent")

    response = client.get(
        f"/patients/{patient_medicine.uuid}/", headers={"X-Request-Id": "abc-123"}
    )

    assert response["X-Request-Id"] == "abc-123"
    assert AuditEntry.objects.get(action="view").request_id == "abc-123"


def test_it_gives_a_request_an_id_when_it_brings_none(client, login, patient_medicine):
    login("agent")

    response = client.get(f"/patients/{patient_medicine.uuid}/", REMOTE_ADDR="10.1.2.3")

    entry = AuditEntry.objects.get(action="view")
    assert len(response["X-Request-Id"]) == 36
    assert entry.request_id == response["X-Request-Id"]
    assert entry.ip_address == "10.1.2.3"


def test_it_lets_the_administrator_into_django_admin(client, login):
    login("admin")

    assert client.get("/admin/").status_code == 200


def test_it_keeps_other_roles_out_of_django_admin(client, login):
    login("manager")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_ignores_a_forwarded_address_unless_told_to_trust_it(client, login, patient_medicine):
    login("agent")

    client.get(
        f"/patients/{patient_medicine.uuid}/",
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )

    assert AuditEntry.objects.get(action="view").ip_address == "10.1.2.3"


def test_it_records_the_address_the_proxy_saw_not_one_the_client_made_up(
    client, login, patient_medicine, settings
):
    settings.HUIFANG_TRUST_X_FORWARDED_FOR = True
    login("agent")

    client.get(
        f"/patients/{patient_medicine.uuid}/",
        REMOTE_ADDR="10.0.0.254",  # the proxy
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",  # forged by the client, added by the proxy
    )

    assert AuditEntry.objects.get(action="view").ip_address == "203.0.113.7"


@pytest.mark.parametrize("username", [None, "agent", "admin"])
def test_it_serves_a_favicon_to_every_page(client, login, username):
    from django.contrib.staticfiles import finders

    if username:
        login(username)
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("huifang/favicon.ico")
    path = finders.find("huifang/favicon.ico")
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_point_at_the_favicon(client, login):
    login("agent")
    assert 'rel="icon"' in client.get("/").content.decode()
