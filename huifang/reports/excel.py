"""Excel workbooks of the reports, in the user's language, laid out by ``core.xlsx``.

The words are the PDFs' (``reports.labels``, the ``daily register`` texts):
a reason, category, department, plan or agent appears by its name, never
its code. Counts are numbers and rates are fractions formatted as percents.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from huifang.core import xlsx
from huifang.core.xlsx import COUNT, DATE, NUMBER, PERCENT, Column
from huifang.reports import labels


def register_columns() -> list[Column]:
    """The daily register's columns, as its PDF names them."""
    return [
        Column(pgettext("daily register", "No."), 6, COUNT),
        Column(pgettext("daily register", "Name"), 10),
        Column(pgettext("daily register", "Phone number"), 14),
        Column(pgettext("daily register", "Follow-up content"), 32),
        Column(pgettext("daily register", "Agent"), 10),
        Column(pgettext("daily register", "Satisfaction"), 14),
        Column(pgettext("daily register", "Complaints and suggestions"), 28),
        Column(pgettext("daily register", "Clinical red flag"), 24),
        Column(pgettext("daily register", "Notes"), 24),
    ]


def register_workbook(*, rows, day, filled_in_by: str, scope_text: str = "") -> bytes:
    """回访日报表: one row per call, the day's totals as numbers, who filled it in and the date."""
    book = xlsx.workbook()
    title = pgettext("daily register", "Daily follow-up report")
    reached = sum(1 for r in rows if r.reached)
    xlsx.sheet_write(
        book,
        name=title,
        title=f"{settings.HUIFANG_HOSPITAL_NAME} {title}",
        subtitle=_("Date: %(day)s | Scope: %(scope)s")
        % {"day": day.isoformat(), "scope": scope_text or labels.all_departments()},
        columns=register_columns(),
        rows=[
            [
                i,
                r.name,
                r.phone,
                r.content,
                r.agent,
                r.satisfaction,
                r.cases,
                r.red_flag,
                r.remarks,
            ]
            for i, r in enumerate(rows, start=1)
        ],
        footer=[
            [pgettext("daily register", "Total calls"), len(rows)],
            [pgettext("daily register", "Of which reached"), reached],
            [pgettext("daily register", "Filled in by"), filled_in_by],
            [pgettext("daily register", "Date"), day],
        ],
    )
    return xlsx.workbook_bytes(book)


def summary_columns() -> list[tuple[str, Column]]:
    return [
        ("key", Column(pgettext("report workbook", "Group"), 18)),
        ("due", Column(pgettext("report workbook", "Due for follow-up"), 10, COUNT)),
        ("attempted", Column(pgettext("report workbook", "Attempted"), 10, COUNT)),
        ("reached", Column(pgettext("report workbook", "Reached"), 10, COUNT)),
        ("follow_up_rate", Column(pgettext("report workbook", "Follow-up rate"), 10, PERCENT)),
        ("success_rate", Column(pgettext("report workbook", "Success rate"), 10, PERCENT)),
        (
            "success_rate_of_attempted",
            Column(pgettext("report workbook", "Reached ÷ attempted"), 12, PERCENT),
        ),
        ("on_time", Column(pgettext("report workbook", "On time"), 10, COUNT)),
        ("on_time_rate", Column(pgettext("report workbook", "On-time rate"), 10, PERCENT)),
        (
            "excluded_deceased",
            Column(pgettext("report workbook", "Deceased before contact"), 10, COUNT),
        ),
        ("excluded_no_phone", Column(pgettext("report workbook", "No phone on record"), 10, COUNT)),
    ]


def _period_line(summary: dict, scope_text: str) -> str:
    period = summary.get("period") or {}
    return _("Period: %(period)s | Scope: %(scope)s") % {
        "period": f"{period.get('from', '')} – {period.get('to', '')}",
        "scope": scope_text or labels.all_departments(),
    }


