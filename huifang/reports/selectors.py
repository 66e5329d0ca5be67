"""What each user may report on: tasks, passed records, answers and cases in scope, and the summary."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Department, User
from huifang.accounts.selectors import (
    ALL_DEPARTMENTS,
    department_descendant_ids,
    user_department_scope,
)
from huifang.core.errors import ApplicationError
from huifang.feedback.models import Case
from huifang.followups.models import ContactAttempt, FollowUpTask, PassedTouchpoint
from huifang.reports import labels, metrics, rollup_reads
from huifang.surveys.models import Answer

VIEW_REPORTS = "reports.view_reports"
VIEW_OWN = "reports.view_own_figures"


class ReportDenied(ApplicationError):
    code = "report_denied"
    status = 403


@dataclass(frozen=True)
class Scope:
    """Departments (``None``: all) and, for an agent, the agent whose figures these are."""

    department_ids: set[int] | None
    agent: User | None = None


def report_scope(*, user: User, department_code: str = "") -> Scope:
    """Who may see which figures: heads their departments, managers all, agents their own."""
    if not user.is_authenticated or not user.is_active:
        raise ReportDenied(_("Sign in to see reports."), code="report_denied")
    if user.has_perm(VIEW_REPORTS):
        scope = user_department_scope(user)
        agent = None
    elif user.has_perm(VIEW_OWN):
        scope, agent = ALL_DEPARTMENTS, user
    else:
        raise ReportDenied(_("Your role may not see follow-up reports."), code="report_denied")
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise ApplicationError(
                _("No department has the code %(code)s.") % {"code": department_code},
                code="unknown_department",
            )
        wanted = department_descendant_ids([department.pk])
        if scope is not ALL_DEPARTMENTS and not wanted <= scope:
            raise ReportDenied(
                _("Your role may not see the reports of %(name)s.") % {"name": department.name},
                code="report_denied",
            )
        scope = wanted
    return Scope(department_ids=scope, agent=agent)


def check_period(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise ApplicationError(_("The period ends before it starts."), code="invalid_period")


def due_by(date_to: date) -> date:
    """The last due day counted in a period ending ``date_to``: never after today.

    A task whose first due day has not come is not owed yet: counting it
    would make the current month's rates fall with every call planned.
    """
    return min(date_to, timezone.localdate())


def report_tasks(*, scope: Scope, date_from: date, date_to: date) -> QuerySet[FollowUpTask]:
    """Tasks due in the period (due_from inside it).

    Left out: tasks not due yet (their first due day after today: a call
    not yet owed is no failure), merged tasks (their call is another task's), and cancelled
    tasks nobody tried to call (a plan change, a readmission before the
    call). A cancelled task someone did call stays due — a refusal (拒访) or
    a death learnt on the call is a failure reason — and so does one
    cancelled because the patient died, which shows as an exclusion.
    """
    check_period(date_from, date_to)
    called = ContactAttempt.objects.filter(task=OuterRef("pk"))
    qs = (
        FollowUpTask.objects.filter(due_from__gte=date_from, due_from__lte=due_by(date_to))
        .exclude(status=FollowUpTask.Status.MERGED)
        .exclude(
            Q(status=FollowUpTask.Status.CANCELLED) & ~Q(closed_reason="deceased") & ~Exists(called)
        )
    )
    if scope.department_ids is not ALL_DEPARTMENTS:
        qs = qs.filter(encounter__department_id__in=scope.department_ids)
    if scope.agent is not None:
        qs = qs.filter(
            Q(assigned_to=scope.agent)
            | Q(assigned_to__isnull=True, attempts_made__agent=scope.agent)
        ).distinct()
        # distinct() and GROUP BY do not mix: take the ids instead.
        qs = FollowUpTask.objects.filter(pk__in=qs.values("pk"))
    return qs


def report_passed(*, scope: Scope, date_from: date, date_to: date) -> QuerySet[PassedTouchpoint]:
    """Passed records due in the period (due_from inside it), in the departments in scope.

    A back-filled touchpoint whose window had ended counts as the
    ``window_passed`` task it used to be. Nobody was assigned it or called:
    none is an agent's own figure.
    """
    check_period(date_from, date_to)
    if scope.agent is not None:
        return PassedTouchpoint.objects.none()
    qs = PassedTouchpoint.objects.filter(due_from__gte=date_from, due_from__lte=due_by(date_to))
    if scope.department_ids is not ALL_DEPARTMENTS:
        qs = qs.filter(encounter__department_id__in=scope.department_ids)
    return qs


def _day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def report_answers(*, scope: Scope, date_from: date, date_to: date) -> QuerySet[Answer]:
    """Questionnaire answers submitted in the period, voided responses left out."""
    start, end = _day_bounds(date_from, date_to)
    qs = Answer.objects.filter(
        response__submitted_at__gte=start,
        response__submitted_at__lt=end,
        response__voided_at__isnull=True,
    )
    if scope.department_ids is not ALL_DEPARTMENTS:
        qs = qs.filter(response__encounter__department_id__in=scope.department_ids)
    if scope.agent is not None:
        qs = qs.filter(response__recorded_by=scope.agent)
    return qs


def report_cases(*, scope: Scope, date_from: date, date_to: date) -> QuerySet[Case]:
    """Feedback cases recorded in the period, in the departments in scope."""
    start, end = _day_bounds(date_from, date_to)
    qs = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    if scope.department_ids is not ALL_DEPARTMENTS:
        qs = qs.filter(department_id__in=scope.department_ids)
    if scope.agent is not None:
        qs = qs.filter(reported_by=scope.agent)
    return qs


@dataclass(frozen=True)
class ReportFilters:
    """What a report narrows its scope to, beyond the period and the department.

    ``plan``: a plan code; ``kind``: an encounter kind; ``tag``: an encounter
    tag (an abnormal-finding kind such as ``lipids``, or the visit type
    初诊 / 复诊, as the scheduler matches plans); ``agent``: a username (the
    agent a task belongs to, as the agent table counts it). Empty: no filter.
    Filters only ever narrow the role's scope.
    """

    plan: str = ""
    kind: str = ""
    tag: str = ""
    agent: str = ""

    def __bool__(self) -> bool:
        return bool(self.plan or self.kind or self.tag or self.agent)

    def as_dict(self) -> dict:
        return {"plan": self.plan, "kind": self.kind, "tag": self.tag, "agent": self.agent}


NO_FILTERS = ReportFilters()


def report_filters(
    *, plan: str = "", kind: str = "", tag: str = "", agent: str = ""
) -> ReportFilters:
    """Filters from user input, checked: an unknown plan or encounter kind is explained."""
    from huifang.followups.models import Plan
    from huifang.patients.models import Encounter

    plan, kind, tag, agent = (v.strip() for v in (plan, kind, tag, agent))
    if plan and not Plan.objects.filter(code=plan).exists():
        raise ApplicationError(
            _("No follow-up plan has the code %(code)s.") % {"code": plan}, code="unknown_plan"
        )
    if kind and kind not in Encounter.Kind.values:
        raise ApplicationError(
            _("%(kind)s is not an encounter kind.") % {"kind": kind}, code="unknown_kind"
        )
    return ReportFilters(plan=plan, kind=kind, tag=tag[:50], agent=agent[:150])


def _encounter_q(prefix: str, filters: ReportFilters) -> Q:
    """The encounter part of ``filters`` on a model reaching the encounter by ``prefix``."""
    from huifang.patients.models import AbnormalFinding

    q = Q()
    if filters.kind:
        q &= Q(**{f"{prefix}kind": filters.kind})
    if filters.tag:
        finding = AbnormalFinding.objects.filter(
            encounter=OuterRef(f"{prefix}pk"), kind=filters.tag
        )
        q &= Q(Exists(finding)) | Q(**{f"{prefix}source_record__visit_type": filters.tag})
    return q


def filter_tasks(tasks: QuerySet[FollowUpTask], filters: ReportFilters) -> QuerySet[FollowUpTask]:
    """``tasks`` narrowed to the plan, encounter kind, tag and agent of ``filters``."""
    if not filters:
        return tasks
    tasks = tasks.filter(_encounter_q("encounter__", filters))
    if filters.plan:
        tasks = tasks.filter(plan__code=filters.plan)
    if filters.agent:
        owned = metrics.annotate_tasks(tasks).filter(agent_name=filters.agent).values("pk")
        tasks = FollowUpTask.objects.filter(pk__in=owned)
    return tasks


def filter_passed(
    passed: QuerySet[PassedTouchpoint], filters: ReportFilters
) -> QuerySet[PassedTouchpoint]:
    """``passed`` narrowed like ``filter_tasks``; an agent filter keeps none (no agent)."""
    if not filters:
        return passed
    if filters.agent:
        return passed.none()
    passed = passed.filter(_encounter_q("encounter__", filters))
    if filters.plan:
        passed = passed.filter(plan__code=filters.plan)
    return passed


def filter_answers(answers: QuerySet[Answer], filters: ReportFilters) -> QuerySet[Answer]:
    """Answers whose response is about an encounter (and task) the filters keep."""
    if not filters:
        return answers
    answers = answers.filter(_encounter_q("response__encounter__", filters))
    if filters.plan:
        answers = answers.filter(response__task__plan__code=filters.plan)
    if filters.agent:
        answers = answers.filter(response__recorded_by__username=filters.agent)
    return answers


def filter_cases(cases: QuerySet[Case], filters: ReportFilters) -> QuerySet[Case]:
    """Cases whose encounter (and task) the filters keep; ``agent``: who recorded the case."""
    if not filters:
        return cases
    cases = cases.filter(_encounter_q("encounter__", filters))
    if filters.plan:
        cases = cases.filter(task__plan__code=filters.plan)
    if filters.agent:
        cases = cases.filter(reported_by__username=filters.agent)
    return cases


def filter_choices(*, user: User) -> dict:
    """What the filter menus offer ``user``: departments in scope, plans, kinds, tags, agents.

    Agents are offered only to roles that see more than their own figures.
    """
    from huifang.accounts.roles import AGENT
    from huifang.accounts.selectors import department_list
    from huifang.followups.models import Plan
    from huifang.patients.models import AbnormalFinding, Encounter

    sees_all = user.has_perm(VIEW_REPORTS)
    return {
        "departments": department_list(user=user) if sees_all else [],
        "plans": list(Plan.objects.order_by("code").values_list("code", "name")),
        "kinds": list(Encounter.Kind.choices),
        "tags": [*AbnormalFinding.Kind.choices, ("初诊", "初诊"), ("复诊", "复诊")],
        "agents": list(
            User.objects.filter(groups__name=AGENT, is_active=True)
            .order_by("username")
            .values_list("username", "display_name")
            .distinct()
        )
        if sees_all
        else [],
    }


def command_scope(department_code: str = "") -> Scope:
    """The scope of a command run without ``--user``: every department, or the one asked for."""
    if not department_code:
        return Scope(department_ids=ALL_DEPARTMENTS)
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        raise ApplicationError(
            _("No department has the code %(code)s.") % {"code": department_code},
            code="unknown_department",
        )
    return Scope(department_ids=department_descendant_ids([department.pk]))


def summary(
    *,
    user: User | None,
    date_from: date,
    date_to: date,
    department_code: str = "",
    breakdowns=(),
    scope: Scope | None = None,
    satisfaction_breakdowns=None,
) -> dict:
    """Every metric of docs/metrics.md for the period, rates as fractions.

    ``user`` None (a command run by the operator) sees every department.
    ``satisfaction_breakdowns`` (``doctor``, ``nurse``): satisfaction per
    attending doctor / responsible nurse, as ``satisfaction.by_doctor`` …;
    by default those of ``breakdowns``.
    """
    if scope is None:
        scope = (
            command_scope(department_code)
            if user is None
            else report_scope(user=user, department_code=department_code)
        )
    source = figure_source(scope=scope, date_from=date_from, date_to=date_to)
    figures = source.task_figures().as_dict()
    figures.pop("key")
    result = {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "department": department_code or None,
        **figures,
        "failure_reasons": source.failure_reasons(),
        "satisfaction": {
            "builtin": source.builtin_satisfaction(),
            "questionnaire": source.questionnaire_satisfaction(),
        },
        # Live: "late" counts open complaints past their deadline at the time of asking.
        "complaints": metrics.complaint_figures(source.live_cases()),
        "agents": source.agent_figures(),
        "recheck": metrics.recheck_figures(source.live_tasks(), source.live_passed()),
        "breakdowns": {},
    }
    for name in breakdowns:
        result["breakdowns"][name] = [row.as_dict() for row in source.task_figures_by(name)]
    if satisfaction_breakdowns is None:
        satisfaction_breakdowns = [b for b in breakdowns if b in metrics.SATISFACTION_BREAKDOWNS]
    for name in satisfaction_breakdowns:
        # Live: the rollups carry no doctor or nurse (docs/metrics.md, "Rollups").
        result["satisfaction"][f"by_{name}"] = metrics.satisfaction_by(
            source.live_tasks(), source.live_answers(), name
        )
    return result


def rollup_filters(filters: ReportFilters) -> "rollup_reads.Filters":
    """What of ``filters`` the rollups can answer: plan and encounter kind.

    A tag or an agent is not in the rollups' grain, so it sends the figures
    to the live tables.
    """
    if not filters:
        return rollup_reads.NO_FILTERS
    return rollup_reads.Filters(
        plan_codes=frozenset([filters.plan]) if filters.plan else frozenset(),
        encounter_kinds=frozenset([filters.kind]) if filters.kind else frozenset(),
        other=bool(filters.tag or filters.agent),
    )


def figure_source(
    *, scope: Scope, date_from: date, date_to: date, filters: ReportFilters = NO_FILTERS
) -> "rollup_reads.FigureSource":
    """The period's figures from the rollups when they cover it, else from the live tables.

    The live querysets are narrowed by ``filters`` and the rollups are told
    which of them they can answer (``rollup_filters``), so both paths give
    the same figures.
    """
    return rollup_reads.FigureSource(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        tasks=lambda: filter_tasks(
            report_tasks(scope=scope, date_from=date_from, date_to=date_to), filters
        ),
        passed=lambda: filter_passed(
            report_passed(scope=scope, date_from=date_from, date_to=date_to), filters
        ),
        answers=lambda: filter_answers(
            report_answers(scope=scope, date_from=date_from, date_to=date_to), filters
        ),
        cases=lambda: filter_cases(
            report_cases(scope=scope, date_from=date_from, date_to=date_to), filters
        ),
        filters=rollup_filters(filters),
    )


def trend_figures(
    *, scope: Scope, date_from: date, date_to: date, filters: ReportFilters = NO_FILTERS
) -> list:
    """Task figures per month (rollups for the months they cover, live for the rest)."""
    return rollup_reads.monthly_figures(
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        tasks=lambda a, b: filter_tasks(report_tasks(scope=scope, date_from=a, date_to=b), filters),
        passed=lambda a, b: filter_passed(
            report_passed(scope=scope, date_from=a, date_to=b), filters
        ),
        filters=rollup_filters(filters),
    )


@dataclass
class RateLine:
    """A rate as shown on a page: its parts, value and Wilson 95 % interval."""

    name: str
    part: int
    whole: int
    value: float | None
    low: float | None
    high: float | None


def rate_line(name: str, part: int, whole: int) -> RateLine:
    from huifang.reports.stats import wilson_interval

    interval = wilson_interval(part, whole)
    return RateLine(
        name=name,
        part=part,
        whole=whole,
        value=metrics.rate(part, whole),
        low=interval[0] if interval else None,
        high=interval[1] if interval else None,
    )


def rate_lines(figures: dict) -> list[RateLine]:
    return [
        rate_line("follow_up_rate", figures["attempted"], figures["due"]),
        rate_line("success_rate", figures["reached"], figures["due"]),
        rate_line("success_rate_of_attempted", figures["reached"], figures["attempted"]),
        rate_line("on_time_rate", figures["on_time"], figures["attempted"]),
    ]


def summary_page(
    *,
    user: User | None,
    period,
    department_code: str = "",
    breakdowns=(),
    satisfaction_breakdowns=("doctor", "nurse"),
    scope=None,
) -> dict:
    """The period's summary with intervals on its rates, and a 12-month p-chart of success.

    Satisfaction by doctor and by nurse carries a Wilson interval on each
    rate. A constant number of queries: the summary's, plus one for the trend.
    ``scope`` given (a command run by the operator) replaces the user's.
    """
    from huifang.reports.periods import trailing_months
    from huifang.reports.stats import p_chart

    if scope is None:
        scope = report_scope(user=user, department_code=department_code)
    data = summary(
        user=user,
        scope=scope,
        date_from=period.start,
        date_to=period.end,
        department_code=department_code,
        breakdowns=breakdowns,
        satisfaction_breakdowns=satisfaction_breakdowns,
    )
    data["rates"] = rate_lines(data)
    data["satisfaction_tables"] = {}
    for name in satisfaction_breakdowns:
        data["satisfaction_tables"][name] = data["satisfaction"][f"by_{name}"]
        for row in data["satisfaction"][f"by_{name}"]:
            row["call"] = rate_line(
                "call_satisfaction_rate", row["call_satisfied"], row["call_answers"]
            )
            row["five_level"] = rate_line(
                "five_level_satisfaction_rate",
                row["five_level_satisfied"],
                row["five_level_answers"],
            )
    for name, rows in data["breakdowns"].items():
        for row in rows:
            row["success"] = rate_line("success_rate", row["reached"], row["due"])
            row["follow_up"] = rate_line("follow_up_rate", row["attempted"], row["due"])
        labels.name_breakdown_rows(name, rows)
        if name == "department":
            rows.sort(key=lambda r: (r["success_rate"] is None, -(r["success_rate"] or 0)))
    trend_from, trend_to = trailing_months(period)
    months = trend_figures(scope=scope, date_from=trend_from, date_to=trend_to)
    data["trend"] = p_chart([(m.key[:7], m.reached, m.due) for m in months])
    data["signals"] = control_signals(
        report_tasks(scope=scope, date_from=trend_from, date_to=trend_to),
        period,
        passed=report_passed(scope=scope, date_from=trend_from, date_to=trend_to),
    )
    data.update(feedback_lists(scope=scope, date_from=period.start, date_to=period.end))
    labels.name_agents(data["agents"])
    data["register_day"] = register_day(scope=scope, period=period)
    if scope.agent is None:
        from huifang.reports.breakdown_selectors import department_points

        data["department_points"] = department_points(scope=scope, period=period)
    return data


def register_day(*, scope: Scope, period) -> date:
    """The day the period's daily-register link opens: today within the period, else its last call.

    A period that has ended opens on the last day a call in scope was made
    (its last day when none was); one query.
    """
    today = timezone.localdate()
    if period.start <= today <= period.end:
        return today
    last_day = min(period.end, today)
    if last_day < period.start:
        return period.start
    start, end = _day_bounds(period.start, last_day)
    calls = ContactAttempt.objects.filter(at__gte=start, at__lt=end)
    if scope.department_ids is not ALL_DEPARTMENTS:
        calls = calls.filter(task__encounter__department_id__in=scope.department_ids)
    if scope.agent is not None:
        calls = calls.filter(agent=scope.agent)
    last = calls.order_by("-at").values_list("at", flat=True).first()
    return timezone.localdate(last) if last else last_day


TOP_COMPLAINTS = 10
SUGGESTIONS_LISTED = 50


def feedback_lists(*, scope: Scope, date_from: date, date_to: date) -> dict:
    """The period's most severe complaints and its suggestions, as excerpts. Two queries.

    The same cases as the complaint figures (``report_cases``); the feedback
    app decides how a case is shown outside it (no patient, numbers masked).
    """
    from huifang.feedback.selectors import case_excerpts

    cases = report_cases(scope=scope, date_from=date_from, date_to=date_to)
    return {
        "top_complaints": case_excerpts(
            cases=cases, kind=Case.Kind.COMPLAINT, limit=TOP_COMPLAINTS
        ),
        "suggestions": case_excerpts(
            cases=cases, kind=Case.Kind.SUGGESTION, limit=SUGGESTIONS_LISTED
        ),
    }


def control_signals(tasks, period, passed=None) -> list[dict]:
    """Months of the period whose success rate lies outside its department's p-chart limits.

    Each department's chart covers the trailing 12 months of ``tasks`` (and ``passed``).
    """
    from huifang.reports.stats import p_chart

    wanted = {f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"}
    if period.kind == "quarter":
        wanted.add(f"{period.start.year}-{period.start.month + 1:02d}")
    signals = []
    for department, points in metrics.monthly_by_department(tasks, passed).items():
        for point in p_chart(points):
            if point["out_of_control"] and point["label"] in wanted:
                signals.append({"department": department, **point})
    return signals


def dashboard(
    *, user: User, period, department_code: str = "", filters: ReportFilters = NO_FILTERS
) -> dict:
    """Data for the dashboard charts: 12-month trend, failure reasons, department × dimension.

    ``department_code`` (the department and its wards) and ``filters`` narrow
    every chart and the agent table; a department outside the user's scope
    is refused (``report_scope``).
    """
    scope = report_scope(user=user, department_code=department_code)
    data = dashboard_numbers(scope=scope, period=period, filters=filters)
    labels.name_agents(data["agents"])
    data["labels"] = labels.dashboard_labels(data)
    return data


def dashboard_numbers(*, scope: Scope, period, filters: ReportFilters = NO_FILTERS) -> dict:
    """The dashboard's numbers for a scope: from the rollups where they cover the period."""
    from huifang.reports.periods import trailing_months

    source = figure_source(scope=scope, date_from=period.start, date_to=period.end, filters=filters)
    trend_from, trend_to = trailing_months(period)
    months = trend_figures(scope=scope, date_from=trend_from, date_to=trend_to, filters=filters)
    return {
        "months": [m.key[:7] for m in months],
        "follow_up_rate": [m.follow_up_rate for m in months],
        "success_rate": [m.success_rate for m in months],
        "failure_reasons": source.failure_reasons(),
        "heatmap": source.dimension_by_department(),
        "funnel": source.complaint_funnel(),
        "agents": source.agent_figures(),
    }


@dataclass(frozen=True)
class Cohort:
    """One side of a comparison: a period, and optionally a department, a plan and a tag."""

    period: object
    department: str = ""
    plan: str = ""
    tag: str = ""


def compare_cohorts(*, user: User | None, a, b, measure: str = "success_rate") -> dict:
    """Compare one rate between two cohorts (``Cohort``, or ``(period, department code)``).

    A cohort is the tasks (and passed records) due in its period, in its department (and wards
    below), of its plan, of encounters with its tag — any of them left empty
    does not narrow. ``measure``: ``success_rate`` (reached ÷ due) or
    ``follow_up_rate`` (attempted ÷ due). Chi-square or Fisher's exact test,
    Wilson intervals. Each cohort stays inside the user's scope (``user``
    None: a command run by the operator, every department).
    """
    from huifang.reports.stats import Proportion, compare_rates

    if measure not in ("success_rate", "follow_up_rate"):
        raise ApplicationError(
            _("Compare the success or the follow-up rate."), code="invalid_measure"
        )
    cohorts = []
    for cohort in (a, b):
        if not isinstance(cohort, Cohort):
            cohort = Cohort(*cohort)
        scope = (
            command_scope(cohort.department)
            if user is None
            else report_scope(user=user, department_code=cohort.department)
        )
        filters = report_filters(plan=cohort.plan, tag=cohort.tag)
        bounds = {"date_from": cohort.period.start, "date_to": cohort.period.end}
        figures = metrics.task_figures(
            filter_tasks(report_tasks(scope=scope, **bounds), filters),
            filter_passed(report_passed(scope=scope, **bounds), filters),
        )
        part = figures.reached if measure == "success_rate" else figures.attempted
        cohorts.append(
            {
                "period": cohort.period.label,
                "department": cohort.department or None,
                "plan": filters.plan or None,
                "tag": filters.tag or None,
                "part": part,
                "due": figures.due,
            }
        )
    result = {"measure": measure, "a": cohorts[0], "b": cohorts[1], "comparison": None}
    if cohorts[0]["due"] and cohorts[1]["due"]:
        result["comparison"] = compare_rates(
            Proportion(cohorts[0]["part"], cohorts[0]["due"]),
            Proportion(cohorts[1]["part"], cohorts[1]["due"]),
        )
    return result
