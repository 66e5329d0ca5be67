"""Cases from what a call or a questionnaire captured: one case per call and topic.

A call can bring the same matter twice: the agent writes down "the night
nurse was rude" and the questionnaire asked on the same call records
"dissatisfied with the nurses". Both are one complaint about attitude, so
the answer joins the agent's case (a line on its timeline) instead of
opening a second, unlinked one. Likewise one call opens at most one
clinical red flag, whether the agent wrote it under 异常上报 or an answer
raised it.

A dissatisfied answer's topic comes from its question's satisfaction
dimension (nurses → attitude, cost → cost, …); answers without a topic of
their own (overall satisfaction, "tell us what went wrong", suggestions)
join the call's first case of any topic, else open one of their own.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from huifang.core.services import audit_record
from huifang.feedback.models import Case
from huifang.feedback.services.cases import case_create, event_record

C = Case.Category

# A satisfaction dimension (surveys.Dimension) → the case's category. "overall"
# names no topic: such an answer joins the call's other case, if any.
DIMENSION_CATEGORY = {
    "doctors": C.ATTITUDE,
    "nurses": C.ATTITUDE,
    "attitude": C.ATTITUDE,
    "technique": C.TECHNIQUE,
    "education": C.COMMUNICATION,
    "cost": C.COST,
    "environment": C.ENVIRONMENT,
    "food": C.FOOD,
    "process": C.PROCESS,
}


@dataclass
class _Topic:
    kind: str
    category: str
    lines: list[str] = field(default_factory=list)
    case: Case | None = None


def answer_summary(answer) -> str:
    """One readable line for a flagged answer, in the hospital's language.

    A satisfaction question: "对护士不满意（回答：不满意）"; a written answer:
    what the patient said; anything else: the question and the answer.
    """
    from huifang.surveys.answers import answer_label
    from huifang.surveys.models import Dimension

    item = answer.item
    with translation.override(settings.LANGUAGE_CODE):
        label = answer_label(item, answer.value)
        if item.kind == "text":
            return _("The patient said: %(text)s") % {"text": str(answer.value).strip()}
        if item.dimension and item.dimension != Dimension.OVERALL and "satisfaction" in item.kind:
            return _("Not satisfied with %(dimension)s (answered “%(answer)s”).") % {
                "dimension": Dimension(item.dimension).label,
                "answer": label,
            }
        if item.dimension == Dimension.OVERALL:
            return _("Not satisfied overall (answered “%(answer)s”).") % {"answer": label}
        return f"{item.text.rstrip('？?')}：{label}"


def _answer_category(answer) -> str | None:
    if answer.item.kind == "text":
        return None
    return DIMENSION_CATEGORY.get(answer.item.dimension or "")


def _join(*, case: Case, actor, lines: list[str], now: datetime, answers: int) -> None:
    """Add the answers' lines to a case opened on the same call; on its timeline and audited."""
    text = "\n".join(lines)
    case.description = f"{case.description}\n{text}"
    case.save(update_fields=["description", "updated_at"])
    event_record(case=case, actor=actor, action="joined", note=text, at=now)
    audit_record(
        actor=actor,
        action="update",
        target=case,
        patient_id=case.patient_id,
        field="description",
        changes={"joined_answers": answers},
    )