def summary_workbook(
    *, summary: dict, breakdown: str, rows: list[dict], scope_text: str = ""
) -> bytes:
    """The summary's figures per group with the total, failure reasons, complaints, satisfaction."""
    book = xlsx.workbook()
    hospital = settings.HUIFANG_HOSPITAL_NAME
    subtitle = _period_line(summary, scope_text)
    words = labels.summary_labels(summary)
    columns = summary_columns()
    labels.name_breakdown_rows(breakdown, rows)
    body = [
        [row.get("name") or row.get("key") if key == "key" else row.get(key) for key, _c in columns]
        for row in rows
    ]
    totals = [
        pgettext("daily register", "Total") if key == "key" else summary.get(key)
        for key, _c in columns
    ]
    xlsx.sheet_write(
        book,
        name=pgettext("report workbook", "Summary"),
        title=f"{hospital} {_('Follow-up summary')}",
        subtitle=subtitle,
        columns=[c for _k, c in columns],
        rows=body,
        totals=totals,
    )
    not_reached = summary.get("not_reached") or 0
    xlsx.sheet_write(
        book,
        name=pgettext("report workbook", "Failure reasons"),
        title=pgettext("report workbook", "Why tasks were not reached"),
        subtitle=subtitle,
        columns=[
            Column(pgettext("report workbook", "Reason"), 24),
            Column(pgettext("report workbook", "Tasks"), 10, COUNT),
            Column(pgettext("report workbook", "Share of not reached"), 14, PERCENT),
        ],
        rows=[
            [words["reasons"].get(code, code), n, n / not_reached if not_reached else None]
            for code, n in summary["failure_reasons"].items()
        ],
    )
    complaints = summary["complaints"]
    total_complaints = complaints["complaints"]
    xlsx.sheet_write(
        book,
        name=pgettext("report workbook", "Complaint categories"),
        title=pgettext("report workbook", "Complaints by category"),
        subtitle=subtitle,
        columns=[
            Column(pgettext("report workbook", "Category"), 24),
            Column(pgettext("report workbook", "Count"), 10, COUNT),
            Column(pgettext("report workbook", "Share"), 10, PERCENT),
        ],
        rows=[
            [
                words["categories"].get(code, code),
                n,
                n / total_complaints if total_complaints else None,
            ]
            for code, n in sorted(complaints["by_category"].items(), key=lambda kv: -kv[1])
        ],
    )
    satisfaction = summary["satisfaction"]
    for name, title, label in (
        (
            "doctor",
            pgettext("report workbook", "Doctor satisfaction"),
            pgettext("report workbook", "Attending doctor"),
        ),
        (
            "nurse",
            pgettext("report workbook", "Nurse satisfaction"),
            pgettext("report workbook", "Responsible nurse"),
        ),
    ):
        if f"by_{name}" in satisfaction:
            _satisfaction_sheet(book, title, label, satisfaction[f"by_{name}"], subtitle)
    case_columns = [
        Column(pgettext("report workbook", "Category"), 14),
        Column(pgettext("report workbook", "Department"), 16),
        Column(pgettext("report workbook", "Description"), 60),
        Column(pgettext("report workbook", "Status"), 14),
        Column(pgettext("report workbook", "Recorded"), 12, DATE),
    ]
    for title, key in (
        (pgettext("report workbook", "Top complaints"), "top_complaints"),
        (pgettext("report workbook", "Suggestions and their status"), "suggestions"),
    ):
        xlsx.sheet_write(
            book,
            name=title,
            title=title,
            subtitle=subtitle,
            columns=case_columns,
            rows=[
                [c.category, c.department, c.excerpt, c.status, c.opened_on]
                for c in summary.get(key, [])
            ],
        )
    from huifang.reports.breakdown_excel import points_sheet

    points_sheet(book, summary.get("department_points"))
    return xlsx.workbook_bytes(book)


