"""Chat writes. Save first, broadcast after commit (see mealbuddy.core.realtime)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.core.realtime import broadcast_on_commit, chat_room_group, chat_user_group

# Close code the original client treats as "this room is gone".
ROOM_DELETED_CLOSE_CODE = 4040


def room_create(*, group_order) -> ChatRoom:
    return ChatRoom.objects.create(group_order=group_order)


def _message_saved(message: Message) -> None:
    ChatRoom.objects.filter(pk=message.room_id).update(last_message_at=message.created_at)


@transaction.atomic
def system_message_post(
    *, room: ChatRoom, kind: str, text: str, user_id: int | None = None
) -> Message:
    """A system line (join, leave, ban, status change), broadcast to the room after commit.

    ``user_id`` is who joined or left (ban counts as leave for the original client).
    """
    message = Message.objects.create(room=room, user=None, kind=kind, text=text)
    _message_saved(message)
    from mealbuddy.chat.serializers import message_payload

    payload = {"message": message_payload(message)}
    if kind == Message.Kind.JOIN:
        payload = {"type": "chat.user.join", "user_id": user_id, **payload}
    elif kind in (Message.Kind.LEAVE, Message.Kind.BAN):
        payload = {"type": "chat.user.leave", "user_id": user_id, **payload}
    else:
        payload = {"type": "chat.message", **payload}
    broadcast_on_commit(chat_room_group(room.pk), {"type": "room.event", "payload": payload})
    return message


def member_sockets_close(*, room_id: int, user_id: int) -> None:
    """After commit, close every socket ``user_id`` holds in the room (left or banned)."""
    broadcast_on_commit(chat_user_group(room_id, user_id), {"type": "member.removed"})


def room_sockets_close_deleted(*, room_id: int) -> None:
    """After commit, close every socket of a deleted room with code 4040."""
    broadcast_on_commit(
        chat_room_group(room_id), {"type": "room.deleted", "code": ROOM_DELETED_CLOSE_CODE}
    )


def room_touch(*, room_id: int) -> None:
    ChatRoom.objects.filter(pk=room_id).update(last_message_at=timezone.now())
