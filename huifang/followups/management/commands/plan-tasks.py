"""``huifang plan-tasks``: plan follow-up tasks now, after a back-fill or in place of the nightly job."""

import json
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from huifang.followups import slots
from huifang.followups.services import generation


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since: {text!r} is not a date; write it as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Plan the follow-up tasks of encounters now: every encounter (--all, after a back-fill "
        "import; of one --source, or dated --since a day) or what the nightly job plans "
        "(--nightly). Idempotent: tasks that exist are kept, a stopped run is started again."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--all", action="store_true", help="all encounters (or those chosen below)"
        )
        which.add_argument(
            "--nightly",
            action="store_true",
            help="the nightly pass: recent encounters never planned and the repeats now due",
        )
        parser.add_argument("--source", help="with --all: only encounters of this source system")
        parser.add_argument(
            "--since", type=_day, help="with --all: only encounters dated on or after YYYY-MM-DD"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        started = time.monotonic()
        now = timezone.now()
        if options["nightly"]:
            if options["source"] or options["since"]:
                raise CommandError("--source and --since go with --all, not --nightly")
            ids = sorted(generation.encounters_for_nightly(today=slots.local_day(now)))
        else:
            ids = generation.encounters_for_backfill(
                source=options["source"], since=options["since"]
            )
        result = generation.tasks_generate_backfill(ids, now=now)
        report = {
            "encounters": len(ids),
            **result.as_dict(),
            "seconds": round(time.monotonic() - started, 3),
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        self.stdout.write(
            f"规划了 {report['encounters']} 个就诊：新建任务 {result.created}"
            f"（其中窗口已过 {result.window_passed}，无可用电话 {result.no_phone}），"
            f"更新 {result.updated}，取消 {result.cancelled}，合并 {result.merged}，"
            f"未变 {result.unchanged}；用时 {report['seconds']:.1f} 秒"
        )
