"""Chat writes. Save first, broadcast after commit (see mealbuddy.core.realtime)."""

from __future__ import annotations

import functools
import json
import math
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mealbuddy.chat.models import MESSAGE_MAX_LENGTH, ChatRoom, Message, ReadState
from mealbuddy.chat.selectors import room_member_sql, room_title
from mealbuddy.chat.serializers import message_event, page_message_event
from mealbuddy.core.errors import ApplicationError, PermissionDenied, RateLimited
from mealbuddy.core.limits import rate_take
from mealbuddy.core.realtime import (
    broadcast_on_commit,
    chat_room_group,
    chat_user_group,
    user_group,
)
from mealbuddy.core.websocket import account_is_current
from mealbuddy.trust.models import Block, Standing
from mealbuddy.trust.selectors import block_between, block_check, restriction_check

# Close code the original client treats as "this room is gone".
ROOM_DELETED_CLOSE_CODE = 4040
# Close code for a member who left or was banned (our pages leave the room on it).
MEMBER_REMOVED_CLOSE_CODE = 4003

TICKET_TTL_SECONDS = 30
_TICKET_PREFIX = "chat:ticket:"


# Sending in a 1:1 room whose two people blocked each other (either way): the room and its
# history stay, nothing new goes through.
DIRECT_BLOCKED = "차단한 사용자(또는 나를 차단한 사용자)와는 메시지를 주고받을 수 없어요."


def room_create(*, group_order) -> ChatRoom:
    return ChatRoom.objects.create(group_order=group_order)


def direct_room_open(*, post, starter) -> tuple[ChatRoom, bool]:
    """The 1:1 room between ``starter`` and the author of ``post`` (a 나눔 post), made on
    first use: ``(room, created)``. Idempotent under concurrency: two calls at once, from two
    tabs or two processes, meet on the unique (post, starter) constraint and get one room.

    Refused for the author themself, a suspended or banned ``starter``, and two people who
    blocked each other (either way). What the post allows (its topic, 나눔완료) is the
    caller's rule: the community board decides, then calls this.
    """
    if post.author_id == starter.pk:
        raise PermissionDenied("내 글에는 채팅을 시작할 수 없어요.", code="own_post")
    restriction_check(user=starter)
    block_check(
        user_id=starter.pk,
        other_id=post.author_id,
        message="차단한 사용자(또는 나를 차단한 사용자)와는 채팅할 수 없어요.",
    )
    room = ChatRoom.objects.filter(post_id=post.pk, starter_id=starter.pk).first()
    if room is not None:
        return room, False
    try:
        with transaction.atomic():
            room = ChatRoom.objects.create(
                post_id=post.pk, starter_id=starter.pk, post_author_id=post.author_id
            )
    except IntegrityError:
        # The other call won the race: its room is the one.
        return ChatRoom.objects.get(post_id=post.pk, starter_id=starter.pk), False
    broadcast_on_commit(user_group(starter.pk), {"type": "rooms.changed", "room_id": room.pk})
    broadcast_on_commit(user_group(post.author_id), {"type": "rooms.changed", "room_id": room.pk})
    return room, True


def _message_saved(message: Message) -> None:
    ChatRoom.objects.filter(pk=message.room_id).update(last_message_at=message.created_at)
    broadcast_on_commit(chat_room_group(message.room_id), room_event(message))


@transaction.atomic
def system_message_post(
    *,
    room: ChatRoom,
    kind: str,
    text: str,
    user_id: int | None = None,
    actor_id: int | None = None,
) -> Message:
    """A system line (join, leave, ban, status change), broadcast to the room after commit.

    ``user_id`` is who joined or left (ban counts as leave for the original client).
    ``actor_id`` is who caused it (the host who changed the status or banned, the member who
    joined or picked up): it never counts as unread for them, in the stored counts or live.
    A member's own join line is marked read for them, and their notification socket is told
    to follow (or stop following) the room.
    """
    message = Message.objects.create(
        room=room, user=None, kind=kind, text=text, subject_user_id=user_id, actor_id=actor_id
    )
    _message_saved(message)
    if user_id is not None and kind == Message.Kind.JOIN:
        _read_state_advance(room_id=room.pk, user_id=user_id, message_id=message.pk)
        broadcast_on_commit(user_group(user_id), {"type": "rooms.changed", "room_id": room.pk})
    elif user_id is not None and kind in (Message.Kind.LEAVE, Message.Kind.BAN):
        broadcast_on_commit(user_group(user_id), {"type": "rooms.changed", "room_id": room.pk})
    return message


