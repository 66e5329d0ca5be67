"""Web-survey touchpoints: the link by SMS and e-mail, once, or a call instead."""

import json
import re

import pytest

from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.selectors.worklist import WorklistFilters, worklist
from huifang.messaging.models import EmailAddress, Message
from huifang.messaging.services import web_surveys
from huifang.messaging.services.optouts import optout_record
from huifang.messaging.services.sending import messages_send_due
from huifang.messaging.services.web_surveys import web_survey_tasks_send
from huifang.reports import metrics
from huifang.surveys import services as survey_services
from huifang.surveys.models import Dispatch
from huifang.surveys.selectors import questionnaire_active
from huifang.testing.factories import DiagnosisFactory, make_task, make_touchpoint

pytestmark = pytest.mark.django_db

Status = FollowUpTask.Status


def _web_task(patient):
    touchpoint = make_touchpoint(
        code="satisfaction", channel="web", questionnaire_code="inpatient-satisfaction"
    )
    return make_task(patient, touchpoint=touchpoint, phone=None)


def _send_all():
    summary = web_survey_tasks_send()
    for channel in ("sms", "email"):
        messages_send_due(channel=channel)
    return summary


def _link(body: str) -> str:
    return re.search(r"/s/[A-Za-z0-9_-]{22}", body).group(0)


def _answers():
    questionnaire = questionnaire_active("inpatient-satisfaction")
    answers = {}
    for item in questionnaire.items.all():
        if item.required and not item.agent_only:
            answers[item.code] = str(item.choices[-1][0]) if item.choices else "好"
    return answers


class TestSending:
    def test_it_texts_and_mails_the_link_and_records_the_dispatch(
        self, settings, morning, outbox, patient_medicine
    ):
        settings.HUIFANG_BASE_URL = "https://fw.hospital.example"
        EmailAddress.objects.create(patient=patient_medicine, address="zhang@example.com")
        task = _web_task(patient_medicine)

        assert _send_all() == {"queued": 1, "fallback": 0}

        sms = json.loads((outbox / f"task_{task.pk}.json").read_text())
        mail = json.loads((outbox.parent / "email" / f"task_{task.pk}_email.json").read_text())
        assert sms["to"] == "+8613812345678"
        assert "https://fw.hospital.example/s/" in sms["body"]
        assert mail["to"] == "zhang@example.com"
        assert _link(mail["body"]) == _link(sms["body"])  # one link, one answer
        dispatch = Dispatch.objects.get(task=task)
        assert dispatch.channel == "sms" and dispatch.status == Dispatch.Status.SENT
        task.refresh_from_db()
        assert task.status == Status.DONE
        assert list(task.attempts_made.values_list("outcome__code", flat=True)) == ["survey_sent"]

    def test_a_repeated_run_sends_nothing_twice(self, morning, outbox, patient_medicine):
        task = _web_task(patient_medicine)
        web_survey_tasks_send()
        assert web_survey_tasks_send() == {"queued": 0, "fallback": 0}
        messages_send_due(channel="sms")
        assert web_survey_tasks_send() == {"queued": 0, "fallback": 0}
        assert Message.objects.filter(task=task).count() == 1
        assert Dispatch.objects.filter(task=task).count() == 1

    def test_a_run_that_crashed_mid_task_leaves_nothing_and_resumes(
        self, morning, outbox, patient_medicine, monkeypatch
    ):
        task = _web_task(patient_medicine)
        real = web_surveys._context

        def crash(*args, **kwargs):
            raise RuntimeError("worker killed")

        monkeypatch.setattr(web_surveys, "_context", crash)
        with pytest.raises(RuntimeError):
            web_survey_tasks_send()
        assert not Dispatch.objects.filter(task=task).exists()
        monkeypatch.setattr(web_surveys, "_context", real)

        assert _send_all()["queued"] == 1
        assert Dispatch.objects.filter(task=task).count() == 1
        assert Message.objects.get(task=task).status == "sent"

    def test_only_email_when_the_patient_refused_sms(self, morning, outbox, patient_medicine):
        EmailAddress.objects.create(patient=patient_medicine, address="zhang@example.com")
        optout_record(actor=None, patient=patient_medicine, channel="sms", category="")
        task = _web_task(patient_medicine)

        _send_all()

        assert list(Message.objects.filter(task=task).values_list("channel", flat=True)) == [
            "email"
        ]
        assert Dispatch.objects.get(task=task).channel == "web"
        task.refresh_from_db()
        assert task.status == Status.DONE

    def test_a_sensitive_diagnosis_is_never_in_the_sms_mail_or_page(
        self, client, morning, outbox, patient_medicine
    ):
        DiagnosisFactory(
            encounter=patient_medicine.encounters.first(), name="乳腺恶性肿瘤", code="C50.9"
        )
        EmailAddress.objects.create(patient=patient_medicine, address="zhang@example.com")
        task = _web_task(patient_medicine)

        _send_all()

        bodies = [m.body + m.template.subject for m in Message.objects.filter(task=task)]
        assert len(bodies) == 2
        page = client.get(_link(bodies[0])).content.decode()
        for text in [*bodies, page]:
            assert "恶性肿瘤" not in text and "C50" not in text and "原发性高血压" not in text
        assert "尊敬的张先生，您好！" in page


