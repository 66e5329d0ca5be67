"""Deployment check: an HTTP SMS gateway chosen without its address or secret.

(The outbox stays the default without a warning: the deploy check of a fresh
production configuration must come out clean; docs/deploy.md says to choose
a backend.)"""

from django.conf import settings
from django.core.checks import Error, Tags, register

GATEWAY = "huifang.messaging.backends.http_gateway.HttpGatewayBackend"


@register(Tags.compatibility, deploy=True)
def messaging_backends(app_configs, **kwargs):
    problems = []
    sms = settings.HUIFANG_MESSAGE_BACKENDS["sms"]
    if sms["BACKEND"] == GATEWAY and not (
        sms["OPTIONS"].get("url") and sms["OPTIONS"].get("secret")
    ):
        problems.append(
            Error(
                "the SMS gateway needs HUIFANG_SMS_GATEWAY_URL and HUIFANG_SMS_GATEWAY_SECRET",
                id="messaging.E001",
            )
        )
    return problems
