"""Chat reads: permission-checked room access, history pages, "my chats", unread counts.

Unread = messages in a room after my ReadState that I did not write (system lines count).
"""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from mealbuddy.chat.models import ChatRoom, Message, ReadState
from mealbuddy.core.errors import NotFound, PermissionDenied

HISTORY_MAX_PAGE = 100
ROOM_RECENT_MESSAGES = 100


def room_is_member(*, room_id: int, user_id: int) -> bool:
    from mealbuddy.groupbuys.models import Participation

    return Participation.objects.filter(
        group_order__chat_room__id=room_id, user_id=user_id
    ).exists()


def access_chat_room(*, user, id: int) -> ChatRoom:  # noqa: A002 - STYLE's access_<entity>
    """The room with its group order, if ``user`` is a current member; raises otherwise."""
    room = ChatRoom.objects.select_related("group_order", "group_order__host").filter(pk=id).first()
    if room is None:
        raise NotFound("채팅방을 찾을 수 없습니다.", code="room_not_found")
    if not room_is_member(room_id=room.pk, user_id=user.pk):
        raise PermissionDenied("이 채팅방의 참여자만 볼 수 있습니다.", code="not_member")
    return room


def room_members(*, room: ChatRoom) -> list:
    """Current members (the host first, then by join time) as users."""
    from mealbuddy.groupbuys.models import Participation

    return [
        p.user
        for p in Participation.objects.filter(group_order_id=room.group_order_id)
        .select_related("user")
        .order_by("joined_at", "id")
    ]


def messages_before(
    *, room_id: int, before: int | None = None, limit: int = 50
) -> tuple[list[Message], bool]:
    """One page of history going backwards: up to ``limit`` messages older than ``before``,
    returned oldest first, and whether older ones remain."""
    limit = max(1, min(limit, HISTORY_MAX_PAGE))
    qs = Message.objects.filter(room_id=room_id).select_related("user").order_by("-id")
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, has_more


_PAYLOAD_FIELDS = (
    "id",
    "text",
    "created_at",
    "room_id",
    "kind",
    "user_id",
    "user__username",
    "user__email",
    "user__is_active",
)


def recent_message_payloads(*, room_id: int, limit: int, viewer_id: int) -> list[dict]:
    """The latest ``limit`` messages as contract ``M`` objects, oldest first, in one query.

    Builds the dicts from plain rows (no model instances): the original client asks for the
    room state on every visit, so this path is kept lean.
    """
    rows = (
        Message.objects.filter(room_id=room_id)
        .order_by("-id")
        .values_list(*_PAYLOAD_FIELDS)[:limit]
    )
    out = []
    for mid, text, created_at, rid, kind, user_id, username, email, active in reversed(rows):
        user = None
        if user_id is not None:
            user = {
                "id": user_id,
                "username": username if active else "(탈퇴한 사용자)",
                "email": email if user_id == viewer_id else "",
            }
        out.append(
            {
                "id": mid,
                "message": text,
                "created_at": created_at.isoformat(),
                "chatroom": rid,
                "user": user,
                "kind": kind,
            }
        )
    return out


def messages_after(*, room_id: int, after: int, limit: int = 200) -> list[Message]:
    """Messages newer than ``after``, oldest first (catch-up after a reconnect)."""
    return list(
        Message.objects.filter(room_id=room_id, id__gt=after)
        .select_related("user")
        .order_by("id")[:limit]
    )


def latest_message_id(*, room_id: int) -> int:
    last = Message.objects.filter(room_id=room_id).order_by("-id").values_list("id", flat=True)
    return next(iter(last[:1]), 0)


def _last_read(user_id: int, room_ref: str = "pk"):
    return Coalesce(
        Subquery(
            ReadState.objects.filter(room_id=OuterRef(room_ref), user_id=user_id).values(
                "last_read_message_id"
            )[:1]
        ),
        Value(0),
    )


def _unread_subquery(user_id: int):
    return Coalesce(
        Subquery(
            Message.objects.filter(room_id=OuterRef("pk"), id__gt=OuterRef("last_read"))
            .exclude(user_id=user_id)
            .order_by()
            .values("room_id")
            .annotate(c=Count("id"))
            .values("c")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def my_rooms_queryset(*, user):
    return (
        ChatRoom.objects.filter(group_order__participations__user_id=user.pk)
        .select_related("group_order")
        .annotate(
            last_read=_last_read(user.pk),
            last_id=Subquery(
                Message.objects.filter(room_id=OuterRef("pk")).order_by("-id").values("id")[:1]
            ),
        )
        .annotate(
            unread=_unread_subquery(user.pk),
            activity=Coalesce("last_message_at", "created_at"),
        )
        .order_by(F("activity").desc(), "-id")
    )


def my_chat_rooms(*, user) -> list[ChatRoom]:
    """The rooms I am in, latest activity first, each with ``unread`` and ``last_message``.

    Two queries whatever the number of rooms or messages.
    """
    rooms = list(my_rooms_queryset(user=user))
    ids = [r.last_id for r in rooms if r.last_id]
    last = {m.pk: m for m in Message.objects.filter(pk__in=ids).select_related("user")}
    for room in rooms:
        room.last_message = last.get(room.last_id)
    return rooms


def room_unread_counts(*, user) -> dict[int, int]:
    return dict(my_rooms_queryset(user=user).select_related(None).values_list("pk", "unread"))


def chat_unread_total(*, user) -> int:
    """Unread messages over all my rooms, in one query (the navigation badge)."""
    return (
        Message.objects.filter(room__group_order__participations__user_id=user.pk)
        .filter(~Q(user_id=user.pk) | Q(user_id__isnull=True))
        .annotate(last_read=_last_read(user.pk, "room_id"))
        .filter(id__gt=F("last_read"))
        .count()
    )
