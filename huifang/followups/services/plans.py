"""Follow-up plans and their touchpoints: who may see and change them, and the changes.

Every change bumps the plan's version and is audited with what it was
before. Tasks already planned keep the version they were planned with,
unless the person changing the plan asked for them to be re-planned
(``replan=True``): then the generation service plans the open ones again.

The reads live here too, next to the writes they feed, until the
app's selectors module takes them over.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from huifang.accounts.models import User
from huifang.core.errors import Conflict, NotFound, PermissionDenied
from huifang.core.models import AuditAction
from huifang.core.services import audit_diff, audit_record
from huifang.followups.models import FollowUpTask, Plan, Touchpoint

# What a plan edit may change; ``code`` is set once, at creation.
PLAN_FIELDS = (
    "name",
    "description",
    "is_active",
    "priority",
    "encounter_kinds",
    "departments",
    "include_subdepartments",
    "icd_prefixes",
    "diagnosis_keywords",
    "age_min",
    "age_max",
    "sex",
    "tags",
    "fallback_channel",
    "required_rate",
)
TOUCHPOINT_FIELDS = (
    "code",
    "name",
    "anchor",
    "offset_days",
    "window_days",
    "channel",
    "condition",
    "questionnaire_code",
    "script",
    "call_windows",
    "max_attempts",
    "priority",
    "repeat_every_days",
    "repeat_max",
    "position",
)


@dataclass(frozen=True)
class PlanChange:
    """What saving a plan or touchpoint did.

    ``open_tasks``: the plan's tasks still to be done when it was saved;
    ``replanned``: how many of them the generation service planned again.
    """

    plan: Plan
    changed: bool
    open_tasks: int = 0
    replanned: int = 0


def _require(user: User | None, perm: str, message: str) -> None:
    # ``None`` is the system itself (data migrations, commands).
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_view(user: User) -> None:
    _require(user, "followups.view_plan", _("Your role may not see follow-up plans"))


def _require_change(user: User | None, perm: str = "followups.change_plan") -> None:
    _require(user, perm, _("Your role may not change follow-up plans"))


# --- Reads ---


def plan_list(*, user: User) -> list[Plan]:
    """Every plan with its departments, touchpoint count and open task count.

    A fixed number of queries whatever the number of plans: the plans with
    their touchpoint count, their departments, and one aggregate over tasks.
    """
    _require_view(user)
    plans = list(
        Plan.objects.annotate(touchpoint_count=Count("touchpoints"))
        .prefetch_related("departments")
        .order_by("-is_active", "-priority", "code")
    )
    open_counts = dict(
        FollowUpTask.objects.filter(status__in=FollowUpTask.OPEN)
        .values_list("plan_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for plan in plans:
        plan.open_task_count = open_counts.get(plan.pk, 0)
    return plans


def plan_get(*, user: User, code: str, for_change: bool = False) -> Plan:
    """One plan by its code, or ``NotFound``; ``for_change``: only for those who may edit it."""
    _require_view(user)
    if for_change:
        _require_change(user)
    plan = Plan.objects.prefetch_related("departments").filter(code=code).first()
    if plan is None:
        raise NotFound(_("Follow-up plan not found"), code="plan_not_found")
    return plan


def plan_add_check(*, user: User) -> None:
    """Refuse (``PermissionDenied``) those who may not add plans, before they fill in a form."""
    _require_view(user)
    _require_change(user, "followups.add_plan")


def plan_touchpoints(*, plan: Plan) -> list[Touchpoint]:
    """The plan's touchpoints in order, each with its task counts (all and still open)."""
    return list(
        plan.touchpoints.annotate(
            task_count=Count("followuptask"),
            open_task_count=Count(
                "followuptask", filter=Q(followuptask__status__in=FollowUpTask.OPEN)
            ),
        ).order_by("position", "offset_days", "id")
    )


