"""``huifang demo``: build the demo database, then serve it.

Migrates the SQLite database under the var directory, collects static
files, seeds demo data (once; a second run leaves it as it is), queues one
housekeeping run so the task consumer is seen working, prints the address
and the demo logins, and starts the web server with the consumer.
"""

import os
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Build the demo database and serve it (or only build it with --no-serve)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build the demo and exit")
        parser.add_argument("--seed", type=int, default=20261124, help="random seed")
        parser.add_argument("--patients", type=int, default=2000, help="number of patients")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--call-windows",
            default="",
            metavar="HH:MM-HH:MM[,…]",
            help="call windows for the demo, e.g. 00:00-23:59 to try a working day at any hour "
            "(sets HUIFANG_CALL_WINDOWS)",
        )
        parser.add_argument(
            "--every-day",
            action="store_true",
            help="call on weekends and holidays too (sets HUIFANG_CALL_EVERY_DAY)",
        )

    def handle(self, *args, **options):
        from huifang.core.tasks import housekeeping_now
        from huifang.demo.seed import demo_seed

        self._call_settings(options)
        started = time.monotonic()
        self.stdout.write(f"huifang demo: database {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        result = demo_seed(seed=options["seed"], patients=options["patients"])
        if result.created:
            self.stdout.write(
                f"seeded {result.patients} patients and {result.encounters} encounters "
                f"in {time.monotonic() - started:.1f}s"
            )
        else:
            self.stdout.write(
                f"demo data already present ({result.patients} patients); left unchanged"
            )
        if result.created:
            self.stdout.write(
                f"planned {result.tasks} follow-up tasks; wrote {result.attempts} past calls "
                f"and {result.cases} feedback cases"
            )
        housekeeping_now()

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"Huifang demo: {url}")
        self.stdout.write("Demo logins (password for all: see below):")
        width = max(len(login.username) for login in result.logins)
        for login in result.logins:
            self.stdout.write(
                f"  {login.username.ljust(width)}  {login.role_label}  {login.departments}"
            )
        self.stdout.write(f"Password: {result.logins[0].password}")
        if options["no_serve"]:
            return
        call_command("serve", host=options["host"], port=options["port"])

    def _call_settings(self, options) -> None:
        """Apply --call-windows / --every-day here and, through the environment, in the server."""
        from huifang.followups import slots

        windows = options["call_windows"].strip()
        if windows:
            try:
                slots.windows_from_text(windows)
            except ValueError as exc:
                raise CommandError(
                    f"--call-windows {windows!r}: write windows as HH:MM-HH:MM, "
                    f"separated by commas ({exc})"
                ) from exc
            os.environ["HUIFANG_CALL_WINDOWS"] = windows
            settings.HUIFANG_CALL_WINDOWS = windows
        if options["every_day"]:
            os.environ["HUIFANG_CALL_EVERY_DAY"] = "1"
            settings.HUIFANG_CALL_EVERY_DAY = True
        if windows or options["every_day"]:
            self.stdout.write(
                f"call windows: {windows or settings.HUIFANG_CALL_WINDOWS or '10:00-12:00,15:00-17:00'}"
                f"{', every day' if options['every_day'] else ', working days'}"
            )
