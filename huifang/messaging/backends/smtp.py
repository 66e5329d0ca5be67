import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from huifang.messaging.backends.base import BaseBackend, Outgoing, SendError, SendResult


class SmtpBackend(BaseBackend):
    """E-mail through an SMTP server; one connection per batch.

    SMTP has no idempotency, so an interrupted message is not resent (the
    sender marks it failed instead): never twice.
    """

    def __init__(
        self,
        *,
        name: str,
        host: str = "localhost",
        port: int = 25,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_ssl: bool = False,
        from_address: str = "",
        timeout: float = 30,
        **options,
    ) -> None:
        super().__init__(name=name, **options)
        self.host, self.port = host, int(port)
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl
        self.from_address = from_address or "huifang@localhost"
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        if self.connection is not None:
            return
        try:
            if self.use_ssl:
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.use_tls:
                    connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"SMTP connection failed: {type(exc).__name__}") from exc
        self.connection = connection

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.quit()
            self.connection = None

    def send(self, outgoing: Outgoing) -> SendResult:
        self.open()
        email = EmailMessage()
        email["From"] = self.from_address
        email["To"] = outgoing.to
        email["Subject"] = outgoing.subject
        email["Date"] = formatdate(localtime=True)
        message_id = f"<{outgoing.key.replace(':', '.')}@huifang>"
        email["Message-ID"] = message_id
        email.set_content(outgoing.body)
        try:
            refused = self.connection.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError("recipient refused", permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendError(f"SMTP send failed: {type(exc).__name__}") from exc
        if refused:
            raise SendError("recipient refused", permanent=True)
        return SendResult(provider_id=message_id)
