"""The daily register (回访日报表) of all agents in the user's scope.

One row per call: who, the masked number, what the call was and how it
went, who called, the satisfaction answered (the built-in question, or the
questionnaire's satisfaction items — a health-check call asks about the
report's explanation, not "overall"), the complaints and suggestions taken
on the call, the clinical red flag raised, and the agent's note.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from huifang.core.masking import mask_phone
from huifang.feedback.models import Case
from huifang.feedback.selectors import description_excerpt
from huifang.followups import slots
from huifang.followups.models import ContactAttempt
from huifang.followups.templatetags.followups import satisfaction_label
from huifang.reports import labels
from huifang.reports.selectors import Scope
from huifang.surveys import answers as answer_rules
from huifang.surveys.models import Item, ItemKind

SATISFACTION_KINDS = (ItemKind.SATISFACTION5, ItemKind.SATISFACTION3)
REMARK_LENGTH = 120


@dataclass
class RegisterRow:
    name: str
    phone: str
    content: str
    agent: str
    satisfaction: str
    remarks: str
    reached: bool
    cases: str = ""
    red_flag: str = ""


def _questionnaire_items(attempts) -> dict[tuple[str, int], list[Item]]:
    """The satisfaction items of the questionnaires asked on ``attempts``. One query."""
    asked = {
        (a.answers["questionnaire"], a.answers.get("version"))
        for a in attempts
        if isinstance(a.answers, dict) and a.answers.get("questionnaire")
    }
    if not asked:
        return {}
    items = Item.objects.filter(
        questionnaire__code__in={code for code, _v in asked}, kind__in=SATISFACTION_KINDS
    ).select_related("questionnaire")
    result: dict[tuple[str, int], list[Item]] = {}
    for item in items.order_by("position", "pk"):
        key = (item.questionnaire.code, item.questionnaire.version)
        result.setdefault(key, []).append(item)
    return result


def _satisfaction(answers, items: dict) -> str:
    """The built-in answer's label, else the questionnaire's satisfaction answers as words."""
    label = satisfaction_label(answers)
    if label or not isinstance(answers, dict) or not answers.get("questionnaire"):
        return label
    given = answers.get("answers") or {}
    asked = [
        item
        for item in items.get((answers["questionnaire"], answers.get("version")), [])
        if given.get(item.code) not in (None, "", [])
    ]
    overall = [item for item in asked if item.dimension == "overall"]
    # In the hospital's language, as the call stored its overall label.
    with translation.override(settings.LANGUAGE_CODE):
        if overall:
            return answer_rules.answer_label(overall[0], given[overall[0].code])
        if len(asked) == 1:
            return answer_rules.answer_label(asked[0], given[asked[0].code])
        return "；".join(
            f"{item.get_dimension_display() or item.text}：{answer_rules.answer_label(item, given[item.code])}"
            for item in asked
        )


def _call_cases(attempts, start, end) -> dict[int, list[Case]]:
    """Cases opened on each call: linked to the attempt, or from its questionnaire that day."""
    by_id = {a.pk: a for a in attempts}
    if not by_id:
        return {}
    last_of_task: dict[int, ContactAttempt] = {}
    for a in attempts:
        last_of_task[a.task_id] = a
    cases = (
        Case.objects.filter(
            Q(attempt_id__in=by_id)
            | Q(
                attempt__isnull=True,
                source=Case.Source.QUESTIONNAIRE,
                task_id__in=last_of_task,
                created_at__gte=start,
                created_at__lt=end,
            )
        )
        .only("kind", "category", "description", "attempt_id", "task_id")
        .order_by("created_at", "pk")
    )
    result: dict[int, list[Case]] = {}
    for case in cases:
        owner = case.attempt_id if case.attempt_id in by_id else last_of_task[case.task_id].pk
        result.setdefault(owner, []).append(case)
    return result


def _case_text(case: Case) -> str:
    head = case.get_kind_display()
    if case.category:
        head = f"{head}·{case.get_category_display()}"
    return f"{head}：{description_excerpt(case.description, REMARK_LENGTH)}"


def register_rows(*, scope: Scope, day: date) -> list[RegisterRow]:
    """Every call of ``day`` in scope, in call order; phone numbers masked. Three queries."""
    start = slots.at(day, time.min)
    end = slots.at(day + timedelta(days=1), time.min)
    qs = ContactAttempt.objects.filter(at__gte=start, at__lt=end)
    if scope.department_ids is not None:
        qs = qs.filter(task__encounter__department_id__in=scope.department_ids)
    if scope.agent is not None:
        qs = qs.filter(agent=scope.agent)
    attempts = list(
        qs.select_related(
            "outcome", "phone", "agent", "task__patient", "task__touchpoint", "task__phone"
        ).order_by("at", "pk")
    )
    items = _questionnaire_items(attempts)
    cases = _call_cases(attempts, start, end)
    rows = []
    for attempt in attempts:
        phone = attempt.phone or attempt.task.phone
        agent = attempt.agent
        taken = cases.get(attempt.pk, [])
        flags = [c for c in taken if c.kind == Case.Kind.ESCALATION]
        feedback = [c for c in taken if c.kind != Case.Kind.ESCALATION]
        rows.append(
            RegisterRow(
                name=attempt.task.patient.name,
                phone=mask_phone(phone.number) if phone else "",
                content=f"{attempt.at.astimezone(start.tzinfo):%H:%M} "
                f"{attempt.task.touchpoint.name} · {labels.outcome_label(attempt.outcome)}",
                agent=(agent.display_name or agent.username) if agent else "",
                satisfaction=_satisfaction(attempt.answers, items),
                remarks=attempt.note,
                reached=attempt.outcome.counts_as_success,
                cases="\n".join(_case_text(c) for c in feedback),
                red_flag="\n".join(
                    description_excerpt(c.description, REMARK_LENGTH) for c in flags
                ),
            )
        )
    return rows