def message_text_clean(text) -> str:
    if not isinstance(text, str):
        raise ApplicationError(
            "메시지는 글자로 보내 주세요.", code="invalid_message", field="message"
        )
    text = text.strip()
    if not text:
        raise ApplicationError("메시지를 입력해 주세요.", code="empty_message", field="message")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ApplicationError(
            f"메시지는 {MESSAGE_MAX_LENGTH}자까지 보낼 수 있어요. (지금 {len(text)}자)",
            code="message_too_long",
            field="message",
        )
    return text


# One statement inserts the message only if the author is still a member (the room
# membership test of chat/selectors.room_member_sql) and their account is still what the
# caller authenticated (active, same password hash: a socket opened before a deactivation or
# a new password cannot post), so the hot path stays one or two statements. A retried post
# with the same client id inserts nothing (ON CONFLICT on the partial unique index). Works on
# SQLite (3.35+) and PostgreSQL (RETURNING, ON CONFLICT). Built once, from the models' tables.
# Parameters: kind, text, created_at, client_id, user id, password hash, room id, user id,
# now. A suspended or banned author inserts nothing either (trust.selectors says why, on the
# rare path): the sanction costs the hot path no extra statement. Nor does a post in a 1:1
# room whose two people blocked each other (``DIRECT_BLOCKED``).
@functools.cache
def _insert_body() -> str:
    # Table names come from _meta; every value is bound.
    return f"""
INSERT INTO {Message._meta.db_table} (room_id, user_id, kind, text, subject_user_id, created_at, client_id)
SELECT r.id, u.id, %s, %s, NULL, %s, %s
  FROM {ChatRoom._meta.db_table} r
  JOIN {get_user_model()._meta.db_table} u ON u.id = %s AND u.is_active AND u.password = %s
 WHERE r.id = %s AND {room_member_sql("r")}
   AND (r.starter_id IS NULL OR NOT EXISTS (SELECT 1 FROM {Block._meta.db_table} k
       WHERE (k.blocker_id = r.starter_id AND k.blocked_id = r.post_author_id)
          OR (k.blocker_id = r.post_author_id AND k.blocked_id = r.starter_id)))
   AND NOT EXISTS (SELECT 1 FROM {Standing._meta.db_table} s WHERE s.user_id = u.id
       AND (s.restriction = '{Standing.Restriction.BANNED.value}'
            OR (s.restriction = '{Standing.Restriction.SUSPENDED.value}'
                AND (s.restricted_until IS NULL OR s.restricted_until > %s))))
ON CONFLICT (room_id, user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
"""  # noqa: S608


def _insert_params(*, room_id: int, user, text: str, stamp, client_id: str | None) -> list:
    return [
        Message.Kind.TEXT.value,
        text,
        stamp,
        client_id,
        user.pk,
        user.password,
        room_id,
        user.pk,
        stamp,
    ]


@functools.cache
def _insert_if_member() -> str:
    return f"""{_insert_body()}
RETURNING id
"""  # noqa: S608


# PostgreSQL: the same insert and the room's activity bump in one statement (a data-modifying
# CTE), run in autocommit: one round trip instead of BEGIN, INSERT, UPDATE, COMMIT. A single
# statement is atomic on its own, so the message and the bump still commit together.
@functools.cache
def _insert_if_member_and_touch() -> str:
    room = ChatRoom._meta.db_table
    # Table names come from _meta; every value is bound.
    return f"""
WITH ins AS (
{_insert_body()}
RETURNING id, room_id
), touch AS (
UPDATE {room} SET last_message_at = %s WHERE id IN (SELECT room_id FROM ins)
)
SELECT id FROM ins
"""  # noqa: S608


