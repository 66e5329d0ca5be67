"""Writes of the core: the audit log, job-run bookkeeping and the holiday table."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.core import calendar
from huifang.core.context import current_request
from huifang.core.errors import ApplicationError, NotFound
from huifang.core.models import AuditAction, AuditEntry, CalendarDay, JobRun
from huifang.core.signals import calendar_changed

logger = logging.getLogger(__name__)

# Field names whose values never go into the audit log in clear.
MASKED_FIELDS = {"number", "phone", "id_number", "password", "token_hash"}


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    patient_id: int | None = None,
    field: str = "",
    changes: dict[str, Any] | None = None,
    target_repr: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log.

    ``changes`` is stored as given, so callers pass masked values for
    anything sensitive (see ``audit_diff``). The request's address and id
    are taken from the current request, when there is one.
    """
    info = current_request.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else "system")[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=(target_repr if target_repr is not None else str(target or ""))[:200],
        patient_id=patient_id,
        field=field,
        changes=_json_safe(changes or {}),
        ip_address=info.ip_address if info else None,
        request_id=info.request_id if info else "",
        via=info.via if info else "system",
    )
    entry.save()
    return entry


def audit_diff(
    before: dict[str, Any], after: dict[str, Any], *, masked: set[str] = MASKED_FIELDS
) -> dict[str, Any]:
    """``{field: [old, new]}`` for fields that changed; sensitive ones as "changed"."""
    diff = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in masked:
            diff[key] = ["***", "***"]
        else:
            diff[key] = [_json_safe(old), _json_safe(new)]
    return diff


def job_run_record(*, name: str, work: Callable[[], dict]) -> dict:
    """Run ``work`` as a recorded background job: a ``JobRun`` with its summary or error."""
    run = job_run_start(name=name)
    try:
        summary = work()
    except Exception as exc:
        job_run_finish(run=run, error=f"{type(exc).__name__}: {exc}")
        logger.exception("job %s failed", name)
        raise
    job_run_finish(run=run, summary=summary)
    logger.info("job %s: %s", name, summary)
    return summary


def job_run_start(*, name: str) -> JobRun:
    """Record that a background job began."""
    return JobRun.objects.create(name=name)


def job_run_finish(*, run: JobRun, summary: dict[str, Any] | None = None, error: str = "") -> None:
    """Record how a background job ended."""
    run.finished_at = timezone.now()
    run.status = JobRun.Status.FAILED if error else JobRun.Status.SUCCEEDED
    run.summary = _json_safe(summary or {})
    run.error = error
    run.save(update_fields=["finished_at", "status", "summary", "error"])


def housekeeping_run(*, now=None) -> dict[str, int]:
    """Nightly clean-up: expired sessions, old sign-in records, old job runs.

    Audit entries are never removed. Returns what was removed, per kind.
    """
    from datetime import timedelta

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.conf import settings
    from django.contrib.sessions.models import Session

    now = now or timezone.now()
    access_cutoff = now - timedelta(days=settings.HUIFANG_ACCESS_LOG_DAYS)
    removed = {
        "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
        "login_attempts": AccessAttempt.objects.filter(
            attempt_time__lt=now - timedelta(days=1)
        ).delete()[0],
        "access_logs": AccessLog.objects.filter(attempt_time__lt=access_cutoff).delete()[0]
        + AccessFailureLog.objects.filter(attempt_time__lt=access_cutoff).delete()[0],
        "job_runs": JobRun.objects.filter(started_at__lt=now - timedelta(days=90)).delete()[0],
    }
    return removed


def _calendar_day_fields(entry: CalendarDay) -> dict[str, Any]:
    return {"date": entry.date, "kind": entry.kind, "name": entry.name, "note": entry.note}


def _calendar_days_changed(days: list[date]) -> None:
    """After the commit of a range: as ``_calendar_changed``, once for all the days."""
    calendar.invalidate()
    logger.info(
        "holiday table: %d days changed, %s to %s",
        len(days),
        days[0].isoformat(),
        days[-1].isoformat(),
    )
    calendar_changed.send(sender=CalendarDay, days=list(days))


