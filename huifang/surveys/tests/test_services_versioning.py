"""Versions, responses, flags and the signal, voiding, dispatches."""

import datetime

import pytest
import time_machine

from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry
from huifang.surveys import selectors, services
from huifang.surveys.models import Dispatch, Questionnaire, Response
from huifang.surveys.signals import response_recorded

GOOD = {"overall": "5", "nurses": "4", "recommend": "10"}


def test_it_edits_an_active_questionnaire_in_a_new_version(questionnaire, personas):
    manager = personas["manager"]
    item = questionnaire.items.get(code="overall")
    saved = services.item_save(
        actor=manager,
        questionnaire=questionnaire,
        item=item,
        data={
            "code": "overall",
            "kind": "satisfaction5",
            "text": "总的来说您满意吗？",
            "required": True,
        },
    )
    draft = saved.questionnaire
    assert draft.version == 2
    assert draft.status == Questionnaire.Status.DRAFT
    questionnaire.refresh_from_db()
    assert questionnaire.status == Questionnaire.Status.ACTIVE
    assert questionnaire.items.get(code="overall").text == "您对这次住院满意吗？"
    # A second edit goes to the same draft, not a third version.
    services.questionnaire_update(actor=manager, questionnaire=questionnaire, title="新标题")
    assert Questionnaire.objects.filter(code=questionnaire.code).count() == 2


def test_it_keeps_the_version_a_response_answered(questionnaire, personas, patient_medicine):
    response = services.response_record(
        actor=personas["agent"],
        questionnaire=questionnaire,
        answers=GOOD,
        channel="phone",
        patient=patient_medicine,
    )
    draft = services.questionnaire_draft(actor=personas["manager"], questionnaire=questionnaire)
    services.questionnaire_publish(actor=personas["manager"], questionnaire=draft)

    response.refresh_from_db()
    questionnaire.refresh_from_db()
    assert response.questionnaire.version == 1
    assert questionnaire.status == Questionnaire.Status.RETIRED
    assert selectors.questionnaire_active(questionnaire.code).version == 2


def test_it_refuses_to_edit_for_an_agent(questionnaire, personas):
    with pytest.raises(ApplicationError) as caught:
        services.questionnaire_draft(actor=personas["agent"], questionnaire=questionnaire)
    assert caught.value.status == 403


def test_it_refuses_to_publish_an_empty_draft(personas):
    q = services.questionnaire_create(actor=personas["manager"], code="empty", title="空问卷")
    with pytest.raises(ApplicationError) as caught:
        services.questionnaire_publish(actor=personas["manager"], questionnaire=q)
    assert caught.value.code == "questionnaire_empty"


def test_it_stores_answers_and_flags_and_sends_the_signal(
    questionnaire, personas, patient_medicine
):
    received = []

    def receiver(sender, response, flagged, **kwargs):
        received.append((response, [a.item.code for a in flagged]))

    response_recorded.connect(receiver)
    try:
        response = services.response_record(
            actor=personas["agent"],
            questionnaire=questionnaire,
            answers={"overall": "2", "nurses": "3", "why": "护士态度差", "pain": "yes"},
            channel="phone",
            patient=patient_medicine,
        )
    finally:
        response_recorded.disconnect(receiver)
    answers = {a.item.code: a for a in response.answers.all()}
    assert answers["overall"].value == 2 and answers["overall"].opens_feedback
    assert answers["why"].opens_feedback
    assert answers["pain"].red_flag and not answers["pain"].opens_feedback
    assert received == [(response, ["overall", "why", "pain"])]
    assert AuditEntry.objects.filter(target_id=str(response.pk), action="create").exists()


def test_it_rolls_the_response_back_when_a_receiver_fails(
    questionnaire, personas, patient_medicine
):
    def receiver(sender, **kwargs):
        raise RuntimeError("feedback app down")

    response_recorded.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            services.response_record(
                actor=personas["agent"],
                questionnaire=questionnaire,
                answers=GOOD,
                channel="phone",
                patient=patient_medicine,
            )
    finally:
        response_recorded.disconnect(receiver)
    assert not Response.objects.exists()


def test_it_reports_every_bad_answer_by_question(questionnaire, personas, patient_medicine):
    with pytest.raises(ApplicationError) as caught:
        services.response_record(
            actor=personas["agent"],
            questionnaire=questionnaire,
            answers={"overall": "9", "recommend": "x"},
            channel="phone",
            patient=patient_medicine,
        )
    assert caught.value.code == "invalid_answers"
    assert set(caught.value.details["items"]) == {"overall", "nurses", "recommend"}
    assert not Response.objects.exists()


def test_it_refuses_a_patient_out_of_the_agents_scope(questionnaire, personas, patient_surgery):
    with pytest.raises(ApplicationError) as caught:
        services.response_record(
            actor=personas["agent"],
            questionnaire=questionnaire,
            answers=GOOD,
            channel="phone",
            patient=patient_surgery,
        )
    assert caught.value.status == 404


