"""Encryption at rest and keyed lookup hashes for sensitive values."""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        raise ImproperlyConfigured("HUIFANG_FIELD_KEYS holds no key")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "HUIFANG_FIELD_KEYS must be Fernet keys (32 url-safe base64-encoded bytes)"
        ) from exc


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "an encrypted value cannot be read with HUIFANG_FIELD_KEYS (wrong or rotated-out key)"
        ) from exc


def lookup_hash(value: str) -> str:
    """A keyed hash, so equal values can be found without storing them in clear."""
    normalized = value.strip().upper()
    key = settings.LOOKUP_HASH_KEY.encode("utf-8")
    return hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (Fernet); decrypted when loaded.

    It cannot be filtered on: keep a ``lookup_hash`` beside it for that.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
