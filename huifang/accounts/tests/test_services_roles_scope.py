import pytest
from django.contrib.auth.models import Group

from huifang.accounts import roles
from huifang.accounts.selectors import department_descendant_ids, user_department_scope
from huifang.accounts.services import api_token_authenticate, api_token_create, user_create
from huifang.core.errors import ApplicationError


@pytest.mark.django_db
def test_it_creates_a_group_for_every_role_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ROLES) <= names
    manager = Group.objects.get(name=roles.SERVICE_MANAGER)
    assert manager.permissions.filter(codename="view_all_departments").exists()
    agent = Group.objects.get(name=roles.AGENT)
    assert not agent.permissions.filter(codename="reveal_id_number").exists()


def test_it_scopes_department_members_to_their_subtree(personas, departments):
    scope = user_department_scope(personas["head_medicine"])
    assert scope == {departments["medicine"].pk, departments["medicine_ward"].pk}
    assert user_department_scope(personas["manager"]) is None
    assert user_department_scope(personas["quality"]) is None
    assert departments["surgery_ward"].pk not in user_department_scope(personas["agent"])


def test_it_finds_wards_under_a_campus(departments):
    ids = department_descendant_ids([departments["campus"].pk])
    assert ids == {d.pk for d in departments.values()}


def test_it_refuses_unknown_roles(departments):
    with pytest.raises(ApplicationError) as info:
        user_create(username="x", password="a long password 1", roles=["janitor"])
    assert info.value.code == "unknown_role"


def test_it_hashes_argon2_in_production_settings():
    from huifang import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_authenticates_tokens_until_revoked_or_deactivated(personas):
    from huifang.accounts.services import api_token_revoke

    token, clear = api_token_create(user=personas["agent"], name="HIS")
    assert clear.startswith("hf_") and clear not in token.token_hash
    assert api_token_authenticate(clear) == personas["agent"]
    assert api_token_authenticate(clear + "x") is None
    api_token_revoke(token=token)
    assert api_token_authenticate(clear) is None

    token, clear = api_token_create(user=personas["doctor"], name="HIS")
    personas["doctor"].is_active = False
    personas["doctor"].save()
    assert api_token_authenticate(clear) is None
