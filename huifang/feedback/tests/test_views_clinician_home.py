"""The clinicians' start page: their red flags and the callbacks assigned to them, not a worklist."""

import pytest

from huifang.feedback import services
from huifang.feedback.models import Case
from huifang.followups.adhoc_plans import DOCTOR_PLAN, adhoc_touchpoint_ensure
from huifang.followups.models import FollowUpTask
from huifang.testing.factories import EncounterFactory, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(personas):
    user = personas["doctor"]
    user.display_name = "王医生"  # the attending doctor of the personas' encounters
    user.save(update_fields=["display_name"])
    return user


def red_flag(personas, encounter, text):
    return services.case_create(
        actor=personas["agent"],
        kind=Case.Kind.ESCALATION,
        source=Case.Source.AGENT,
        description=text,
        encounter=encounter,
    )


def test_a_clinician_starts_on_their_red_flags_and_callbacks(
    client, login, personas, doctor, patient_medicine, departments
):
    other_doctors = EncounterFactory(
        department=departments["medicine_ward"], attending_doctor="李医生"
    )
    red_flag(personas, other_doctors, "同科室其他医生的患者：头晕")
    mine = red_flag(personas, patient_medicine.encounters.first(), "伤口红肿发热")
    callback = make_task(patient_medicine, touchpoint=adhoc_touchpoint_ensure(DOCTOR_PLAN))
    FollowUpTask.objects.filter(pk=callback.pk).update(assigned_to=doctor)
    make_task(patient_medicine)  # the agents' queue, not assigned to the doctor
    login("doctor")

    html = client.get("/").content.decode()

    assert 'data-testid="clinician-red-flags"' in html
    assert html.count('data-testid="red-flag-row"') == 2
    # Sent to the doctor by name: first, and marked.
    first = html.index('data-testid="red-flag-row"')
    assert html.index("伤口红肿发热") > first
    assert html.index("伤口红肿发热") < html.index("头晕")
    assert html.count('data-testid="red-flag-mine"') == 1
    assert f"/feedback/{mine.uuid}/" in html
    assert html.count('data-testid="callback-row"') == 1
    # The plan and its one step share the name 医生回电: said once.
    assert "医生回电" in html and "医生回电 · 医生回电" not in html
    assert f"/followups/tasks/{callback.uuid}/" in html
    assert 'data-testid="worklist' not in html


def test_a_disposed_red_flag_leaves_the_page(client, login, personas, doctor, patient_medicine):
    case = red_flag(personas, patient_medicine.encounters.first(), "伤口红肿发热")
    services.case_dispose(actor=doctor, case=case, disposition="advised_visit", note="建议今日来院")
    login("doctor")

    html = client.get("/").content.decode()

    assert 'data-testid="red-flag-row"' not in html
    assert 'data-testid="red-flags-none"' in html


def test_a_clinician_of_another_department_does_not_see_them(
    client, login, personas, patient_medicine, departments
):
    from huifang.accounts import roles
    from huifang.accounts.services import user_create

    red_flag(personas, patient_medicine.encounters.first(), "伤口红肿发热")
    surgeon = user_create(
        username="surgeon",
        password="x-Long-enough-1",
        display_name="王医生",
        roles=[roles.CLINICIAN],
        departments=[departments["surgery"]],
    )
    client.force_login(surgeon)

    html = client.get("/").content.decode()

    assert 'data-testid="red-flag-row"' not in html


@pytest.mark.parametrize("username", ["agent", "head_medicine", "manager"])
def test_other_roles_keep_their_own_start_page(client, login, username):
    login(username)

    html = client.get("/").content.decode()

    assert 'data-testid="clinician-red-flags"' not in html


def test_the_page_keeps_to_a_query_budget(
    client, login, personas, doctor, departments, patient_medicine, django_assert_max_num_queries
):
    for n in range(20):
        red_flag(
            personas,
            EncounterFactory(department=departments["medicine_ward"], attending_doctor="王医生"),
            f"发热{n}",
        )
        task = make_task(patient_medicine, touchpoint=adhoc_touchpoint_ensure(DOCTOR_PLAN))
        # A doctor's callbacks are numbered in sequence on the encounter.
        FollowUpTask.objects.filter(pk=task.pk).update(assigned_to=doctor, sequence=n + 100)
    login("doctor")

    with django_assert_max_num_queries(14):
        html = client.get("/").content.decode()

    assert html.count('data-testid="red-flag-row"') == 20
    assert html.count('data-testid="callback-row"') == 20
