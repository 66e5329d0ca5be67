"""The monthly department notice as an Excel workbook (one sheet per department, and a summary)."""

from datetime import date
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _sheet_title(text: str, used: set[str]) -> str:
    title = "".join(ch for ch in text if ch not in "[]:*?/\\")[:28] or "-"
    base, n = title, 2
    while title in used:
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title)
    return title


def notice_workbook(*, sections, month: date) -> bytes:
    """Cases of the month per department: kind, category, status, deadline, answer, days late.

    Patients appear by name only (no phone, no diagnosis): the notice goes
    to department heads and leadership.
    """
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")
    summary.append([_("Monthly notice of complaints and suggestions"), f"{month:%Y-%m}"])
    summary.append([_("Department"), _("Cases"), _("Still open"), _("Answered late")])
    for cell in summary[2]:
        cell.font = Font(bold=True)
    used = {summary.title}
    headers = [
        _("Recorded"),
        _("Kind"),
        _("Category"),
        pgettext("feedback case", "Patient"),
        _("Description"),
        _("Status"),
        _("Deadline"),
        _("Answer time"),
        _("Days late"),
        _("Verification result"),
    ]
    for section in sections:
        name = str(section.department) if section.department else _("No department")
        summary.append([name, len(section.cases), section.open, section.late])
        sheet = book.create_sheet(_sheet_title(name, used))
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for case in section.cases:
            sheet.append(
                [
                    _local(case.created_at),
                    case.get_kind_display(),
                    case.get_category_display(),
                    case.patient.name if case.patient else _("anonymous"),
                    case.description,
                    case.get_status_display(),
                    _local(case.deadline_at),
                    _local(case.answered_at),
                    case.days_late,
                    case.get_verification_result_display(),
                ]
            )
        sheet.column_dimensions["E"].width = 50
    out = BytesIO()
    book.save(out)
    return out.getvalue()
