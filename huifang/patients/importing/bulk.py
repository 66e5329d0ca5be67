"""The import's bulk path: ids allocated up front, rows written with COPY or executemany.

Django's ``bulk_create`` prepares every value through the query compiler;
for a million rows that overhead dominates. Here each column's values are
prepared once by the field itself and handed to the database's own fast
path: ``COPY … FROM STDIN`` on PostgreSQL (psycopg 3), ``executemany`` on
SQLite. Primary keys are allocated before the insert (from the sequence on
PostgreSQL; past the current maximum on SQLite, whose write lock the
import's transaction already holds), so children can point at parents
written in the same batch.
"""

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models

from huifang.core.crypto import EncryptedTextField

# Fields whose Python values go to the database as they are (the import
# already holds them as str, int or bool); every other field prepares its
# own values (dates, UUIDs, JSON) and so does encrypted text.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.AutoField,
    models.BigAutoField,
    models.ForeignKey,
)


def _preparer(field, connection):
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
    """``count`` fresh primary keys for ``model``; call inside the writing transaction."""
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


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Insert ``rows`` (Python values, one tuple per row, in ``columns`` order)."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(name) for name in columns]
    preps = [_preparer(field, connection) for field in fields]
    if any(preps):
        rows = [
            [value if prep is None else prep(value) for prep, value in zip(preps, row, strict=True)]
            for row in rows
        ]
    table = model._meta.db_table
    names = ", ".join(f'"{field.column}"' for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
