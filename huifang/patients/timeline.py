"""The patient page's timeline: what later apps hold about the patient, newest first.

Patients never imports the apps built on it, so each of them registers a
source here from its ``ready()``: follow-ups its tasks and calls, messaging
the SMS and e-mails, questionnaires the answers, feedback the cases. A
source takes ``user``, ``patient`` and ``limit`` and returns at most
``limit`` entries, newest first, read with a fixed number of queries and
scoped by ``user`` through its own app's selectors (an empty list when the
user may not see that kind at all). Free text is masked by the source.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

# What the tabs offer, in this order.
KINDS = (
    ("task", _("Tasks")),
    ("call", _("Calls")),
    ("message", _("Messages")),
    ("response", _("Questionnaire answers")),
    ("case", _("Cases")),
)
# Per kind: the newest this many (the page says when there are more).
LIMIT = 50


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    status: str = ""
    tone: str = "secondary"  # the status badge's colour (Bootstrap)
    who: str = ""
    url: str = ""


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    kinds: list[tuple[str, str, int]]  # (kind, label, entries shown) for the tabs
    kind: str  # the tab shown, "" for all
    truncated: bool  # a kind had more than LIMIT entries


Source = Callable[..., list[TimelineEntry]]

_sources: dict[str, list[Source]] = {}


def register(kind: str, source: Source) -> Source:
    """Add ``source`` of entries of ``kind`` (one of ``KINDS``)."""
    if kind not in dict(KINDS):
        raise ValueError(f"unknown timeline kind {kind!r}")
    sources = _sources.setdefault(kind, [])
    if source not in sources:
        sources.append(source)
    return source


def collect(*, user, patient, kind: str = "") -> Timeline:
    """The entries ``user`` may see, newest first; of one kind when ``kind`` is given.

    Every source is asked (for the tabs' counts), each for ``LIMIT + 1``
    entries, so the page costs the same number of queries whatever the
    patient's history.
    """
    kind = kind if kind in dict(KINDS) else ""
    by_kind: dict[str, list[TimelineEntry]] = {}
    truncated = False
    for name, _label in KINDS:
        entries = [
            entry
            for source in _sources.get(name, ())
            for entry in source(user=user, patient=patient, limit=LIMIT + 1)
        ]
        entries.sort(key=lambda entry: entry.at, reverse=True)
        if len(entries) > LIMIT:
            truncated = True
            entries = entries[:LIMIT]
        by_kind[name] = entries
    shown = by_kind.get(kind) if kind else [e for entries in by_kind.values() for e in entries]
    return Timeline(
        entries=sorted(shown or [], key=lambda entry: entry.at, reverse=True),
        kinds=[(name, str(label), len(by_kind[name])) for name, label in KINDS],
        kind=kind,
        truncated=truncated,
    )
