"""New follow-up task rows, written the cheapest way the database offers.

Most columns of a new task come from its ``TaskShape`` (plan, touchpoint,
dates, slot, status, reason…), which thousands of tasks share; only the
task's own id, patient, encounter and number differ. So each shape's
columns are prepared once — by the model fields themselves — and every
row is those plus four values:

- PostgreSQL: one ``COPY … FROM STDIN`` of text lines per batch, straight
  into the table; should another run have written some of the same tasks
  meanwhile (the ``one_task_per_touchpoint`` constraint refuses the batch),
  the batch goes again through a staging table with ``ON CONFLICT DO NOTHING``.
- SQLite: ``executemany`` of ``INSERT … ON CONFLICT DO NOTHING``.

The same for ``PassedTouchpoint`` records (back-filled touchpoints whose
window had passed): nine narrow columns, the shape's prepared once.

``generation`` decides which rows are new (one read of the chunk's
existing tasks and passed records); this module only writes them.
"""

import json
from collections.abc import Sequence
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from huifang.core.bulk import fresh_uuids
from huifang.followups.models import FollowUpTask, PassedTouchpoint
from huifang.followups.scheduling import TaskShape

# Per row: the task's uuid (32 hex digits), patient, encounter and number to dial ...
_OWN_COLUMNS = ("uuid", "patient_id", "encounter_id", "phone_id")
# ... and the shape's columns, the same for every task of the shape.
_SHAPE_COLUMNS = (
    "plan_id",
    "plan_version",
    "touchpoint_id",
    "sequence",
    "channel",
    "status",
    "due_from",
    "due_until",
    "first_slot",
    "next_attempt_at",
    "attempts",
    "max_attempts",
    "priority",
    "reason",
    "closed_reason",
    "version",
)
# ... and the time of the run.
_TIME_COLUMNS = ("created_at", "updated_at")
COLUMNS = _OWN_COLUMNS + _SHAPE_COLUMNS + _TIME_COLUMNS

# A new task row: (shape, patient id, encounter id, phone id or None).
NewTask = tuple[TaskShape, int, int, int | None]

# A passed record: the encounter's id, then the shape's columns, then the time of the run.
_PASSED_SHAPE_COLUMNS = (
    "touchpoint_id",
    "sequence",
    "plan_id",
    "channel",
    "due_from",
    "due_until",
    "first_slot",
)
PASSED_COLUMNS = ("encounter_id", *_PASSED_SHAPE_COLUMNS, "recorded_at")
# A new passed record: (shape, encounter id).
NewPassed = tuple[TaskShape, int]


