"""Reads about users and departments, and the scope each user may see."""

from collections import defaultdict
from collections.abc import Iterable

from huifang.accounts.models import Department, User
from huifang.accounts.roles import ROLES

ALL_DEPARTMENTS = None


def department_descendant_ids(department_ids: Iterable[int]) -> set[int]:
    """The given departments and everything under them (wards of a department…)."""
    roots = set(department_ids)
    if not roots:
        return set()
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.add(pk)
        stack.extend(children.get(pk, ()))
    return found


def user_department_scope(user: User) -> set[int] | None:
    """Department ids whose patients ``user`` may see; ``None`` means every one.

    Cached on the user object for the request.
    """
    cached = getattr(user, "_department_scope", False)
    if cached is not False:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope: set[int] | None = set()
    elif user.has_perm("accounts.view_all_departments"):
        scope = ALL_DEPARTMENTS
    else:
        scope = department_descendant_ids(user.departments.values_list("pk", flat=True))
    user._department_scope = scope
    return scope


def user_role_names(user: User) -> list[str]:
    return [name for name in user.groups.values_list("name", flat=True) if name in ROLES]


def user_role_labels(user: User) -> list[str]:
    return [str(ROLES[name].label) for name in user_role_names(user)]


def department_list(*, user: User) -> list[Department]:
    """Departments the user may filter by: their scope, in tree order."""
    scope = user_department_scope(user)
    qs = Department.objects.filter(is_active=True).select_related("parent")
    if scope is not ALL_DEPARTMENTS:
        qs = qs.filter(pk__in=scope)
    return list(qs.order_by("sort_order", "code"))
