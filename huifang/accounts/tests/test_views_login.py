"""Signing in and out: audit entries, the lock after wrong passwords, session lifetime."""

import datetime
import zoneinfo

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session

from huifang.core.models import AuditEntry

PASSWORD = "correct horse battery staple"  # every persona's, see conftest.py
URL = "/accounts/login/"
ADDRESS = "10.0.0.1"
MORNING = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def _sign_in(client, username="agent", password=PASSWORD, address=ADDRESS, **extra):
    return client.post(
        URL, {"username": username, "password": password, **extra}, REMOTE_ADDR=address
    )


def _signed_in(client):
    return client.get("/").status_code == 200


def test_it_shows_the_login_page_to_anonymous_visitors(client, db):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password" type="password"' in html
    assert "示范人民医院" in html
    assert 'data-nav="' not in html


def test_it_signs_in_with_the_right_password_and_goes_to_the_workbench(client, personas):
    response = _sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert 'data-testid="current-user">agent<' in home.content.decode()


def test_it_goes_back_to_the_page_asked_for_after_signing_in(client, personas):
    response = _sign_in(client, next="/patients/")

    assert response.status_code == 302
    assert response["Location"] == "/patients/"


def test_it_does_not_follow_a_next_address_on_another_site(client, personas):
    response = _sign_in(client, next="https://evil.example/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_sends_a_signed_in_user_from_the_login_page_to_the_workbench(client, login):
    login("agent")

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_records_a_sign_in_in_the_audit_log(client, personas):
    _sign_in(client)

    entry = AuditEntry.objects.get(action="login")
    assert entry.actor == personas["agent"]
    assert entry.ip_address == ADDRESS
    assert entry.via == "web"


def test_it_refuses_a_wrong_password_with_a_message(client, personas):
    response = _sign_in(client, password="not the password")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'value="agent"' in html  # the user name stays filled in
    assert not _signed_in(client)


def test_it_records_a_failed_sign_in_without_the_password(client, personas):
    _sign_in(client, password="not the password")

    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor is None
    assert entry.target_repr == "agent"
    assert entry.ip_address == ADDRESS
    assert "not the password" not in str(entry.changes)
    assert not AuditEntry.objects.filter(action="login").exists()


def test_it_refuses_an_unknown_user_name(client, personas):
    response = _sign_in(client, username="stranger")

    assert response.status_code == 200
    assert not _signed_in(client)
    assert AuditEntry.objects.get(action="login_failed").target_repr == "stranger"


def test_it_locks_the_login_after_five_wrong_passwords(client, personas):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert _sign_in(client, password="wrong password").status_code == 200
    _sign_in(client, password="wrong password")

    response = _sign_in(client)  # the sixth attempt, with the right password

    assert response.status_code in (403, 429)
    html = response.content.decode()
    assert 'data-testid="locked-out"' in html
    assert 'name="password"' not in html
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(action="login_failed").count() == 6
    assert not AuditEntry.objects.filter(action="login").exists()


def test_it_locks_one_user_name_from_one_address_only(client, personas):
    for _ in range(5):
        _sign_in(client, password="wrong password")

    assert _sign_in(client, username="doctor").status_code == 302
    client.post("/accounts/logout/")
    assert _sign_in(client, address="10.0.0.2").status_code == 302


def test_it_unlocks_after_the_cool_off_period(client, personas):
    assert settings.AXES_COOLOFF_TIME == 0.25  # hours
    with time_machine.travel(MORNING, tick=False) as traveller:
        for _ in range(5):
            _sign_in(client, password="wrong password")
        traveller.shift(datetime.timedelta(minutes=16))

        response = _sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_keeps_the_lock_while_someone_keeps_trying(client, personas):
    with time_machine.travel(MORNING, tick=False) as traveller:
        for _ in range(5):
            _sign_in(client, password="wrong password")
        traveller.shift(datetime.timedelta(minutes=14))
        assert _sign_in(client).status_code in (403, 429)
        traveller.shift(datetime.timedelta(minutes=14))
        assert _sign_in(client).status_code in (403, 429)  # 28 minutes after the fifth
        traveller.shift(datetime.timedelta(minutes=16))

        response = _sign_in(client)

    assert response.status_code == 302


def test_it_locks_one_computer_only_behind_a_proxy(client, personas, settings):
    settings.HUIFANG_TRUST_X_FORWARDED_FOR = True
    proxy = "10.0.0.254"
    for _ in range(5):
        client.post(
            URL,
            {"username": "agent", "password": "wrong password"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )

    response = client.post(
        URL,
        {"username": "agent", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )

    assert response.status_code == 302


def test_it_forgets_earlier_failures_after_a_good_sign_in(client, personas):
    for _ in range(4):
        _sign_in(client, password="wrong password")
    assert _sign_in(client).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        _sign_in(client, password="wrong password")

    assert _sign_in(client).status_code == 302


def test_it_signs_out_only_by_post(client, login):
    login("agent")

    assert client.get("/accounts/logout/").status_code == 405
    assert _signed_in(client)


def test_it_signs_out_and_ends_the_session(client, login):
    user = login("agent")
    session_key = client.session.session_key

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    assert AuditEntry.objects.get(action="logout").actor == user


def test_it_sets_a_session_cookie_that_ends_when_the_browser_closes(client, personas):
    response = _sign_in(client)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"] is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_it_ends_an_idle_session_after_two_hours(client, personas):
    assert settings.SESSION_COOKIE_AGE == 120 * 60
    with time_machine.travel(MORNING, tick=False) as traveller:
        _sign_in(client)
        traveller.shift(datetime.timedelta(minutes=119))
        assert _signed_in(client)
        traveller.shift(datetime.timedelta(minutes=121))

        response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/patients/"


def test_it_keeps_an_active_session_alive(client, personas):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    with time_machine.travel(MORNING, tick=False) as traveller:
        _sign_in(client)
        for _ in range(4):  # a request every 100 minutes: 6h40 in all
            traveller.shift(datetime.timedelta(minutes=100))
            assert _signed_in(client)


def test_it_refuses_a_disabled_account(client, personas):
    user = personas["agent"]
    user.is_active = False
    user.save()

    response = _sign_in(client)

    assert response.status_code == 200
    assert not _signed_in(client)
