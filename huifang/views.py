"""The start page: the project composes what each app offers the person signing in."""

from django.shortcuts import render
from django.utils import timezone

from huifang.feedback.selectors import case_open_counts, case_red_flags_open
from huifang.followups.selectors.assignment import task_list_for_clinician
from huifang.followups.views.workbench import worklist_context
from huifang.patients.selectors import workbench_summary


def _is_clinician(user) -> bool:
    # A doctor or nurse disposes of red flags but answers no complaints (heads do both).
    return user.has_perm("feedback.dispose_case") and not user.has_perm("feedback.answer_case")


def home(request):
    user = request.user
    if _is_clinician(user):
        return clinician_home(request)
    context: dict = {"nav_active": "home"}
    if user.has_perm("followups.view_followuptask"):
        context.update(worklist_context(request))
        context["worklist_url"] = request.path
        if request.htmx and request.htmx.target == "worklist-results":
            return render(request, "followups/_worklist.html#results", context)
    if user.has_perm("patients.view_patient"):
        context["summary"] = workbench_summary(user=user, today=timezone.localdate())
    context["cases"] = case_open_counts(user=user)
    return render(request, "home.html", context)


def clinician_home(request):
    """A doctor's or nurse's start: their red flags to dispose of, and the callbacks assigned to them."""
    user = request.user
    return render(
        request,
        "home_clinician.html",
        {
            "nav_active": "home",
            "red_flags": case_red_flags_open(user=user),
            "callbacks": list(task_list_for_clinician(user=user)[:50]),
            "now": timezone.now(),
        },
    )
