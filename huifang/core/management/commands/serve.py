"""``huifang serve``: the web server (gunicorn) and the task consumer, supervised."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from huifang.core.checks import missing_secrets


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and, unless --web-only, the task consumer."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HUIFANG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--web-only",
            action="store_true",
            help="Only the web server; run `huifang worker` elsewhere.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="gunicorn worker processes (default 2, or WEB_CONCURRENCY)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")

    def handle(self, *args, **options):
        missing = missing_secrets()
        if missing:
            raise CommandError(f"cannot serve: {', '.join(missing)} not set (see docs/deploy.md)")
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "huifang.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "20",
        ]
        if settings.HTTPS or settings.HUIFANG_TRUST_X_FORWARDED_FOR:
            web += ["--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")]
        children = {"web": subprocess.Popen(web)}  # noqa: S603
        if not options["web_only"]:
            children["worker"] = subprocess.Popen([sys.executable, "-m", "huifang", "worker"])
        self.stdout.write(
            f"huifang: serving on http://{options['host']}:{options['port']}/ "
            f"({'web only' if options['web_only'] else 'web + task consumer'})"
        )
        sys.exit(supervise(children))


def supervise(children: dict[str, subprocess.Popen]) -> int:
    """Wait for the children; stop them all when one stops or when we are told to."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    while not stopping:
        for name, child in children.items():
            status = child.poll()
            if status is not None:
                print(f"huifang: {name} exited with status {status}", file=sys.stderr)
                code = status or 1
                stopping = True
                break
        time.sleep(0.3)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 25
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return code
