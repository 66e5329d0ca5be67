import json
import os
import re
from pathlib import Path

from django.conf import settings

from huifang.messaging.backends.base import BaseBackend, Outgoing, SendResult


def _file_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key) + ".json"


class OutboxBackend(BaseBackend):
    """Writes each message as a JSON file named by its key: the demo's phone.

    One file per key, replaced atomically, so a resend after a crash leaves
    one message, not two (idempotent).
    """

    idempotent = True

    def __init__(self, *, name: str, directory: str = "", **options) -> None:
        super().__init__(name=name, **options)
        self.directory = Path(directory or Path(settings.VAR_DIR) / "outbox" / name)

    def send(self, outgoing: Outgoing) -> SendResult:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / _file_name(outgoing.key)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps(
                {
                    "key": outgoing.key,
                    "to": outgoing.to,
                    "subject": outgoing.subject,
                    "body": outgoing.body,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        os.replace(temporary, path)
        return SendResult(provider_id=f"outbox:{outgoing.key}")
