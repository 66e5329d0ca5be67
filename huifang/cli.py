"""The ``huifang`` command: Django's management commands with our settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo needs no configuration: SQLite and generated secrets.
        os.environ.setdefault("HUIFANG_ENV", "demo")
    from django.core.exceptions import ImproperlyConfigured

    from huifang.core.errors import ApplicationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"huifang: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    except ApplicationError as exc:
        # One line a person can act on, with the stable code for scripts.
        print(f"huifang: {exc.message!s} [{exc.code}]", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
