"""In-app notifications: saved, then pushed to the user's sockets after commit, and to their
browsers by Web Push from a task (subscriptions, per-kind switches, delivery outcomes)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.realtime import broadcast_many_on_commit, broadcast_on_commit, user_group
from mealbuddy.jobs.services import task_once_claim
from mealbuddy.notifications import push
from mealbuddy.notifications.models import (
    PUSH_KIND_OF,
    Notification,
    PushChatMark,
    PushKind,
    PushOptOut,
    PushSubscription,
)

logger = logging.getLogger(__name__)

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
    *,
    users: Iterable,
    kind: str,
    text: str,
    group_order=None,
    url: str = "",
    actor_id: int | None = None,
) -> list[Notification]:
    """Notify each of ``users`` (skipping duplicates) and push it live after commit.

    ``actor_id``: the person whose action this is; nobody who blocked them hears of it."""
    seen: set[int] = set()
    if actor_id is not None:
        from mealbuddy.trust.models import Block

        seen.update(Block.objects.filter(blocked_id=actor_id).values_list("blocker_id", flat=True))
    created = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notification = Notification.objects.create(
            user=user, kind=kind, text=text, group_order=group_order, url=url
        )
        created.append(notification)
    if created:
        broadcast_many_on_commit(
            [
                (
                    user_group(n.user_id),
                    {"type": "notification.created", "notification": notification_payload(n)},
                )
                for n in created
            ]
        )
        push_notifications_enqueue(notifications=created)
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
                            text=f"'{order.title}' 모집이 {minutes}분 뒤 마감돼요.",
                            group_order=order,
                            url=_order_url(order),
                        )
                    )
            except IntegrityError:
                continue  # another run got there first
    return sent


# --- Web Push ----------------------------------------------------------------------------------


def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Save the browser's subscription for ``user``.

    The endpoint names one browser profile: whoever subscribes it last owns it (the same
    browser after logging in as someone else), with fresh keys and no failures counted.
    """
    try:
        push.subscription_validate(endpoint=endpoint, p256dh=p256dh, auth=auth)
    except push.InvalidSubscription as error:
        raise ApplicationError(
            error.message, code="invalid_subscription", field=error.field
        ) from None
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "failures": 0},
    )
    return subscription


def push_subscription_delete(*, user, endpoint: str) -> bool:
    """Forget the user's subscription (someone else's endpoint is left alone)."""
    return PushSubscription.objects.filter(user_id=user.pk, endpoint=endpoint).delete()[0] > 0


@transaction.atomic
def push_opt_outs_set(*, user, off: Iterable[str]) -> set[str]:
    """Switch off exactly the push kinds in ``off`` (the others on); returns them."""
    off = set(off)
    unknown = off - set(PushKind.values)
    if unknown:
        raise ApplicationError("알 수 없는 알림 종류예요.", code="invalid_kind", field="off")
    PushOptOut.objects.filter(user_id=user.pk).exclude(kind__in=off).delete()
    existing = set(PushOptOut.objects.filter(user_id=user.pk).values_list("kind", flat=True))
    PushOptOut.objects.bulk_create(
        [PushOptOut(user_id=user.pk, kind=kind) for kind in sorted(off - existing)],
        ignore_conflicts=True,
    )
    return off


def push_notifications_enqueue(*, notifications: list[Notification]) -> None:
    """Queue the pushes for freshly created notifications (only for users who subscribed).

    Enqueued in the caller's transaction like ``notifications_send``: a rollback sends none.
    """
    from mealbuddy.notifications.tasks import push_notifications

    user_ids = {n.user_id for n in notifications}
    subscribed = set(
        PushSubscription.objects.filter(user_id__in=user_ids)
        .values_list("user_id", flat=True)
        .distinct()
    )
    ids = [n.pk for n in notifications if n.user_id in subscribed]
    if ids:
        push_notifications.enqueue(notification_ids=ids)


def _muted(user_ids: Iterable[int], kind: str) -> set[int]:
    return set(
        PushOptOut.objects.filter(user_id__in=list(user_ids), kind=kind).values_list(
            "user_id", flat=True
        )
    )


def notification_push_payload(notification: Notification) -> dict:
    return {
        "title": f"밀버디 · {notification.get_kind_display()}",
        "body": notification.text,
        "url": notification.url or "/notifications/",
        "tag": f"notification-{notification.pk}",
    }


def push_notifications_deliver(*, notification_ids: list[int]) -> int:
    """Push each notification to its user's browsers unless the user switched its kind off;
    once per notification however often the task runs. Returns pushes delivered."""
    notifications = list(Notification.objects.filter(pk__in=notification_ids).order_by("pk"))
    subscriptions: dict[int, list[PushSubscription]] = {}
    for sub in PushSubscription.objects.filter(
        user_id__in={n.user_id for n in notifications}
    ).order_by("pk"):
        subscriptions.setdefault(sub.user_id, []).append(sub)
    muted = {
        (opt.user_id, opt.kind)
        for opt in PushOptOut.objects.filter(user_id__in=list(subscriptions))
    }
    # Claim them all in one commit (a savepoint each), then send: the bookkeeping costs two
    # commits per batch rather than two per push (a PostgreSQL commit waits for the disk).
    with transaction.atomic():
        claimed = [
            n
            for n in notifications
            if (n.user_id, PUSH_KIND_OF.get(n.kind)) not in muted
            and task_once_claim(key=f"push:notification:{n.pk}")
        ]
    delivered = []
    for notification in claimed:
        payload = notification_push_payload(notification)
        for sub in subscriptions.get(notification.user_id, []):
            if _push_send(subscription=sub, payload=payload) is push.Outcome.DELIVERED:
                delivered.append(sub.pk)
    _push_delivered(subscription_ids=delivered)
    return len(delivered)


