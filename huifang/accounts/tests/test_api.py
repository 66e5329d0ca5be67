"""The API's front door: its schema, /me, and who it lets in (session or bearer token)."""

import datetime

import pytest
from django.utils import timezone

from huifang.accounts.models import ApiToken
from huifang.accounts.services import api_token_create, api_token_revoke
from huifang.core.models import AuditEntry

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Sign in or send a valid bearer token.",
    "details": {},
}
PATIENT_PATHS = {
    "/api/v1/patients",
    "/api/v1/patients/{patient_uuid}",
    "/api/v1/patients/{patient_uuid}/encounters",
    "/api/v1/patients/{patient_uuid}/phones/{phone_id}/reveal",
}


def _bearer(clear):
    return {"Authorization": f"Bearer {clear}"}


@pytest.fixture
def agent_token(personas):
    return api_token_create(user=personas["agent"], name="随访系统对接")


def test_it_serves_the_openapi_schema_to_a_signed_in_user(client, login):
    login("agent")

    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) >= PATIENT_PATHS
    assert "/api/v1/me" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_it_serves_the_openapi_schema_without_signing_in(client, db):
    # The schema describes the endpoints but holds no patient data, and
    # integrators read it before they have a token.
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert set(response.json()["paths"]) >= PATIENT_PATHS


def test_it_serves_the_interactive_docs_without_signing_in(client, db):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.content.decode()


def test_it_refuses_me_without_credentials(client, db):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_it_tells_a_session_user_who_they_are(client, login):
    login("head_medicine")

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "username": "head_medicine",
        "display_name": "head_medicine",
        "roles": ["department_head"],
        "department_codes": ["MED"],
        "all_departments": False,
    }


@pytest.mark.parametrize(
    ("username", "roles", "all_departments"),
    [
        ("agent", ["agent"], False),
        ("manager", ["service_manager"], True),
        ("quality", ["quality_office"], True),
        ("admin", ["administrator"], True),
        ("nobody", [], False),
    ],
)
def test_it_tells_each_persona_their_roles_and_scope(
    client, login, username, roles, all_departments
):
    login(username)

    body = client.get("/api/v1/me").json()

    assert body["roles"] == roles
    assert body["all_departments"] is all_departments


def test_it_accepts_a_bearer_token(client, personas, agent_token):
    _, clear = agent_token

    response = client.get("/api/v1/me", headers=_bearer(clear))

    assert response.status_code == 200
    assert response.json()["username"] == "agent"


def test_it_notes_when_a_token_was_last_used(client, agent_token):
    token, clear = agent_token
    assert token.last_used_at is None

    client.get("/api/v1/me", headers=_bearer(clear))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_stores_only_a_hash_of_the_token(agent_token):
    token, clear = agent_token

    stored = ApiToken.objects.get(pk=token.pk)
    assert clear.startswith("hf_")
    assert clear not in stored.token_hash
    assert clear.startswith(stored.prefix)
    assert len(stored.prefix) < len(clear) // 2


def test_it_records_issuing_a_token_in_the_audit_log(personas, agent_token):
    _, clear = agent_token

    entry = AuditEntry.objects.get(action="api_token")
    assert entry.changes == {"event": "created", "user": "agent", "name": "随访系统对接"}
    assert clear not in str(entry.changes)
    assert clear not in entry.target_repr


def test_it_refuses_a_revoked_token(client, agent_token):
    token, clear = agent_token
    api_token_revoke(token=token)

    response = client.get("/api/v1/me", headers=_bearer(clear))

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_it_refuses_an_expired_token(client, personas):
    _, clear = api_token_create(
        user=personas["agent"],
        name="已过期",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    response = client.get("/api/v1/me", headers=_bearer(clear))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_it_accepts_a_token_until_it_expires(client, personas):
    _, clear = api_token_create(
        user=personas["agent"],
        name="明天过期",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )

    assert client.get("/api/v1/me", headers=_bearer(clear)).status_code == 200


def test_it_refuses_the_token_of_a_disabled_user(client, personas, agent_token):
    _, clear = agent_token
    personas["agent"].is_active = False
    personas["agent"].save()

    assert client.get("/api/v1/me", headers=_bearer(clear)).status_code == 401


@pytest.mark.parametrize("clear", ["hf_not-a-real-token", "not-even-the-prefix", ""])
def test_it_refuses_a_made_up_token(client, db, clear):
    response = client.get("/api/v1/me", headers=_bearer(clear))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_it_refuses_an_altered_token(client, agent_token):
    _, clear = agent_token

    response = client.get(
        "/api/v1/me", headers=_bearer(clear[:-1] + ("A" if clear[-1] != "A" else "B"))
    )

    assert response.status_code == 401
