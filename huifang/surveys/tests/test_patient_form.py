"""The patient's form at /s/<token>: no sign-in, one use, expiry, nothing but the questions."""

import datetime

import pytest
import time_machine

from huifang.surveys import services
from huifang.surveys.models import Dispatch, Response
from huifang.testing.factories import DiagnosisFactory

GOOD = {"q-overall": "5", "q-nurses": "4", "q-recommend": "9"}


@pytest.fixture
def link(questionnaire, personas, patient_medicine):
    dispatch, url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire,
        patient=patient_medicine,
        channel="sms",
    )
    return dispatch, url


def test_it_shows_the_form_without_sign_in_and_marks_it_opened(client, link, patient_medicine):
    dispatch, url = link
    DiagnosisFactory(encounter=patient_medicine.encounters.first(), name="恶性肿瘤", code="C50.9")

    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "尊敬的张先生，您好！" in html
    assert "示范人民医院" in html
    assert "病区满意度小调查" in html
    assert 'name="q-overall"' in html
    for secret in ("张三丰", "13812345678", "5678", "原发性高血压", "恶性肿瘤", "200001"):
        assert secret not in html
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.OPENED


def test_it_greets_a_woman_as_nüshi(client, questionnaire, personas, patient_medicine):
    patient_medicine.sex = "F"
    patient_medicine.name = "欧阳娜娜"
    patient_medicine.save()
    _dispatch, url = services.dispatch_create(
        actor=personas["agent"], questionnaire=questionnaire, patient=patient_medicine, channel="qr"
    )
    assert "尊敬的欧阳女士，您好！" in client.get(url).content.decode()


def test_it_stores_the_answers_once_and_thanks(client, link):
    dispatch, url = link

    first = client.post(url, GOOD)
    second = client.post(url, GOOD)

    assert first.status_code == 302 and first["Location"].endswith("?sent=1")
    assert second.status_code == 302
    assert Response.objects.filter(dispatch=dispatch).count() == 1
    thanks = client.get(first["Location"]).content.decode()
    assert "感谢" in thanks or "谢谢" in thanks
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.COMPLETED
    response = Response.objects.get()
    assert response.recorded_by is None and response.channel == "sms"


def test_it_says_already_submitted_on_a_second_visit(client, link):
    _dispatch, url = link
    client.post(url, GOOD)

    page = client.get(url)

    assert page.status_code == 200
    assert "已经提交" in page.content.decode()
    assert 'name="q-overall"' not in page.content.decode()


def test_it_shows_what_is_missing_and_keeps_the_answers(client, link):
    _dispatch, url = link

    page = client.post(url, {"q-overall": "2", "q-nurses": "4"})

    html = page.content.decode()
    assert page.status_code == 400
    assert "请回答这个问题" in html
    assert 'value="2" checked' in html
    assert not Response.objects.exists()


def test_it_refuses_an_expired_link_with_a_clear_page(client, link):
    dispatch, url = link
    with time_machine.travel(dispatch.expires_at + datetime.timedelta(hours=1)):
        page = client.get(url)
        posted = client.post(url, GOOD)

    assert page.status_code == 410
    assert "链接已过期" in page.content.decode()
    assert posted.status_code == 410
    assert not Response.objects.exists()
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.EXPIRED


def test_it_honours_the_link_days_setting(questionnaire, personas, patient_medicine, settings):
    settings.HUIFANG_SURVEY_LINK_DAYS = 3
    dispatch, _url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire,
        patient=patient_medicine,
        channel="sms",
    )
    assert dispatch.expires_at - dispatch.sent_at == datetime.timedelta(days=3)


def test_it_answers_a_made_up_token_with_not_found(client, db):
    page = client.get("/s/AAAAAAAAAAAAAAAAAAAAAA")
    assert page.status_code == 404
    assert "链接无效" in page.content.decode()


def test_it_hides_agent_only_questions_from_the_patient(client, personas, patient_medicine):
    from huifang.surveys.selectors import questionnaire_active

    q = questionnaire_active("inpatient-discharge")
    _dispatch, url = services.dispatch_create(
        actor=personas["agent"], questionnaire=q, patient=patient_medicine, channel="sms"
    )
    html = client.get(url).content.decode()
    assert 'name="q-recovery"' in html
    assert 'name="q-answered-by"' not in html


def test_it_speaks_english_to_a_patient_who_chose_it(client, link, settings):
    _dispatch, url = link
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert "Dear Mr 张, hello!" in html
    assert "Very satisfied" in html and "非常满意" not in html


def test_it_keeps_staff_pages_behind_sign_in(client, db):
    page = client.get("/surveys/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_it_runs_the_expiry_job(questionnaire, personas, patient_medicine):
    from huifang.surveys.tasks import expire_links

    dispatch, _url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire,
        patient=patient_medicine,
        channel="sms",
    )
    with time_machine.travel(dispatch.expires_at + datetime.timedelta(minutes=5)):
        expire_links.call_local()
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.EXPIRED
