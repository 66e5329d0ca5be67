"""``huifang schedule-explain ENCOUNTER_NUMBER``: which plans apply, which tasks exist, and why."""

import json

from django.core.management.base import BaseCommand, CommandError

from huifang.followups import scheduling
from huifang.followups.selectors import (
    reason_without_warning,
    schedule_calendar_warning,
    schedule_explain,
)
from huifang.patients.models import Encounter

DEFAULT_SOURCE = "his"
STATUS_ZH = {
    "pending": "待回访",
    "no_phone": "无可用电话",
    "done": "已完成",
    "unreachable": "未联系上",
    "cancelled": "已取消",
    "window_passed": "窗口已过",
    "merged": "已合并",
}


def find_encounter(number: str, source: str | None) -> Encounter:
    """The encounter by number: under ``source`` when given; else the only one, or the HIS one."""
    number = number.strip()
    if source:
        encounter = Encounter.objects.filter(number=number, source_system=source).first()
        if encounter is None:
            raise CommandError(f"no encounter {number} from source {source}")
        return encounter
    found = list(Encounter.objects.filter(number=number).order_by("source_system")[:20])
    if not found:
        raise CommandError(f"no encounter {number}")
    if len(found) == 1:
        return found[0]
    for encounter in found:
        if encounter.source_system == DEFAULT_SOURCE:
            return encounter
    sources = ", ".join(encounter.source_system for encounter in found)
    raise CommandError(f"encounter {number} exists under several sources ({sources}); use --source")


class Command(BaseCommand):
    help = (
        "Explain an encounter's follow-up schedule: which plans matched and why not the "
        "others, which tasks exist, and the calendar reasoning behind each date and time."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", metavar="ENCOUNTER_NUMBER")
        parser.add_argument(
            "--source",
            default=None,
            help=f"source system (default: {DEFAULT_SOURCE}, or the only source that has the number)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        encounter = find_encounter(options["number"], options["source"])
        explanation = schedule_explain(encounter=encounter)
        warning = schedule_calendar_warning(explanation)
        if options["json"]:
            self.stdout.write(json.dumps(explanation, ensure_ascii=False))
            if warning:
                self.stderr.write(warning)
            return
        anchor = encounter.anchor_date
        self.stdout.write(
            f"就诊 {encounter.number}（来源 {encounter.source_system}，"
            f"{scheduling.KIND_LABELS_ZH.get(encounter.kind, encounter.kind)}"
            + (f"，{anchor:%Y-%m-%d}" if anchor else "")
            + "）"
        )
        self.stdout.write("计划：")
        if not explanation["plans"]:
            self.stdout.write("  （没有启用的计划）")
        for plan in explanation["plans"]:
            mark = "✓" if plan["matched"] else "✗"
            self.stdout.write(f"  {mark} {plan['code']}：{plan['reason']}")
        self.stdout.write("任务：")
        if not explanation["tasks"]:
            self.stdout.write("  （没有任务）")
        for task in explanation["tasks"]:
            slot = (task["first_slot"] or "")[:16].replace("T", " ")
            channel = scheduling.CHANNEL_LABELS_ZH.get(task["channel"], task["channel"])
            status = STATUS_ZH.get(task["status"], task["status"])
            if task.get("recorded_on"):  # back-filled: the window had passed when planned
                status = f"{status}（补录于 {task['recorded_on']}，未回访）"
            self.stdout.write(
                f"  {task['plan']}/{task['touchpoint']}  {channel}  {status}  "
                f"{task['due_from']} → {task['due_until']}  首个时段 {slot}"
            )
            # The warning is printed once, below the tasks.
            self.stdout.write(f"    {reason_without_warning(task['reason'], warning)}")
        if warning:
            self.stdout.write(warning)
