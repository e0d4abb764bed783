"""Chat reads: permission-checked room access, history pages, "my chats", unread counts.

Unread = messages in a room after my ReadState that I neither wrote nor caused: system lines
count, except those about my own actions (``Message.actor_id``: the host's status change, ban
or settlement step is never unread for the host).
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from mealbuddy.accounts.models import display_name_of
from mealbuddy.chat.models import ChatRoom, Message, ReadState
from mealbuddy.chat.serializers import HIDDEN_MESSAGE_TEXT
from mealbuddy.core.errors import NotFound, PermissionDenied
from mealbuddy.core.sql import aware_datetime

HISTORY_MAX_PAGE = 100
ROOM_RECENT_MESSAGES = 100


# --- Membership of a room: written once ---------------------------------------------------
# A group order's room: its members are the order's current participants (a Participation
# row; leaving or a ban deletes it). A 1:1 room about a 나눔 post: its ``starter`` and its
# ``post_author``. ``room_member_q`` is the ORM form (through ``member_room_ids``),
# ``room_member_sql`` the plain-SQL form of the same test, both built here from the model
# graph; the socket handshake, REST and page access (``access_chat_room``), the original
# client's room state (``room_header``), "my chats", unread counts and the one-statement
# message insert (chat/services.py) all use one of the two.


@cache
def _member_model():
    """The participation model, reached through ChatRoom.group_order (chat imports no
    group-order module: see mealbuddy/chat/__init__.py)."""
    order_model = ChatRoom._meta.get_field("group_order").related_model
    return order_model._meta.get_field("participations").related_model


def _member_table() -> str:
    return _member_model()._meta.db_table


def member_room_ids(user_id: int):
    """The ids of the rooms ``user_id`` is a member of, as a subquery: the rooms of the
    orders they take part in, then the 1:1 rooms they opened or were asked in. A UNION ALL
    of two indexed lookups (participations by user; ``starter`` / ``post_author``), so the
    planner never scans every room to test an OR."""
    orders = _member_model().objects.filter(user_id=user_id).values("group_order_id")
    order_rooms = ChatRoom.objects.filter(group_order_id__in=orders).values("pk")
    direct_rooms = ChatRoom.objects.filter(
        Q(starter_id=user_id) | Q(post_author_id=user_id)
    ).values("pk")
    return order_rooms.union(direct_rooms, all=True)


def room_member_q(user_id: int, *, through: str = "") -> Q:
    """Rooms (or, with ``through="room__"``, rows of a room) where ``user_id`` is a member."""
    return Q(**{f"{through}pk__in": member_room_ids(user_id)})


def room_member_sql(room_alias: str) -> str:
    """``EXISTS (...)`` true when the user bound to its one ``%s`` is a member of the room
    aliased ``room_alias`` (a chat_chatroom row)."""
    a = room_alias
    return (
        # One bound parameter, read three times through a one-row derived table.
        "EXISTS (SELECT 1 FROM (SELECT CAST(%s AS BIGINT) AS id) mu"  # noqa: S608 - names from _meta
        f" WHERE mu.id IN ({a}.starter_id, {a}.post_author_id)"
        f" OR EXISTS (SELECT 1 FROM {_member_table()} mp"
        f" WHERE mp.group_order_id = {a}.group_order_id AND mp.user_id = mu.id))"
    )


def room_is_member(*, room_id: int, user_id: int) -> bool:
    room = ChatRoom._meta.db_table
    sql = f"SELECT 1 FROM {room} r WHERE r.id = %s AND {room_member_sql('r')}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [room_id, user_id])
        return cursor.fetchone() is not None


def access_chat_room(*, user, id: int) -> ChatRoom:  # noqa: A002 - STYLE's access_<entity>
    """The room with its group order (or its 나눔 post and two people), if ``user`` is a
    current member; raises otherwise."""
    room = (
        ChatRoom.objects.select_related(
            "group_order",
            "group_order__host",
            "post",
            "starter__profile",
            "starter__standing",
            "post_author__profile",
            "post_author__standing",
        )
        .filter(pk=id)
        .first()
    )
    if room is None:
        raise NotFound("채팅방을 찾을 수 없어요.", code="room_not_found")
    if not room_is_member(room_id=room.pk, user_id=user.pk):
        raise PermissionDenied("이 채팅방의 참여자만 볼 수 있어요.", code="not_member")
    return room


def room_members(*, room: ChatRoom) -> list:
    """Current members (the host first, then by join time) as users; in a 1:1 room the
    post's author, then who opened it."""
    if room.is_direct:
        return [room.post_author, room.starter]
    members = (
        room.group_order.participations.select_related("user__profile", "user__standing").order_by(
            "joined_at", "id"
        )
        if room.group_order_id
        else []
    )
    return [p.user for p in members]


# --- 1:1 rooms about a 나눔 post --------------------------------------------------------------


