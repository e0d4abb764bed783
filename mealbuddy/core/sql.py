"""Helpers for the few reads written as plain SQL (hot paths where ORM compilation costs more
than the query)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def aware_datetime(value) -> datetime | None:
    """A datetime column as an aware datetime: SQLite hands back text, PostgreSQL datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def lock_keys(name: str, keys: list[int]) -> None:
    """Inside a transaction: wait for any other transaction that locked one of ``keys``
    under ``name``, and keep others out of them until this one ends.

    PostgreSQL advisory transaction locks, taken in key order (two callers with overlapping
    keys cannot deadlock). On SQLite the IMMEDIATE transactions (``config/settings.py``)
    already run one writer at a time. Statements after it read what the transactions before
    committed (READ COMMITTED takes a snapshot per statement)."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_keys() needs a transaction (transaction.atomic)")
    if connection.vendor == "postgresql" and keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), (k %% 2147483647)::int) "
                "FROM (SELECT DISTINCT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS keys",
                [name, sorted(keys)],
            )


def in_own_connection(function, /, *args, **kwargs):
    """Run ``function`` on this thread's own database connection and close it after (for
    work fanned out to threads: each thread's connection is its own, and must go back)."""
    try:
        return function(*args, **kwargs)
    finally:
        connection.close()


def insert_select(model, *, source: str, params=(), columns: dict[str, str], **values) -> int:
    """``INSERT INTO <model's table> (…) SELECT … FROM (<source>) AS src``: one row for each
    row of ``source``, in one statement and without a model instance per row; returns the
    rows written.

    ``columns`` maps field names to SQL over ``src`` (no parameters there: ``params`` are
    the source's). Every other field (the key aside) is saved as ``model(**values)`` would
    save it: its default, an ``auto_now_add`` time, or the value given, so the model stays
    the one place that says what a new row holds."""
    template = model(**values)
    quote = connection.ops.quote_name
    names, exprs, fixed = [], [], []
    for field in model._meta.concrete_fields:
        if field.name in columns:
            names.append(quote(field.column))
            exprs.append(columns[field.name])
            continue
        if field.primary_key:
            continue
        value = field.pre_save(template, add=True)
        if hasattr(value, "resolve_expression"):
            continue  # a database default: the column is left to the database
        names.append(quote(field.column))
        exprs.append("%s")
        fixed.append(field.get_db_prep_save(value, connection))
    sql = (
        # Identifiers from the model's meta, quoted; the SQL over src is the caller's own.
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {', '.join(exprs)} FROM ({source}) AS src"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fixed, *params])
        return max(cursor.rowcount, 0)
