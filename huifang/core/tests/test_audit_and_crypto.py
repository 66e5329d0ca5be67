import base64
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from huifang.core.crypto import decrypt, encrypt, encrypt_many, lookup_hash
from huifang.core.models import AuditEntry
from huifang.core.services import audit_diff, audit_record, housekeeping_run
from huifang.core.tasks import housekeeping_now


def test_it_encrypts_with_a_fresh_nonce_and_decrypts():
    first, second = encrypt("11010519491231002X"), encrypt("11010519491231002X")
    assert first != second
    assert "11010519491231002X" not in first
    assert decrypt(first) == "11010519491231002X"


def test_it_encrypts_many_values_as_fernet_would_each():
    values = ["11010519491231002X", "110105491231002", "", "张三", "x" * 40, "a" * 16]
    tokens = encrypt_many(values)
    assert [decrypt(token) for token in tokens] == values
    assert len(set(tokens)) == len(tokens)  # a fresh IV each
    fernet = Fernet(next(key for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()))
    for value, token in zip(values, tokens, strict=True):
        raw = base64.urlsafe_b64decode(token)
        at, iv = int.from_bytes(raw[1:9], "big"), raw[9:25]
        # Byte for byte the token Fernet makes with that time and IV.
        assert fernet._encrypt_from_parts(value.encode(), at, iv).decode() == token


def test_it_hashes_as_hmac_sha256_of_the_normalised_value():
    expected = hmac.new(
        settings.LOOKUP_HASH_KEY.encode(), b"11010519491231002X", hashlib.sha256
    ).hexdigest()
    assert lookup_hash(" 11010519491231002x ") == expected


def test_it_hashes_id_numbers_case_and_space_insensitively():
    assert lookup_hash(" 11010519491231002x ") == lookup_hash("11010519491231002X")
    assert lookup_hash("11010519491231002X") != lookup_hash("110105194912310011")


def test_it_masks_sensitive_fields_in_diffs():
    diff = audit_diff({"name": "张三", "number": "+8613800000000"}, {"name": "张四", "number": "x"})
    assert diff == {"name": ["张三", "张四"], "number": ["***", "***"]}


@pytest.mark.django_db
def test_it_refuses_to_change_or_delete_audit_entries(personas):
    entry = audit_record(actor=personas["agent"], action="view", target_repr="x")
    entry.target_repr = "rewritten"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=entry.pk).update(target_repr="rewritten")
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_it_refuses_raw_sql_updates_in_the_database_itself(personas):
    entry = audit_record(actor=personas["agent"], action="view", target_repr="original")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET target_repr = %s WHERE id = %s", ["forged", entry.pk]
        )
    assert AuditEntry.objects.get(pk=entry.pk).target_repr == "original"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row DELETE trigger: PostgreSQL")
def test_it_refuses_raw_sql_deletes_on_postgresql(personas):
    entry = audit_record(actor=personas["agent"], action="view", target_repr="kept")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_it_cleans_expired_sessions_nightly_and_records_the_run(client, personas):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from huifang.core.models import JobRun

    client.force_login(personas["agent"])
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    removed = housekeeping_now().get()  # immediate mode in tests: runs now
    assert removed["sessions"] == 1
    assert not Session.objects.exists()
    run = JobRun.objects.get(name="housekeeping")
    assert run.status == "succeeded"
    assert run.summary["sessions"] == 1
    assert housekeeping_run()["sessions"] == 0