def room_title(room: ChatRoom) -> str:
    """The order's title, or the 나눔 post's ("삭제된 글" once its author took it down)."""
    if room.is_direct:
        return "삭제된 글" if room.post.deleted_at is not None else room.post.title
    return room.group_order.title


def room_partner(room: ChatRoom, *, viewer_id: int):
    """In a 1:1 room, the other person for ``viewer_id``; None in an order's room."""
    if not room.is_direct:
        return None
    return room.starter if viewer_id == room.post_author_id else room.post_author


def direct_room_of(*, post_id: int, starter_id: int) -> ChatRoom | None:
    return ChatRoom.objects.filter(post_id=post_id, starter_id=starter_id).first()


def direct_rooms_about(*, post_id: int, user) -> list[ChatRoom]:
    """The 1:1 rooms about ``user``'s own post (who asked, latest activity first, with
    ``unread`` and ``last_message``), for the post's page. Two queries."""
    return my_chat_rooms(user=user, post_id=post_id)


# --- What one member sees of a room (issue 12) ----------------------------------------------
# The authors a member blocked are hidden for them in every read (history, the original
# client's room state, catch-up, unread counts, "my chats"' last line) through
# ``trust.selectors.blocks_made_query``, inside each read's own statement; the live socket
# holds ``blocks_made_ids`` from its handshake on (``ChatConsumer.muted``). A message a
# moderator hid stays in place for everyone as "숨겨진 메시지예요" (serializers.HIDDEN_MESSAGE_TEXT).


def visible_messages(queryset, *, viewer_id: int | None, through: str = ""):
    """``queryset`` of messages without those whose author ``viewer_id`` blocked."""
    if viewer_id is None:
        return queryset
    from mealbuddy.trust.selectors import blocks_made_query

    return queryset.exclude(**{f"{through}user_id__in": blocks_made_query(user_id=viewer_id)})


def messages_before(
    *, room_id: int, before: int | None = None, limit: int = 50, viewer_id: int | None = None
) -> tuple[list[Message], bool]:
    """One page of history going backwards: up to ``limit`` messages older than ``before``,
    returned oldest first, and whether older ones remain. With ``viewer_id``, without the
    messages of people that viewer blocked."""
    limit = max(1, min(limit, HISTORY_MAX_PAGE))
    qs = (
        Message.objects.filter(room_id=room_id)
        .select_related("user__profile", "user__standing")
        .order_by("-id")
    )
    qs = visible_messages(qs, viewer_id=viewer_id)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, has_more


def _tables() -> dict[str, str]:
    from django.contrib.auth import get_user_model

    return {
        "c": ChatRoom._meta.db_table,
        "m": Message._meta.db_table,
        "rs": ReadState._meta.db_table,
        "g": ChatRoom._meta.get_field("group_order").related_model._meta.db_table,
        "u": get_user_model()._meta.db_table,
    }


_PG_ISO_UTC = "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def _pg_iso(text: str) -> str:
    """``_PG_ISO_UTC``'s text as ``datetime.isoformat()`` prints it (no ``.000000``)."""
    return text[:19] + text[26:] if text[19:26] == ".000000" else text


