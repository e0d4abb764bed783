"""The chat socket ``ws/chat/<room>/`` (thin: authenticate, check membership, call services).

Acceptance, in order of preference: the session cookie (only on a handshake from an allowed
browser Origin), a single-use ticket (``?ticket=``), the original client's ``?token=<jwt>``.
Only current members are accepted; anyone else is refused at the handshake.
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import DenyConnection, StopConsumer
from django.conf import settings
from django.db import connections

from mealbuddy.accounts.models import User
from mealbuddy.chat import selectors, services
from mealbuddy.chat.serializers import message_event
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.input import MAX_BIGINT, frame_int, frame_parse, int_or_none
from mealbuddy.core.realtime import chat_room_group, chat_user_group
from mealbuddy.core.websocket import (
    PeerGoneTolerantConsumer,
    query_params,
    session_user,
    token_user,
)

logger = logging.getLogger(__name__)

SLOW_DOWN = "천천히 보내 주세요"
CATCH_UP_CHUNK = 200


class TokenBucket:
    """``capacity`` messages at once, refilled at ``rate`` per second."""

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = float(capacity)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _chat_socket_user(scope, room_id: int):
    user = session_user(scope)
    if user is not None:
        return user
    params = query_params(scope)
    if params.get("ticket"):
        user_id = services.chat_ticket_redeem(ticket=params["ticket"], room_id=room_id)
        if user_id is not None:
            return User.objects.filter(pk=user_id, is_active=True).first()
        return None
    return token_user(params.get("token", ""))


def _catch_up(room_id: int, after: int) -> list[dict]:
    events = []
    while True:
        rows = selectors.messages_after(room_id=room_id, after=after, limit=CATCH_UP_CHUNK)
        events.extend(message_event(m) for m in rows)
        if len(rows) < CATCH_UP_CHUNK:
            return events
        after = rows[-1].pk


async def dispatch_without_db_cleanup(consumer, message) -> None:
    """What ``AsyncConsumer.dispatch`` does, minus its ``aclose_old_connections()``: that is a
    hop to the one sync thread for every event a socket receives (each chat line costs one per
    member), and it is redundant here: these consumers touch the database only through
    ``database_sync_to_async``, which closes old connections before and after each call."""
    handler = getattr(consumer, get_handler_name(message), None)
    if handler is None:
        raise ValueError(f"No handler for message type {message['type']}")
    await handler(message)


def _parallel_posts() -> bool:
    """PostgreSQL takes a message in one autocommit statement on a pooled connection, so
    posts need not queue behind every other database call on the one sync thread: they run
    on the executor's threads, several at once. (SQLite serialises writers anyway and keeps
    one connection per thread: there they stay on the sync thread.)"""
    return connections["default"].vendor == "postgresql"


async def _message_post(**kwargs):
    if _parallel_posts():
        return await database_sync_to_async(services.message_post, thread_sensitive=False)(**kwargs)
    return await database_sync_to_async(services.message_post)(**kwargs)


class ChatConsumer(PeerGoneTolerantConsumer):
    user = None
    room_id = 0
    closing = False

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.joined_groups: list[str] = []
        self.caught_up_ids: set[int] = set()
        user = await database_sync_to_async(_chat_socket_user)(self.scope, self.room_id)
        if user is None:
            raise DenyConnection
        # Join the groups first, then check membership and read the catch-up: a member removed
        # or a message saved in between is then seen either here or as a live event.
        for group in (chat_room_group(self.room_id), chat_user_group(self.room_id, user.pk)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined_groups.append(group)
        is_member = await database_sync_to_async(selectors.room_is_member)(
            room_id=self.room_id, user_id=user.pk
        )
        if not is_member:
            await self._leave_groups()
            raise DenyConnection
        self.user = user
        self.bucket = TokenBucket(settings.CHAT_BURST, settings.CHAT_RATE_PER_SECOND)
        await self.accept()
        after = query_params(self.scope).get("after")
        if after is None or after == "":
            return
        after_id = int_or_none(after)
        if after_id is None or after_id > MAX_BIGINT:
            await self._error("invalid_after", "after는 메시지 번호(숫자)여야 합니다.")
            return
        events = await database_sync_to_async(_catch_up)(self.room_id, max(after_id, 0))
        for event in events:
            self.caught_up_ids.add(event["message"]["id"])
            await self.send_json(self._for_me(event))

    async def disconnect(self, code) -> None:
        await self._leave_groups()

    async def _leave_groups(self) -> None:
        for group in self.joined_groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined_groups = []

    async def dispatch(self, message) -> None:
        # Nothing a client sends may end in 1011: any unexpected failure becomes an error
        # event and the socket stays open.
        try:
            await dispatch_without_db_cleanup(self, message)
        except (StopConsumer, DenyConnection, asyncio.CancelledError):
            raise
        except Exception:
            if message.get("type") != "websocket.receive" or self.user is None:
                raise
            logger.exception("chat socket frame failed")
            await self._error("server_error", "메시지를 처리하지 못했습니다. 다시 시도해 주세요.")

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if self.user is None or self.closing:
            return
        try:
            content = frame_parse(text_data, bytes_data)
        except ApplicationError as exc:
            await self._error(exc.code, exc.message)
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            await self._error("invalid_frame", '{"message": "..."} 형식으로 보내 주세요.')
            return
        kind = content.get("type", "chat.message")
        if kind == "read":
            await self._mark_read(content)
            return
        if kind != "chat.message":
            await self._error("unknown_type", "알 수 없는 요청 종류입니다.")
            return
        if "message" not in content:
            await self._error("missing_message", "message 필드가 필요합니다.")
            return
        try:
            services.message_text_clean(content["message"])
        except ApplicationError as exc:
            await self._error(exc.code, exc.message)
            return
        if not self.bucket.take():
            await self._error("rate_limited", SLOW_DOWN)
            return
        try:
            message = await _message_post(
                room_id=self.room_id, user=self.user, text=content["message"], broadcast=False
            )
        except ApplicationError as exc:
            await self._error(exc.code, exc.message)
            return
        # Committed: now tell the room (from the event loop, not the database thread).
        await self.channel_layer.group_send(
            chat_room_group(self.room_id), services.room_event(message)
        )

    async def _mark_read(self, content) -> None:
        try:
            message_id = frame_int(
                content, "id", message="읽은 메시지 번호(id)가 필요합니다.", code="invalid_read"
            )
        except ApplicationError as exc:
            await self._error(exc.code, exc.message)
            return
        await database_sync_to_async(services.room_mark_read)(
            room_id=self.room_id, user=self.user, message_id=message_id
        )

    def _for_me(self, event: dict) -> dict:
        author = event["message"].get("user")
        if author and author["id"] == self.user.pk:
            event = {**event, "message": {**event["message"], "user": {**author}}}
            event["message"]["user"]["email"] = self.user.email
        return event

    # --- events from the channel layer ----------------------------------------------------
    async def room_event(self, event) -> None:
        if self.user is None or self.closing:
            return
        payload = event["payload"]
        message_id = payload["message"]["id"]
        if message_id in self.caught_up_ids:
            self.caught_up_ids.discard(message_id)
            return
        author = payload["message"].get("user")
        if event.get("text") and not (author and author["id"] == self.user.pk):
            await self.send(text_data=event["text"])
        else:
            await self.send_json(self._for_me(payload))

    async def member_removed(self, event) -> None:
        await self._close(services.MEMBER_REMOVED_CLOSE_CODE)

    async def room_deleted(self, event) -> None:
        await self._close(event.get("code", services.ROOM_DELETED_CLOSE_CODE))

    async def _close(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        await self._leave_groups()
        await self.close(code=code)
