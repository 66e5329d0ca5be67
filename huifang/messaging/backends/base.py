from dataclasses import dataclass, field


@dataclass
class Outgoing:
    """What a backend needs to send one message (no model instances: backends stay dumb)."""

    key: str
    to: str
    body: str
    subject: str = ""
    template_code: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class SendResult:
    provider_id: str


class SendError(Exception):
    """Sending failed. ``permanent``: retrying will not help (a rejected number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BaseBackend:
    # Whether resending the same key after a crash is safe (the far end de-duplicates).
    idempotent = False

    def __init__(self, *, name: str, **options) -> None:
        self.name = name
        self.options = options

    def open(self) -> None:
        """Open a connection to reuse for a batch."""

    def close(self) -> None:
        """Close what ``open`` opened."""

    def send(self, outgoing: Outgoing) -> SendResult:
        raise NotImplementedError
