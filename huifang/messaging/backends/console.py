import sys

from huifang.messaging.backends.base import BaseBackend, Outgoing, SendResult


class ConsoleBackend(BaseBackend):
    """Writes messages to standard output: for development only (bodies carry patient data)."""

    def __init__(self, *, name: str, stream=None, **options) -> None:
        super().__init__(name=name, **options)
        self.stream = stream or sys.stdout

    def send(self, outgoing: Outgoing) -> SendResult:
        self.stream.write(
            f"--- {outgoing.key} to {outgoing.to}\n{outgoing.subject}\n{outgoing.body}\n"
        )
        self.stream.flush()
        return SendResult(provider_id=f"console:{outgoing.key}")
