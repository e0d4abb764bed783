"""Notification reads."""

from __future__ import annotations

from mealbuddy.notifications.models import Notification, PushKind, PushOptOut, PushSubscription

PAGE_SIZE = 30


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def notification_list(*, user, before: int | None = None, limit: int = PAGE_SIZE):
    """Newest first, ``limit`` per page, one query; returns (rows, has_more)."""
    qs = Notification.objects.filter(user_id=user.pk).order_by("-id")
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    return rows[:limit], len(rows) > limit


def push_preferences(*, user) -> dict:
    """Every push kind with the user's switch, and how many browsers receive pushes."""
    off = set(PushOptOut.objects.filter(user_id=user.pk).values_list("kind", flat=True))
    return {
        "kinds": [
            {"kind": kind.value, "label": kind.label, "on": kind.value not in off}
            for kind in PushKind
        ],
        "subscriptions": PushSubscription.objects.filter(user_id=user.pk).count(),
    }
