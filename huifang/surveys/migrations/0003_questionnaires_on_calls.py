"""The default plans' phone calls ask the built-in questionnaires on the workbench.

Only a touchpoint with no questionnaire of its own is given one, so an
administrator's choice stays; reversing clears exactly these when unchanged.
"""

from django.db import migrations

# (plan code, touchpoint code) → questionnaire code
ON_CALLS = {
    ("inpatient-discharge", "first-call"): "inpatient-discharge",
    ("inpatient-discharge", "targeted-call"): "inpatient-discharge",
    ("outpatient-surgery", "first-call"): "surgery",
    ("maternity-newborn", "first-call"): "maternity-newborn",
    ("specialist-first-visit", "first-call"): "outpatient",
    ("general-first-visit", "first-call"): "outpatient",
    ("health-check-abnormal", "abnormal-call"): "health-check-recheck",
}


def name_questionnaires(apps, schema_editor):
    Touchpoint = apps.get_model("followups", "Touchpoint")
    for (plan, code), questionnaire in ON_CALLS.items():
        Touchpoint.objects.filter(plan__code=plan, code=code, questionnaire_code="").update(
            questionnaire_code=questionnaire
        )


def clear_questionnaires(apps, schema_editor):
    Touchpoint = apps.get_model("followups", "Touchpoint")
    for (plan, code), questionnaire in ON_CALLS.items():
        Touchpoint.objects.filter(
            plan__code=plan, code=code, questionnaire_code=questionnaire
        ).update(questionnaire_code="")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_builtin_questionnaires"),
        ("followups", "0005_task_queue_index"),
    ]

    operations = [migrations.RunPython(name_questionnaires, clear_questionnaires)]
