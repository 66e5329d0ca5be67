"""Giving tasks to people, and the tasks made from the workbench.

The bulk reassignment page (an absent agent's tasks to colleagues), "call
again" and "the doctor should call back" from the workbench, and the
clinicians' list of the callbacks asked of them.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from huifang.core.errors import ApplicationError
from huifang.followups.forms_assignment import BulkReassignForm, CallAgainForm, DoctorCallbackForm
from huifang.followups.selectors import assignment as assignment_selectors
from huifang.followups.selectors import worklist as worklist_selectors
from huifang.followups.services import claims, followon


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _name(user) -> str:
    return user.display_name or user.username


@require_POST
def task_call_again(request, task_uuid):
    """Workbench: "call again in N days / on a date" for the same patient and encounter."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    form = CallAgainForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("followups:task", task_uuid=task.uuid)
    data = form.cleaned_data
    try:
        created = followon.task_call_again(
            actor=request.user,
            task=task,
            reason=data["reason"],
            in_days=data["in_days"],
            on=data["on"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("followups:task", task_uuid=task.uuid)
    messages.success(
        request,
        _("Another call to %(name)s is arranged, due from %(day)s.")
        % {"name": task.patient.name, "day": created.due_from.isoformat()},
    )
    return redirect("followups:task", task_uuid=task.uuid)


@require_POST
def task_doctor_callback(request, task_uuid):
    """Workbench: ask the attending doctor (or another clinician of the department) to call back."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    form = DoctorCallbackForm(
        request.POST,
        clinicians=assignment_selectors.clinician_choices(
            department_id=task.encounter.department_id
        ),
    )
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("followups:task", task_uuid=task.uuid)
    clinician = form.cleaned_data["clinician"]
    try:
        followon.task_doctor_callback_create(
            actor=request.user, task=task, clinician=clinician, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("followups:task", task_uuid=task.uuid)
    messages.success(
        request,
        _("%(doctor)s is asked to call %(name)s back; the task is on their list.")
        % {"doctor": _name(clinician), "name": task.patient.name},
    )
    return redirect("followups:task", task_uuid=task.uuid)


def clinician_tasks(request):
    """A clinician's list of the callbacks asked of them (open them to claim and record)."""
    if not request.user.has_perm(assignment_selectors.CALLBACK_PERMISSION):
        raise PermissionDenied
    tasks = list(assignment_selectors.task_list_for_clinician(user=request.user))
    return render(
        request,
        "followups/clinician_tasks.html",
        {"tasks": tasks, "nav_active": "callbacks"},
    )


def reassign_bulk(request):
    """A manager moves an absent colleague's open tasks (all or the ticked) to colleagues."""
    if not request.user.has_perm("followups.reassign_task"):
        raise PermissionDenied
    owners = assignment_selectors.task_owners(user=request.user)
    owner_id = request.POST.get("owner") or request.GET.get("owner")
    owner = next((person for person in owners if str(person.pk) == owner_id), None)
    tasks = (
        list(assignment_selectors.task_list_of_user(user=request.user, owner=owner))
        if owner
        else []
    )
    form = BulkReassignForm(request.POST or None, task_ids=[task.pk for task in tasks])
    if request.method == "POST" and owner is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                moved = claims.tasks_reassign_bulk(
                    actor=request.user,
                    from_user=owner,
                    to_users=list(data["receivers"]),
                    reason=data["reason"],
                    task_ids=data["tasks"] if data["scope"] == "selected" else None,
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                names = {user.pk: _name(user) for user in data["receivers"]}
                total = sum(moved.values())
                messages.success(
                    request,
                    ngettext(
                        "%(count)d task of %(owner)s moved: %(split)s.",
                        "%(count)d tasks of %(owner)s moved: %(split)s.",
                        total,
                    )
                    % {
                        "count": total,
                        "owner": _name(owner),
                        "split": "，".join(f"{names[pk]} {n}" for pk, n in moved.items()),
                    },
                )
                return redirect(f"{request.path}?owner={owner.pk}")
        else:
            messages.error(request, _first_error(form))
    receivers = (
        assignment_selectors.receiver_choices(user=request.user, owner=owner, tasks=tasks)
        if owner
        else []
    )
    return render(
        request,
        "followups/reassign_bulk.html",
        {
            "owners": owners,
            "owner": owner,
            "tasks": tasks,
            "receivers": receivers,
            "form": form,
            "chosen_receivers": {str(pk) for pk in request.POST.getlist("receivers")},
            "nav_active": "reassign",
        },
    )
