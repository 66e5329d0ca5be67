"""The plans behind tasks staff create from the workbench, created on first use.

- **按病情随访** (``condition-followup``): "call again in N days / on a date"
  — the domain's "then by condition until recovered".
- **医生回电** (``doctor-callback``): "the doctor should call back" — a task
  for the attending doctor or another clinician of the patient's department.

Like the complaint verification call (``feedback.verification``) they are
not seeded by a migration: follow-ups' own tests hold the exact set of plans
a fresh database has. Both plans are inactive and tagged, so scheduling never
matches them to encounters; their tasks come only from
``followups.services.followon``. Administrators may edit the scripts and call
windows on the plans page once they exist.
"""

from django.db import transaction

from huifang.followups.models import Touchpoint

CONDITION_PLAN = "condition-followup"
CONDITION_TOUCHPOINT = "call-again"
DOCTOR_PLAN = "doctor-callback"
DOCTOR_TOUCHPOINT = "doctor-call"

_PLANS = {
    CONDITION_PLAN: (
        {
            "name": "按病情随访",
            "description": (
                "回访员根据患者病情在工作台上安排的再次回访（隔几天或指定日期再打）。"
                "请保持停用：本计划不按就诊记录排期。"
            ),
            "is_active": False,
            "priority": 20,
            "tags": ["condition-followup"],
        },
        {
            "code": CONDITION_TOUCHPOINT,
            "name": "按病情再次回访",
            "anchor": "visit",
            "offset_days": 0,
            "window_days": 3,
            "channel": "phone",
            "script": (
                "{patient_title}您好！我是{hospital}随访中心的{agent}。上次通话时我们约好再来电"
                "了解您的恢复情况，请问现在方便吗？\n"
                "【先看页面上方的“本次回访原因”，围绕上次提到的情况询问：症状有无好转、用药和复查是否按医嘱进行。"
                "仍未恢复时，可再安排一次按病情回访；出现危险情况请填写异常上报。】\n"
                "祝您早日康复，再见！"
            ),
            "max_attempts": 3,
            "priority": 20,
        },
    ),
    DOCTOR_PLAN: (
        {
            "name": "医生回电",
            "description": (
                "回访员在工作台上请主治医师或本科室其他医护人员给患者回电。"
                "请保持停用：本计划不按就诊记录排期。"
            ),
            "is_active": False,
            "priority": 60,
            "tags": ["doctor-callback"],
        },
        {
            "code": DOCTOR_TOUCHPOINT,
            "name": "医生回电",
            "anchor": "visit",
            "offset_days": 0,
            "window_days": 2,
            "channel": "phone",
            "script": (
                "{patient_title}您好！我是{department}的医生。随访中心转告我您有些情况想咨询，"
                "现在方便说几句吗？\n"
                "【先看页面上方的“本次回访原因”。需要时请患者来院复诊；不做远程诊断。】"
            ),
            "call_windows": [["08:00", "12:00"], ["14:00", "17:30"]],
            "max_attempts": 3,
            "priority": 60,
        },
    ),
}


def adhoc_touchpoint_ensure(plan_code: str) -> Touchpoint:
    """The touchpoint of ``plan_code`` (one of the two above), created with its plan when missing."""
    from huifang.followups.models import Plan
    from huifang.followups.services.plans import plan_create, touchpoint_save

    plan_data, touchpoint_data = _PLANS[plan_code]
    found = Touchpoint.objects.filter(plan__code=plan_code, code=touchpoint_data["code"]).first()
    if found is not None:
        return found
    with transaction.atomic():
        plan = Plan.objects.filter(code=plan_code).first()
        if plan is None:
            plan = plan_create(actor=None, code=plan_code, data=dict(plan_data))
        touchpoint_save(actor=None, plan=plan, data=dict(touchpoint_data), replan=False)
    return Touchpoint.objects.get(plan__code=plan_code, code=touchpoint_data["code"])
