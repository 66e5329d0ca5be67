"""The verification call's plan and touchpoint, created through follow-ups' services on first use.

They are not seeded by a migration: follow-ups' own tests hold the exact
set of plans a fresh database has. The plan is inactive and tagged so that
scheduling never matches it to encounters; its tasks come only from
``followups.services.adhoc.task_create_adhoc``. Administrators may edit the
script and the call windows on the plans page once it exists.
"""

from django.db import transaction

from huifang.followups.models import Touchpoint

PLAN_CODE = "complaint-verification"
TOUCHPOINT_CODE = "verification-call"
QUESTIONNAIRE_CODE = "complaint-verification"

SCRIPT = (
    "{patient_title}您好！我是{hospital}随访中心的{agent}。请问您是{patient_name}本人吗？\n"
    "【只和患者本人或当时代为反映问题的家属核实；不是本人时，请对方转告回电，不谈具体内容。】\n"
    "前些天您向我们反映的问题，{department}已经做了调查和处理。今天来电想跟您核实一下："
    "科室是否和您联系过？问题解决了吗？您对处理结果满意吗？\n"
    "【按问卷逐项询问，不替科室辩解，也不做新的承诺；患者表示仍未解决时，请记下还有哪些没有解决。】\n"
    "谢谢您对我们工作的监督，您的意见我们都会记录并继续跟进。再见！\n"
    "【等对方先挂电话；挂断后马上录入核实结果。】"
)

PLAN = {
    "name": "投诉处理核实回访",
    "description": (
        "科室答复投诉或建议后，由投诉处理流程自动为患者创建的核实回访。"
        "请保持停用：本计划不按就诊记录排期。"
    ),
    "is_active": False,
    "priority": 50,
    "tags": ["complaint-verification"],
}

TOUCHPOINT = {
    "code": TOUCHPOINT_CODE,
    "name": "投诉处理核实电话",
    "anchor": "visit",
    "offset_days": 0,
    "window_days": 3,
    "channel": "phone",
    "questionnaire_code": QUESTIONNAIRE_CODE,
    "script": SCRIPT,
    "max_attempts": 3,
    "priority": 50,
}


def verification_touchpoint_ensure() -> Touchpoint:
    """The verification call's touchpoint, created (with its plan, audited) when missing."""
    from huifang.followups.models import Plan
    from huifang.followups.services.plans import plan_create, touchpoint_save

    found = Touchpoint.objects.filter(plan__code=PLAN_CODE, code=TOUCHPOINT_CODE).first()
    if found is not None:
        return found
    with transaction.atomic():
        plan = Plan.objects.filter(code=PLAN_CODE).first()
        if plan is None:
            plan = plan_create(actor=None, code=PLAN_CODE, data=dict(PLAN))
        touchpoint_save(actor=None, plan=plan, data=dict(TOUCHPOINT), replan=False)
    return Touchpoint.objects.get(plan__code=PLAN_CODE, code=TOUCHPOINT_CODE)
