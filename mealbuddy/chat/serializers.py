from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from mealbuddy.chat.models import Message

# What everyone sees instead of a message a moderator hid (the text itself is kept for them).
HIDDEN_MESSAGE = "숨겨진 메시지예요"


def avatar_url(user) -> str | None:
    """The URL of ``user``'s profile photo, or None (no profile, no photo, or departed).

    Reads ``user.profile``: callers that list many people load it with
    ``select_related("user__profile")`` (or, for one socket, once at connect)."""
    if user is None or not user.is_active:
        return None
    try:
        avatar = user.profile.avatar
    except ObjectDoesNotExist:
        return None
    return avatar.url if avatar else None


def person_payload(user, *, viewer_id: int | None = None) -> dict | None:
    """The original client's person object ``P``; others' emails are never shown."""
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.display_name,
        "email": user.email if viewer_id == user.pk else "",
    }


def page_person_payload(user, *, viewer_id: int | None = None) -> dict | None:
    """``P`` plus ``avatar`` (a photo URL or null): our own pages and API only, never the
    original client's endpoints or sockets."""
    person = person_payload(user, viewer_id=viewer_id)
    if person is not None:
        person["avatar"] = avatar_url(user)
    return person


def message_payload(
    message: Message, *, viewer_id: int | None = None, avatars: bool = False
) -> dict:
    """The original client's message object ``M``; with ``avatars`` (our own pages and
    API), the author object carries ``avatar`` too."""
    person = page_person_payload if avatars else person_payload
    payload = {
        "id": message.pk,
        "message": HIDDEN_MESSAGE if message.hidden_at is not None else message.text,
        "created_at": message.created_at.isoformat(),
        "chatroom": message.room_id,
        "user": person(message.user, viewer_id=viewer_id),
        "kind": str(message.kind),
    }
    if message.hidden_at is not None:
        payload["hidden"] = True
    return payload


def message_event(message: Message, *, viewer_id: int | None = None, avatars: bool = False) -> dict:
    """The socket event for one message, exactly as the contract's "Chat socket" section
    (``avatars``: our own pages' sockets, see ``page_message_event``)."""
    payload = {"message": message_payload(message, viewer_id=viewer_id, avatars=avatars)}
    if message.kind == Message.Kind.JOIN:
        return {"type": "chat.user.join", "user_id": message.subject_user_id, **payload}
    if message.kind in (Message.Kind.LEAVE, Message.Kind.BAN):
        # The original client leaves the page on its own chat.user.leave: a ban is a leave.
        return {"type": "chat.user.leave", "user_id": message.subject_user_id, **payload}
    return {"type": "chat.message", **payload}


def page_message_event(message: Message, *, viewer_id: int | None = None) -> dict:
    """The same event for a socket opened by our own pages (session cookie or ticket): the
    author object adds ``avatar`` so a live message shows its author's photo."""
    return message_event(message, viewer_id=viewer_id, avatars=True)
