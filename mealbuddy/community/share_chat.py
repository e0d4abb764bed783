"""The 나눔 1:1 chat (issue 13): "채팅하기" on a 나눔 post opens a chat room with its author.

The board decides what the post allows (a live 나눔 post the reader may see; no new room once
it is 나눔완료, while rooms already opened stay usable) and calls chat's service for the room
itself (one per post and reader; not with yourself, not between people who blocked each
other, not for a suspended account). Chat stays unaware of the board: it knows the room's
post only through ``ChatRoom.post``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mealbuddy.chat import selectors as chat_selectors
from mealbuddy.chat import services as chat_services
from mealbuddy.chat.models import ChatRoom
from mealbuddy.community.access import access_post
from mealbuddy.community.errors import WrongTopic
from mealbuddy.community.models import Post
from mealbuddy.core.errors import ApplicationError
from mealbuddy.trust.selectors import restriction_check

SHARE_DONE_TEXT = "나눔이 끝난 글이라 새 채팅을 시작할 수 없어요."


class ShareDone(ApplicationError):
    code = "share_done"


def share_chat_open(*, post_id: int, user) -> tuple[ChatRoom, bool]:
    """The reader's 1:1 room with the author of 나눔 post ``post_id``: ``(room, created)``.

    A deleted post, or one whose author and the reader blocked each other, is not found
    (as everywhere on the board); other posts than 나눔, the author themself, a suspended
    reader and, for a room not opened yet, a 나눔완료 post are refused.
    """
    restriction_check(user=user)
    post = access_post(user=user, id=post_id)
    if not post.is_share:
        raise WrongTopic("나눔 글에서만 채팅할 수 있어요.")
    if post.author_id != user.pk:
        existing = chat_selectors.direct_room_of(post_id=post.pk, starter_id=user.pk)
        if existing is not None:
            return existing, False
        if post.share_state == Post.ShareState.DONE:
            raise ShareDone(SHARE_DONE_TEXT)
    return chat_services.direct_room_open(post=post, starter=user)


@dataclass(frozen=True)
class ShareChat:
    """What the post page offers about the 1:1 chat (decided here, shown by the template):
    the reader's "채팅하기" (or their room), or the author's list of chats about the post."""

    can_start: bool = False
    room: ChatRoom | None = None
    closed_text: str = ""
    rooms: list[ChatRoom] = field(default_factory=list)
    is_author: bool = False


def share_chat_for(*, post: Post, user) -> ShareChat | None:
    """None for posts other than 나눔. One query for a reader, two for the author."""
    if not post.is_share:
        return None
    if post.author_id == user.pk:
        return ShareChat(
            is_author=True, rooms=chat_selectors.direct_rooms_about(post_id=post.pk, user=user)
        )
    room = chat_selectors.direct_room_of(post_id=post.pk, starter_id=user.pk)
    if room is not None:
        return ShareChat(room=room)
    if post.share_state == Post.ShareState.DONE:
        return ShareChat(closed_text=SHARE_DONE_TEXT)
    return ShareChat(can_start=True)
