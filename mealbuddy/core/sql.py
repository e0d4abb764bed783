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
