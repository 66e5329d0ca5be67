"""The words every report surface shows for the codes the figures are keyed by.

One source for the pages, the dashboard's charts, the Excel workbooks and
the PDFs: failure reasons (the outcome's label, or the task status's),
complaint categories, kinds and statuses, questionnaire dimensions,
departments, plans and agents (their display name, not their user name).
The figures themselves stay keyed by code (``huifang report summary
--json`` and the rollups compare codes); a surface asks here for the words,
in the active language.
"""

from collections.abc import Iterable

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _


def _english() -> bool:
    return not (get_language() or "zh").startswith("zh")


def outcome_label(outcome) -> str:
    """An outcome's label in the active language (the Chinese one when it has no English)."""
    return outcome.label_en if _english() and outcome.label_en else outcome.label_zh


def not_recorded() -> str:
    """What a doctor or nurse column shows when the encounter names nobody."""
    return pgettext("report label", "Not recorded")


def all_departments() -> str:
    return _("All departments")


def reason_labels(codes: Iterable[str]) -> dict[str, str]:
    """Failure-reason codes → the outcome's label (or the task status's). One query."""
    from huifang.followups.models import FollowUpTask, Outcome

    codes = [c for c in codes if c]
    english = _english()
    labels = {
        code: (en if english and en else zh)
        for code, zh, en in Outcome.objects.filter(code__in=codes).values_list(
            "code", "label_zh", "label_en"
        )
    }
    statuses = dict(FollowUpTask.Status.choices)
    return {code: labels.get(code) or str(statuses.get(code, code)) for code in codes}


def category_labels() -> dict[str, str]:
    """Complaint category codes → their words; ``""`` (not classified) too."""
    from huifang.feedback.models import Case

    return {
        "": pgettext("report label", "Not classified"),
        **{k: str(v) for k, v in Case.Category.choices},
    }


def case_kind_labels() -> dict[str, str]:
    from huifang.feedback.models import Case

    return {k: str(v) for k, v in Case.Kind.choices}


def case_status_labels() -> dict[str, str]:
    from huifang.feedback.models import Case

    return {k: str(v) for k, v in Case.Status.choices}


def dimension_labels() -> dict[str, str]:
    """Questionnaire dimension codes → their words; ``""`` (no dimension) too."""
    from huifang.surveys.models import Dimension

    return {
        "": pgettext("report label", "No dimension"),
        **{k: str(v) for k, v in Dimension.choices},
    }


def department_names(codes: Iterable[str | None]) -> dict[str, str]:
    """Department codes → names; ``""`` / ``None`` → "No department". One query."""
    from huifang.accounts.models import Department

    wanted = {c for c in codes if c}
    names = dict(Department.objects.filter(code__in=wanted).values_list("code", "name"))
    result = {code: names.get(code, code) for code in wanted}
    result[""] = pgettext("report label", "No department")
    return result


def plan_names(codes: Iterable[str | None]) -> dict[str, str]:
    """Plan codes → the plan's name. One query."""
    from huifang.followups.models import Plan

    wanted = {c for c in codes if c}
    names = dict(Plan.objects.filter(code__in=wanted).values_list("code", "name"))
    result = {code: names.get(code) or code for code in wanted}
    result[""] = pgettext("report label", "No plan")
    return result


def agent_names(usernames: Iterable[str | None]) -> dict[str, str]:
    """User names → the person's display name (the user name when none is set). One query."""
    from huifang.accounts.models import User

    wanted = {u for u in usernames if u}
    names = dict(User.objects.filter(username__in=wanted).values_list("username", "display_name"))
    result = {u: names.get(u) or u for u in wanted}
    result[""] = pgettext("report label", "No agent")
    return result


def name_breakdown_rows(name: str, rows: list[dict]) -> None:
    """Give each breakdown row the words for its key, as ``row["name"]``.

    Departments, plans and agents by their names; doctors and nurses are
    already names (an empty key is "not recorded"); days and months stay as
    dates.
    """
    keys = [row["key"] for row in rows]
    if name == "department":
        names = department_names(keys)
    elif name == "plan":
        names = plan_names(keys)
    elif name == "agent":
        names = agent_names(keys)
    elif name in ("doctor", "nurse"):
        names = {"": pgettext("report label", "Not recorded")}
    else:
        return
    for row in rows:
        row["name"] = names.get(row["key"] or "", row["key"])


def name_agents(agents: list[dict]) -> None:
    """Give each agent row of the agent table the person's name, as ``row["name"]``."""
    names = agent_names(a["agent"] for a in agents)
    for a in agents:
        a["name"] = names.get(a["agent"], a["agent"])


def summary_labels(data: dict) -> dict[str, dict[str, str]]:
    """The words for every code a summary (``selectors.summary_page``) holds. A few queries."""
    complaints = data.get("complaints", {})
    departments = set(complaints.get("by_department", {}))
    departments |= {s["department"] for s in data.get("signals", [])}
    return {
        "reasons": reason_labels(data.get("failure_reasons", {})),
        "categories": category_labels(),
        "kinds": case_kind_labels(),
        "statuses": case_status_labels(),
        "dimensions": dimension_labels(),
        "departments": department_names(departments),
    }


def dashboard_labels(data: dict) -> dict[str, dict[str, str]]:
    """The words the dashboard's charts show: reasons, departments, dimensions, series names."""
    return {
        "reasons": reason_labels(data.get("failure_reasons", {})),
        "departments": department_names(data.get("heatmap", {})),
        "dimensions": dimension_labels(),
        "series": {
            "follow_up_rate": pgettext("report label", "Follow-up rate"),
            "success_rate": pgettext("report label", "Success rate"),
            "tasks": pgettext("report label", "Tasks"),
            "score": pgettext("report label", "Mean score (0–100)"),
        },
        "funnel": {
            "recorded": pgettext("report label", "Recorded"),
            "forwarded": pgettext("report label", "Sent to the department"),
            "answered": pgettext("report label", "Answered by the department"),
            "verified": pgettext("report label", "Verified with the patient"),
            "closed": pgettext("report label", "Closed"),
        },
    }