def touchpoint_get(*, user: User, plan: Plan, touchpoint_id: int) -> Touchpoint:
    """One touchpoint of ``plan``, for those who may change it, or ``NotFound``."""
    _require_change(user, "followups.change_touchpoint")
    touchpoint = plan.touchpoints.filter(pk=touchpoint_id).first()
    if touchpoint is None:
        raise NotFound(_("Touchpoint not found"), code="touchpoint_not_found")
    return touchpoint


def plan_open_task_count(*, plan: Plan) -> int:
    """How many of the plan's tasks are still to be done (pending, or waiting for a phone)."""
    return FollowUpTask.objects.filter(plan=plan, status__in=FollowUpTask.OPEN).count()


# --- Writes ---


def _plan_snapshot(plan: Plan, departments=None) -> dict[str, Any]:
    fields = {name: getattr(plan, name) for name in PLAN_FIELDS if name != "departments"}
    if departments is None:
        departments = plan.departments.all() if plan.pk else []
    fields["departments"] = sorted(department.code for department in departments)
    return fields


def _touchpoint_snapshot(touchpoint: Touchpoint) -> dict[str, Any]:
    return {name: getattr(touchpoint, name) for name in TOUCHPOINT_FIELDS}


def _check_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        # A caller's mistake, not a user's: name the fields in English.
        raise ValueError(f"cannot change these fields: {', '.join(sorted(unknown))}")


def _lock_plan(plan: Plan, expected_version: int | None) -> Plan:
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "Someone else changed this plan while you were editing it "
                "(now version %(version)d). Open it again and repeat your change."
            )
            % {"version": locked.version},
            code="plan_changed_meanwhile",
            details={"version": locked.version, "expected": expected_version},
        )
    return locked


def _replan(*, actor, plan: Plan, replan: bool) -> tuple[int, int]:
    """Open tasks counted, and re-planned when asked. → (open, replanned)."""
    open_tasks = plan_open_task_count(plan=plan)
    replanned = 0
    if replan:
        # Imported here: generation is its own module, written alongside this one.
        from huifang.followups.services.generation import tasks_replan_for_plan

        replanned = tasks_replan_for_plan(plan=plan, actor=actor)
    return open_tasks, replanned


def _task_choice(open_tasks: int, replan: bool, replanned: int) -> dict[str, Any]:
    return {"open": open_tasks, "choice": "replan" if replan else "keep", "replanned": replanned}


@transaction.atomic
def plan_create(*, actor: User | None, code: str, data: dict[str, Any]) -> Plan:
    """Add a plan (version 1) with the match rules in ``data``; audited."""
    _require_change(actor, "followups.add_plan")
    _check_fields(data, PLAN_FIELDS)
    departments = list(data.get("departments") or [])
    plan = Plan(code=code, **{k: v for k, v in data.items() if k != "departments"})
    plan.full_clean()
    plan.save()
    plan.departments.set(departments)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=plan,
        changes=audit_diff({}, {"code": plan.code, **_plan_snapshot(plan, departments)}),
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: User | None,
    plan: Plan,
    data: dict[str, Any],
    replan: bool,
    expected_version: int | None = None,
) -> PlanChange:
    """Change a plan's name, match rules or state; a real change makes a new version.

    ``replan``: the administrator's answer to "re-plan the open tasks or keep
    them?" — True hands the plan to the generation service, False leaves
    every task as it is (with the version it was planned with). Saving
    without a difference changes nothing and writes no audit entry.
    ``expected_version``: the version the editor started from; another
    person's change in between raises ``Conflict`` instead of overwriting it.
    """
    _require_change(actor)
    _check_fields(data, PLAN_FIELDS)
    plan = _lock_plan(plan, expected_version)
    before = _plan_snapshot(plan)
    departments = list(data["departments"]) if "departments" in data else None
    for name, value in data.items():
        if name != "departments":
            setattr(plan, name, value)
    after = _plan_snapshot(plan, departments if departments is not None else plan.departments.all())
    changes = audit_diff(before, after)
    if not changes:
        return PlanChange(plan=plan, changed=False, open_tasks=plan_open_task_count(plan=plan))
    plan.version += 1
    plan.full_clean()
    plan.save()
    if departments is not None:
        plan.departments.set(departments)
    open_tasks, replanned = _replan(actor=actor, plan=plan, replan=replan)
    changes["version"] = [plan.version - 1, plan.version]
    changes["open_tasks"] = _task_choice(open_tasks, replan, replanned)
    audit_record(actor=actor, action=AuditAction.UPDATE, target=plan, changes=changes)
    return PlanChange(plan=plan, changed=True, open_tasks=open_tasks, replanned=replanned)