def push_chat_away(*, room_id: int, pending: dict[int, tuple[int, int]], payload: dict) -> int:
    """Chat asks: push ``payload`` about ``room_id`` to members who left messages unread.

    ``pending`` maps a member to (how far they read, the newest message unread for them).
    One push per stretch of unread messages: a member is pushed again only after reading
    past the message of the last push (the mark only moves forward, in one conditional
    UPDATE, so two overlapping runs push once). Members who switched chat pushes off and
    members with no subscription are skipped. Returns how many members are pushed.
    """
    from mealbuddy.notifications.tasks import push_users

    muted = _muted(pending, PushKind.CHAT)
    subscribed = set(
        PushSubscription.objects.filter(user_id__in=[u for u in pending if u not in muted])
        .values_list("user_id", flat=True)
        .distinct()
    )
    targets = []
    for user_id in sorted(subscribed):
        last_read, newest = pending[user_id]
        with transaction.atomic():
            moved = PushChatMark.objects.filter(
                user_id=user_id, room_id=room_id, message_id__lte=last_read
            ).update(message_id=newest)
            if not moved:
                try:
                    with transaction.atomic():
                        PushChatMark.objects.create(
                            user_id=user_id, room_id=room_id, message_id=newest
                        )
                    moved = 1
                except IntegrityError:
                    moved = 0  # pushed before, and not read since
        if moved:
            targets.append(user_id)
    if targets:
        push_users.enqueue(user_ids=targets, payload=payload)
    return len(targets)


def push_users_deliver(*, user_ids: list[int], payload: dict) -> int:
    delivered = [
        sub.pk
        for sub in PushSubscription.objects.filter(user_id__in=user_ids).order_by("pk")
        if _push_send(subscription=sub, payload=payload) is push.Outcome.DELIVERED
    ]
    _push_delivered(subscription_ids=delivered)
    return len(delivered)


def _push_delivered(*, subscription_ids: list[int]) -> None:
    if subscription_ids:
        PushSubscription.objects.filter(pk__in=subscription_ids).update(
            last_success_at=timezone.now(), failures=0
        )


def push_deliver(*, subscription: PushSubscription, payload: dict, attempt: int = 1):
    """Send one push and act on the answer (see ``_push_send``); returns the outcome."""
    outcome = _push_send(subscription=subscription, payload=payload, attempt=attempt)
    if outcome is push.Outcome.DELIVERED:
        _push_delivered(subscription_ids=[subscription.pk])
    return outcome


def _push_send(*, subscription: PushSubscription, payload: dict, attempt: int = 1):
    """Send one push and act on a failure: 404/410 deletes the subscription, a
    timeout/5xx/429 is retried later with back-off (at most ``PUSH_MAX_ATTEMPTS`` tries), any
    other 4xx counts a failure and drops the subscription at ``PUSH_MAX_FAILURES``. A success
    is recorded by the caller (``_push_delivered``, once per batch)."""
    outcome, status = push.push_post(subscription_info=subscription.info(), payload=payload)
    subs = PushSubscription.objects.filter(pk=subscription.pk)
    if outcome is push.Outcome.GONE:
        subs.delete()
    elif outcome is push.Outcome.REFUSED:
        subs.update(failures=F("failures") + 1)
        subs.filter(failures__gte=settings.PUSH_MAX_FAILURES).delete()
        logger.warning("push %s refused with %s", subscription.pk, status)
    elif outcome is push.Outcome.TRANSIENT:
        if attempt < settings.PUSH_MAX_ATTEMPTS:
            _push_retry_later(subscription=subscription, payload=payload, attempt=attempt)
        else:
            logger.warning(
                "push %s gave up after %s attempts (%s)", subscription.pk, attempt, status
            )
    return outcome


def push_retry_delay(*, attempt: int) -> timedelta:
    """Back-off before try ``attempt + 1``: PUSH_RETRY_SECONDS, doubled each time."""
    return timedelta(seconds=settings.PUSH_RETRY_SECONDS * 2 ** (attempt - 1))


def _push_retry_later(*, subscription: PushSubscription, payload: dict, attempt: int) -> None:
    from mealbuddy.notifications.tasks import push_retry

    task = push_retry.using(run_after=timezone.now() + push_retry_delay(attempt=attempt))
    if not task.get_backend().supports_defer:
        # The immediate backend (tests, a server without a worker) cannot wait: trying again
        # at once would only hold the caller, so the push is given up.
        logger.warning("push %s not retried: the task backend cannot defer", subscription.pk)
        return
    task.enqueue(subscription_id=subscription.pk, payload=payload, attempt=attempt + 1)


def push_retry_deliver(*, subscription_id: int, payload: dict, attempt: int):
    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return None  # unsubscribed or dropped meanwhile
    return push_deliver(subscription=subscription, payload=payload, attempt=attempt)