def _calendar_changed(day: date, change: str) -> None:
    """After the commit: every reader reloads the table, then later apps hear of ``day``.

    In this order, so receivers (follow-ups re-planning its open tasks)
    already see the new table.
    """
    calendar.invalidate()
    logger.info("holiday table: %s %s", day.isoformat(), change)
    calendar_changed.send(sender=CalendarDay, days=[day])


def _calendar_day_write(
    *, actor, day: date, kind: str, name: str, note: str
) -> tuple[CalendarDay, str, bool]:
    """Write one row of the holiday table, audited.

    Returns the row, ``"created"``, ``"updated"`` or ``"unchanged"``, and
    whether its kind is new (dates may move).
    """
    entry = CalendarDay.objects.select_for_update().filter(date=day).first()
    if entry is None:
        entry = CalendarDay(date=day, kind=kind, name=name, note=note)
        if actor is not None and getattr(actor, "is_authenticated", False):
            entry.created_by = actor
        entry.full_clean()
        entry.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=entry,
            changes=_calendar_day_fields(entry),
        )
        return entry, "created", True
    before = _calendar_day_fields(entry)
    entry.kind, entry.name, entry.note = kind, name, note
    entry.full_clean()
    changes = audit_diff(before, _calendar_day_fields(entry))
    if changes:
        entry.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, target=entry, changes=changes)
    return entry, ("updated" if changes else "unchanged"), "kind" in changes


def calendar_day_set(*, actor, day: date, kind: str, name: str, note: str = "") -> CalendarDay:
    """Enter or change the holiday-table row for ``day``; the calendar sees it at once.

    ``kind`` is ``"holiday"`` (a day off even on a weekday) or ``"workday"``
    (a make-up working day even on a weekend). Audited; an unchanged row is
    neither saved nor audited. A new row or a changed kind sends
    ``calendar_changed`` once committed (follow-ups re-plans the open tasks
    it may move); a changed name or note alone moves no date.
    """
    with transaction.atomic():
        entry, _status, kind_changed = _calendar_day_write(
            actor=actor, day=day, kind=kind, name=name, note=note
        )
        # Now for this process (and this transaction), and again once committed
        # so a reader that reloaded in between does not keep the old table.
        calendar.invalidate()
        if kind_changed:
            transaction.on_commit(lambda: _calendar_changed(day, f"set to {kind}"))
        else:
            transaction.on_commit(calendar.invalidate)
    return entry


@dataclass(frozen=True)
class CalendarRange:
    """Consecutive days of one kind under one name: 国庆节 1–7 October, or one 调休 Saturday."""

    name: str
    date_from: date
    date_to: date
    kind: str
    note: str = ""


# The longest official break is nine days; a range longer than the calendar
# accepts days off in a row is a typing mistake.
CALENDAR_RANGE_MAX_DAYS = calendar.MAX_DAYS_OFF_IN_A_ROW


def _calendar_range_check(item: CalendarRange) -> None:
    if item.kind not in CalendarDay.Kind.values:
        raise ApplicationError(
            _("Choose whether the days are days off or make-up working days."),
            code="calendar_invalid_kind",
            details={"allowed": CalendarDay.Kind.values},
        )
    if not item.name.strip():
        raise ApplicationError(
            _("Give the days a name, for example 国庆节 or 春节调休."), code="calendar_name_missing"
        )
    if len(item.name.strip()) > CalendarDay._meta.get_field("name").max_length:
        raise ApplicationError(
            _("The name is too long: at most %(max)d characters.")
            % {"max": CalendarDay._meta.get_field("name").max_length},
            code="calendar_name_too_long",
        )
    if item.date_to < item.date_from:
        raise ApplicationError(
            _("The last day (%(to)s) is before the first day (%(from)s).")
            % {"to": item.date_to.isoformat(), "from": item.date_from.isoformat()},
            code="calendar_range_reversed",
        )
    length = (item.date_to - item.date_from).days + 1
    if length > CALENDAR_RANGE_MAX_DAYS:
        raise ApplicationError(
            _(
                "%(from)s to %(to)s is %(days)d days; one entry holds at most %(max)d. "
                "Check the dates."
            )
            % {
                "from": item.date_from.isoformat(),
                "to": item.date_to.isoformat(),
                "days": length,
                "max": CALENDAR_RANGE_MAX_DAYS,
            },
            code="calendar_range_too_long",
        )


