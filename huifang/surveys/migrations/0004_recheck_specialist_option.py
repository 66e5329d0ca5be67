"""Version 2 of the built-in health-check re-check questionnaire: "seen a specialist" as its own answer.

Version 1 asked "您去复查或专科就诊了吗？" with 已经复查 / 已经预约 / 还没有 /
在其他医院复查了: a patient seen by a specialist had no answer of their
own. Version 2 adds 已到专科就诊 (``specialist``) and says where 已经复查 was
(本院). Answers of version 1 keep their version; ``done``, ``elsewhere``
and ``specialist`` all report the re-check (``surveys.rechecks``). Only
when version 1 is still the built-in active version, unedited (no draft,
no later version): a hospital's own edits are left alone.
"""

from django.db import migrations
from django.utils import timezone

CODE = "health-check-recheck"
ITEM = "rechecked"
OPTIONS = [
    {"value": "done", "label": "已在本院复查"},
    {"value": "elsewhere", "label": "已在其他医院复查"},
    {"value": "specialist", "label": "已到专科就诊"},
    {"value": "booked", "label": "已经预约"},
    {"value": "not-yet", "label": "还没有"},
]
ITEM_FIELDS = [
    "code",
    "position",
    "kind",
    "text",
    "help_text",
    "required",
    "options",
    "dimension",
    "condition",
    "feedback_values",
    "red_flag_values",
    "agent_only",
]


def forwards(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Item = apps.get_model("surveys", "Item")
    versions = list(Questionnaire.objects.filter(code=CODE))
    if len(versions) != 1:
        return
    first = versions[0]
    if first.status != "active" or not first.is_builtin or first.version != 1:
        return
    items = list(Item.objects.filter(questionnaire=first).order_by("position", "id"))
    if ITEM not in {item.code for item in items}:
        return
    first.status = "retired"
    first.save(update_fields=["status"])
    second = Questionnaire.objects.create(
        code=CODE,
        version=2,
        title=first.title,
        description=first.description,
        status="active",
        is_builtin=True,
        activated_at=timezone.now(),
    )
    copies = []
    for item in items:
        fields = {name: getattr(item, name) for name in ITEM_FIELDS}
        if item.code == ITEM:
            fields["options"] = OPTIONS
        copies.append(Item(questionnaire=second, **fields))
    Item.objects.bulk_create(copies)


def backwards(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    second = Questionnaire.objects.filter(
        code=CODE, version=2, is_builtin=True, responses__isnull=True, dispatches__isnull=True
    ).first()
    if second is None:
        return
    second.delete()
    Questionnaire.objects.filter(code=CODE, version=1).update(status="active")


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_questionnaires_on_calls")]

    operations = [migrations.RunPython(forwards, backwards)]
