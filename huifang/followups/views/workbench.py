"""The agent's worklist, the workbench screen, recording a call and the daily register."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, reswap, retarget

from huifang.accounts.models import User
from huifang.accounts.selectors import department_list
from huifang.core.errors import ApplicationError
from huifang.followups import slots
from huifang.followups.adhoc_plans import CONDITION_PLAN, DOCTOR_PLAN
from huifang.followups.forms_workbench import AttemptForm
from huifang.followups.models import Channel, FollowUpTask
from huifang.followups.questions import question_set
from huifang.followups.selectors import assignment as assignment_selectors
from huifang.followups.selectors import find as find_selectors
from huifang.followups.selectors import workbench as workbench_selectors
from huifang.followups.selectors import worklist as worklist_selectors
from huifang.followups.services import claims
from huifang.followups.services.outcomes import (
    callback_hours,
    outcome_needs_callback,
    outcome_takes_answers,
    task_call_windows,
)
from huifang.patients import views as patient_views
from huifang.workflows import call_record

PAGE_SIZE = 50
_GROUP_LABELS = {
    "due_now": _("Due now"),
    "callbacks": _("My booked callbacks"),
    "overdue": _("Overdue"),
    "no_phone": _("No usable phone"),
    "mine": _("Open on my screen"),
}


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters_from(request) -> worklist_selectors.WorklistFilters:
    channel = request.GET.get("channel", "")
    return worklist_selectors.WorklistFilters(
        department_id=_int(request.GET.get("department")),
        plan_id=_int(request.GET.get("plan")),
        priority_min=_int(request.GET.get("priority")),
        channel=channel if channel in Channel.values else "",
    )


def worklist_context(request) -> dict:
    """The worklist's groups, counts and the selected group's page (also used by the start page)."""
    now = timezone.now()
    filters = _filters_from(request)
    group = request.GET.get("group", "due_now")
    if group not in worklist_selectors.GROUPS:
        group = "due_now"
    tasks = worklist_selectors.worklist(user=request.user, now=now, group=group, filters=filters)
    in_hours = worklist_selectors.now_in_working_hours(now)
    return {
        "filters": filters,
        "group": group,
        "groups": [(key, str(_GROUP_LABELS[key])) for key in worklist_selectors.GROUPS],
        "counts": worklist_selectors.worklist_counts(user=request.user, now=now, filters=filters),
        "page": Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page")),
        "departments": department_list(user=request.user),
        "plans": worklist_selectors.worklist_plans(),
        "channels": Channel.choices,
        "in_hours": in_hours,
        "next_window": None if in_hours else _next_window(request.user, now, filters),
        "default_windows": "、".join(
            f"{start:%H:%M}–{end:%H:%M}" for start, end in slots.default_windows()
        ),
        "can_work": request.user.has_perm("followups.work_task"),
        "now": now,
        "query": request.GET.urlencode(),
    }


def _next_window(user, now, filters) -> dict:
    """When the next call window opens, said as staff say it (today / tomorrow / a date), and how many wait."""
    upcoming = worklist_selectors.next_window_opening(user=user, now=now, filters=filters)
    local = timezone.localtime(upcoming.opens_at)
    days = (local.date() - timezone.localtime(now).date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        when = _("today %(time)s") % {"time": clock}
    elif days == 1:
        when = _("tomorrow %(time)s") % {"time": clock}
    else:
        when = f"{date_format(local.date(), 'm-d')}（{date_format(local.date(), 'l')}）{clock}"
    return {"opens_at": upcoming.opens_at, "when": when, "waiting": upcoming.waiting}


def worklist(request):
    if not request.user.has_perm("followups.view_followuptask"):
        raise PermissionDenied
    context = worklist_context(request)
    context["worklist_url"] = request.path
    if request.htmx and request.htmx.target == "worklist-results":
        return render(request, "followups/_worklist.html#results", context)
    context["nav_active"] = "home"
    return render(request, "followups/worklist.html", context)


def _say_refused(request, refused: list[claims.ContactRefused]) -> None:
    """Tell the agent which tasks "next task" skipped because the patient may not be called."""
    for item in refused:
        messages.warning(
            request,
            _("Skipped %(name)s: %(reason)s") % {"name": item.patient_name, "reason": item.message},
        )


def find_patient(request):
    """Find a patient by name, pinyin, initials or a phone's last digits; open their open task.

    One match opens their open task for those who call (else, or when
    there is none, the patient's page);
    several are listed, each with its task. Typing in the box (htmx) gets
    the list only.
    """
    if not request.user.has_perm("followups.view_followuptask"):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:50]
    found = find_selectors.patient_find_with_open_task(user=request.user, q=q)
    context = {"q": q, "found": found, "nav_active": "home"}
    if request.htmx:
        return render(request, "followups/find.html#results", context)
    if not q:
        return redirect("home")
    if len(found) == 1:
        match = found[0]
        # Those who do not call (heads, clinicians, quality) get the patient's record.
        if match.task is not None and request.user.has_perm("followups.work_task"):
            return redirect("followups:task", task_uuid=match.task.uuid)
        return redirect("patients:detail", patient_uuid=match.patient.uuid)
    return render(request, "followups/find.html", context)


@require_POST
def task_next(request):
    """ "Next task": claim the best due task and open it."""
    refused: list[claims.ContactRefused] = []
    task = claims.task_claim_next(
        agent=request.user, filters=_filters_from(request), refused=refused
    )
    _say_refused(request, refused)
    if task is None:
        messages.info(
            request,
            _(
                "Nothing is due now. Booked callbacks and later slots will appear here when their time comes."
            ),
        )
        return redirect("home")
    return redirect("followups:task", task_uuid=task.uuid)


def _workbench_context(
    request, task: FollowUpTask, *, form=None, questions=None, error=None
) -> dict:
    now = timezone.now()
    today = timezone.localdate()
    bench = workbench_selectors.workbench_load(user=request.user, task=task, now=now, today=today)
    can_work = claims.user_may_work_task(request.user, task) and not (
        claims.task_is_kept_for_other(task, request.user)
    )
    held_by_other = claims.task_is_held_by_other(task, request.user, now)
    if form is None:
        form = AttemptForm(
            initial={"version": task.version, "started_at": now, "phone": task.phone_id},
            task=task,
            phones=bench.phones,
            education_items=bench.education_items,
        )
    return {
        "bench": bench,
        "task": task,
        "patient": task.patient,
        "form": form,
        "questions_html": (questions or question_set(task=task)).render(),
        "error": error,
        "can_work": can_work and task.status == FollowUpTask.Status.PENDING and not held_by_other,
        "held_by_other": held_by_other,
        "can_reassign": request.user.has_perm("followups.reassign_task"),
        "agents": assignment_selectors.task_assignee_choices(user=request.user, task=task),
        **_followon_context(request.user, task, bench, can_work=can_work),
        "callback_outcomes": [o.code for o in bench.outcomes if outcome_needs_callback(o)],
        "note_outcomes": [o.code for o in bench.outcomes if o.note_required],
        "answer_outcomes": [o.code for o in bench.outcomes if outcome_takes_answers(o)],
        "call_windows": ",".join(
            f"{start:%H:%M}-{end:%H:%M}" for start, end in task_call_windows(task)
        ),
        "call_windows_label": "、".join(
            f"{start:%H:%M}–{end:%H:%M}" for start, end in task_call_windows(task)
        ),
        "callback_hours": "-".join(f"{moment:%H:%M}" for moment in callback_hours()),
        "callback_hours_label": "–".join(f"{moment:%H:%M}" for moment in callback_hours()),
        "callback_min": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        "can_reveal_phone": request.user.has_perm("patients.reveal_phone"),
        "followon_reason": task.reason.get("text", "")
        if task.plan.code in (CONDITION_PLAN, DOCTOR_PLAN)
        else "",
        "contact": _contact_context(request, task, phones=bench.phones, now=now),
        "dial_default": workbench_selectors.dial_default(task, bench.phones),
        "lease_minutes": claims.lease_length().seconds // 60,
        "nav_active": "home",
    }


def _followon_context(user, task: FollowUpTask, bench, *, can_work: bool) -> dict:
    """What the workbench needs for "call again", "the doctor should call back" and condolences."""
    if not can_work or task.status != FollowUpTask.Status.PENDING:
        return {"can_follow_on": False, "deceased_outcomes": []}
    clinicians = assignment_selectors.clinician_choices(department_id=bench.encounter.department_id)
    attending = (bench.encounter.attending_doctor or "").strip()
    return {
        "can_follow_on": True,
        "offer_doctor_callback": not claims.task_is_doctor_callback(task),
        "clinicians": clinicians,
        "attending_clinician": next(
            (c for c in clinicians if attending and c.display_name == attending), None
        ),
        "deceased_outcomes": [
            o.code for o in bench.outcomes if o.patient_effect == o.PatientEffect.DECEASED
        ],
    }


def _contact_context(request, task: FollowUpTask, *, phones=None, now=None, **kwargs) -> dict:
    """The workbench's contact panel: editable by the agent holding the call, or a manager."""
    return patient_views.contact_panel_context(
        user=request.user,
        patient=task.patient,
        post_url=reverse("followups:task_contact", args=[task.uuid]),
        during_claimed_call=claims.task_is_held_by(task, request.user, now or timezone.now()),
        phones=phones,
        **kwargs,
    )


@require_POST
def task_contact(request, task_uuid):
    """A number added, corrected or retired, or the preferred time set, during the call.

    Returns the contact panel and, out of band, the numbers to dial, so the
    agent can call the new number at once without losing what they typed.
    """
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    held = claims.task_is_held_by(task, request.user, timezone.now())
    error = saved = ""
    try:
        saved = patient_views.contact_change(
            request, patient=task.patient, during_claimed_call=held
        )
    except ApplicationError as exc:
        error = exc.message
    task.patient.refresh_from_db()
    phones = workbench_selectors.phones_in_dial_order(task.patient.phones.all())
    context = _contact_context(request, task, phones=phones, error=error, saved=saved)
    context.update(
        {
            "task": task,
            "dial_phones": phones,
            "dial_default": workbench_selectors.dial_default(task, phones),
            "can_work": request.user.has_perm("followups.work_task")
            and task.status == FollowUpTask.Status.PENDING
            and not claims.task_is_held_by_other(task, request.user, timezone.now()),
            "can_reveal_phone": request.user.has_perm("patients.reveal_phone"),
        }
    )
    return render(request, "followups/_task_contact.html", context)


def _reassign_choices(user) -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__permissions__codename="work_task")
        .distinct()
        .order_by("display_name", "username")
    )