SLOW_DOWN = "천천히 보내 주세요"
CLIENT_ID_MAX_LENGTH = 64


class AccountRevoked(PermissionDenied):
    """The account was deactivated or its password changed since the caller loaded it."""

    code = "account_revoked"

    def __init__(self) -> None:
        super().__init__("로그인 정보가 바뀌었어요. 다시 로그인해 주세요.")


def chat_flood_check(*, user_id: int) -> None:
    """One token bucket per user (CHAT_BURST at once, CHAT_RATE_PER_SECOND after), shared by
    all their sockets and the REST post in every process."""
    wait = rate_take(
        key=f"chat-flood:{user_id}",
        capacity=settings.CHAT_BURST,
        rate=settings.CHAT_RATE_PER_SECOND,
    )
    if wait:
        raise RateLimited(SLOW_DOWN, extra={"retry_after": max(1, math.ceil(wait))})


def client_id_clean(value) -> str | None:
    if value is None or value == "":
        return None
    if (
        not isinstance(value, str)
        or len(value) > CLIENT_ID_MAX_LENGTH
        or not value.isprintable()
        or not value.isascii()
    ):
        raise ApplicationError(
            f"client_id는 {CLIENT_ID_MAX_LENGTH}자 이하의 영문·숫자 문자열이어야 해요.",
            code="invalid_client_id",
            field="client_id",
        )
    return value


def room_event(message: Message) -> dict:
    """The channel-layer event for a saved message; ``text`` is the JSON every member but
    the author receives, ``message_text`` the message object alone that notification
    sockets wrap (each encoded once, not once per socket)."""
    payload = message_event(message)
    event = {
        "type": "room.event",
        "payload": payload,
        "text": json.dumps(payload, ensure_ascii=False),
        "message_text": json.dumps(payload["message"], ensure_ascii=False),
    }
    if message.user_id is not None:
        # Our own pages' sockets draw the author's photo: the same event with ``avatar`` in
        # the author object, encoded once too. The original client's shape stays as it was.
        event["page_text"] = json.dumps(page_message_event(message), ensure_ascii=False)
    if message.actor_id is not None:
        # Not part of any payload: notification sockets skip counting it for its actor.
        event["actor_id"] = message.actor_id
    return event


def _post_refused(*, room_id: int, user, client_id: str | None) -> Message:
    """Why the insert made no row (the rare path): a retry, a changed account, or no member."""
    if client_id is not None:
        existing = Message.objects.filter(
            room_id=room_id, user_id=user.pk, client_id=client_id
        ).first()
        if existing is not None:
            existing.user = user  # it is theirs: no lazy load (the socket calls from async code)
            existing.replayed = True
            return existing
    if not account_is_current(user):
        raise AccountRevoked()
    restriction_check(user=user)
    direct_send_check(room_id=room_id)
    raise PermissionDenied("이 채팅방의 참여자만 메시지를 보낼 수 있어요.", code="not_member")


def direct_send_refusal(*, room: ChatRoom) -> str:
    """Why nobody can send in this 1:1 room right now ("" if they can): the two blocked
    each other. The room page shows it above the composer; the insert refuses the same."""
    if room.is_direct and block_between(user_id=room.starter_id, other_id=room.post_author_id):
        return DIRECT_BLOCKED
    return ""


def direct_send_check(*, room_id: int) -> None:
    room = ChatRoom.objects.filter(pk=room_id).only("post_id", "starter_id", "post_author_id")
    room = room.first()
    if room is not None and direct_send_refusal(room=room):
        raise PermissionDenied(DIRECT_BLOCKED, code="blocked")


def _text_message_saved(
    message_id: int, *, room_id: int, user, text: str, now, client_id, broadcast: bool
) -> Message:
    """The message just inserted (no read back), broadcast after commit if asked."""
    message = Message(
        id=message_id,
        room_id=room_id,
        user=user,
        kind=Message.Kind.TEXT,
        text=text,
        created_at=now,
        client_id=client_id,
    )
    if broadcast:
        broadcast_on_commit(chat_room_group(room_id), room_event(message))
    return message