def _satisfaction_sheet(book, title: str, label: str, rows: list[dict], subtitle: str) -> None:
    """Satisfaction per doctor or nurse: each rate beside its sample size and Wilson interval."""
    from huifang.reports.stats import wilson_interval

    def line(part: int, whole: int) -> list:
        interval = wilson_interval(part, whole)
        return [
            whole,
            part,
            part / whole if whole else None,
            *(interval if interval else (None, None)),
        ]

    def group(answers: str, satisfied: str, rate: str) -> list[Column]:
        return [
            Column(answers, 12, COUNT),
            Column(satisfied, 12, COUNT),
            Column(rate, 10, PERCENT),
            Column(pgettext("report workbook", "95% lower"), 9, PERCENT),
            Column(pgettext("report workbook", "95% upper"), 9, PERCENT),
        ]

    not_recorded = pgettext("report label", "Not recorded")
    xlsx.sheet_write(
        book,
        name=title,
        title=title,
        subtitle=subtitle,
        columns=[
            Column(label, 14),
            *group(
                pgettext("report workbook", "Answers on calls"),
                pgettext("report workbook", "Satisfied + fairly satisfied"),
                pgettext("report workbook", "On calls"),
            ),
            *group(
                pgettext("report workbook", "Answers (five levels)"),
                pgettext("report workbook", "Very satisfied + satisfied"),
                pgettext("report workbook", "Questionnaires (five levels)"),
            ),
        ],
        rows=[
            [
                row["key"] or not_recorded,
                *line(row["call_satisfied"], row["call_answers"]),
                *line(row["five_level_satisfied"], row["five_level_answers"]),
            ]
            for row in rows
        ],
    )


def satisfaction_workbook(*, data: dict, scope_text: str = "") -> bytes:
    """The satisfaction report: a sheet per breakdown, each rate beside its answers and interval."""
    book = xlsx.workbook()
    period = data["period"]
    subtitle = _("Period: %(period)s | Scope: %(scope)s") % {
        "period": f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}",
        "scope": scope_text or labels.all_departments(),
    }
    too_few = pgettext("satisfaction", "Too few answers")
    rate_columns = [
        Column(pgettext("satisfaction", "Five-level answers"), 11, COUNT),
        Column(pgettext("satisfaction", "Very satisfied + satisfied"), 11, COUNT),
        Column(pgettext("satisfaction", "Five-level rate"), 10, PERCENT),
        Column(pgettext("report workbook", "95% lower"), 9, PERCENT),
        Column(pgettext("report workbook", "95% upper"), 9, PERCENT),
        Column(pgettext("satisfaction", "Three-level answers"), 11, COUNT),
        Column(pgettext("satisfaction", "Satisfied + fairly satisfied"), 11, COUNT),
        Column(pgettext("satisfaction", "Three-level rate"), 10, PERCENT),
        Column(pgettext("satisfaction", "Mean score (0–100)"), 10, NUMBER),
    ]

    def cells(g) -> list:
        return [
            g.five.answers,
            g.five.satisfied,
            g.five.value,
            g.five.low,
            g.five.high,
            g.three.answers,
            g.three.satisfied,
            g.three.value,
            g.mean_score,
        ]

    sheets = (
        ("department", pgettext("satisfaction", "By department"), _("Department"), False),
        ("doctor", pgettext("satisfaction", "By attending doctor"), _("Attending doctor"), True),
        ("nurse", pgettext("satisfaction", "By responsible nurse"), _("Responsible nurse"), True),
        ("dimension", pgettext("satisfaction", "By dimension"), _("Dimension"), False),
    )
    for key, title, first, ranked in sheets:
        columns = [Column(first, 16)]
        if ranked:
            columns.append(Column(pgettext("satisfaction", "Rank"), 8))
        rows = []
        for g in data[key]:
            row = [g.name]
            if ranked:
                row.append(g.rank if g.rank is not None else (too_few if g.key else "—"))
            rows.append(row + cells(g))
        total = data["total"]
        xlsx.sheet_write(
            book,
            name=title,
            title=f"{settings.HUIFANG_HOSPITAL_NAME} {title}",
            subtitle=subtitle,
            columns=columns + rate_columns,
            rows=rows,
            # An answer counts under one dimension only where it has one: no total there.
            totals=None
            if key == "dimension"
            else [pgettext("daily register", "Total"), *([""] if ranked else []), *cells(total)],
        )
    return xlsx.workbook_bytes(book)
