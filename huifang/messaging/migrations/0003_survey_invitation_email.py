"""The e-mail twin of the survey invitation, for web-survey touchpoints (docs/messaging.md)."""

from django.db import migrations

CODE = "survey-invitation-email"


def add_template(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    MessageTemplate.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "满意度调查邀请（邮件）",
            "channel": "email",
            "category": "survey",
            "subject": "{hospital}邀请您填写就医感受问卷",
            "body": (
                "{patient}您好：\n\n感谢您选择{hospital}。我们想听听您在{department}就医的感受，"
                "问卷约需三分钟，请点击下面的链接填写（链接仅供您本人使用一次）：\n\n{link}\n\n"
                "如有疑问，请致电{hotline}。祝您早日康复！"
            ),
        },
    )


def remove_template(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    Message = apps.get_model("messaging", "Message")
    if not Message.objects.filter(template__code=CODE).exists():
        MessageTemplate.objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_default_templates")]

    operations = [migrations.RunPython(add_template, remove_template)]