def message_post(
    *, room_id: int, user, text: str, broadcast: bool = True, client_id: str | None = None
) -> Message:
    """A member's text message: saved, then sent to everyone in the room after commit.

    ``user`` must be the account as the caller authenticated it: if it was deactivated or
    its password changed since, ``AccountRevoked``. A post with the ``client_id`` of one
    already saved returns that message with ``replayed = True`` and sends nothing.
    ``broadcast=False`` leaves the send to the caller, who must do it after this returns
    (the chat socket sends from its event loop instead of blocking the database thread).
    """
    text = message_text_clean(text)
    client_id = client_id_clean(client_id)
    now = timezone.now()
    if connection.vendor == "postgresql":
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(
                _insert_if_member_and_touch(),
                [
                    *_insert_params(
                        room_id=room_id, user=user, text=text, stamp=stamp, client_id=client_id
                    ),
                    stamp,
                ],
            )
            row = cursor.fetchone()
        if row is None:
            return _post_refused(room_id=room_id, user=user, client_id=client_id)
        return _text_message_saved(
            row[0],
            room_id=room_id,
            user=user,
            text=text,
            now=now,
            client_id=client_id,
            broadcast=broadcast,
        )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _insert_if_member(),
                _insert_params(
                    room_id=room_id,
                    user=user,
                    text=text,
                    stamp=connection.ops.adapt_datetimefield_value(now),
                    client_id=client_id,
                ),
            )
            row = cursor.fetchone()
        if row is None:
            return _post_refused(room_id=room_id, user=user, client_id=client_id)
        ChatRoom.objects.filter(pk=room_id).update(last_message_at=now)
        return _text_message_saved(
            row[0],
            room_id=room_id,
            user=user,
            text=text,
            now=now,
            client_id=client_id,
            broadcast=broadcast,
        )


def _read_state_advance(*, room_id: int, user_id: int, message_id: int) -> bool:
    """Move the read mark forward only (a late, older mark never undoes a newer one)."""
    updated = ReadState.objects.filter(
        room_id=room_id, user_id=user_id, last_read_message_id__lt=message_id
    ).update(last_read_message_id=message_id)
    if updated:
        return True
    _, created = ReadState.objects.get_or_create(
        room_id=room_id, user_id=user_id, defaults={"last_read_message_id": message_id}
    )
    return created


@transaction.atomic
def room_mark_read(*, room_id: int, user, message_id: int | None = None) -> int:
    """Mark the room read up to ``message_id`` (default: the latest); returns the mark.

    Every notification socket of the user then hears ``chat.read`` so badges drop live.
    """
    qs = Message.objects.filter(room_id=room_id).order_by("-id").values_list("id", flat=True)
    if message_id is not None:
        qs = qs.filter(id__lte=message_id)
    upto = next(iter(qs[:1]), 0)
    if upto and _read_state_advance(room_id=room_id, user_id=user.pk, message_id=upto):
        broadcast_on_commit(
            user_group(user.pk), {"type": "chat.read", "room_id": room_id, "message_id": upto}
        )
    return upto


def room_mark_read_upto(*, room_id: int, user, message_id: int) -> None:
    """Mark read up to a message the caller just showed (no clamp query). Reading a room
    that is already read costs one SELECT and no write transaction."""
    if not message_id:
        return
    if ReadState.objects.filter(
        room_id=room_id, user_id=user.pk, last_read_message_id__gte=message_id
    ).exists():
        return
    with transaction.atomic():
        if _read_state_advance(room_id=room_id, user_id=user.pk, message_id=message_id):
            broadcast_on_commit(
                user_group(user.pk),
                {"type": "chat.read", "room_id": room_id, "message_id": message_id},
            )


def member_sockets_close(*, room_id: int, user_id: int) -> None:
    """After commit, close every socket ``user_id`` holds in the room (left or banned)."""
    broadcast_on_commit(chat_user_group(room_id, user_id), {"type": "member.removed"})


def room_sockets_close_deleted(*, room_id: int) -> None:
    """After commit, close every socket of a deleted room with code 4040."""
    broadcast_on_commit(
        chat_room_group(room_id), {"type": "room.deleted", "code": ROOM_DELETED_CLOSE_CODE}
    )


