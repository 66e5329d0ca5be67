"""The daily register (回访日报表) as PDF."""

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from huifang.reports.pdf.layout import FRAME_WIDTH, build, escape, pdf_font, styles, table

# --- The daily register ----------------------------------------------------------------


def _notes(row) -> str:
    """The agent's note, the complaints taken on the call and the red flag raised, as the Excel has them."""
    parts = [row.remarks, row.cases]
    if row.red_flag:
        parts.append(
            pgettext("daily register", "Clinical red flag: %(text)s") % {"text": row.red_flag}
        )
    return "\n".join(p for p in parts if p)


def register_pdf(*, rows, day: date, filled_in_by: str, scope_text: str) -> bytes:
    """回访日报表: one row per call (phones masked), a 合计 row, who filled it in and the date."""
    font = pdf_font()
    st = styles(font)
    hospital = settings.HUIFANG_HOSPITAL_NAME
    title = pgettext("daily register", "Daily follow-up report")
    w = FRAME_WIDTH
    reached = sum(1 for r in rows if r.reached)
    body = [
        [i, r.name, r.phone, r.content, r.agent, r.satisfaction, _notes(r)]
        for i, r in enumerate(rows, start=1)
    ]
    body.append(
        [
            pgettext("daily register", "Total"),
            _("%(n)d calls") % {"n": len(rows)},
            _("%(n)d reached") % {"n": reached},
            "",
            "",
            "",
            "",
        ]
    )
    register_table = table(
        st,
        [
            pgettext("daily register", "No."),
            pgettext("daily register", "Name"),
            pgettext("daily register", "Phone number"),
            pgettext("daily register", "Follow-up content"),
            pgettext("daily register", "Agent"),
            pgettext("daily register", "Satisfaction"),
            pgettext("daily register", "Notes"),
        ],
        body,
        [0.06 * w, 0.1 * w, 0.14 * w, 0.3 * w, 0.11 * w, 0.1 * w, 0.19 * w],
        numeric=(0,),
        bold_last=True,
    )
    story = [
        Paragraph(escape(f"{hospital} {title}"), st["title"]),
        Paragraph(
            escape(
                _("Date: %(day)s | Scope: %(scope)s")
                % {"day": day.isoformat(), "scope": scope_text}
            ),
            st["subtitle"],
        ),
        Spacer(1, 5 * mm),
        register_table,
        Spacer(1, 8 * mm),
        Table(
            [
                [
                    Paragraph(
                        escape(_("Filled in by: %(name)s") % {"name": filled_in_by}), st["body"]
                    ),
                    Paragraph(escape(_("Date: %(day)s") % {"day": day.isoformat()}), st["body"]),
                ]
            ],
            colWidths=[w / 2, w / 2],
        ),
    ]
    return build(
        story,
        font=font,
        title=f"{hospital} {title} {day.isoformat()}",
        footer_left=f"{hospital} | {title} | {day.isoformat()}",
        footer_right=filled_in_by,
    )