def task_page(request, task_uuid):
    """The workbench for one task; opening it claims it for an agent who may call."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    if (
        claims.user_may_work_task(request.user, task)
        and task.status == FollowUpTask.Status.PENDING
        and not claims.task_is_held_by_other(task, request.user, timezone.now())
    ):
        try:
            task = claims.task_claim(agent=request.user, task=task)
        except ApplicationError as exc:  # assigned to a colleague: read only
            messages.warning(request, exc.message)
        task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    return render(request, "followups/workbench.html", _workbench_context(request, task))


def _record_error(request, task, *, form, questions, message: str, conflict: bool = False):
    context = _workbench_context(request, task, form=form, questions=questions, error=message)
    context["conflict"] = conflict
    if request.htmx:
        response = render(request, "followups/_record_error.html", context)
        return reswap(retarget(response, "#record-errors"), "innerHTML")
    return render(request, "followups/workbench.html", context, status=409 if conflict else 400)


@require_POST
def task_record(request, task_uuid):
    """Record the call; then open the next due task (or go back to the list)."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    if not claims.user_may_work_task(request.user, task):
        raise PermissionDenied
    if claims.task_is_kept_for_other(task, request.user):
        return redirect("followups:task", task_uuid=task.uuid)  # the page says whose it is
    phones = workbench_selectors.phones_in_dial_order(task.patient.phones.all())
    form = AttemptForm(
        request.POST, task=task, phones=phones, education_items=task.plan.education_items or []
    )
    questions = question_set(task=task, data=request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _record_error(request, task, form=form, questions=questions, message=first)
    data = form.cleaned_data
    try:
        # Answers count only when someone was reached; "no answer" skips them.
        answers = questions.answers() if outcome_takes_answers(data["outcome"]) else {}
        call_record(
            task=task,
            outcome=data["outcome"],
            agent=request.user,
            at=timezone.now(),
            note=data["note"],
            callback_at=data["callback_at"],
            phone=next((p for p in phones if p.pk == data["phone"]), None),
            expected_version=data["version"],
            started_at=data["started_at"],
            answers=answers,
            education=data["education"],
            education_note=data["education_note"],
            red_flag=data["red_flag"],
            feedback=form.feedback_items(),
        )
    except ApplicationError as exc:
        return _record_error(
            request,
            worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid),
            form=form,
            questions=questions,
            message=exc.message,
            conflict=exc.code in ("task_changed", "task_claimed", "task_closed"),
        )
    messages.success(
        request,
        _("Recorded for %(name)s: %(outcome)s.")
        % {"name": task.patient.name, "outcome": data["outcome"].label_zh},
    )
    if data["outcome"].patient_effect == data["outcome"].PatientEffect.DECEASED:
        messages.info(
            request,
            _(
                "The death is recorded on the patient: every other follow-up is cancelled "
                "and no greeting will be sent again."
            ),
        )
    following = None
    may_queue = request.user.has_perm("followups.work_task")
    if data.get("then") != "list" and may_queue:
        refused: list[claims.ContactRefused] = []
        following = claims.task_claim_next(agent=request.user, refused=refused)
        _say_refused(request, refused)
    if following is None:
        # A clinician recording a doctor's callback goes back to their own list.
        back = reverse("home") if may_queue else reverse("followups:clinician_tasks")
        if data.get("then") != "list" and may_queue:
            messages.info(request, _("Nothing else is due now."))
        if request.htmx:
            return HttpResponseClientRedirect(back)
        return redirect(back)
    if request.htmx:
        following = worklist_selectors.task_for_user(user=request.user, task_uuid=following.uuid)
        response = render(
            request, "followups/workbench.html#workbench", _workbench_context(request, following)
        )
        return push_url(response, reverse("followups:task", args=[following.uuid]))
    return redirect("followups:task", task_uuid=following.uuid)


