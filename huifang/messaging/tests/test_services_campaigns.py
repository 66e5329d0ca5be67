import datetime

import pytest

from huifang.core.errors import Conflict, PermissionDenied
from huifang.messaging.models import Campaign, Message, OptOut
from huifang.messaging.selectors import Cohort, campaign_report, cohort_patients
from huifang.messaging.services.campaigns import (
    campaign_create,
    campaign_pause,
    campaign_preview,
    campaign_resume,
    campaign_start,
)
from huifang.messaging.services.optouts import optout_record
from huifang.messaging.services.sending import messages_send_due
from huifang.patients.models import AbnormalFinding
from huifang.patients.services import patient_update
from huifang.testing.factories import (
    DiagnosisFactory,
    EncounterFactory,
    PatientFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db


class TestCohort:
    def test_it_narrows_by_department_including_wards(self, patient_medicine, patient_surgery):
        assert list(cohort_patients(Cohort(departments=["MED"]))) == [patient_medicine]

    def test_it_narrows_by_diagnosis_prefix_kind_and_dates(
        self, departments, patient_medicine, patient_surgery
    ):
        DiagnosisFactory(encounter=patient_surgery.encounters.get(), code="K80.2", name="胆囊结石")
        assert list(cohort_patients(Cohort(diagnosis_prefix="k80"))) == [patient_surgery]
        assert not cohort_patients(Cohort(encounter_kinds=["outpatient"])).exists()
        in_range = Cohort(date_from=datetime.date(2026, 11, 1), date_to=datetime.date(2026, 11, 30))
        assert cohort_patients(in_range).count() == 2
        assert not cohort_patients(Cohort(date_from=datetime.date(2026, 12, 1))).exists()

    def test_it_narrows_by_age(self, morning, departments):
        young = PatientFactory(birth_date=datetime.date(2000, 1, 1))
        old = PatientFactory(birth_date=datetime.date(1940, 1, 1))
        for patient in (young, old):
            EncounterFactory(patient=patient, department=departments["medicine"])
        assert list(cohort_patients(Cohort(age_min=60))) == [old]
        assert list(cohort_patients(Cohort(age_max=30))) == [young]

    def test_it_narrows_by_abnormal_finding(self, patient_medicine, patient_surgery):
        AbnormalFinding.objects.create(
            encounter=patient_medicine.encounters.get(), kind="glucose", description="空腹血糖偏高"
        )
        assert list(cohort_patients(Cohort(tags=["glucose"]))) == [patient_medicine]

    def test_it_round_trips_through_json(self):
        cohort = Cohort(departments=["MED"], date_from=datetime.date(2026, 1, 1), age_min=18)
        assert Cohort.from_dict(cohort.as_dict()) == cohort


@pytest.fixture
def cohort_of_five(departments, patient_medicine):
    """Five patients of 内科: one fine, one deceased, one opted out, one without a mobile,
    plus patient_medicine (fine)."""
    ward = departments["medicine_ward"]
    patients = {}
    for name in ("fine", "deceased", "opted_out", "no_number"):
        patient = PatientFactory()
        EncounterFactory(patient=patient, department=ward)
        if name != "no_number":
            PhoneFactory(patient=patient)
        patients[name] = patient
    patient_update(actor=None, patient=patients["deceased"], deceased_on=datetime.date(2026, 11, 1))
    optout_record(actor=None, patient=patients["opted_out"], channel="sms", category="greeting")
    patients["medicine"] = patient_medicine
    return patients


class TestCampaign:
    def test_it_sends_once_to_each_eligible_patient_and_reports_the_others(
        self, personas, morning, gateway, greeting, cohort_of_five
    ):
        manager = personas["manager"]
        campaign = campaign_create(
            actor=manager, name="元旦问候", template=greeting, cohort=Cohort(departments=["MED"])
        )
        campaign = campaign_start(actor=manager, campaign=campaign)
        assert campaign.recipients == 5
        assert campaign.status == Campaign.Status.RUNNING
        messages_send_due(channel="sms")
        messages_send_due(channel="sms")  # nothing left: nobody twice
        report = campaign_report(user=manager, campaign=campaign)
        assert report.by_status == {"sent": 2, "skipped": 3}
        assert report.skipped_by_reason == {"deceased": 1, "opted_out": 1, "no_number": 1}
        assert len(gateway.accepted) == 2 and gateway.duplicates == 0
        assert all(p["text"].endswith("回复TD退订") for p in gateway.accepted.values())
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.FINISHED
        assert report.percent == 100

    def test_it_cannot_be_started_twice(self, personas, morning, outbox, greeting, cohort_of_five):
        manager = personas["manager"]
        campaign = campaign_create(actor=manager, name="x", template=greeting, cohort=Cohort())
        campaign_start(actor=manager, campaign=campaign)
        with pytest.raises(Conflict):
            campaign_start(actor=manager, campaign=campaign)
        assert Message.objects.count() == 5

    def test_pause_holds_its_messages_and_resume_releases_them(
        self, personas, morning, outbox, greeting, cohort_of_five
    ):
        manager = personas["manager"]
        campaign = campaign_create(actor=manager, name="x", template=greeting, cohort=Cohort())
        campaign = campaign_start(actor=manager, campaign=campaign)
        campaign = campaign_pause(actor=manager, campaign=campaign)
        assert messages_send_due(channel="sms").get("sent", 0) == 0
        campaign_resume(actor=manager, campaign=campaign)
        assert messages_send_due(channel="sms")["sent"] == 2

    def test_it_waits_for_its_scheduled_time(
        self, personas, morning, outbox, greeting, cohort_of_five
    ):
        manager = personas["manager"]
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
        campaign = campaign_create(
            actor=manager, name="x", template=greeting, cohort=Cohort(), scheduled_at=later
        )
        campaign = campaign_start(actor=manager, campaign=campaign)
        assert campaign.status == Campaign.Status.SCHEDULED
        assert messages_send_due(channel="sms").get("sent", 0) == 0
        morning.shift(datetime.timedelta(days=1))
        assert messages_send_due(channel="sms")["sent"] == 2

    def test_preview_counts_and_shows_sample_texts(self, personas, greeting, cohort_of_five):
        preview = campaign_preview(
            user=personas["manager"], template=greeting, cohort=Cohort(departments=["MED"])
        )
        assert (preview.cohort, preview.recipients) == (5, 2)
        assert preview.skipped == {"deceased": 1, "opted_out": 1, "no_number": 1}
        assert len(preview.samples) == 2  # only those who would receive it
        text = preview.samples[0].text
        assert text.startswith("【示范人民医院】") and text.endswith("回复TD退订")

    @pytest.mark.parametrize("who", ["agent", "head_medicine", "quality"])
    def test_only_managers_run_campaigns(self, personas, greeting, who):
        with pytest.raises(PermissionDenied):
            campaign_create(actor=personas[who], name="x", template=greeting, cohort=Cohort())


class TestStaffOptOut:
    def test_refusing_every_category_marks_the_patient_and_cancels_sms_tasks(
        self, personas, patient_medicine
    ):
        from huifang.testing.factories import make_task, make_touchpoint

        task = make_task(patient_medicine, touchpoint=make_touchpoint(code="sms", channel="sms"))
        optout_record(actor=personas["agent"], patient=patient_medicine, channel="sms")
        patient_medicine.refresh_from_db()
        assert "sms" in patient_medicine.do_not_contact
        task.refresh_from_db()
        assert task.status == "cancelled"
        assert OptOut.objects.get().created_by == personas["agent"]

    def test_a_role_without_the_permission_cannot_record_one(self, personas, patient_medicine):
        with pytest.raises(PermissionDenied):
            optout_record(actor=personas["doctor"], patient=patient_medicine, channel="sms")


class TestEducationByDiagnosis:
    def test_it_names_the_diagnosis_but_never_a_sensitive_one(
        self, personas, morning, gateway, departments, patient_medicine, patient_surgery
    ):
        from huifang.messaging.services.templates import template_save

        DiagnosisFactory(
            encounter=patient_surgery.encounters.get(),
            code="C18.7",
            name="结肠恶性肿瘤",
            is_primary=True,
        )
        template = template_save(
            actor=personas["manager"],
            code="edu-dx",
            name="按诊断宣教",
            channel="sms",
            category="education",
            body="{patient}您好，{department}提醒：{diagnosis}患者请注意饮食。",
        )
        campaign = campaign_create(
            actor=personas["manager"], name="宣教", template=template, cohort=Cohort()
        )
        campaign_start(actor=personas["manager"], campaign=campaign)
        messages_send_due(channel="sms")
        report = campaign_report(user=personas["manager"], campaign=campaign)
        assert report.by_status == {"sent": 1, "skipped": 1}
        assert report.skipped_by_reason == {"sensitive": 1}
        (sent,) = gateway.accepted.values()
        assert "心血管内科病区提醒：原发性高血压患者" in sent["text"]
        assert all("肿瘤" not in p["text"] for p in gateway.accepted.values())


class TestLastContact:
    def test_it_leaves_out_patients_texted_or_called_lately(
        self, personas, morning, outbox, greeting, patient_medicine, patient_surgery
    ):
        from django.utils import timezone

        from huifang.followups.models import ContactAttempt, Outcome
        from huifang.messaging.services.sending import message_enqueue
        from huifang.testing.factories import make_task

        recent = Cohort(no_contact_days=30)
        assert cohort_patients(recent).count() == 2
        message_enqueue(key="x", patient=patient_medicine, template=greeting)
        messages_send_due(channel="sms")
        ContactAttempt.objects.create(
            task=make_task(patient_surgery),
            outcome=Outcome.objects.get(code="reached_patient"),
            agent=personas["agent"],
            at=timezone.now(),
        )
        assert not cohort_patients(recent).exists()
        morning.shift(datetime.timedelta(days=31))
        assert cohort_patients(recent).count() == 2
