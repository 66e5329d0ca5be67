"""The bulk path for large writes: ids allocated up front, rows written with COPY or executemany.

Django's ``bulk_create`` prepares every value through the query compiler
and builds a model instance per row; for a million rows that overhead
dominates. Here each column's values are prepared by the field itself
(once per distinct value for dates and times, which repeat a great deal)
and handed to the database's own fast path: ``COPY … FROM STDIN`` on
PostgreSQL (psycopg 3), ``executemany`` on SQLite.

Used by the HIS import and by follow-up task generation.
"""

from collections.abc import Callable, Mapping, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models

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
    if count <= 0:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


class RowWriter:
    """Writes rows (tuples in ``columns`` order) into ``model``'s table, again and again.

    ``skip_conflicts``: rows that would break a unique constraint are left
    out (``ON CONFLICT DO NOTHING``; on PostgreSQL through a temporary
    staging table, since ``COPY`` cannot skip). ``preparers``: per-column
    functions that replace the field's own preparation. Caches of prepared
    values live as long as the writer.
    """

    def __init__(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        *,
        skip_conflicts: bool = False,
        preparers: Mapping[str, Preparer] | None = None,
    ):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.connection.vendor == "postgresql"
        self.skip_conflicts = skip_conflicts
        fields = [model._meta.get_field(name) for name in columns]
        own = preparers or {}
        self.preparers = [
            own.get(name) or _preparer(field, self.connection)
            for name, field in zip(columns, fields, strict=True)
        ]
        quote = self.connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.names = ", ".join(quote(field.column) for field in fields)
        self.marks = ", ".join(["%s"] * len(fields))

    def write(self, rows: Sequence[Sequence]) -> int:
        """Insert ``rows``; returns how many went in."""
        if not rows:
            return 0
        preps = self.preparers
        if any(preps):
            rows = [
                [
                    value if prep is None else prep(value)
                    for prep, value in zip(preps, row, strict=True)
                ]
                for row in rows
            ]
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
        if not self.skip_conflicts:
            with raw.copy(f"COPY {self.table} ({self.names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        staging = "huifang_bulk_staging_" + self.table.strip('"')
        # Every time: behind a transaction-pooling proxy the next batch may
        # run in another server session.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {self.names} FROM {self.table} WITH NO DATA"
        )
        with raw.copy(f"COPY {staging} ({self.names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {self.table} ({self.names}) SELECT {self.names} FROM {staging} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        inserted = cursor.rowcount
        cursor.execute(f"TRUNCATE {staging}")
        return inserted


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Insert ``rows`` (Python values, one tuple per row, in ``columns`` order)."""
    RowWriter(model, columns).write(rows)