def room_header(*, room_id: int, viewer_id: int) -> dict | None:
    """The room, its order's title and counts, its host, and for ``viewer_id`` whether they
    are a current member and how far they have read: one plain query (the original client
    asks for the room state on every visit). None if there is no such room."""
    t = _tables()
    sql = (
        "SELECT c.id, c.group_order_id, g.title, g.target_count, g.member_count,"  # noqa: S608
        " h.id, h.username, h.email, h.is_active,"
        f" {room_member_sql('c')},"
        f" (SELECT rs.last_read_message_id FROM {t['rs']} rs"
        " WHERE rs.room_id = c.id AND rs.user_id = %s)"
        f" FROM {t['c']} c JOIN {t['g']} g ON g.id = c.group_order_id"
        f" JOIN {t['u']} h ON h.id = g.host_id WHERE c.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [viewer_id, viewer_id, room_id])
        row = cursor.fetchone()
    if row is None:
        return None
    rid, order_id, title, target, members, hid, hname, hemail, hactive, member, last = row
    return {
        "id": rid,
        "group_order_id": order_id,
        "title": title,
        "target_count": target,
        "member_count": members,
        "host": {"id": hid, "username": hname, "email": hemail, "is_active": bool(hactive)},
        "is_member": bool(member),
        "last_read": last,
    }


def recent_message_payloads(*, room_id: int, limit: int, viewer_id: int) -> list[dict]:
    """The latest ``limit`` messages as contract ``M`` objects, oldest first, in one query.

    Builds the dicts from plain rows of one plain SQL statement (no query compiling, no model
    instances): the original client asks for the room state on every visit.
    """
    t = _tables()
    postgres = connection.vendor == "postgresql"
    # PostgreSQL writes the time as text already in ``isoformat()``'s shape (UTC), which
    # spares parsing 100 timestamps into datetimes only to print them again.
    created = _PG_ISO_UTC.format(column="m.created_at") if postgres else "m.created_at"
    # The authors the viewer blocked stay out (``visible_messages``), in this statement.
    muted = (
        f" AND (m.user_id IS NULL OR m.user_id NOT IN"  # noqa: S608 - names from _meta
        f" (SELECT k.blocked_id FROM {_block_table()} k WHERE k.blocker_id = %s))"
    )
    sql = (
        f"SELECT m.id, m.text, {created}, m.kind, m.user_id,"  # noqa: S608
        " u.username, u.email, u.is_active, m.hidden_at"
        f" FROM {t['m']} m LEFT JOIN {t['u']} u ON u.id = m.user_id"
        # PostgreSQL: ``= ANY`` and the (room, -id) index's own order keep the plan on that
        # index. With ``room_id = %s ORDER BY id DESC`` the planner may walk the primary key
        # backwards instead, through every newer message of every other room: a quiet room
        # beside busy ones then costs milliseconds per visit.
        + (
            f" WHERE m.room_id = ANY(%s::bigint[]){muted} ORDER BY m.room_id, m.id DESC LIMIT %s"
            if postgres
            else f" WHERE m.room_id = %s{muted} ORDER BY m.id DESC LIMIT %s"
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[room_id] if postgres else room_id, viewer_id, limit])
        rows = cursor.fetchall()
    out = []
    for mid, text, created_at, kind, user_id, username, email, active, hidden in reversed(rows):
        user = None
        if user_id is not None:
            user = {
                "id": user_id,
                "username": display_name_of(username=username, is_active=active),
                "email": email if user_id == viewer_id else "",
            }
        out.append(
            {
                "id": mid,
                "message": HIDDEN_MESSAGE_TEXT if hidden is not None else text,
                "created_at": _pg_iso(created_at)
                if postgres
                else aware_datetime(created_at).isoformat(),
                "chatroom": room_id,
                "user": user,
                "kind": kind,
            }
        )
    return out


def _block_table() -> str:
    from mealbuddy.trust.models import Block

    return Block._meta.db_table


def messages_after(
    *, room_id: int, after: int, limit: int = 200, viewer_id: int | None = None
) -> list[Message]:
    """Messages newer than ``after``, oldest first (catch-up after a reconnect); with
    ``viewer_id``, without those of people that viewer blocked."""
    qs = Message.objects.filter(room_id=room_id, id__gt=after).select_related(
        "user__profile", "user__standing"
    )
    return list(visible_messages(qs, viewer_id=viewer_id).order_by("id")[:limit])


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
            visible_messages(
                Message.objects.filter(room_id=OuterRef("pk"), id__gt=OuterRef("last_read")),
                viewer_id=user_id,
            )
            .exclude(user_id=user_id)
            .exclude(actor_id=user_id)
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
        ChatRoom.objects.filter(room_member_q(user.pk))
        .select_related(
            "group_order",
            "post",
            "starter__profile",
            "starter__standing",
            "post_author__profile",
            "post_author__standing",
        )
        .annotate(
            last_read=_last_read(user.pk),
            last_id=Subquery(
                visible_messages(Message.objects.filter(room_id=OuterRef("pk")), viewer_id=user.pk)
                .order_by("-id")
                .values("id")[:1]
            ),
        )
        .annotate(
            unread=_unread_subquery(user.pk),
            activity=Coalesce("last_message_at", "created_at"),
        )
        .order_by(F("activity").desc(), "-id")
    )


def my_chat_rooms(*, user, post_id: int | None = None) -> list[ChatRoom]:
    """The rooms I am in, latest activity first, each with ``unread`` and ``last_message``
    (with ``post_id``: only the 1:1 rooms about my post of that id).

    Two queries whatever the number of rooms or messages.
    """
    queryset = my_rooms_queryset(user=user)
    if post_id is not None:
        queryset = queryset.filter(post_id=post_id, post_author_id=user.pk)
    rooms = list(queryset)
    ids = [r.last_id for r in rooms if r.last_id]
    last = {m.pk: m for m in Message.objects.filter(pk__in=ids).select_related("user")}
    for message in last.values():
        if message.hidden_at is not None:
            message.text = HIDDEN_MESSAGE_TEXT  # a moderator hid it: never its words
    for room in rooms:
        room.last_message = last.get(room.last_id)
        room.partner = room_partner(room, viewer_id=user.pk)
    return rooms


def room_unread_counts(*, user) -> dict[int, int]:
    return dict(my_rooms_queryset(user=user).select_related(None).values_list("pk", "unread"))


def chat_unread_total(*, user) -> int:
    """Unread messages over all my rooms, in one query (the navigation badge)."""
    return (
        visible_messages(
            Message.objects.filter(room_member_q(user.pk, through="room__")), viewer_id=user.pk
        )
        .filter(~Q(user_id=user.pk) | Q(user_id__isnull=True))
        .exclude(actor_id=user.pk)
        .annotate(last_read=_last_read(user.pk, "room_id"))
        .filter(id__gt=F("last_read"))
        .count()
    )
