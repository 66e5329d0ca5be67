"""The bulk path for large writes: ids allocated up front, rows written with COPY or executemany.

Django's ``bulk_create`` prepares every value through the query compiler
and builds a model instance per row; for a million rows that overhead
dominates. Here each column's values are prepared by the field itself
(once per distinct value for dates and times, which repeat a great deal)
and handed to the database's own fast path: ``COPY … FROM STDIN`` in
binary format on PostgreSQL (psycopg 3; a third of the client's CPU of the
text format, and no parsing of dates and numbers on the server),
``executemany`` on SQLite.

Used by the HIS import and by follow-up task generation.
"""

import gc
import os
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models
from psycopg.types.json import Jsonb

from huifang.core.crypto import EncryptedTextField

# Fields whose Python values go to the database as they are (callers hold
# them as str, int or bool); every other field prepares its own values
# (dates, UUIDs, JSON) and so does encrypted text.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.AutoField,
    models.BigAutoField,
    models.ForeignKey,
)

Preparer = Callable[[object], object]

# Bulk work under way in this process (threads may overlap): the collector's
# settings are changed by the first and restored by the last.
_collections_lock = threading.Lock()
_collections_depth = 0
_collections_saved: tuple[int, ...] = ()


@contextmanager
def few_collections() -> Iterator[None]:
    """The cyclic garbage collector, rarely, while a bulk run makes millions of objects.

    The rows of an import or a generation run make no reference cycles, but
    each allocates several containers, and every 700 of those the collector
    walks the young objects, and now and then every object in the process
    (Django's, the run's memos): measured, a fifth to a quarter of the
    run's CPU. What exists when the run starts is set aside (``gc.freeze``:
    never garbage, never walked, and not touched in a forked child, whose
    pages then stay shared), and the first threshold is raised so young
    objects are walked every 50,000 allocations. Nested and overlapping
    uses (threads) are counted: the last one out restores the collector.
    """
    global _collections_depth, _collections_saved
    with _collections_lock:
        if _collections_depth == 0:
            _collections_saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(_collections_saved[0], 50_000), *_collections_saved[1:])
        _collections_depth += 1
    try:
        yield
    finally:
        with _collections_lock:
            _collections_depth -= 1
            if _collections_depth == 0:
                gc.set_threshold(*_collections_saved)
                gc.unfreeze()


def _preparer(field, connection) -> Preparer | None:
    """How a column's values are prepared: ``None`` when they go as they are."""
    if isinstance(field, _AS_IS) and not isinstance(field, EncryptedTextField):
        return None
    prep = field.get_db_prep_save
    if isinstance(field, models.DateField):  # and DateTimeField: few distinct values
        cache: dict = {}

        def cached(value):
            try:
                return cache[value]
            except KeyError:
                cache[value] = prepared = prep(value, connection)
                return prepared

        return cached
    return lambda value: prep(value, connection)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``; call inside the writing transaction.

    From the sequence on PostgreSQL; past the current maximum on SQLite,
    whose write lock the caller's transaction already holds. Children can
    then point at parents written in the same batch.
    """
    return allocate_ids_for({model: count})[model]


def allocate_ids_for(
    counts: Mapping[type[models.Model], int],
) -> dict[type[models.Model], list[int]]:
    """``allocate_ids`` for several tables at once: one round trip on PostgreSQL."""
    result: dict[type[models.Model], list[int]] = {model: [] for model in counts}
    wanted = [(model, count) for model, count in counts.items() if count > 0]
    if not wanted:
        return result
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sequences = [_sequence(cursor, model._meta.db_table) for model, _ in wanted]
            cursor.execute(
                "SELECT "  # noqa: S608 (placeholders only)
                + ", ".join(
                    "ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))"
                    for _ in wanted
                ),
                [
                    value
                    for sequence, (_, count) in zip(sequences, wanted, strict=True)
                    for value in (sequence, count)
                ],
            )
            for (model, _), ids in zip(wanted, cursor.fetchone(), strict=True):
                result[model] = list(ids)
            return result
        for model, count in wanted:
            table = model._meta.db_table
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            result[model] = list(range(start, start + count))
    return result


_SEQUENCES: dict[tuple[str, str], str] = {}


def _sequence(cursor, table: str) -> str:
    """The name of the sequence behind ``table``'s id (looked up once per database)."""
    key = (cursor.db.settings_dict["NAME"], table)
    name = _SEQUENCES.get(key)
    if name is None:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        name = _SEQUENCES[key] = cursor.fetchone()[0]
    return name


def fresh_uuids(count: int) -> list[str]:
    """``count`` fresh time-ordered UUIDs (version 7: milliseconds, then 74 random
    bits) as 32 hex digits, a form both databases take for a ``UUIDField``
    column (list them in ``RowWriter``'s ``prepared``).

    As unguessable in a link as a random UUID, but new rows land at the end
    of the ``uuid`` index instead of all over it: a million new rows write to
    a few index pages, not to every page of a large index. One read of the
    system's random source for all of them.
    """
    stamp = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    head = (stamp << 80) | (7 << 76)
    data = os.urandom(10 * count)
    hexes = []
    for i in range(0, 10 * count, 10):
        bits = int.from_bytes(data[i : i + 10], "big")  # 80 random bits, 74 used
        low = ((bits >> 68) & 0xFFF) << 64 | (0b10 << 62) | (bits & ((1 << 62) - 1))
        hexes.append(f"{head | low:032x}")
    return hexes


