from django.core.paginator import Paginator
from django.shortcuts import render

from huifang.accounts.selectors import department_list
from huifang.feedback import selectors
from huifang.feedback.models import Case

PAGE_SIZE = 50


def _filters_from(request) -> selectors.CaseFilters:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "open")
    try:
        department_id = int(request.GET.get("department") or 0) or None
    except ValueError:
        department_id = None
    return selectors.CaseFilters(
        kind=kind if kind in Case.Kind.values else "",
        status=status if status in ("open", "all", *Case.Status.values) else "open",
        department_id=department_id,
        overdue=request.GET.get("overdue") == "1",
    )


def case_list(request):
    filters = _filters_from(request)
    cases = selectors.case_list(user=request.user, filters=filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/case_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": Case.Kind.choices,
            "statuses": Case.Status.choices,
            "departments": department_list(user=request.user),
            "nav_active": "feedback",
        },
    )
