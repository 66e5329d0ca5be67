"""The English switch: messages and pages follow the chosen language."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import translation

from huifang.core.errors import ApplicationError
from huifang.core.templatetags.huifang import age_text
from huifang.patients.services import patient_update, phone_reveal


def _nav_label(html: str, key: str) -> str:
    match = re.search(rf'data-nav="{key}">([^<]*)</a>', html)
    assert match, f"no navigation item {key!r}"
    return match.group(1)


def _reveal_refusal(personas, patient) -> ApplicationError:
    phone = patient.phones.get(owner="self")
    with pytest.raises(ApplicationError) as caught:
        phone_reveal(actor=personas["quality"], phone=phone)
    return caught.value


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Your role may not see the full phone number"),
        ("zh-hans", "您的角色无权查看完整电话号码"),
    ],
)
def test_a_service_refusal_is_in_the_active_language(personas, patient_medicine, language, message):
    with translation.override(language):
        error = _reveal_refusal(personas, patient_medicine)

        assert error.message == message
        assert error.as_dict()["message"] == message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Cannot change these fields: record_numbr, uuid"),
        ("zh-hans", "不能修改这些字段：record_numbr, uuid"),
    ],
)
def test_a_message_with_values_keeps_them_in_either_language(patient_medicine, language, message):
    with translation.override(language), pytest.raises(ApplicationError) as caught:
        patient_update(actor=None, patient=patient_medicine, uuid="x", record_numbr="1")

    assert str(caught.value.message) == message


def test_a_page_is_in_english_with_the_language_cookie(client, login):
    login("agent")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/").content.decode()

    assert _nav_label(html, "patients") == "Patients"
    assert "Next task" in html
    # Plan names are the hospital's data and stay Chinese; the interface does not.
    assert "工作台" not in html
    assert "下一个任务" not in html


def test_a_page_is_in_chinese_by_default(client, login):
    login("agent")

    html = client.get("/").content.decode()

    assert _nav_label(html, "patients") == "患者"


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Follow-up plans"), ("zh-hans", "随访计划")],
)
def test_a_coming_soon_title_uses_the_navigation_wording_in_english(client, login, language, title):
    login("agent")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get("/coming/plans/").content.decode()

    assert f'<h1 class="h4 mb-3">{title}</h1>' in html


@pytest.mark.parametrize(
    ("birth", "english", "chinese"),
    [
        (datetime.date(2026, 11, 9), "1 day", "1天"),
        (datetime.date(2026, 11, 1), "9 days", "9天"),
        (datetime.date(2026, 9, 10), "2 months", "2月"),
        (datetime.date(2025, 11, 10), "1 year", "1岁"),
        (datetime.date(1981, 5, 3), "45 years", "45岁"),
    ],
)
def test_ages_are_pluralised_in_english_and_unchanged_in_chinese(birth, english, chinese):
    on = datetime.date(2026, 11, 10)
    with translation.override("en"):
        assert age_text(birth, on) == english
    with translation.override("zh-hans"):
        assert age_text(birth, on) == chinese


@pytest.mark.parametrize(
    ("language", "badge"),
    [("en", "Do not contact by SMS"), ("zh-hans", "禁止联系方式 短信")],
)
def test_do_not_contact_shows_the_channel_by_name(client, login, patient_medicine, language, badge):
    patient_medicine.do_not_contact = ["sms"]
    patient_medicine.save(update_fields=["do_not_contact"])
    login("agent")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(f"/patients/{patient_medicine.uuid}/").content.decode()

    assert f'<span class="badge text-bg-warning">{badge}</span>' in html
