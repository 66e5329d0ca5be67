"""Writes for users, departments, roles and API tokens."""

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.models import ApiToken, Department, User
from huifang.accounts.roles import ROLES
from huifang.core.errors import ApplicationError
from huifang.core.services import audit_record

TOKEN_PREFIX = "hf_"  # noqa: S105  (a marker, not a secret)


def roles_sync() -> None:
    """Create or update the role groups so their permissions match ``roles.ROLES``."""
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.name)
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".", 1)
            try:
                wanted.append(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
            except Permission.DoesNotExist as exc:
                raise ApplicationError(
                    f"role {role.name}: unknown permission {dotted}", code="unknown_permission"
                ) from exc
        group.permissions.set(wanted)


def roles_sync_after_migrate(*, using: str = "default", **kwargs) -> None:
    """After ``migrate``: make sure every app's permissions exist, then sync roles."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync()


def department_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Department | None = None,
    sort_order: int = 0,
) -> Department:
    """Add a department under ``parent`` (a campus, department or ward)."""
    department = Department(code=code, name=name, kind=kind, parent=parent, sort_order=sort_order)
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    roles: list[str] | tuple[str, ...] = (),
    departments: list[Department] | tuple[Department, ...] = (),
    employee_number: str | None = None,
    title: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a member of staff with roles (group names) and departments."""
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ApplicationError(
            _("Unknown roles: %(roles)s") % {"roles": ", ".join(unknown)},
            code="unknown_role",
            details={"roles": unknown},
        )
    user = User(
        username=username,
        display_name=display_name,
        employee_number=employee_number or None,
        title=title,
        is_superuser=is_superuser,
        is_staff=is_superuser or any(ROLES[role].staff for role in roles),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if roles:
        groups = list(Group.objects.filter(name__in=roles))
        if len(groups) != len(set(roles)):
            # A database migrated without the post-migrate sync (e.g. a
            # restored dump, or a flushed test database): create the content
            # types, permissions and role groups rather than drop a role.
            roles_sync_after_migrate()
            groups = list(Group.objects.filter(name__in=roles))
        user.groups.set(groups)
    if departments:
        user.departments.set(departments)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``. The clear token is returned once, never stored."""
    if not user.is_active:
        raise ApplicationError(
            _("This user is deactivated; no token can be issued"), code="user_inactive"
        )
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=clear[: len(TOKEN_PREFIX) + 6],
        token_hash=_token_hash(clear),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api_token",
        target=token,
        changes={"event": "created", "user": user.username, "name": name},
    )
    return token, clear


def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> None:
    """Revoke a token: it stops working at once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token", target=token, changes={"event": "revoked"})


def api_token_authenticate(clear: str) -> User | None:
    """The active user behind a clear token, or None; records when it was last used."""
    if not clear or not clear.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=_token_hash(clear)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
