"""November 2026 with every failure reason, complaint category and dimension, for the label tests.

On top of the ``month`` fixture: a task ending on each outcome that is not
a success, tasks never tried in each open or closed status, a complaint of
every category (and a case of every kind), a five-level answer on every
dimension, the plan named 出院随访 and the agent persona named 王回访.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from huifang.accounts.models import Department, User
from huifang.feedback.models import Case
from huifang.followups.models import FollowUpTask, Outcome, Plan
from huifang.reports.tests.conftest import attempt
from huifang.surveys.models import Answer, Dimension, Item, ItemKind, Questionnaire, Response
from huifang.testing.factories import make_task, make_touchpoint

NOV = datetime.date(2026, 11, 1)
AGENT_NAME = "王回访"
PLAN_NAME = "出院随访"
NEVER_TRIED = (
    FollowUpTask.Status.PENDING,
    FollowUpTask.Status.UNREACHABLE,
    FollowUpTask.Status.WINDOW_PASSED,
)


@pytest.fixture
def labelled(month, personas, departments, patient_medicine, patient_surgery):
    agent = personas["agent"]
    User.objects.filter(pk=agent.pk).update(display_name=AGENT_NAME)
    Plan.objects.filter(code="test-plan").update(name=PLAN_NAME)
    failures = Outcome.objects.filter(counts_as_success=False).exclude(code="no_phone")
    for i, outcome in enumerate(failures.order_by("code")):
        task = make_task(patient_medicine, touchpoint=make_touchpoint(code=f"fail{i}"))
        attempt(task, outcome.code, datetime.date(2026, 11, 16), agent=agent)
    for i, status in enumerate(NEVER_TRIED):
        task = make_task(patient_surgery, touchpoint=make_touchpoint(code=f"open{i}"))
        FollowUpTask.objects.filter(pk=task.pk).update(status=status)
    recorded = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
    cases = [
        Case(
            kind=Case.Kind.COMPLAINT,
            source=Case.Source.AGENT,
            patient=patient_medicine,
            department=departments["medicine_ward"],
            category=category,
            description=f"投诉{i}",
            reported_by=agent,
        )
        for i, category in enumerate(Case.Category.values)
    ]
    cases += [
        Case(
            kind=kind,
            source=Case.Source.AGENT,
            patient=patient_surgery,
            department=departments["surgery"],
            description=f"其他{kind}",
        )
        for kind in (Case.Kind.SUGGESTION, Case.Kind.PRAISE, Case.Kind.ESCALATION)
    ]
    Case.objects.bulk_create(cases)
    Case.objects.update(created_at=recorded)
    questionnaire = Questionnaire.objects.create(code="dims", title="维度", status="active")
    for patient in (patient_medicine, patient_surgery):
        response = Response.objects.create(
            questionnaire=questionnaire,
            patient=patient,
            encounter=patient.encounters.first(),
            channel="phone",
            submitted_at=recorded,
        )
        for j, dimension in enumerate(Dimension.values):
            item, _ = Item.objects.get_or_create(
                questionnaire=questionnaire,
                code=f"q{j}",
                defaults={
                    "kind": ItemKind.SATISFACTION5,
                    "text": f"问题{j}",
                    "dimension": dimension,
                    "position": j,
                },
            )
            Answer.objects.create(response=response, item=item, value=4, number=4)
    return month


def raw_codes(*, english: bool = False) -> set[str]:
    """Every code a report must show as words.

    In English only those no English sentence holds (``no_answer``, ``MED-W1``,
    ``test-plan``): ``cost`` or ``food`` are words there.
    """
    codes = set(Outcome.objects.values_list("code", flat=True))
    codes |= set(FollowUpTask.Status.values)
    codes |= set(Department.objects.values_list("code", flat=True))
    codes |= {"test-plan"}
    if not english:
        codes |= set(Case.Category.values) | set(Dimension.values) | set(Case.Kind.values)
        codes |= set(Case.Status.values) | {"agent"}
    return {c for c in codes if not english or re.search(r"[_\-]|^[A-Z]+$", c)}


class _Text(HTMLParser):
    """The text a person reads on a page: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def codes_in(text: str, codes: set[str]) -> set[str]:
    """The codes written as a word of their own in ``text``."""
    return {c for c in codes if re.search(rf"(?<![\w\-]){re.escape(c)}(?![\w\-])", text)}