class RowWriter:
    """Writes rows (tuples in ``columns`` order) into ``model``'s table, again and again.

    ``skip_conflicts``: rows that would break a unique constraint are left
    out (``ON CONFLICT DO NOTHING``; on PostgreSQL through a temporary
    staging table, since ``COPY`` cannot skip). ``preparers``: per-column
    functions that replace the field's own preparation. ``prepared``:
    columns whose values the caller gives as the database takes them (JSON
    text, UUID hex, encrypted tokens, values ready for the column). Caches
    of prepared values live as long as the writer.
    """

    def __init__(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        *,
        skip_conflicts: bool = False,
        preparers: Mapping[str, Preparer] | None = None,
        prepared: Collection[str] = (),
    ):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.connection.vendor == "postgresql"
        self.skip_conflicts = skip_conflicts
        fields = [model._meta.get_field(name) for name in columns]
        own = preparers or {}
        self.preparers = [
            None if name in prepared else own.get(name) or _preparer(field, self.connection)
            for name, field in zip(columns, fields, strict=True)
        ]
        quote = self.connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = [field.column for field in fields]
        self.names = ", ".join(quote(column) for column in self.columns)
        self._oids: list[int] | None = None
        self._fixes: list[tuple[int, Preparer]] = []
        self.marks = ", ".join(["%s"] * len(fields))

    def write(self, rows: Sequence[Sequence]) -> int:
        """Insert ``rows``; returns how many went in."""
        if not rows:
            return 0
        preps = [(i, prep) for i, prep in enumerate(self.preparers) if prep is not None]
        if preps:
            # Column by column: only the columns that need it are touched.
            columns: list = list(zip(*rows, strict=True))
            for i, prep in preps:
                columns[i] = map(prep, columns[i])
            rows = list(zip(*columns, strict=True))
        with self.connection.cursor() as cursor:
            if self.postgres:
                return self._copy(cursor, rows)
            conflict = " ON CONFLICT DO NOTHING" if self.skip_conflicts else ""
            cursor.executemany(
                f"INSERT INTO {self.table} ({self.names}) VALUES ({self.marks}){conflict}",  # noqa: S608
                rows,
            )
            return cursor.rowcount if self.skip_conflicts else len(rows)

    def _copy(self, cursor, rows) -> int:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        oids, fixes = self._binary_types(raw)
        if fixes:
            columns: list = list(zip(*rows, strict=True))
            for i, fix in fixes:
                columns[i] = map(fix, columns[i])
            rows = zip(*columns, strict=True)
        if not self.skip_conflicts:
            return self._copy_into(raw, self.table, rows, oids)
        staging = "huifang_bulk_staging_" + self.table.strip('"')
        # Every time: behind a transaction-pooling proxy the next batch may
        # run in another server session.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {self.names} FROM {self.table} WITH NO DATA"
        )
        self._copy_into(raw, staging, rows, oids)
        cursor.execute(
            f"INSERT INTO {self.table} ({self.names}) SELECT {self.names} FROM {staging} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f"TRUNCATE {staging}")
        return inserted

    def _copy_into(self, raw, table: str, rows, oids: list[int]) -> int:
        with raw.copy(f"COPY {table} ({self.names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(oids)
            count = 0
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _binary_types(self, raw) -> tuple[list[int], list[tuple[int, Preparer]]]:
        """The columns' type oids (read once), and the conversions binary COPY needs:
        UUIDs given as hex text become ``UUID``s, JSON given as text is sent as it is."""
        if self._oids is None:
            raw.execute(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [self.table],
            )
            by_name = dict(raw.fetchall())
            oids = [int(by_name[column]) for column in self.columns]
            self._oids = oids
            self._fixes = [(i, _FIXES[oid]) for i, oid in enumerate(oids) if oid in _FIXES]
        return self._oids, self._fixes


def _uuid(value):
    return uuid.UUID(value) if isinstance(value, str) else value


def _json_text(value):
    return Jsonb(value, dumps=_as_is) if isinstance(value, str) else value


def _as_is(text: str) -> str:
    return text


_UUID_OID, _JSON_OID, _JSONB_OID = 2950, 114, 3802
_FIXES: dict[int, Preparer] = {_UUID_OID: _uuid, _JSON_OID: _json_text, _JSONB_OID: _json_text}


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Insert ``rows`` (Python values, one tuple per row, in ``columns`` order)."""
    RowWriter(model, columns).write(rows)


# A bulk write this large leaves the planner's statistics behind: the
# table was nearly empty when autovacuum last looked, and until it looks
# again (a minute or more) the next reads get plans meant for a few rows.
ANALYZE_MIN_ROWS = 10_000


def refresh_statistics(models_written: Sequence[type[models.Model]], rows: int) -> bool:
    """``ANALYZE`` the tables of a bulk write of ``rows`` rows (PostgreSQL; ≥ ANALYZE_MIN_ROWS).

    ANALYZE reads a fixed-size sample, so this costs well under a second
    per table at any size. SQLite's planner keeps no such statistics here.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or rows < ANALYZE_MIN_ROWS:
        return False
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_written)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")
    return True
