"""Two outcomes for web-survey touchpoints, recorded by the system, never chosen by an agent.

A web survey is a follow-up made by message: its link going out is the
attempt (``survey_sent``, not reached) and the patient's answer is the
success (``survey_completed``, reached). Kept inactive so the workbench
never offers them; the reports count them as any other attempt
(docs/metrics.md, "Web surveys").
"""

from django.db import migrations

OUTCOMES = [
    # code, label_zh, label_en, category, counts as success, sort order
    ("survey_sent", "网上问卷已发送，未答复", "Web survey sent, not answered", "not_reached", False, 900),
    ("survey_completed", "网上问卷已答复", "Web survey answered", "reached", True, 910),
]


def forwards(apps, schema_editor):
    Outcome = apps.get_model("followups", "Outcome")
    for code, label_zh, label_en, category, success, order in OUTCOMES:
        Outcome.objects.update_or_create(
            code=code,
            defaults={
                "label_zh": label_zh,
                "label_en": label_en,
                "category": category,
                "counts_as_success": success,
                "ends_task": True,
                "is_active": False,
                "shortcut": "",
                "sort_order": order,
            },
        )


def backwards(apps, schema_editor):
    Outcome = apps.get_model("followups", "Outcome")
    ContactAttempt = apps.get_model("followups", "ContactAttempt")
    codes = [row[0] for row in OUTCOMES]
    if not ContactAttempt.objects.filter(outcome__code__in=codes).exists():
        Outcome.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("followups", "0012_passed_touchpoints")]

    operations = [migrations.RunPython(forwards, backwards)]
