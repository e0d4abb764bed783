"""In-app notifications: saved, then pushed to the user's sockets after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from mealbuddy.core.realtime import broadcast_on_commit, user_group
from mealbuddy.jobs.services import task_once_claim
from mealbuddy.notifications.models import Notification

DEADLINE_WINDOW = timedelta(minutes=10)


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


def notifications_send(
    *, users: Iterable, kind: str, text: str, group_order=None, url: str = ""
) -> None:
    """Notify many members from a background task; the caller's request only enqueues it.

    The task row is written in the caller's transaction (the database task backend), so a
    change that rolls back notifies nobody and one that commits always does.
    """
    from mealbuddy.notifications.tasks import send_notifications

    user_ids = list(dict.fromkeys(user.pk for user in users))
    if not user_ids:
        return
    send_notifications.enqueue(
        user_ids=user_ids,
        kind=kind,
        text=text,
        group_order_id=group_order.pk if group_order is not None else None,
        url=url,
    )


def notifications_deliver(
    *,
    key: str,
    user_ids: list[int],
    kind: str,
    text: str,
    group_order_id: int | None = None,
    url: str = "",
) -> int:
    """Create (and push live) the notifications a ``notifications_send`` asked for, once per
    ``key`` however often the task runs; returns how many were created."""
    from django.contrib.auth import get_user_model

    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    with transaction.atomic():
        if not task_once_claim(key=key):
            return 0
        group_order = None
        if group_order_id is not None:
            # The order may be gone by now (deleted right after): notify without the link.
            order_model = Notification._meta.get_field("group_order").related_model
            group_order = order_model.objects.filter(pk=group_order_id).first()
        users = get_user_model().objects.filter(pk__in=user_ids).only("pk").order_by("pk")
        return len(
            notifications_create(
                users=users, kind=kind, text=text, group_order=group_order, url=url
            )
        )


@transaction.atomic
def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark some (``ids``) or all of the user's notifications read; returns how many."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    count = qs.update(read_at=timezone.now())
    if count:
        broadcast_on_commit(user_group(user.pk), {"type": "notifications.read"})
    return count


def _order_url(order) -> str:
    room = getattr(order, "chat_room", None)
    return f"/chats/{room.pk}/" if room is not None else ""


def notify_deadlines(*, now=None) -> int:
    """Tell every member of a recruiting order that closes within 10 minutes, once per
    order and member (a partial unique constraint backs it if two runs overlap)."""
    from mealbuddy.groupbuys.models import GroupOrder, Participation, recruiting_q

    now = now or timezone.now()
    orders = list(
        GroupOrder.objects.filter(
            recruiting_q(now), deadline__lte=now + DEADLINE_WINDOW
        ).select_related("chat_room")
    )
    if not orders:
        return 0
    already = set(
        Notification.objects.filter(
            kind=Notification.Kind.DEADLINE, group_order__in=orders
        ).values_list("group_order_id", "user_id")
    )
    members: dict[int, list] = {}
    for p in Participation.objects.filter(group_order__in=orders).select_related("user"):
        if (p.group_order_id, p.user_id) not in already:
            members.setdefault(p.group_order_id, []).append(p.user)
    sent = 0
    for order in orders:
        minutes = max(1, int((order.deadline - now).total_seconds() // 60))
        for member in members.get(order.pk, []):
            try:
                with transaction.atomic():
                    sent += len(
                        notifications_create(
                            users=[member],
                            kind=Notification.Kind.DEADLINE,
                            text=f"'{order.title}' 모집이 {minutes}분 뒤 마감됩니다.",
                            group_order=order,
                            url=_order_url(order),
                        )
                    )
            except IntegrityError:
                continue  # another run got there first
    return sent
