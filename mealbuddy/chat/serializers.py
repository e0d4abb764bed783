from __future__ import annotations

from mealbuddy.chat.models import Message


def person_payload(user, *, viewer_id: int | None = None) -> dict | None:
    """The original client's person object ``P``; others' emails are never shown."""
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.display_name,
        "email": user.email if viewer_id == user.pk else "",
    }


def message_payload(message: Message, *, viewer_id: int | None = None) -> dict:
    """The original client's message object ``M``."""
    return {
        "id": message.pk,
        "message": message.text,
        "created_at": message.created_at.isoformat(),
        "chatroom": message.room_id,
        "user": person_payload(message.user, viewer_id=viewer_id),
        "kind": str(message.kind),
    }


def message_event(message: Message, *, viewer_id: int | None = None) -> dict:
    """The socket event for one message, exactly as the contract's "Chat socket" section."""
    payload = {"message": message_payload(message, viewer_id=viewer_id)}
    if message.kind == Message.Kind.JOIN:
        return {"type": "chat.user.join", "user_id": message.subject_user_id, **payload}
    if message.kind in (Message.Kind.LEAVE, Message.Kind.BAN):
        # The original client leaves the page on its own chat.user.leave: a ban is a leave.
        return {"type": "chat.user.leave", "user_id": message.subject_user_id, **payload}
    return {"type": "chat.message", **payload}
