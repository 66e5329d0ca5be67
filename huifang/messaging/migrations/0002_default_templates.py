from django.db import migrations

# code, name, category, body. Greetings and marketing end with the opt-out instruction.
TEMPLATES = [
    (
        "followup-reminder",
        "复查提醒",
        "clinical",
        "{patient}您好，您于{visit_date}在{department}就诊，请按医嘱按时复查、规律用药。如有不适请及时就医。",
    ),
    (
        "survey-invitation",
        "满意度调查邀请",
        "survey",
        "{patient}您好，感谢您选择我院。请花两分钟告诉我们您的就医感受：{link}",
    ),
    (
        "call-us-back",
        "未接通请回电",
        "clinical",
        "{patient}您好，我们是医院随访中心，近日多次致电未能联系到您，方便时请回电{hotline}，祝您早日康复。",
    ),
    (
        "holiday-greeting",
        "节日问候",
        "greeting",
        "{patient}您好，节日将至，祝您和家人身体健康、阖家幸福！回复TD退订",
    ),
    (
        "health-education",
        "健康宣教",
        "education",
        "{patient}您好，天气转凉，请注意保暖，清淡饮食，适量运动，按时服药，定期测量血压血糖。",
    ),
]


def add_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for code, name, category, body in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            code=code,
            defaults={"name": name, "channel": "sms", "category": category, "body": body},
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