class TestFallbackToCall:
    def test_no_mobile_and_no_email_makes_it_a_call_on_the_worklist(
        self, morning, outbox, personas, patient_medicine
    ):
        patient_medicine.phones.filter(owner="self").update(status="invalid")
        task = _web_task(patient_medicine)

        assert _send_all() == {"queued": 0, "fallback": 1}

        task.refresh_from_db()
        assert task.channel == "phone" and task.status == Status.PENDING
        assert task.phone.owner == "family"  # the landline that is left
        assert "改为电话回访" in task.reason["notes"][-1]
        assert task.max_attempts - task.attempts == 3  # the agent keeps every call
        listed = worklist(
            user=personas["agent"], now=morning_now(), group="overdue", filters=WorklistFilters()
        )
        assert task in list(listed)
        assert not Message.objects.filter(task=task).exists()
        assert not Dispatch.objects.filter(task=task).exists()

    def test_the_agent_asks_the_questionnaire_on_the_call(
        self, client, login, morning, outbox, patient_medicine
    ):
        patient_medicine.phones.filter(owner="self").update(status="invalid")
        task = _web_task(patient_medicine)
        _send_all()
        login("agent")
        page = client.get(f"/followups/tasks/{task.uuid}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = page.content.decode()
        assert page.status_code == 200
        assert "住院期间，医生认真听您说话吗？" in html  # the touchpoint's questionnaire
        assert "网上问卷未能通过短信或邮件发给这位患者" in html

    def test_messages_all_skipped_at_send_time_make_it_a_call(
        self, morning, outbox, patient_medicine
    ):
        task = _web_task(patient_medicine)
        web_survey_tasks_send()
        optout_record(actor=None, patient=patient_medicine, channel="sms", category="")

        messages_send_due(channel="sms")

        task.refresh_from_db()
        assert task.channel == "phone" and task.status == Status.PENDING
        assert Message.objects.get(task=task).status == "skipped"
        assert not Dispatch.objects.filter(task=task).exists()  # never reached the patient
        assert not ContactAttempt.objects.filter(task=task).exists()

    def test_a_deceased_patient_gets_neither(self, morning, outbox, patient_medicine):
        task = _web_task(patient_medicine)
        patient_medicine.deceased_on = patient_medicine.encounters.get().discharged_on
        patient_medicine.save()

        _send_all()

        task.refresh_from_db()
        assert task.status == Status.CANCELLED and task.closed_reason == "deceased"
        assert not Message.objects.filter(task=task).exists()


def morning_now():
    from django.utils import timezone

    return timezone.now()


class TestCounting:
    def test_sent_is_attempted_and_answered_is_reached(self, morning, outbox, patient_medicine):
        task = _web_task(patient_medicine)
        _send_all()
        tasks = FollowUpTask.objects.filter(pk=task.pk)

        sent = metrics.task_figures(tasks)
        assert (sent.due, sent.attempted, sent.reached) == (1, 1, 0)
        assert metrics.failure_reasons(tasks) == {"survey_sent": 1}

        dispatch = Dispatch.objects.get(task=task)
        survey_services.response_submit_link(dispatch=dispatch, answers=_answers())

        answered = metrics.task_figures(tasks)
        assert (answered.attempted, answered.reached) == (1, 1)
        assert metrics.failure_reasons(tasks) == {}
        assert survey_services.response_submit_link(
            dispatch=dispatch, answers=_answers()
        ).already_submitted
        assert task.attempts_made.filter(outcome__code="survey_completed").count() == 1

    def test_the_rollups_count_it_as_the_live_figures_do(self, morning, outbox, patient_medicine):
        import datetime

        from huifang.reports import rollups, selectors

        answered = _web_task(patient_medicine)
        other = make_touchpoint(
            code="satisfaction-2", channel="web", questionnaire_code="inpatient-satisfaction"
        )
        unanswered = make_task(patient_medicine, touchpoint=other, phone=None)
        _send_all()
        survey_services.response_submit_link(
            dispatch=Dispatch.objects.get(task=answered), answers=_answers()
        )
        assert unanswered.attempts_made.get().outcome.code == "survey_sent"
        # Reports read the rollups only for months that have ended.
        morning.move_to(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC))
        everyone = selectors.Scope(department_ids=None)
        nov1, nov30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
        live = selectors.figure_source(scope=everyone, date_from=nov1, date_to=nov30)
        assert not live.from_rollups
        live_figures, live_reasons = live.task_figures(), live.failure_reasons()
        rollups.rollups_rebuild(date_from=nov1, date_to=nov30)
        rolled = selectors.figure_source(scope=everyone, date_from=nov1, date_to=nov30)
        assert rolled.from_rollups
        assert rolled.task_figures() == live_figures
        assert (live_figures.due, live_figures.attempted, live_figures.reached) == (2, 2, 1)
        assert rolled.failure_reasons() == live_reasons == {"survey_sent": 1}