@transaction.atomic
def touchpoint_save(
    *,
    actor: User | None,
    plan: Plan,
    touchpoint: Touchpoint | None = None,
    data: dict[str, Any],
    replan: bool,
    expected_version: int | None = None,
) -> PlanChange:
    """Add a touchpoint to ``plan`` (``touchpoint`` None) or change one; a new plan version.

    ``replan`` and ``expected_version`` as for ``plan_update``. The change is
    audited on the touchpoint, with the plan's old and new version.
    """
    _require_change(
        actor, "followups.add_touchpoint" if touchpoint is None else "followups.change_touchpoint"
    )
    _check_fields(data, TOUCHPOINT_FIELDS)
    plan = _lock_plan(plan, expected_version)
    if touchpoint is None:
        touchpoint, before = Touchpoint(plan=plan), {}
    else:
        touchpoint = Touchpoint.objects.get(pk=touchpoint.pk, plan=plan)
        before = _touchpoint_snapshot(touchpoint)
    for name, value in data.items():
        setattr(touchpoint, name, value)
    touchpoint.full_clean()
    changes = audit_diff(before, _touchpoint_snapshot(touchpoint))
    if not changes:
        return PlanChange(plan=plan, changed=False, open_tasks=plan_open_task_count(plan=plan))
    action = AuditAction.UPDATE if touchpoint.pk else AuditAction.CREATE
    touchpoint.save()
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])
    open_tasks, replanned = _replan(actor=actor, plan=plan, replan=replan)
    changes["plan_version"] = [plan.version - 1, plan.version]
    changes["open_tasks"] = _task_choice(open_tasks, replan, replanned)
    audit_record(actor=actor, action=action, target=touchpoint, changes=changes)
    return PlanChange(plan=plan, changed=True, open_tasks=open_tasks, replanned=replanned)


@transaction.atomic
def touchpoint_delete(*, actor: User | None, touchpoint: Touchpoint) -> Plan:
    """Remove a touchpoint nobody was ever planned for; a new plan version.

    A touchpoint with tasks (open or closed) stays: the tasks, their
    attempts and the reports need it. Deactivate the plan instead.
    """
    _require_change(actor, "followups.delete_touchpoint")
    plan = _lock_plan(touchpoint.plan, None)
    touchpoint = Touchpoint.objects.get(pk=touchpoint.pk, plan=plan)
    tasks = FollowUpTask.objects.filter(touchpoint=touchpoint).count()
    if tasks:
        raise Conflict(
            ngettext(
                "The touchpoint “%(name)s” already has %(count)d follow-up task and cannot be "
                "removed. Deactivate the plan instead, or keep the touchpoint.",
                "The touchpoint “%(name)s” already has %(count)d follow-up tasks and cannot be "
                "removed. Deactivate the plan instead, or keep the touchpoint.",
                tasks,
            )
            % {"name": touchpoint.name, "count": tasks},
            code="touchpoint_has_tasks",
            details={"tasks": tasks},
        )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        target=touchpoint,
        changes={
            **audit_diff(_touchpoint_snapshot(touchpoint), {}),
            "plan_version": [plan.version, plan.version + 1],
        },
    )
    touchpoint.delete()
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])
    return plan
