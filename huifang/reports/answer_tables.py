"""Tables of the non-scale answers by department: counts and shares per option.

The choice items of questionnaires (single choice, multiple choice, yes/no:
recovery, medication adherence, why no re-check …) and the built-in
recovery and medication questions asked on calls. Definitions:
docs/metrics.md, "Answers by option".
"""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.surveys.models import Answer, Item, ItemKind

CHOICE_KINDS = (ItemKind.SINGLE, ItemKind.MULTIPLE, ItemKind.YESNO)
# The built-in questions asked on calls that have options (followups.questions).
CALL_QUESTIONS = ("recovery", "medication")


@dataclass
class OptionRow:
    """One department's answers to one question: how many answered, and per option."""

    key: str
    name: str = ""
    answered: int = 0
    counts: dict = field(default_factory=dict)

    def cells(self, options: list[tuple[str, str]]) -> list[tuple[int, float | None]]:
        """(count, share of those who answered) per option, in the options' order."""
        return [
            (self.counts.get(value, 0), self.counts.get(value, 0) / self.answered)
            if self.answered
            else (0, None)
            for value, _label in options
        ]


@dataclass
class OptionTable:
    """One question: its options and a row per department, with the total."""

    source: str  # questionnaire code, or "call" for the built-in call questions
    source_title: str
    code: str
    text: str
    kind: str
    options: list[tuple[str, str]]
    rows: list[OptionRow]
    total: OptionRow

    @property
    def multiple(self) -> bool:
        return self.kind == ItemKind.MULTIPLE


def _values(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or value == "":
        return []
    return [str(value)]


def _add(row: OptionRow, values: list[str], n: int) -> None:
    row.answered += n
    for value in values:
        row.counts[value] = row.counts.get(value, 0) + n


def _build(source, title, code, text, kind, options, per_department, names) -> OptionTable:
    total = OptionRow(key="")
    rows = []
    for department, entries in sorted(per_department.items(), key=lambda kv: kv[0] or "~"):
        row = OptionRow(key=department or "", name=names.get(department, department or ""))
        for values, n in entries:
            _add(row, values, n)
            _add(total, values, n)
        rows.append(row)
    # Answers whose option was removed from a later version keep their stored value.
    known = {value for value, _label in options}
    extra = sorted(v for v in total.counts if v not in known)
    return OptionTable(
        source=source,
        source_title=title,
        code=code,
        text=text,
        kind=kind,
        options=[*options, *((v, v) for v in extra)],
        rows=rows,
        total=total,
    )


def questionnaire_option_tables(
    answers: QuerySet[Answer], names: dict[str, str]
) -> list[OptionTable]:
    """Per choice item (questionnaire code + item code, over its versions), per department.

    ``answers``: scoped, voided responses left out (``selectors.report_answers``).
    Departments are the response encounter's. A multiple-choice answer counts
    once in ``answered`` and once per option picked, so its shares may add
    up to more than 100 %. Two queries.
    """
    rows = (
        answers.filter(item__kind__in=CHOICE_KINDS)
        .values(
            "item__questionnaire__code",
            "item__code",
            "response__encounter__department__code",
            "value",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    grouped: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["item__questionnaire__code"], row["item__code"])
        department = row["response__encounter__department__code"]
        grouped.setdefault(key, {}).setdefault(department, []).append(
            (_values(row["value"]), row["n"])
        )
    if not grouped:
        return []
    items = (
        Item.objects.filter(
            questionnaire__code__in={q for q, _ in grouped},
            code__in={c for _, c in grouped},
            kind__in=CHOICE_KINDS,
        )
        .select_related("questionnaire")
        .order_by("questionnaire__code", "questionnaire__version", "position")
    )
    latest: dict[tuple[str, str], Item] = {}
    labels: dict[tuple[str, str], dict] = {}
    for item in items:
        key = (item.questionnaire.code, item.code)
        latest[key] = item  # ordered by version: the last one wins
        labels.setdefault(key, {}).update({str(v): str(label) for v, label in item.choices})
    tables = []
    order = sorted(grouped, key=lambda k: (k[0], latest[k].position if k in latest else 0))
    for key in order:
        item = latest.get(key)
        if item is None:
            continue
        options = list(labels[key].items())
        tables.append(
            _build(
                key[0],
                item.questionnaire.title,
                key[1],
                item.text,
                item.kind,
                options,
                grouped[key],
                names,
            )
        )
    return tables


def call_option_tables(tasks: QuerySet[FollowUpTask], names: dict[str, str]) -> list[OptionTable]:
    """The built-in recovery and medication questions asked on calls of ``tasks``, per department.

    Every attempt that recorded the answer counts once (as the built-in
    satisfaction does); departments are the task encounter's. One query per
    question.
    """
    from django.utils.translation import gettext

    from huifang.followups.questions import BuiltinQuestionsForm

    tables = []
    for code in CALL_QUESTIONS:
        form_field = BuiltinQuestionsForm.base_fields[code]
        options = [(value, str(label)) for value, label in form_field.choices if value]
        rows = (
            ContactAttempt.objects.filter(task__in=tasks.values("pk"))
            .filter(**{f"answers__{code}__in": [v for v, _ in options]})
            .values("task__encounter__department__code", f"answers__{code}")
            .annotate(n=Count("pk"))
            .order_by()
        )
        per_department: dict = {}
        for row in rows:
            per_department.setdefault(row["task__encounter__department__code"], []).append(
                (_values(row[f"answers__{code}"]), row["n"])
            )
        tables.append(
            _build(
                "call",
                gettext("Questions asked on calls"),
                code,
                str(form_field.label),
                ItemKind.SINGLE,
                options,
                per_department,
                names,
            )
        )
    return tables
