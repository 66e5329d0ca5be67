"""``huifang worker``: the huey task consumer (background and periodic jobs)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from huifang.core.checks import missing_secrets


class Command(BaseCommand):
    help = "Run the task consumer for background and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None, help="consumer threads")

    def handle(self, *args, **options):
        missing = missing_secrets()
        if missing:
            raise CommandError(f"cannot start worker: {', '.join(missing)} not set")
        kwargs = {}
        if options["workers"]:
            kwargs["workers"] = options["workers"]
        call_command("run_huey", **kwargs)
