"""Health-education checklists for the default plans (editable afterwards).

Only fills a plan's empty checklist, so an administrator's own list is kept;
reversing empties exactly the lists written here when they are unchanged.
"""

from django.db import migrations

EDUCATION = {
    "inpatient-discharge": [
        "按时按量服药，不自行停药或减量",
        "饮食与休息、活动量的安排",
        "需要马上就诊的危险信号",
        "复查时间与挂号方式",
    ],
    "outpatient-surgery": [
        "伤口护理：保持干燥，观察红肿、渗液、发热",
        "换药与拆线时间",
        "止痛药的用法",
        "需要马上就诊的危险信号",
    ],
    "maternity-newborn": [
        "产妇伤口与恶露观察",
        "母乳喂养要点",
        "新生儿黄疸、脐部护理与体温",
        "产后42天复查与新生儿体检、预防接种",
    ],
    "specialist-first-visit": [
        "检查与复诊安排",
        "用药方法与注意事项",
        "需要马上就诊的危险信号",
    ],
    "general-first-visit": [
        "用药方法与注意事项",
        "休息与饮食建议",
        "症状未缓解时的复诊",
    ],
    "health-check-abnormal": [
        "需要复查的项目与建议科室",
        "饮食、运动等生活方式建议",
        "复查前的准备（如空腹）",
    ],
}


def seed(apps, schema_editor):
    Plan = apps.get_model("followups", "Plan")
    for plan in Plan.objects.filter(code__in=EDUCATION):
        if not plan.education_items:
            plan.education_items = EDUCATION[plan.code]
            plan.save(update_fields=["education_items"])


def unseed(apps, schema_editor):
    Plan = apps.get_model("followups", "Plan")
    for plan in Plan.objects.filter(code__in=EDUCATION):
        if plan.education_items == EDUCATION[plan.code]:
            plan.education_items = []
            plan.save(update_fields=["education_items"])


class Migration(migrations.Migration):
    dependencies = [("followups", "0003_workbench")]

    operations = [migrations.RunPython(seed, unseed)]
