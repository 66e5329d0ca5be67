"""The monthly department notice as an Excel workbook (one sheet per department, and a summary)."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from huifang.core import xlsx
from huifang.core.xlsx import COUNT, DATETIME, Column


def notice_workbook(*, sections, month: date) -> bytes:
    """Cases of the month per department: kind, category, status, deadline, answer, days late.

    Patients appear by name only (no phone, no diagnosis): the notice goes
    to department heads and leadership. Laid out for printing by ``core.xlsx``.
    """
    book = xlsx.workbook()
    title = _("Monthly notice of complaints and suggestions")
    month_text = f"{month:%Y-%m}"
    xlsx.sheet_write(
        book,
        name=_("Summary"),
        title=f"{title} {month_text}",
        columns=[
            Column(_("Department"), 24),
            Column(_("Cases"), 10, COUNT),
            Column(_("Still open"), 10, COUNT),
            Column(_("Answered late"), 12, COUNT),
        ],
        rows=[
            [_section_name(section), len(section.cases), section.open, section.late]
            for section in sections
        ],
    )
    columns = [
        Column(_("Recorded"), 16, DATETIME),
        Column(_("Kind"), 10),
        Column(_("Category"), 12),
        Column(pgettext("feedback case", "Patient"), 10),
        Column(_("Description"), 50),
        Column(_("Status"), 12),
        Column(_("Deadline"), 16, DATETIME),
        Column(_("Answer time"), 16, DATETIME),
        Column(_("Days late"), 8, COUNT),
        Column(_("Verification result"), 12),
    ]
    for section in sections:
        name = _section_name(section)
        xlsx.sheet_write(
            book,
            name=name,
            title=f"{title} {month_text}",
            subtitle=name,
            columns=columns,
            rows=[
                [
                    case.created_at,
                    case.get_kind_display(),
                    case.get_category_display(),
                    case.patient.name if case.patient else _("anonymous"),
                    case.description,
                    case.get_status_display(),
                    case.deadline_at,
                    case.answered_at,
                    case.days_late,
                    case.get_verification_result_display(),
                ]
                for case in section.cases
            ],
        )
    return xlsx.workbook_bytes(book)


def _section_name(section) -> str:
    return str(section.department) if section.department else _("No department")
