"""Helpers for the few reads written as plain SQL (hot paths where ORM compilation costs more
than the query)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def aware_datetime(value) -> datetime | None:
    """A datetime column as an aware datetime: SQLite hands back text, PostgreSQL datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
