"""The per-user socket ``ws/notifications/``: new notifications and unread counts, live.

It follows the chat groups of every room the user is in, so a message anywhere moves the
"내 채팅" badge and list without a reload, and costs the sender nothing extra.

Server → client events:
- ``{"type": "unread", "notifications": n, "chats": n, "rooms": {room_id: n}}`` on connect
  and whenever counts are recomputed (joined/left a room, read elsewhere);
- ``{"type": "chat.unread", "room_id", "unread", "chats", "message": M}`` per chat line;
- ``{"type": "notification", "notification": {...}, "notifications": n}``;
- ``{"type": "groupbuy.changed", "id": id}`` when the group order this socket follows
  changed (the order page re-reads its summary). A page follows one order with the frame
  ``{"type": "groupbuy.follow", "id": id}`` (answered ``{"type": "groupbuy.following", ...}``;
  a later follow replaces it), checked with the order page's own access helper.

Closed with 4031 while the account is suspended or banned; 4001 when the account is revoked; 4029 over the per-user socket cap; 1013 when
the channel layer (Redis) was lost (reconnect: the first event brings fresh counts).
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.exceptions import DenyConnection

from mealbuddy.accounts.sockets import session_user, token_user
from mealbuddy.chat import selectors as chat_selectors
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.input import frame_int, frame_parse
from mealbuddy.core.realtime import chat_room_group, group_order_group, user_group
from mealbuddy.core.websocket import (
    ACCOUNT_RESTRICTED_CLOSE_CODE,
    AccountSocketConsumer,
    SocketRefused,
    dispatch_without_db_cleanup,
    query_params,
)
from mealbuddy.notifications.selectors import notification_unread_count
from mealbuddy.trust.errors import AccountRestricted
from mealbuddy.trust.selectors import blocks_made_ids, restriction_check


def _socket_user(scope):
    return session_user(scope) or token_user(query_params(scope).get("token", ""))


def _restricted(user) -> bool:
    """Suspended or banned right now: the socket is refused while it lasts."""
    try:
        restriction_check(user=user)
    except AccountRestricted:
        return True
    return False


def _counts(user) -> tuple[dict[int, int], int, frozenset[int]]:
    return (
        chat_selectors.room_unread_counts(user=user),
        notification_unread_count(user=user),
        blocks_made_ids(user_id=user.pk),
    )


def _order_readable(user, order_id: int) -> None:
    """Raises the order page's own refusal (404) unless ``user`` may read the order."""
    from mealbuddy.groupbuys.access import access_group_order

    access_group_order(user=user, id=order_id, visible=True)


class NotificationConsumer(AccountSocketConsumer):
    user = None
    muted: frozenset[int] = frozenset()
    order_group: str | None = None

    async def connect(self) -> None:
        self.followed: set[str] = set()
        self.rooms: dict[int, int] = {}
        self.notifications = 0
        user = await database_sync_to_async(_socket_user)(self.scope)
        if user is None:
            raise DenyConnection
        await self.account_attach(user)
        if await database_sync_to_async(_restricted)(user):
            raise SocketRefused(ACCOUNT_RESTRICTED_CLOSE_CODE)
        self.user = user
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        self.followed.add(user_group(user.pk))
        await self.accept()
        await self._refresh()

    async def dispatch(self, message) -> None:
        # Every chat line of every room I am in reaches this socket: no sync-thread hop each.
        await dispatch_without_db_cleanup(self, message)

    async def disconnect(self, code) -> None:
        await self.leave_groups()

    async def leave_groups(self) -> None:
        for group in self.followed | ({self.order_group} if self.order_group else set()):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.followed = set()
        self.order_group = None

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Only "groupbuy.follow" means something; another well-formed frame is ignored, a
        # malformed one gets the same error event as on the chat socket (never an error close).
        try:
            content = frame_parse(text_data, bytes_data)
            if content.get("type") == "groupbuy.follow":
                await self._follow_order(content)
        except ApplicationError as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})

    async def _follow_order(self, content: dict) -> None:
        order_id = frame_int(content, "id", message="주문 번호가 올바르지 않아요.", code="invalid")
        await database_sync_to_async(_order_readable)(self.user, order_id)
        group = group_order_group(order_id)
        if self.order_group not in (None, group):
            await self.channel_layer.group_discard(self.order_group, self.channel_name)
        await self.channel_layer.group_add(group, self.channel_name)
        self.order_group = group
        await self.send_json({"type": "groupbuy.following", "id": order_id})

    async def _refresh(self) -> None:
        """Follow exactly my rooms' groups, then send fresh counts."""
        if self.closing:
            return
        rooms, self.notifications, self.muted = await database_sync_to_async(_counts)(self.user)
        wanted = {chat_room_group(room_id) for room_id in rooms} | {user_group(self.user.pk)}
        for group in wanted - self.followed:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in self.followed - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.followed = wanted
        self.rooms = rooms
        await self.send_json(self._unread())

    def _unread(self) -> dict:
        return {
            "type": "unread",
            "notifications": self.notifications,
            "chats": sum(self.rooms.values()),
            "rooms": {str(k): v for k, v in self.rooms.items()},
        }

    # --- events -----------------------------------------------------------------------------
    async def room_event(self, event) -> None:
        payload = event["payload"]
        message = payload["message"]
        room_id = message["chatroom"]
        if room_id not in self.rooms or payload.get("user_id") == self.user.pk:
            return  # my own join/leave: rooms.changed follows with fresh counts
        author = message.get("user")
        if author is not None and author["id"] in self.muted:
            return  # someone I blocked: never unread for me (chat/selectors.visible_messages)
        # A system line I caused (``actor_id``: my status change, ban…) is not unread for me.
        mine = (author is not None and author["id"] == self.user.pk) or event.get(
            "actor_id"
        ) == self.user.pk
        if not mine:
            self.rooms[room_id] += 1
        unread, chats = self.rooms[room_id], sum(self.rooms.values())
        if event.get("message_text"):
            # The message object was encoded once for every socket: only the counts are mine.
            await self.send(
                text_data=f'{{"type": "chat.unread", "room_id": {room_id}, "unread": {unread}, '
                f'"chats": {chats}, "message": {event["message_text"]}}}'
            )
            return
        await self.send_json(
            {
                "type": "chat.unread",
                "room_id": room_id,
                "unread": unread,
                "chats": chats,
                "message": message,
            }
        )

    async def room_deleted(self, event) -> None:
        await self._refresh()

    async def chat_message_hidden(self, event) -> None:
        """A moderator hid a message in one of my rooms: nothing to count here."""

    async def trust_blocks_changed(self, event) -> None:
        await self._refresh()  # counts without (or again with) the people I (un)blocked

    async def rooms_changed(self, event) -> None:
        await self._refresh()

    async def chat_read(self, event) -> None:
        await self._refresh()

    async def notification_created(self, event) -> None:
        self.notifications += 1
        await self.send_json(
            {
                "type": "notification",
                "notification": event["notification"],
                "notifications": self.notifications,
            }
        )

    async def groupbuy_changed(self, event) -> None:
        await self.send_json({"type": "groupbuy.changed", "id": event["id"]})

    async def notifications_read(self, event) -> None:
        self.notifications = await database_sync_to_async(notification_unread_count)(user=self.user)
        await self.send_json(self._unread())
