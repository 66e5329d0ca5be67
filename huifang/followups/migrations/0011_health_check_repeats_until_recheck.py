"""The seeded health-check plan repeats its call monthly until a re-check, with no maximum.

0002 seeded ``repeat_max = 6`` (and said "最多6次" in the description),
while the rule is "repeat monthly until a re-check encounter exists".
Only the seeded values are changed: a plan whose touchpoint an
administrator gave another interval or maximum, or whose description was
rewritten, keeps what the administrator chose. The plan's version is not
bumped: no open task's dates change, only whether later repeats follow.
"""

from django.db import migrations

PLAN = "health-check-abnormal"
TOUCHPOINT = "abnormal-call"
SEEDED_DESCRIPTION = (
    "体检有任一异常结果（标签中任意一项）时，7天内电话随访，此后每30天一次，"
    "直至有复查就诊记录，最多6次。"
)
DESCRIPTION = (
    "体检有任一异常结果（标签中任意一项）时，7天内电话随访，此后每30天一次，"
    "直至有复查就诊记录。"
)


def forwards(apps, schema_editor):
    Plan = apps.get_model("followups", "Plan")
    Touchpoint = apps.get_model("followups", "Touchpoint")
    Touchpoint.objects.filter(
        plan__code=PLAN, code=TOUCHPOINT, repeat_every_days=30, repeat_max=6
    ).update(repeat_max=0)
    Plan.objects.filter(code=PLAN, description=SEEDED_DESCRIPTION).update(description=DESCRIPTION)


def backwards(apps, schema_editor):
    Plan = apps.get_model("followups", "Plan")
    Touchpoint = apps.get_model("followups", "Touchpoint")
    Touchpoint.objects.filter(
        plan__code=PLAN, code=TOUCHPOINT, repeat_every_days=30, repeat_max=0
    ).update(repeat_max=6)
    Plan.objects.filter(code=PLAN, description=DESCRIPTION).update(description=SEEDED_DESCRIPTION)


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0010_task_patient_no_constraint"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
