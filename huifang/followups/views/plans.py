"""Plan pages for the service manager, and an encounter's schedule explained."""

from copy import copy
from datetime import date, datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from huifang.core import calendar
from huifang.core.errors import NotFound
from huifang.followups.forms import PlanForm, TouchpointForm, format_windows
from huifang.followups.models import Channel, FollowUpTask, Plan, Touchpoint
from huifang.followups.services import plans as services
from huifang.patients.models import Encounter, Sex
from huifang.patients.selectors import patient_get, patient_scope

# The confirmation step posts the edited form again with one of these.
REPLAN, KEEP = "replan", "keep"


def _expected_version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _form_version(request, plan: Plan) -> int | None:
    # A form shown again (with errors) keeps the version its editor started from.
    return _expected_version(request) if request.method == "POST" else plan.version


def _tasks_choice(request) -> str | None:
    choice = request.POST.get("tasks")
    return choice if choice in (REPLAN, KEEP) else None


def _saved_message(request, change: services.PlanChange) -> None:
    if not change.changed:
        messages.info(request, _("Nothing changed."))
    elif change.replanned:
        messages.success(
            request,
            ngettext(
                "Saved as version %(version)d; %(count)d open task re-planned.",
                "Saved as version %(version)d; %(count)d open tasks re-planned.",
                change.replanned,
            )
            % {"version": change.plan.version, "count": change.replanned},
        )
    else:
        messages.success(
            request, _("Saved as version %(version)d.") % {"version": change.plan.version}
        )


def _confirm_replan(request, *, plan: Plan, form, open_tasks: int, title: str):
    """The question "re-plan the open tasks, or keep them?", with the edit carried along."""
    return render(
        request,
        "followups/confirm_replan.html",
        {
            "plan": plan,
            "form": form,
            "open_tasks": open_tasks,
            "changed": [form[name].label for name in form.changed_data],
            "version": _expected_version(request),
            "title": title,
            "nav_active": "plans",
        },
    )


def _with_kind_labels(plan: Plan) -> Plan:
    kinds = dict(Encounter.Kind.choices)
    plan.kind_labels = [kinds.get(kind, kind) for kind in plan.encounter_kinds]
    return plan


def plan_list(request):
    plans = [_with_kind_labels(plan) for plan in services.plan_list(user=request.user)]
    this_year = timezone.localdate().year
    context = {
        "plans": plans,
        "unannounced_years": calendar.unannounced_years([this_year, this_year + 1]),
        "can_add": request.user.has_perm("followups.add_plan"),
        "nav_active": "plans",
    }
    return render(request, "followups/plan_list.html", context)


def plan_detail(request, code: str):
    plan = _with_kind_labels(services.plan_get(user=request.user, code=code))
    touchpoints = services.plan_touchpoints(plan=plan)
    for touchpoint in touchpoints:
        touchpoint.windows_text = format_windows(touchpoint.call_windows)
    context = {
        "plan": plan,
        "sex_label": dict(Sex.choices).get(plan.sex, ""),
        "touchpoints": touchpoints,
        "open_tasks": services.plan_open_task_count(plan=plan),
        "can_change": request.user.has_perm("followups.change_plan"),
        "can_add_touchpoint": request.user.has_perm("followups.add_touchpoint"),
        "can_change_touchpoint": request.user.has_perm("followups.change_touchpoint"),
        "can_delete_touchpoint": request.user.has_perm("followups.delete_touchpoint"),
        "nav_active": "plans",
    }
    return render(request, "followups/plan_detail.html", context)


def plan_create(request):
    services.plan_add_check(user=request.user)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = services.plan_create(
            actor=request.user, code=form.cleaned_data["code"], data=form.plan_data()
        )
        messages.success(request, _("Plan created. Add its touchpoints next."))
        return redirect("followups:plan_detail", code=plan.code)
    return render(
        request, "followups/plan_form.html", {"form": form, "plan": None, "nav_active": "plans"}
    )


def plan_edit(request, code: str):
    plan = services.plan_get(user=request.user, code=code, for_change=True)
    # A copy for the form: validating writes the edit into its instance, and the
    # page around the form still shows the plan as saved.
    form = PlanForm(request.POST or None, instance=copy(plan))
    if request.method == "POST" and form.is_valid():
        choice = _tasks_choice(request)
        open_tasks = services.plan_open_task_count(plan=plan)
        if choice is None and open_tasks and form.has_changed():
            return _confirm_replan(
                request, plan=plan, form=form, open_tasks=open_tasks, title=_("Edit plan")
            )
        change = services.plan_update(
            actor=request.user,
            plan=plan,
            data=form.plan_data(),
            replan=choice == REPLAN,
            expected_version=_expected_version(request),
        )
        _saved_message(request, change)
        return redirect("followups:plan_detail", code=plan.code)
    return render(
        request,
        "followups/plan_form.html",
        {
            "form": form,
            "plan": plan,
            "version": _form_version(request, plan),
            "nav_active": "plans",
        },
    )


