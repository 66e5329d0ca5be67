"""Data for the closed loop.

- every existing case gets its lead department among ``departments`` and a
  "recorded" line on its timeline;
- the general deadline rule: 5 working days for one department, 10 for
  several (clinical escalations keep ``HUIFANG_ESCALATION_HOURS``);
- the verification plan: one phone touchpoint asking the built-in
  ``complaint-verification`` questionnaire. The plan is inactive and tagged
  so that scheduling never matches it to encounters: its tasks are created
  only by the feedback loop (``followups.services.adhoc``).
"""

from django.db import migrations

PLAN_CODE = "complaint-verification"
TOUCHPOINT_CODE = "verification-call"

SCRIPT = (
    "{patient_title}您好！我是{hospital}随访中心的{agent}。请问您是{patient_name}本人吗？\n"
    "【只和患者本人或当时代为反映问题的家属核实；不是本人时，请对方转告回电，不谈具体内容。】\n"
    "前些天您向我们反映的问题，{department}已经做了调查和处理。今天来电想跟您核实一下："
    "科室是否和您联系过？问题解决了吗？您对处理结果满意吗？\n"
    "【按问卷逐项询问，不替科室辩解，也不做新的承诺；患者表示仍未解决时，请记下还有哪些没有解决。】\n"
    "谢谢您对我们工作的监督，您的意见我们都会记录并继续跟进。再见！\n"
    "【等对方先挂电话；挂断后马上录入核实结果。】"
)


def forward(apps, schema_editor):
    Case = apps.get_model("feedback", "Case")
    CaseEvent = apps.get_model("feedback", "CaseEvent")
    DeadlineRule = apps.get_model("feedback", "DeadlineRule")
    Plan = apps.get_model("followups", "Plan")
    Touchpoint = apps.get_model("followups", "Touchpoint")

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

    plan, _ = Plan.objects.update_or_create(
        code=PLAN_CODE,
        defaults={
            "name": "投诉处理核实回访",
            "description": (
                "科室答复投诉或建议后，由投诉处理流程自动为患者创建的核实回访。"
                "请保持停用：本计划不按就诊记录排期。"
            ),
            "is_active": False,
            "priority": 50,
            "tags": ["complaint-verification"],
        },
    )
    Touchpoint.objects.update_or_create(
        plan=plan,
        code=TOUCHPOINT_CODE,
        defaults={
            "name": "投诉处理核实电话",
            "anchor": "visit",
            "offset_days": 0,
            "window_days": 3,
            "channel": "phone",
            "questionnaire_code": "complaint-verification",
            "script": SCRIPT,
            "max_attempts": 3,
            "priority": 50,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_loop"),
        ("followups", "0005_task_queue_index"),
        ("surveys", "0003_questionnaires_on_calls"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
