"""``huifang report summary|daily|compare``: the period summary as JSON or PDF, the daily
register as Excel or PDF, two cohorts compared."""

import json
from datetime import date

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.core.errors import ApplicationError
from huifang.reports import daily, excel, metrics, pdf, selectors
from huifang.reports.periods import Period, parse_period
from huifang.reports.selectors import Scope


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(
            _("Write dates as YYYY-MM-DD, not %(text)s.") % {"text": text}, code="invalid_date"
        ) from None


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApplicationError(
            _("No active user is called %(name)s.") % {"name": username}, code="unknown_user"
        )
    return user


def _period(date_from: date, date_to: date) -> Period:
    """The month or quarter ``--from``/``--to`` spans exactly, or the range as it is."""
    selectors.check_period(date_from, date_to)
    for label in (f"{date_from:%Y-%m}", f"{date_from.year}-Q{(date_from.month - 1) // 3 + 1}"):
        period = parse_period(label)
        if (period.start, period.end) == (date_from, date_to):
            return period
    return Period(f"{date_from}–{date_to}", date_from, date_to, "range")


class Command(BaseCommand):
    help = "Follow-up reports: summary --from D --to D, daily --date D."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        summary = sub.add_parser("summary", help="Every metric for a period.")
        summary.add_argument("--from", dest="date_from", required=True)
        summary.add_argument("--to", dest="date_to", required=True)
        summary.add_argument("--department", default="", help="Department code.")
        summary.add_argument(
            "--breakdown",
            action="append",
            default=[],
            choices=sorted(metrics.BREAKDOWNS),
            help="Add a breakdown (repeatable).",
        )
        summary.add_argument("--user", help="Report as this user (their scope); default: all.")
        summary.add_argument("--json", action="store_true", help="Print one JSON object.")
        summary.add_argument("--pdf", help="Write the summary report (charts, tables) to this PDF.")
        register = sub.add_parser("daily", help="The daily register of all agents.")
        register.add_argument("--date", dest="day", required=True)
        register.add_argument("--xlsx", help="Write the register to this Excel file.")
        register.add_argument("--pdf", help="Write the register to this PDF file.")
        register.add_argument("--user", help="Report as this user (their scope); default: all.")
        compare = sub.add_parser(
            "compare", help="Compare a rate between two cohorts (period, department, plan, tag)."
        )
        for side in ("a", "b"):
            compare.add_argument(f"--{side}-period", required=True, help="YYYY-MM or YYYY-Qn")
            compare.add_argument(f"--{side}-department", default="", help="Department code.")
            compare.add_argument(f"--{side}-plan", default="", help="Plan code.")
            compare.add_argument(
                f"--{side}-tag", default="", help="Encounter tag (abnormal finding, 初诊/复诊)."
            )
        compare.add_argument(
            "--measure", default="success_rate", choices=["success_rate", "follow_up_rate"]
        )
        compare.add_argument("--user", help="Report as this user (their scope); default: all.")
        compare.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        user = _user(options.get("user"))
        if options["action"] == "summary":
            self._summary(user, options)
        elif options["action"] == "compare":
            self._compare(user, options)
        else:
            self._daily(user, options)

    def _scope(self, user, department_code=""):
        if user is None:
            return None
        return selectors.report_scope(user=user, department_code=department_code)

    def _summary(self, user, options):
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        result = selectors.summary(
            user=user,
            scope=self._scope(user, options["department"]),
            date_from=date_from,
            date_to=date_to,
            department_code=options["department"],
            breakdowns=options["breakdown"],
        )
        if options.get("pdf"):
            self._summary_pdf(user, options, date_from, date_to)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        if options.get("pdf"):
            self.stdout.write(f"summary written to {options['pdf']}")
            return
        for key in ("due", "attempted", "reached", "follow_up_rate", "success_rate"):
            self.stdout.write(f"{key}: {result[key]}")

    def _compare(self, user, options):
        from huifang.reports.periods import parse_period

        a, b = (
            selectors.Cohort(
                period=parse_period(options[f"{side}_period"]),
                department=options[f"{side}_department"],
                plan=options[f"{side}_plan"],
                tag=options[f"{side}_tag"],
            )
            for side in ("a", "b")
        )
        result = selectors.compare_cohorts(user=user, a=a, b=b, measure=options["measure"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for side in ("a", "b"):
            c = result[side]
            self.stdout.write(f"{side}: {c['part']}/{c['due']}")
        comparison = result["comparison"]
        if comparison is None:
            self.stdout.write(_("A cohort has nothing due: there is nothing to compare."))
        else:
            self.stdout.write(f"{comparison['test']}: p = {comparison['p_value']:.3g}")

    def _summary_pdf(self, user, options, date_from, date_to):
        department = options["department"]
        scope = self._scope(user, department) or selectors.command_scope(department)
        document = pdf.summary_document(
            user=user,
            period=_period(date_from, date_to),
            department_code=department,
            page="department" if department else "summary",
            scope=scope,
        )
        with open(options["pdf"], "wb") as fh:
            fh.write(pdf.summary_pdf(document))

    def _daily(self, user, options):
        day = _date(options["day"])
        scope = self._scope(user) or Scope(department_ids=None)
        rows = daily.register_rows(scope=scope, day=day)
        filled_in_by = (user.display_name or user.username) if user else "system"
        if options.get("pdf"):
            scope_text = pdf.scope_label(user=user, department_code="")
            with open(options["pdf"], "wb") as fh:
                fh.write(
                    pdf.register_pdf(
                        rows=rows, day=day, filled_in_by=filled_in_by, scope_text=scope_text
                    )
                )
            self.stdout.write(f"{len(rows)} calls written to {options['pdf']}")
            if not options.get("xlsx"):
                return
        if options.get("xlsx"):
            with open(options["xlsx"], "wb") as fh:
                fh.write(
                    excel.register_workbook(
                        rows=rows,
                        day=day,
                        filled_in_by=filled_in_by,
                        scope_text=pdf.scope_label(user=user, department_code=""),
                    )
                )
            self.stdout.write(f"{len(rows)} calls written to {options['xlsx']}")
            return
        for row in rows:
            self.stdout.write(
                "\t".join([row.name, row.phone, row.content, row.agent, row.satisfaction])
            )
        self.stdout.write(f"合计\t{len(rows)}")