def test_it_leaves_a_voided_response_out_of_every_score(questionnaire, personas, patient_medicine):
    agent, quality = personas["agent"], personas["quality"]
    kept = services.response_record(
        actor=agent,
        questionnaire=questionnaire,
        answers={"overall": "4", "nurses": "4", "recommend": "9"},
        channel="phone",
        patient=patient_medicine,
    )
    voided = services.response_record(
        actor=agent,
        questionnaire=questionnaire,
        answers={"overall": "1", "nurses": "4", "why": "重复录入", "recommend": "0"},
        channel="phone",
        patient=patient_medicine,
    )
    services.response_void(actor=quality, response=voided, reason="同一患者重复录入")

    scores = selectors.questionnaire_scores(user=quality, code=questionnaire.code)
    items = {i.code: i for i in scores.items}
    assert scores.responses == 1 and scores.voided == 1
    assert items["overall"].score == 75.0
    assert items["overall"].satisfaction_rate == 100.0
    assert items["recommend"].nps == 100.0
    voided.refresh_from_db()
    assert voided.void_reason == "同一患者重复录入" and voided.voided_by == quality
    assert Response.objects.filter(pk=kept.pk, voided_at__isnull=True).exists()
    audit = AuditEntry.objects.get(target_id=str(voided.pk), action="update")
    assert audit.changes["void_reason"] == "同一患者重复录入"


def test_it_needs_a_reason_and_the_right_role_to_void(questionnaire, personas, patient_medicine):
    response = services.response_record(
        actor=personas["agent"],
        questionnaire=questionnaire,
        answers=GOOD,
        channel="phone",
        patient=patient_medicine,
    )
    with pytest.raises(ApplicationError) as caught:
        services.response_void(actor=personas["quality"], response=response, reason="  ")
    assert caught.value.code == "reason_required"
    with pytest.raises(ApplicationError) as caught:
        services.response_void(actor=personas["agent"], response=response, reason="错了")
    assert caught.value.status == 403


def test_it_creates_a_link_dispatch_storing_only_a_hash(questionnaire, personas, patient_medicine):
    with time_machine.travel(datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.UTC)):
        dispatch, url = services.dispatch_create(
            actor=personas["agent"],
            questionnaire=questionnaire,
            patient=patient_medicine,
            channel="sms",
        )
    token = url.removeprefix("/s/")
    assert len(token) == 22
    assert len(url) < 40  # fits in an SMS beside the host name
    assert token not in dispatch.token_hash
    assert selectors.dispatch_for_token(token) == dispatch
    assert dispatch.expires_at == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.UTC)
    assert dispatch.status == Dispatch.Status.SENT


def test_it_gives_a_phone_dispatch_no_link(questionnaire, personas, patient_medicine):
    dispatch, url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire,
        patient=patient_medicine,
        channel="phone",
    )
    assert url is None and dispatch.token_hash is None


def test_it_sends_no_link_to_a_deceased_or_opted_out_patient(
    questionnaire, personas, patient_medicine
):
    patient_medicine.do_not_contact = ["sms"]
    patient_medicine.save()
    with pytest.raises(ApplicationError) as caught:
        services.dispatch_create(
            actor=personas["agent"],
            questionnaire=questionnaire,
            patient=patient_medicine,
            channel="sms",
        )
    assert caught.value.code == "patient_opted_out"
    patient_medicine.deceased_on = datetime.date(2026, 11, 12)
    patient_medicine.save()
    with pytest.raises(ApplicationError) as caught:
        services.dispatch_create(
            actor=personas["agent"],
            questionnaire=questionnaire,
            patient=patient_medicine,
            channel="qr",
        )
    assert caught.value.code == "patient_deceased"


def test_it_counts_the_response_rate_from_the_ledger(questionnaire, personas, patient_medicine):
    agent = personas["agent"]
    dispatches = [
        services.dispatch_create(
            actor=agent, questionnaire=questionnaire, patient=patient_medicine, channel="sms"
        )[0]
        for _ in range(4)
    ]
    services.response_submit_link(dispatch=dispatches[0], answers=GOOD)
    services.dispatch_refuse(actor=agent, dispatch=dispatches[1])
    # Asked on the phone without a dispatch: the ledger gets a completed row.
    services.response_record(
        actor=agent,
        questionnaire=questionnaire,
        answers=GOOD,
        channel="phone",
        patient=patient_medicine,
    )

    scores = selectors.questionnaire_scores(user=personas["manager"], code=questionnaire.code)
    assert scores.dispatched == 5 and scores.completed == 2
    assert scores.response_rate == 40.0
    assert scores.by_status == {"completed": 2, "refused": 1, "sent": 2}


def test_it_expires_unanswered_links(questionnaire, personas, patient_medicine):
    dispatch, _url = services.dispatch_create(
        actor=personas["agent"],
        questionnaire=questionnaire,
        patient=patient_medicine,
        channel="sms",
    )
    later = dispatch.expires_at + datetime.timedelta(minutes=1)
    assert services.dispatch_expire_due(now=later) == 1
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.EXPIRED


def test_it_seeds_valid_builtin_questionnaires_with_the_plans_code(db):
    from huifang.followups.models import Touchpoint
    from huifang.surveys.services import _validate_item_data

    builtin = Questionnaire.objects.filter(is_builtin=True, status="active")
    assert builtin.count() == 8
    for code in Touchpoint.objects.exclude(questionnaire_code="").values_list(
        "questionnaire_code", flat=True
    ):
        assert selectors.questionnaire_active(code) is not None
    for questionnaire in builtin:
        for item in questionnaire.items.all():
            data = {name: getattr(item, name) for name in services.ITEM_FIELDS}
            assert _validate_item_data(questionnaire, data, item)["condition"] == item.condition
    hcahps = Questionnaire.objects.get(code="inpatient-hcahps")
    assert set(hcahps.items.filter(kind="rating10").values_list("code", flat=True)) == {
        "overall-rating",
        "recommend",
    }
