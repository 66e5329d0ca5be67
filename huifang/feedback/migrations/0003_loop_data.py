"""Data for the closed loop.

- every existing case gets its lead department among ``departments`` and a
  "recorded" line on its timeline;
- the general deadline rule: 5 working days for one department, 10 for
  several (clinical escalations keep ``HUIFANG_ESCALATION_HOURS``).

The verification call's plan is created on first use
(``feedback.verification``), not here.
"""

from django.db import migrations


def forward(apps, schema_editor):
    Case = apps.get_model("feedback", "Case")
    CaseEvent = apps.get_model("feedback", "CaseEvent")
    DeadlineRule = apps.get_model("feedback", "DeadlineRule")

    for case in Case.objects.all().iterator():
        if case.department_id is not None:
            case.departments.add(case.department_id)
        if not CaseEvent.objects.filter(case=case, action="created").exists():
            CaseEvent.objects.create(
                case=case,
                at=case.created_at,
                actor_id=case.reported_by_id,
                action="created",
                from_status="",
                to_status=case.status,
                note="",
            )

    DeadlineRule.objects.get_or_create(
        category="",
        severity="",
        defaults={"working_days_one": 5, "working_days_several": 10, "hours": None},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_loop"),
        ("followups", "0005_task_queue_index"),
        ("surveys", "0003_questionnaires_on_calls"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
