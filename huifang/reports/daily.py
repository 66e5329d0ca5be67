"""The daily register (回访日报表) of all agents in the user's scope."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from huifang.core.masking import mask_phone
from huifang.followups import slots
from huifang.followups.models import ContactAttempt
from huifang.followups.templatetags.followups import satisfaction_label
from huifang.reports.selectors import Scope


@dataclass
class RegisterRow:
    name: str
    phone: str
    content: str
    agent: str
    satisfaction: str
    remarks: str
    reached: bool


def register_rows(*, scope: Scope, day: date) -> list[RegisterRow]:
    """Every call of ``day`` in scope, in call order; phone numbers masked. One query."""
    start = slots.at(day, time.min)
    end = slots.at(day + timedelta(days=1), time.min)
    qs = ContactAttempt.objects.filter(at__gte=start, at__lt=end)
    if scope.department_ids is not None:
        qs = qs.filter(task__encounter__department_id__in=scope.department_ids)
    if scope.agent is not None:
        qs = qs.filter(agent=scope.agent)
    qs = qs.select_related(
        "outcome", "phone", "agent", "task__patient", "task__touchpoint", "task__phone"
    ).order_by("at", "pk")
    rows = []
    for attempt in qs:
        phone = attempt.phone or attempt.task.phone
        agent = attempt.agent
        rows.append(
            RegisterRow(
                name=attempt.task.patient.name,
                phone=mask_phone(phone.number) if phone else "",
                content=f"{attempt.at.astimezone(start.tzinfo):%H:%M} "
                f"{attempt.task.touchpoint.name} · {attempt.outcome.label_zh}",
                agent=(agent.display_name or agent.username) if agent else "",
                satisfaction=satisfaction_label(attempt.answers),
                remarks=attempt.note,
                reached=attempt.outcome.counts_as_success,
            )
        )
    return rows
