"""The start page: the project composes what each app offers the person signing in."""

from django.shortcuts import render
from django.utils import timezone

from huifang.feedback.selectors import case_open_counts
from huifang.followups.views.workbench import worklist_context
from huifang.patients.selectors import workbench_summary


def home(request):
    user = request.user
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
