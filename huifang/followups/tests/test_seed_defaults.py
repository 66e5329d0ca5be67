"""The outcome table and default plans seeded by migration 0002 (the test DB is migrated)."""

import importlib

import pytest
from django.apps import apps

from huifang.followups.models import Outcome, Plan, Touchpoint
from huifang.patients.models import AbnormalFinding, Encounter

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("huifang.followups.migrations.0002_seed_defaults")
repeats_migration = importlib.import_module(
    "huifang.followups.migrations.0011_health_check_repeats_until_recheck"
)

# code: category, success, retry minutes, next window, next phone, ends task,
# patient effect, note required
EXPECTED_OUTCOMES = {
    "reached_patient": ("reached", True, None, False, False, True, "", False),
    "reached_family": ("reached", True, None, False, False, True, "", False),
    "not_convenient": ("reached", False, None, False, False, False, "", False),
    "no_answer": ("not_reached", False, 120, True, False, False, "", False),
    "busy": ("not_reached", False, 30, False, False, False, "", False),
    "switched_off": ("not_reached", False, 0, True, False, False, "", False),
    "number_suspended": ("final", False, None, False, True, False, "number_suspended", False),
    "number_invalid": ("final", False, None, False, True, False, "number_invalid", False),
    "no_phone": ("final", False, None, False, False, True, "", False),
    "refused": ("final", False, None, False, False, True, "", True),
    "scam_hangup": ("not_reached", False, 1440, True, False, False, "", False),
    "communication_barrier": ("final", False, None, False, True, False, "", True),
    "deceased": ("final", False, None, False, False, True, "deceased", True),
    "readmitted": ("final", False, None, False, False, True, "readmitted", False),
    "transferred": ("final", False, None, False, False, True, "transferred", False),
}

# Recorded by the web-survey sender, never chosen by an agent (migration 0013).
SURVEY_OUTCOMES = ("survey_sent", "survey_completed")


def seeded_outcomes():
    """The outcomes of migration 0002: the agents' outcome table."""
    return Outcome.objects.exclude(code__in=SURVEY_OUTCOMES)


# plan code: priority, encounter kinds, tags, touchpoints
# touchpoint: code, anchor, offset, window, channel, condition, questionnaire
# (the calls' questionnaires are named by surveys' migration 0003), repeat
# every, repeat max
EXPECTED_PLANS = {
    "inpatient-discharge": (
        0,
        ["inpatient"],
        [],
        [
            ("first-call", "discharge", 3, 4, "phone", "", "inpatient-discharge", None, 0),
            ("satisfaction", "discharge", 15, 10, "web", "", "inpatient-satisfaction", None, 0),
            (
                "targeted-call",
                "discharge",
                30,
                5,
                "phone",
                "chronic_or_surgical",
                "inpatient-discharge",
                None,
                0,
            ),
        ],
    ),
    "outpatient-surgery": (
        0,
        ["day_surgery"],
        [],
        [("first-call", "procedure", 1, 5, "phone", "", "surgery", None, 0)],
    ),
    "maternity-newborn": (
        0,
        ["maternity", "newborn"],
        [],
        [("first-call", "discharge", 3, 4, "phone", "", "maternity-newborn", None, 0)],
    ),
    "specialist-first-visit": (
        10,
        ["outpatient"],
        ["初诊"],
        [("first-call", "visit", 7, 3, "phone", "", "outpatient", None, 0)],
    ),
    "general-first-visit": (
        5,
        ["outpatient"],
        ["初诊"],
        [("first-call", "visit", 10, 3, "phone", "", "outpatient", None, 0)],
    ),
    "health-check-abnormal": (
        0,
        ["health_check"],
        list(AbnormalFinding.Kind.values),
        # Every 30 days with no maximum: until a re-check (0011 lifted 0002's 6).
        [("abnormal-call", "visit", 1, 5, "phone", "", "health-check-recheck", 30, 0)],
    ),
}

PLACEHOLDERS = {
    "patient_title": "王阿姨",
    "patient_name": "王秀兰",
    "hospital": "第一人民医院",
    "agent": "小李",
    "department": "心内科",
    "discharge_date": "11月10日",
}


def outcome_rules(outcome: Outcome) -> tuple:
    return (
        outcome.category,
        outcome.counts_as_success,
        outcome.retry_after_minutes,
        outcome.next_window,
        outcome.try_next_phone,
        outcome.ends_task,
        outcome.patient_effect,
        outcome.note_required,
    )


def plan_shape(plan: Plan) -> tuple:
    touchpoints = [
        (
            tp.code,
            tp.anchor,
            tp.offset_days,
            tp.window_days,
            tp.channel,
            tp.condition,
            tp.questionnaire_code,
            tp.repeat_every_days,
            tp.repeat_max,
        )
        for tp in plan.touchpoints.order_by("position")
    ]
    return (plan.priority, plan.encounter_kinds, plan.tags, touchpoints)


def test_it_seeds_the_fifteen_outcomes_with_their_rules():
    seeded = {outcome.code: outcome_rules(outcome) for outcome in seeded_outcomes()}

    assert seeded == EXPECTED_OUTCOMES


