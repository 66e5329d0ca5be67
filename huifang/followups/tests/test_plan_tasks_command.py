"""``huifang plan-tasks``: an operator plans a back-fill's tasks, or the nightly pass, by hand."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from huifang.followups.models import FollowUpTask, PassedTouchpoint
from huifang.followups.services import generation
from huifang.testing.factories import EncounterFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def _stays(count, *, source="his", discharged=date(2026, 11, 10)):
    stays = []
    for n in range(count):
        patient = PhoneFactory(status="valid", is_primary=True).patient
        day = discharged + timedelta(days=n)
        stays.append(
            EncounterFactory(
                patient=patient,
                source_system=source,
                admitted_on=day - timedelta(days=5),
                discharged_on=day,
            )
        )
    _forget()  # whatever saving them planned: the command plans now
    return stays


def _forget():
    FollowUpTask.objects.all().delete()
    PassedTouchpoint.objects.all().delete()


def _run(*args):
    out = io.StringIO()
    call_command("plan-tasks", *args, stdout=out)
    return out.getvalue()


def _tasks():
    """Tasks and passed records (as status ``window_passed``), sorted."""
    fields = ("encounter_id", "touchpoint_id", "sequence")
    passed = [
        (*key, "window_passed", due_from, slot)
        for *key, due_from, slot in PassedTouchpoint.objects.values_list(
            *fields, "due_from", "first_slot"
        )
    ]
    tasks = FollowUpTask.objects.values_list(*fields, "status", "due_from", "first_slot")
    return sorted([*tasks, *passed])


def _planned_encounters():
    return {row[0] for row in _tasks()}


def test_all_plans_every_encounter_as_the_service_does_and_again_changes_nothing():
    stays = _stays(4)
    report = json.loads(_run("--all", "--json"))
    planned = _tasks()
    assert report["encounters"] == len(stays)
    assert report["created"] == len(planned) > 0
    assert {task[0] for task in planned} == {stay.pk for stay in stays}
    assert report["window_passed"] == PassedTouchpoint.objects.count() > 0
    assert not FollowUpTask.objects.filter(status="window_passed").exists()

    again = json.loads(_run("--all", "--json"))
    assert again["created"] == 0
    assert again["unchanged"] == len(planned)
    assert _tasks() == planned

    _forget()
    generation.tasks_generate_for_encounters([stay.pk for stay in stays])
    assert _tasks() == planned


def test_source_and_since_choose_the_encounters():
    old_his = _stays(2, discharged=date(2026, 6, 1))
    new_his = _stays(2, discharged=date(2026, 11, 20))
    other = _stays(2, source="clinic-b", discharged=date(2026, 11, 20))
    _forget()

    report = json.loads(_run("--all", "--source", "clinic-b", "--json"))
    assert report["encounters"] == 2
    assert _planned_encounters() == {stay.pk for stay in other}

    report = json.loads(_run("--all", "--since", "2026-11-01", "--json"))
    assert report["encounters"] == 4
    planned = _planned_encounters()
    assert planned == {stay.pk for stay in new_his + other}
    assert not planned & {stay.pk for stay in old_his}


def test_the_text_report_says_what_was_planned_in_chinese():
    _stays(2)
    text = _run("--all")
    created = len(_tasks())
    assert text.startswith("规划了 2 个就诊：")
    assert f"新建任务 {created}" in text


def test_nightly_plans_recent_encounters_never_planned():
    stays = _stays(2, discharged=date.today() - timedelta(days=20))
    long_ago = _stays(
        1, discharged=date.today() - timedelta(days=generation.NIGHTLY_LOOKBACK_DAYS + 30)
    )
    _forget()
    report = json.loads(_run("--nightly", "--json"))
    assert report["encounters"] == 2
    planned = _planned_encounters()
    assert planned == {stay.pk for stay in stays}
    assert long_ago[0].pk not in planned


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--since", "2026-13-01"], "is not a date; write it as YYYY-MM-DD"),
        (["--nightly", "--source", "his"], "--source and --since go with --all"),
        ([], "one of the arguments --all --nightly is required"),
    ],
)
def test_bad_options_are_refused_with_a_reason(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not FollowUpTask.objects.exists()
