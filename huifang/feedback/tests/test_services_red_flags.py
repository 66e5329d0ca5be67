"""A clinical red flag goes to the attending doctor by name and is closed by a clinical disposition."""

from datetime import timedelta

import pytest

from huifang.core.errors import ApplicationError, PermissionDenied
from huifang.feedback import services
from huifang.feedback.models import Case, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(personas):
    """The clinician persona is the encounter's attending doctor, 王医生."""
    user = personas["doctor"]
    user.display_name = "王医生"
    user.save(update_fields=["display_name"])
    return user


@pytest.fixture
def red_flag(personas, patient_medicine, doctor):
    return services.case_create(
        actor=personas["agent"],
        kind=Case.Kind.ESCALATION,
        source=Case.Source.AGENT,
        description="出院后第三天伤口红肿、发热38.6℃",
        encounter=patient_medicine.encounters.first(),
    )


def test_it_goes_to_the_attending_doctor_by_name_and_the_head_sees_it(red_flag, doctor):
    assert red_flag.assigned_to == doctor
    kinds = dict(
        Notification.objects.filter(case=red_flag).values_list("recipient__username", "kind")
    )
    assert kinds == {"doctor": "red_flag", "head_medicine": "red_flag"}
    assert "王医生" in red_flag.events.get(action="assigned").note


def test_without_a_clinician_of_that_name_it_still_reaches_the_head(personas, patient_medicine):
    case = services.case_create(
        actor=personas["agent"],
        kind=Case.Kind.ESCALATION,
        source=Case.Source.AGENT,
        description="胸闷气短",
        encounter=patient_medicine.encounters.first(),
    )

    assert case.assigned_to is None
    assert list(
        Notification.objects.filter(case=case).values_list("recipient__username", flat=True)
    ) == ["head_medicine"]


def test_the_doctor_records_the_disposition_and_that_closes_it(red_flag, doctor):
    seen_at = red_flag.created_at + timedelta(hours=2)

    case = services.case_dispose(
        actor=doctor,
        case=red_flag,
        disposition=Case.Disposition.SEEN,
        note="患者下午来院，门诊换药并开具抗生素",
        done_by="王医生",
        done_on=seen_at,
        now=seen_at + timedelta(hours=1),
    )

    assert case.status == Case.Status.CLOSED
    assert (case.disposition, case.disposed_by_name, case.disposed_on) == (
        "seen",
        "王医生",
        seen_at,
    )
    assert case.answered_by == doctor
    event = case.events.last()
    assert (event.action, event.data["disposition"]) == ("disposed", "seen")


def test_a_red_flag_is_not_answered_with_the_complaint_form(red_flag, personas):
    with pytest.raises(ApplicationError) as error:
        services.case_answer(
            actor=personas["head_medicine"],
            case=red_flag,
            reply="已处理",
            cause="-",
            rectification="-",
        )

    assert error.value.code == "wrong_kind"


def test_the_disposition_needs_what_was_done_and_no_future_time(red_flag, doctor):
    with pytest.raises(ApplicationError) as error:
        services.case_dispose(actor=doctor, case=red_flag, disposition="seen", note=" ")
    assert error.value.code == "note_required"

    with pytest.raises(ApplicationError) as error:
        services.case_dispose(
            actor=doctor,
            case=red_flag,
            disposition="seen",
            note="已就诊",
            done_on=red_flag.created_at + timedelta(days=3),
            now=red_flag.created_at,
        )
    assert error.value.code == "done_in_future"
    red_flag.refresh_from_db()
    assert red_flag.status == Case.Status.WITH_DEPARTMENT


def test_a_doctor_of_another_department_may_not_dispose(red_flag, personas, departments):
    from huifang.accounts import roles
    from huifang.accounts.services import user_create

    other = user_create(
        username="surgeon",
        password="x-Long-enough-1",
        display_name="外科医生",
        roles=[roles.CLINICIAN],
        departments=[departments["surgery"]],
    )

    with pytest.raises(PermissionDenied):
        services.case_dispose(actor=other, case=red_flag, disposition="seen", note="已就诊")
