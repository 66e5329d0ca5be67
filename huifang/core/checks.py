"""System checks: refuse to serve without the secrets production needs."""

from django.conf import settings
from django.core.checks import Error, Tags, register

REQUIRED_SECRETS = [
    ("SECRET_KEY", "SECRET_KEY"),
    ("FIELD_ENCRYPTION_KEYS", "HUIFANG_FIELD_KEYS"),
    ("LOOKUP_HASH_KEY", "HUIFANG_LOOKUP_KEY"),
]


def missing_secrets() -> list[str]:
    return [env for attr, env in REQUIRED_SECRETS if not getattr(settings, attr, None)]


@register(Tags.security, deploy=True)
def secrets_configured(app_configs, **kwargs):
    return [
        Error(
            f"{env} is not set",
            hint=f"Set {env} in the environment or put it in a file named by {env}_FILE.",
            id="huifang.E001",
        )
        for env in missing_secrets()
    ]