def cases_open_from_call(
    *,
    attempt,
    task,
    agent,
    feedback: list[dict] | None = None,
    red_flag: str = "",
    response=None,
    flagged=(),
) -> list[Case]:
    """Open the cases of one recorded call: one per topic, the answers joining the agent's.

    ``feedback`` (the agent's complaints, suggestions, praise: ``kind``,
    ``category``, ``description``, optional ``department``) and ``red_flag``
    come from the workbench; ``response`` and ``flagged`` (its answers that
    open a case or are a red flag) from the questionnaire asked on the call.
    A verification call's answers are the same complaint and open nothing
    (``flagged`` is then empty), but a red flag in them still does. Runs
    inside the call's transaction: a case that does not validate undoes the
    whole call. Returns the cases opened.
    """
    now = attempt.at
    common = {"encounter": task.encounter, "task": task, "attempt": attempt, "now": now}
    opened: list[Case] = []
    red_answers = [a for a in flagged if a.red_flag]
    other_answers = [a for a in flagged if a.opens_feedback and not a.red_flag]
    with transaction.atomic():
        escalation = None
        if red_flag:
            escalation = case_create(
                actor=agent,
                kind=Case.Kind.ESCALATION,
                source=Case.Source.AGENT,
                description=red_flag,
                severity=Case.Severity.HIGH,
                **common,
            )
            opened.append(escalation)
        if red_answers:
            lines = [answer_summary(a) for a in red_answers]
            if escalation is not None:
                _join(case=escalation, actor=agent, lines=lines, now=now, answers=len(lines))
            else:
                opened.append(
                    case_create(
                        actor=agent,
                        kind=Case.Kind.ESCALATION,
                        source=Case.Source.QUESTIONNAIRE,
                        description="\n".join(lines),
                        severity=Case.Severity.HIGH,
                        **common,
                    )
                )

        topics: dict[tuple[str, str], _Topic] = {}
        for item in feedback or []:
            key = (item["kind"], item.get("category") or C.OTHER)
            topic = topics.get(key)
            if topic is None:
                topic = topics[key] = _Topic(kind=key[0], category=key[1])
                topic.case = case_create(
                    actor=agent,
                    kind=item["kind"],
                    source=Case.Source.AGENT,
                    description=item.get("description", ""),
                    category=key[1],
                    department=item.get("department"),
                    **common,
                )
                opened.append(topic.case)
            else:
                _join(
                    case=topic.case,
                    actor=agent,
                    lines=[item.get("description", "").strip()],
                    now=now,
                    answers=0,
                )
        opened.extend(
            _answers_into_topics(
                answers=other_answers,
                topics=topics,
                actor=agent,
                source_common={**common, "source": Case.Source.QUESTIONNAIRE},
            )
        )
    return opened


def _answers_into_topics(*, answers, topics: dict, actor, source_common: dict) -> list[Case]:
    """Group dissatisfied answers by topic; join a complaint of the topic, else open one."""
    if not answers:
        return []
    now = source_common["now"]
    by_category: dict[str, list] = {}
    loose = []
    for answer in answers:
        category = _answer_category(answer)
        if category is None:
            loose.append(answer)
        else:
            by_category.setdefault(category, []).append(answer)
    opened: list[Case] = []
    first_case = None
    for category, grouped in by_category.items():
        lines = [answer_summary(a) for a in grouped]
        topic = topics.get((Case.Kind.COMPLAINT, category))
        if topic is not None:
            _join(case=topic.case, actor=actor, lines=lines, now=now, answers=len(lines))
        else:
            topic = topics[(Case.Kind.COMPLAINT, category)] = _Topic(
                kind=Case.Kind.COMPLAINT, category=category
            )
            topic.case = case_create(
                actor=actor,
                kind=Case.Kind.COMPLAINT,
                description="\n".join(lines),
                category=category,
                **source_common,
            )
            opened.append(topic.case)
        first_case = first_case or topic.case
    if loose:
        lines = [answer_summary(a) for a in loose]
        target = first_case or next(
            (t.case for t in topics.values() if t.kind == Case.Kind.COMPLAINT), None
        )
        if target is not None:
            _join(case=target, actor=actor, lines=lines, now=now, answers=len(lines))
        else:
            opened.append(
                case_create(
                    actor=actor,
                    kind=Case.Kind.COMPLAINT,
                    description="\n".join(lines),
                    **source_common,
                )
            )
    return opened


def cases_open_from_response(*, response, flagged) -> list[Case]:
    """A questionnaire answered outside a call (a link, the API, an import): one case per topic.

    One clinical red flag at most; dissatisfied answers grouped by topic as
    on a call. A verification call's "not solved" is handled by the case it
    verifies, so the caller leaves those out.
    """
    common = {
        "patient": response.patient,
        "encounter": response.encounter,
        "task": response.task,
        "now": response.submitted_at,
        "source": Case.Source.QUESTIONNAIRE,
    }
    opened: list[Case] = []
    red = [a for a in flagged if a.red_flag]
    with transaction.atomic():
        if red:
            opened.append(
                case_create(
                    actor=response.recorded_by,
                    kind=Case.Kind.ESCALATION,
                    severity=Case.Severity.HIGH,
                    description="\n".join(answer_summary(a) for a in red),
                    **common,
                )
            )
        opened.extend(
            _answers_into_topics(
                answers=[a for a in flagged if a.opens_feedback and not a.red_flag],
                topics={},
                actor=response.recorded_by,
                source_common=common,
            )
        )
    return opened
