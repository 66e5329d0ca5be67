"""Personas shared by every test: one user per role, and two departments.

- ``agent`` (回访员) and ``head_medicine``/``doctor`` belong to 内科 (medicine);
- ``head_surgery`` belongs to 外科 (surgery): the cross-department denial;
- ``manager``, ``quality`` and ``admin`` see every department;
- ``nobody`` has signed in but holds no role.

``patient_medicine`` was discharged from a 内科 ward, ``patient_surgery`` from
外科; each has a mobile and a family landline.
"""

import datetime
import os
import shutil

import pytest
from django.db import connections

from huifang.accounts import roles
from huifang.accounts.models import Department
from huifang.accounts.services import department_create, user_create
from huifang.patients.services import phone_add
from huifang.testing.factories import DiagnosisFactory, EncounterFactory, PatientFactory

PASSWORD = "correct horse battery staple"  # noqa: S105  (test persona)

PERSONAS = {
    "agent": ([roles.AGENT], ["MED"]),
    "doctor": ([roles.CLINICIAN], ["MED"]),
    "head_medicine": ([roles.DEPARTMENT_HEAD], ["MED"]),
    "head_surgery": ([roles.DEPARTMENT_HEAD], ["SUR"]),
    "manager": ([roles.SERVICE_MANAGER], []),
    "quality": ([roles.QUALITY_OFFICE], []),
    "admin": ([roles.ADMINISTRATOR], []),
    "nobody": ([], ["MED"]),
}


@pytest.fixture
def departments(db):
    campus = department_create(code="HQ", name="本院区", kind=Department.Kind.CAMPUS)
    medicine = department_create(
        code="MED", name="内科", kind=Department.Kind.DEPARTMENT, parent=campus
    )
    medicine_ward = department_create(
        code="MED-W1", name="心血管内科病区", kind=Department.Kind.WARD, parent=medicine
    )
    surgery = department_create(
        code="SUR", name="外科", kind=Department.Kind.DEPARTMENT, parent=campus
    )
    surgery_ward = department_create(
        code="SUR-W1", name="普外科病区", kind=Department.Kind.WARD, parent=surgery
    )
    return {
        "campus": campus,
        "medicine": medicine,
        "medicine_ward": medicine_ward,
        "surgery": surgery,
        "surgery_ward": surgery_ward,
    }


@pytest.fixture
def personas(departments):
    by_code = {d.code: d for d in departments.values()}
    return {
        username: user_create(
            username=username,
            password=PASSWORD,
            display_name=username,
            roles=role_names,
            departments=[by_code[code] for code in codes],
        )
        for username, (role_names, codes) in PERSONAS.items()
    }


def _patient(name, record_number, ward, mobile, landline):
    patient = PatientFactory(name=name, record_number=record_number)
    phone_add(actor=None, patient=patient, raw_number=mobile, is_primary=True)
    phone_add(actor=None, patient=patient, raw_number=landline, owner="family", relation="配偶")
    encounter = EncounterFactory(
        patient=patient,
        department=ward,
        number=f"ZY{record_number}",
        admitted_on=datetime.date(2026, 11, 1),
        discharged_on=datetime.date(2026, 11, 10),
    )
    DiagnosisFactory(encounter=encounter)
    return patient


@pytest.fixture
def patient_medicine(departments):
    return _patient("张三丰", "200001", departments["medicine_ward"], "13812345678", "010-62345678")


@pytest.fixture
def patient_surgery(departments):
    return _patient("李秀英", "200002", departments["surgery_ward"], "13987654321", "021-63456789")


@pytest.fixture
def login(client, personas):
    """``login("agent")`` signs the test client in as that persona."""

    def _login(username):
        client.force_login(personas[username])
        return personas[username]

    return _login


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The working calendar caches the holiday table per process; tests roll the table back."""
    from huifang.core import calendar

    calendar.clear_caches()
    yield
    calendar.clear_caches()


CHROMIUM = os.environ.get("HUIFANG_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def browser(django_db_serialized_rollback):
    """Debian's Chromium driven by Playwright; fails instead of skipping under CI.

    Browser tests talk to a live server, so their database is not rolled
    back but flushed. With serialized rollback the migrations' data (roles,
    outcomes, default plans) comes back for the next such test, and the
    flush does not re-run post-migrate hooks that would recreate the roles
    under new ids.
    """
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        if os.environ.get("HUIFANG_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail(f"Chromium is required for browser tests and missing at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes between page actions are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield chromium
            chromium.close()
            # While Playwright's loop runs in this thread, Django keeps this
            # thread's connections apart (asgiref's Local sees a running loop),
            # so the test's own queries opened another connection: close it
            # here, or it outlives the test and the test database cannot be
            # dropped at the end of the run.
            connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _browser_page(browser, width, height):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A desktop page at the agents' smallest screen, 1366×768."""
    context, desktop = _browser_page(browser, 1366, 768)
    yield desktop
    context.close()


@pytest.fixture
def phone_page(browser):
    """A page on a 390×844 phone viewport, as patients open survey links."""
    context, phone = _browser_page(browser, 390, 844)
    yield phone
    context.close()


@pytest.fixture
def sign_in():
    """``sign_in(page, live_server, "agent")`` signs in through the login form."""

    def _sign_in(page, live_server, username, password=None):
        page.goto(f"{live_server.url}/")
        assert "/accounts/login/" in page.url
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password or PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

    return _sign_in