@require_POST
def task_lease(request, task_uuid):
    """Renew the claim while the workbench is open (the page calls it every few minutes)."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    try:
        until = claims.task_lease_renew(agent=request.user, task=task)
    except ApplicationError as exc:
        return render(request, "followups/_lease_lost.html", {"message": exc.message}, status=200)
    return HttpResponse(
        f'<span data-lease-until="{until.isoformat()}"></span>', content_type="text/html"
    )


@require_POST
def task_release(request, task_uuid):
    """Give the task back to the team: the agent left it without recording (also sent on page close)."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    claims.task_release(agent=request.user, task=task)
    if request.POST.get("beacon"):
        return HttpResponse(status=204)
    return redirect("home")


@require_POST
def task_reassign(request, task_uuid):
    """A manager takes over the task or gives it to another agent, with a reason."""
    task = worklist_selectors.task_for_user(user=request.user, task_uuid=task_uuid)
    target = None
    if request.POST.get("agent"):
        target = User.objects.filter(pk=_int(request.POST["agent"]), is_active=True).first()
        if target is None:
            messages.error(request, _("Choose an agent from the list."))
            return redirect("followups:task", task_uuid=task.uuid)
    try:
        claims.task_reassign(
            actor=request.user, task=task, to_agent=target, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("followups:task", task_uuid=task.uuid)
    if target is None:
        messages.success(request, _("You took over this task."))
    else:
        messages.success(
            request,
            _("The task now belongs to %(name)s.")
            % {"name": target.display_name or target.username},
        )
    return redirect("followups:task", task_uuid=task.uuid)


def daily_register(request):
    """回访登记: an agent's calls of one day, printable; managers pick the agent."""
    agent = request.user
    if request.GET.get("agent") and request.GET["agent"] != str(request.user.pk):
        if not request.user.has_perm("followups.view_contactattempt"):
            raise PermissionDenied
        agent = User.objects.filter(pk=_int(request.GET["agent"])).first() or request.user
    elif not (
        request.user.has_perm("followups.work_task")
        or request.user.has_perm("followups.view_contactattempt")
    ):
        raise PermissionDenied
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    rows = workbench_selectors.register_rows(agent=agent, day=day)
    return render(
        request,
        "followups/register.html",
        {
            "agent": agent,
            "day": day,
            "rows": rows,
            "reached": sum(1 for r in rows if r.outcome.counts_as_success),
            "agents": _reassign_choices(request.user)
            if request.user.has_perm("followups.view_contactattempt")
            else [],
            "previous_day": date.fromordinal(day.toordinal() - 1),
            "next_day": date.fromordinal(day.toordinal() + 1),
            "nav_active": "register",
        },
    )