@dataclass(frozen=True)
class CalendarRangesResult:
    days: int
    created: int
    updated: int
    unchanged: int
    replanned_from: date | None


def calendar_ranges_set(*, actor, ranges: list[CalendarRange]) -> CalendarRangesResult:
    """Enter whole ranges of the holiday table at once: a break, its make-up days, a year.

    Every range is checked before anything is written; a day given twice
    with different kinds or names is refused. One transaction, each day
    audited as ``calendar_day_set`` audits it, unchanged days left alone,
    and one ``calendar_changed`` for all the days whose kind is new, so the
    open tasks are re-planned once, from the earliest of them.
    """
    days: dict[date, CalendarRange] = {}
    for item in ranges:
        _calendar_range_check(item)
        for offset in range((item.date_to - item.date_from).days + 1):
            day = item.date_from + timedelta(days=offset)
            other = days.get(day)
            if other is not None and (other.kind, other.name) != (item.kind, item.name):
                raise ApplicationError(
                    _("%(day)s is given twice: as %(first)s and as %(second)s.")
                    % {"day": day.isoformat(), "first": other.name, "second": item.name},
                    code="calendar_day_twice",
                )
            days[day] = item
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed = []
    with transaction.atomic():
        for day in sorted(days):
            item = days[day]
            _entry, status, kind_changed = _calendar_day_write(
                actor=actor, day=day, kind=item.kind, name=item.name.strip(), note=item.note
            )
            counts[status] += 1
            if kind_changed:
                changed.append(day)
        calendar.invalidate()
        if changed:
            transaction.on_commit(lambda: _calendar_days_changed(changed))
        else:
            transaction.on_commit(calendar.invalidate)
    return CalendarRangesResult(
        days=len(days), replanned_from=changed[0] if changed else None, **counts
    )


def calendar_day_remove(*, actor, day: date) -> None:
    """Delete the holiday-table row for ``day``; the package's answer applies again.

    Audited; sends ``calendar_changed`` once committed, as ``calendar_day_set`` does.
    """
    with transaction.atomic():
        entry = CalendarDay.objects.select_for_update().filter(date=day).first()
        if entry is None:
            raise NotFound(f"节假日表中没有 {day:%Y-%m-%d} 这一天", code="calendar_day_not_found")
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            target=entry,
            changes=_calendar_day_fields(entry),
        )
        entry.delete()
        calendar.invalidate()
        transaction.on_commit(lambda: _calendar_changed(day, "removed"))


def calendar_days_remove(*, actor, days: list[date]) -> int:
    """Delete several rows of the holiday table at once (the administration's bulk delete).

    Each row audited as ``calendar_day_remove`` audits it; one
    ``calendar_changed`` for all of them once committed, so the open tasks
    are re-planned once. Days not in the table are skipped; returns how
    many rows were deleted.
    """
    removed = []
    with transaction.atomic():
        for entry in CalendarDay.objects.select_for_update().filter(date__in=days).order_by("date"):
            audit_record(
                actor=actor,
                action=AuditAction.DELETE,
                target=entry,
                changes=_calendar_day_fields(entry),
            )
            removed.append(entry.date)
            entry.delete()
        calendar.invalidate()
        if removed:
            transaction.on_commit(lambda: _calendar_days_changed(removed))
    return len(removed)
