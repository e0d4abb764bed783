"""In-app notifications: saved, then pushed to the user's sockets after commit."""

from __future__ import annotations

from collections.abc import Iterable

from mealbuddy.core.realtime import broadcast_on_commit, user_group
from mealbuddy.notifications.models import Notification


def notification_payload(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "url": notification.url,
        "group_order_id": notification.group_order_id,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def notifications_create(
    *, users: Iterable, kind: str, text: str, group_order=None, url: str = ""
) -> list[Notification]:
    """Notify each of ``users`` (skipping duplicates) and push it live after commit."""
    seen: set[int] = set()
    created = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notification = Notification.objects.create(
            user=user, kind=kind, text=text, group_order=group_order, url=url
        )
        broadcast_on_commit(
            user_group(user.pk),
            {"type": "notification.created", "notification": notification_payload(notification)},
        )
        created.append(notification)
    return created