def _touchpoint_form_page(request, *, plan: Plan, touchpoint: Touchpoint | None):
    form = TouchpointForm(
        request.POST or None, instance=copy(touchpoint) if touchpoint else None, plan=plan
    )
    if request.method == "POST" and form.is_valid():
        choice = _tasks_choice(request)
        open_tasks = services.plan_open_task_count(plan=plan)
        if choice is None and open_tasks and form.has_changed():
            title = _("Edit touchpoint") if touchpoint else _("Add touchpoint")
            return _confirm_replan(
                request, plan=plan, form=form, open_tasks=open_tasks, title=title
            )
        change = services.touchpoint_save(
            actor=request.user,
            plan=plan,
            touchpoint=touchpoint,
            data=form.touchpoint_data(),
            replan=choice == REPLAN,
            expected_version=_expected_version(request),
        )
        _saved_message(request, change)
        return redirect("followups:plan_detail", code=plan.code)
    context = {
        "form": form,
        "plan": plan,
        "touchpoint": touchpoint,
        "version": _form_version(request, plan),
        "nav_active": "plans",
    }
    return render(request, "followups/touchpoint_form.html", context)


def touchpoint_add(request, code: str):
    plan = services.plan_get(user=request.user, code=code, for_change=True)
    return _touchpoint_form_page(request, plan=plan, touchpoint=None)


def touchpoint_edit(request, code: str, touchpoint_id: int):
    plan = services.plan_get(user=request.user, code=code, for_change=True)
    touchpoint = services.touchpoint_get(user=request.user, plan=plan, touchpoint_id=touchpoint_id)
    return _touchpoint_form_page(request, plan=plan, touchpoint=touchpoint)


def touchpoint_delete(request, code: str, touchpoint_id: int):
    plan = services.plan_get(user=request.user, code=code, for_change=True)
    touchpoint = services.touchpoint_get(user=request.user, plan=plan, touchpoint_id=touchpoint_id)
    if request.method == "POST":
        plan = services.touchpoint_delete(actor=request.user, touchpoint=touchpoint)
        messages.success(
            request,
            _("Touchpoint removed; the plan is now version %(version)d.")
            % {"version": plan.version},
        )
        return redirect("followups:plan_detail", code=plan.code)
    return render(
        request,
        "followups/touchpoint_delete.html",
        {"plan": plan, "touchpoint": touchpoint, "nav_active": "plans"},
    )


# --- An encounter's schedule ---


def _encounter_for_user(user, encounter_uuid) -> Encounter:
    """The encounter, if the user may see its patient; else ``NotFound`` or ``PermissionDenied``."""
    patient_scope(user)  # a role that sees no patient is refused before any lookup
    encounter = (
        Encounter.objects.select_related("patient", "department")
        .filter(uuid=encounter_uuid)
        .first()
    )
    if encounter is None:
        raise NotFound(_("Encounter not found"), code="encounter_not_found")
    # Scoped as the patient's own page: an encounter of a patient out of scope is not found.
    patient_get(user=user, patient_uuid=encounter.patient.uuid)
    return encounter


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_date(str(value))


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_datetime(str(value))


def _reason_lines(reason) -> list[str]:
    """The explanation's reasons as lines, whether given as text, a list or a mapping."""
    if not reason:
        return []
    if isinstance(reason, str):
        # Explain joins its clauses with "；": one clause a line reads more easily,
        # but a "；" inside brackets belongs to its clause (（星期六，休息；…）).
        lines, depth, start = [], 0, 0
        for at, char in enumerate(reason):
            if char in "（(":
                depth += 1
            elif char in "）)":
                depth = max(0, depth - 1)
            elif char == "\n" or (char == "；" and depth == 0):
                lines.append(reason[start:at])
                start = at + 1
        lines.append(reason[start:])
        return [line.strip() for line in lines if line.strip()]
    if isinstance(reason, dict):
        return [str(value) for value in reason.values() if value]
    return [str(item) for item in reason if item]


def encounter_schedule(request, encounter_uuid):
    encounter = _encounter_for_user(request.user, encounter_uuid)
    # Imported here: the selectors are their own module, written alongside this one.
    from huifang.followups.selectors import (
        reason_without_warning,
        schedule_calendar_warning,
        schedule_explain,
    )

    explanation = schedule_explain(encounter=encounter)
    # Shown once above the tables, not again under every task.
    warning = schedule_calendar_warning(explanation)
    plan_names = dict(Plan.objects.values_list("code", "name"))
    touchpoint_names = {
        (plan_code, code): name
        for plan_code, code, name in Touchpoint.objects.values_list("plan__code", "code", "name")
    }
    statuses, channels = dict(FollowUpTask.Status.choices), dict(Channel.choices)
    plans = [
        {
            "code": row["code"],
            "name": plan_names.get(row["code"], row["code"]),
            "matched": row["matched"],
            "reasons": _reason_lines(row.get("reason")),
        }
        for row in explanation.get("plans", [])
    ]
    tasks = [
        {
            "plan": plan_names.get(row.get("plan"), row.get("plan")),
            "touchpoint": touchpoint_names.get(
                (row.get("plan"), row.get("touchpoint")), row.get("touchpoint")
            ),
            "channel": channels.get(row.get("channel"), row.get("channel")),
            "status": row.get("status"),
            "status_label": statuses.get(row.get("status"), row.get("status")),
            "due_from": _as_date(row.get("due_from")),
            "due_until": _as_date(row.get("due_until")),
            "first_slot": _as_datetime(row.get("first_slot")),
            "recorded_on": _as_date(row.get("recorded_on")),
            "reasons": _reason_lines(reason_without_warning(row.get("reason") or "", warning)),
        }
        for row in explanation.get("tasks", [])
    ]
    context = {
        "encounter": encounter,
        "patient": encounter.patient,
        "plans": sorted(plans, key=lambda row: not row["matched"]),
        "tasks": tasks,
        "calendar_warning": warning,
        "nav_active": "patients",
    }
    return render(request, "followups/encounter_schedule.html", context)