def _copy_text(value) -> str:
    """One value as a field of ``COPY``'s text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class TaskRowWriter:
    """Writes new task rows; keeps each shape's prepared columns for the next batches."""

    def __init__(self, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        self._fields = [FollowUpTask._meta.get_field(name) for name in _SHAPE_COLUMNS]
        self._created = FollowUpTask._meta.get_field("created_at")
        self._rendered: dict[TaskShape, object] = {}
        quote = self.connection.ops.quote_name
        self.table = quote(FollowUpTask._meta.db_table)
        self.names = ", ".join(quote(FollowUpTask._meta.get_field(name).column) for name in COLUMNS)
        self._passed_fields = [
            PassedTouchpoint._meta.get_field(name) for name in _PASSED_SHAPE_COLUMNS
        ]
        self._passed_rendered: dict[TaskShape, object] = {}
        self.passed_table = quote(PassedTouchpoint._meta.db_table)
        self.passed_names = ", ".join(
            quote(PassedTouchpoint._meta.get_field(name).column) for name in PASSED_COLUMNS
        )

    def _values(self, shape: TaskShape) -> tuple:
        touchpoint = shape.touchpoint
        return (
            shape.plan.id,
            shape.plan.version,
            touchpoint.id,
            shape.sequence,
            shape.channel,
            shape.status,
            shape.due_from,
            shape.due_until,
            shape.first_slot,
            shape.first_slot,
            0,
            touchpoint.max_attempts,
            touchpoint.priority,
            shape.reason(),
            shape.closed_reason,
            0,
        )

    def _render(self, shape: TaskShape):
        """The shape's columns as the database takes them: a COPY line's tail, or SQLite parameters."""
        values = self._values(shape)
        if self.postgres:
            texts = [
                json.dumps(value, ensure_ascii=False) if name == "reason" else value
                for name, value in zip(_SHAPE_COLUMNS, values, strict=True)
            ]
            rendered = "\t".join(_copy_text(value) for value in texts)
        else:
            rendered = tuple(
                field.get_db_prep_save(value, self.connection)
                for field, value in zip(self._fields, values, strict=True)
            )
        if len(self._rendered) >= 100_000:
            self._rendered.clear()
        self._rendered[shape] = rendered
        return rendered

    def write(self, rows: Sequence[NewTask], *, now: datetime) -> tuple[int, list[str]]:
        """Insert ``rows``, leaving out any that exist already; returns (how many went in, their uuids).

        ``now``: the rows' created and updated time. The uuids are in the
        order of ``rows`` (32 hex digits each).
        """
        if not rows:
            return 0, []
        uuids = fresh_uuids(len(rows))  # time-ordered: the uuid index grows at its end
        rendered = self._rendered
        render = self._render
        if self.postgres:
            stamp = _copy_text(now)
            end = f"\t{stamp}\t{stamp}\n"
            lines = []
            append = lines.append
            for task_uuid, (shape, patient_id, encounter_id, phone_id) in zip(
                uuids, rows, strict=True
            ):
                tail = rendered.get(shape) or render(shape)
                phone = "\\N" if phone_id is None else phone_id
                append(f"{task_uuid}\t{patient_id}\t{encounter_id}\t{phone}\t{tail}{end}")
            data = "".join(lines).encode()
            return self._copy(data, len(rows)), uuids
        stamp = self._created.get_db_prep_save(now, self.connection)
        stamps = (stamp, stamp)
        params = [
            (task_uuid, patient_id, encounter_id, phone_id)
            + (rendered.get(shape) or render(shape))
            + stamps
            for task_uuid, (shape, patient_id, encounter_id, phone_id) in zip(
                uuids, rows, strict=True
            )
        ]
        marks = ", ".join(["%s"] * len(COLUMNS))
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} ({self.names}) VALUES ({marks}) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                params,
            )
            return cursor.rowcount, uuids

    def _passed_render(self, shape: TaskShape):
        values = (
            shape.touchpoint.id,
            shape.sequence,
            shape.plan.id,
            shape.channel,
            shape.due_from,
            shape.due_until,
            shape.first_slot,
        )
        if self.postgres:
            rendered = "\t".join(_copy_text(value) for value in values)
        else:
            rendered = tuple(
                field.get_db_prep_save(value, self.connection)
                for field, value in zip(self._passed_fields, values, strict=True)
            )
        if len(self._passed_rendered) >= 100_000:
            self._passed_rendered.clear()
        self._passed_rendered[shape] = rendered
        return rendered

    def write_passed(self, rows: Sequence[NewPassed], *, now: datetime) -> int:
        """Insert passed records, leaving out any that exist already; returns how many went in."""
        if not rows:
            return 0
        rendered = self._passed_rendered
        render = self._passed_render
        if self.postgres:
            end = f"\t{_copy_text(now)}\n"
            data = "".join(
                [
                    f"{encounter_id}\t{rendered.get(shape) or render(shape)}{end}"
                    for shape, encounter_id in rows
                ]
            ).encode()
            return self._copy(data, len(rows), table=self.passed_table, names=self.passed_names)
        stamp = (
            PassedTouchpoint._meta.get_field("recorded_at").get_db_prep_save(now, self.connection),
        )
        params = [
            (encounter_id, *(rendered.get(shape) or render(shape)), *stamp)
            for shape, encounter_id in rows
        ]
        marks = ", ".join(["%s"] * len(PASSED_COLUMNS))
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.passed_table} ({self.passed_names}) VALUES ({marks}) "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                params,
            )
            return cursor.rowcount

    def _copy(self, data: bytes, count: int, *, table: str = "", names: str = "") -> int:
        table, names = table or self.table, names or self.names
        database_error = self.connection.Database.IntegrityError
        try:
            with (
                transaction.atomic(using=self.using),
                self.connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                copy.write(data)
            return count
        except (IntegrityError, database_error):
            pass  # another run wrote some of these rows meanwhile: skip those
        staging = f"huifang_staging_{table.strip(chr(34))}"
        with self.connection.cursor() as cursor:
            # Every time: behind a transaction-pooling proxy the next batch may
            # run in another server session.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                copy.write(data)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608
                f"FROM {staging} ON CONFLICT DO NOTHING"
            )
            inserted = cursor.rowcount
            cursor.execute(f"TRUNCATE {staging}")
        return inserted