def test_the_web_survey_outcomes_are_never_offered_to_agents():
    sent, completed = (Outcome.objects.get(code=code) for code in SURVEY_OUTCOMES)
    assert (sent.category, sent.counts_as_success, sent.is_active) == ("not_reached", False, False)
    assert (completed.category, completed.counts_as_success) == ("reached", True)
    assert not completed.is_active and not sent.shortcut


def test_the_outcomes_have_both_labels_and_keys_one_to_nine_zero_then_letters():
    outcomes = list(seeded_outcomes().order_by("sort_order"))

    assert [o.shortcut for o in outcomes] == list("1234567890abcde")
    assert [o.code for o in outcomes][:3] == ["reached_patient", "reached_family", "not_convenient"]
    labels = {o.code: (o.label_zh, o.label_en) for o in outcomes}
    assert labels["number_invalid"][0] == "空号/错号"
    assert labels["communication_barrier"][0] == "沟通障碍（听力/语言/方言）"
    assert all(zh and en for zh, en in labels.values())
    assert all(o.is_active for o in outcomes)


def test_it_seeds_the_six_default_plans_with_their_touchpoints():
    seeded = {plan.code: plan_shape(plan) for plan in Plan.objects.all()}

    assert seeded == EXPECTED_PLANS
    assert all(plan.is_active for plan in Plan.objects.all())
    assert Touchpoint.objects.filter(max_attempts=3).count() == 8


def test_the_plans_cover_the_encounter_kinds_the_documents_follow_up():
    covered = {kind for plan in Plan.objects.all() for kind in plan.encounter_kinds}

    assert covered == set(Encounter.Kind.values) - {"emergency"}


def test_the_overlapping_first_visit_plans_explain_how_departments_decide():
    specialist = Plan.objects.get(code="specialist-first-visit")
    general = Plan.objects.get(code="general-first-visit")

    assert specialist.priority > general.priority
    for plan in (specialist, general):
        assert "科室" in plan.description
        assert "管理员" in plan.description
        assert not plan.departments.exists()


def test_every_script_fills_in_with_the_known_placeholders():
    for touchpoint in Touchpoint.objects.select_related("plan"):
        assert touchpoint.script, touchpoint
        text = touchpoint.script.format(**PLACEHOLDERS)
        assert "{" not in text and "}" not in text, touchpoint
        assert PLACEHOLDERS["hospital"] in text, touchpoint


def test_every_phone_script_asks_whether_now_is_convenient_and_gives_no_diagnosis():
    phone_touchpoints = Touchpoint.objects.filter(channel="phone")
    assert phone_touchpoints.count() == 7

    for touchpoint in phone_touchpoints:
        text = touchpoint.script.format(**PLACEHOLDERS)
        assert "现在方便" in text, touchpoint
        assert "没办法替医生判断" in text, touchpoint
        assert "{agent}" in touchpoint.script, touchpoint


def test_running_the_seed_again_updates_by_code_without_duplicates():
    Outcome.objects.filter(code="busy").update(retry_after_minutes=5, label_zh="改过")
    Touchpoint.objects.filter(plan__code="inpatient-discharge", code="first-call").update(
        offset_days=9
    )

    seed_migration.seed(apps, None)
    seed_migration.seed(apps, None)

    assert seeded_outcomes().count() == 15
    assert Plan.objects.count() == 6
    assert Touchpoint.objects.count() == 8
    busy = Outcome.objects.get(code="busy")
    assert (busy.retry_after_minutes, busy.label_zh) == (30, "占线")
    first_call = Touchpoint.objects.get(plan__code="inpatient-discharge", code="first-call")
    assert first_call.offset_days == 3


def test_reversing_the_seed_removes_only_its_own_codes():
    Outcome.objects.create(
        code="voicemail", label_zh="已留言", label_en="Left a voicemail", category="not_reached"
    )
    Plan.objects.create(code="campaign-insurance", name="保险回访")

    seed_migration.unseed(apps, None)

    assert list(seeded_outcomes().values_list("code", flat=True)) == ["voicemail"]
    assert list(Plan.objects.values_list("code", flat=True)) == ["campaign-insurance"]
    assert not Touchpoint.objects.exists()


def test_the_health_check_calls_repeat_until_a_re_check_unless_an_administrator_chose_a_maximum():
    plan = Plan.objects.get(code="health-check-abnormal")
    assert "最多" not in plan.description
    assert "直至有复查就诊记录" in plan.description
    touchpoint = plan.touchpoints.get(code="abnormal-call")

    # As 0002 left it: the seeded maximum is lifted.
    Touchpoint.objects.filter(pk=touchpoint.pk).update(repeat_max=6)
    repeats_migration.forwards(apps, None)
    touchpoint.refresh_from_db()
    assert touchpoint.repeat_max == 0

    # An administrator's own choice stays.
    Touchpoint.objects.filter(pk=touchpoint.pk).update(repeat_max=3)
    Plan.objects.filter(pk=plan.pk).update(description="院内自定")
    repeats_migration.forwards(apps, None)
    touchpoint.refresh_from_db()
    plan.refresh_from_db()
    assert (touchpoint.repeat_max, plan.description) == (3, "院内自定")