def chat_ticket_issue(*, room: ChatRoom, user) -> str:
    """A single-use ticket (valid 30 s) that opens one socket to ``room`` as ``user``."""
    ticket = secrets.token_urlsafe(24)
    cache.set(
        _TICKET_PREFIX + ticket,
        {"user_id": user.pk, "room_id": room.pk},
        timeout=getattr(settings, "CHAT_TICKET_TTL", TICKET_TTL_SECONDS),
    )
    return ticket


def chat_ticket_redeem(*, ticket: str, room_id: int) -> int | None:
    """The user id a ticket was issued to, once; None if unknown, used, expired or for
    another room. Deleting is the claim: of two sockets racing, only one delete succeeds."""
    if not ticket or len(ticket) > 64:
        return None
    key = _TICKET_PREFIX + ticket
    value = cache.get(key)
    if not value or not cache.delete(key):
        return None
    if value.get("room_id") != room_id:
        return None
    return value.get("user_id")


# --- Web Push: "chat message while away" ----------------------------------------------------------


def chat_away_push(*, now=None) -> int:
    """Push members who have left other people's messages unread for PUSH_CHAT_AWAY_MINUTES.

    "Away" is judged from the read mark, not from open sockets: a member whose chat page is
    open reads messages as they arrive, so an unread message that old means nobody is
    looking. Only rooms active within the last hour are scanned (plus the waiting time);
    the notifications service pushes each member once per stretch of unread messages.
    Returns how many members were pushed.
    """
    from datetime import timedelta

    from mealbuddy.notifications.services import push_chat_away
    from mealbuddy.trust.models import Block

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.PUSH_CHAT_AWAY_MINUTES)
    since = cutoff - timedelta(hours=1)
    rooms = {
        room.pk: room
        for room in ChatRoom.objects.filter(last_message_at__gte=since).select_related(
            "group_order", "post"
        )
    }
    if not rooms:
        return 0
    members: dict[int, set[int]] = {
        room.pk: {room.starter_id, room.post_author_id} for room in rooms.values() if room.is_direct
    }
    for room_id, user_id in ChatRoom.objects.filter(
        pk__in=rooms, group_order__isnull=False
    ).values_list("pk", "group_order__participations__user_id"):
        if user_id is not None:
            members.setdefault(room_id, set()).add(user_id)
    read = {
        (room_id, user_id): last
        for room_id, user_id, last in ReadState.objects.filter(room_id__in=rooms).values_list(
            "room_id", "user_id", "last_read_message_id"
        )
    }
    # Someone a member blocked never makes that member's chat "unread" (selectors.visible_messages).
    muted: dict[int, set[int]] = {}
    for blocker_id, blocked_id in Block.objects.filter(
        blocker_id__in={u for ids in members.values() for u in ids}
    ).values_list("blocker_id", "blocked_id"):
        muted.setdefault(blocker_id, set()).add(blocked_id)
    messages: dict[int, list[tuple[int, int | None, object]]] = {}
    for row in (
        Message.objects.filter(room_id__in=rooms, kind=Message.Kind.TEXT, created_at__gte=since)
        .order_by("id")
        .values_list("room_id", "id", "user_id", "created_at")
    ):
        messages.setdefault(row[0], []).append(row[1:])
    pushed = 0
    for room_id, room_messages in messages.items():
        pending = {}
        for user_id in members.get(room_id, ()):
            last_read = read.get((room_id, user_id), 0)
            hidden = muted.get(user_id, ())
            unread = [
                m
                for m in room_messages
                if m[0] > last_read and m[1] != user_id and m[1] not in hidden
            ]
            if unread and unread[0][2] <= cutoff:
                pending[user_id] = (last_read, unread[-1][0])
        if not pending:
            continue
        title = room_title(rooms[room_id])
        pushed += push_chat_away(
            room_id=room_id,
            pending=pending,
            payload={
                "title": "밀버디 · 새 채팅",
                "body": f"'{title}' 채팅방에 읽지 않은 메시지가 있어요.",
                "url": f"/chats/{room_id}/",
                "tag": f"chat-{room_id}",
            },
        )
    return pushed
