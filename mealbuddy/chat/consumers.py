"""The chat socket ``ws/chat/<room>/`` (thin: authenticate, check membership, call services).

Acceptance, in order of preference: the session cookie (only on a handshake from an allowed
browser Origin), a single-use ticket (``?ticket=``), the original client's ``?token=<jwt>``.
Only current members are accepted; anyone else is refused at the handshake.

Frames: ``{"message": "...", "client_id"?: "..."}`` posts (a resend with the same
``client_id`` is answered with the saved message, to the sender only, never saved twice);
``{"type": "read", "id": n}`` marks read. Posts share one flood budget per user with all
their other sockets and the REST post (``rate_limited`` errors past it).

Close codes: 4031 the account is suspended or banned (at the handshake, or when the
sanction starts); 4001 the account was deleted, deactivated, changed its password or logged
out everywhere (also when a post or read mark finds it so); 4003 left or banned; 4029 the
user already holds WS_MAX_SOCKETS_PER_USER sockets; 4040 the room was deleted; 1013 the
channel layer (Redis) was lost: reconnect with ``?after=<last id>`` to catch up.
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.exceptions import DenyConnection, StopConsumer
from django.db import connections

from mealbuddy.accounts.models import User
from mealbuddy.accounts.sockets import session_user, token_user
from mealbuddy.chat import selectors, services
from mealbuddy.chat.serializers import HIDDEN_MESSAGE_TEXT, avatar_url, message_event, trust_badge
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.input import MAX_BIGINT, frame_int, frame_parse, int_or_none
from mealbuddy.core.realtime import (
    ACCOUNT_REVOKED_CLOSE_CODE,
    chat_room_group,
    chat_user_group,
    group_send_logged,
)
from mealbuddy.core.websocket import (
    ACCOUNT_RESTRICTED_CLOSE_CODE,
    AccountSocketConsumer,
    SocketRefused,
    account_is_current,
    dispatch_without_db_cleanup,
    query_params,
)
from mealbuddy.trust.errors import AccountRestricted
from mealbuddy.trust.selectors import blocks_made_ids, restriction_check

logger = logging.getLogger(__name__)

CATCH_UP_CHUNK = 200


def _chat_socket_user(scope, room_id: int):
    """``(user, ours)``: ``ours`` when our own pages or API opened the socket (session
    cookie or ticket), not the original client (``?token=``)."""
    user = session_user(scope)
    if user is not None:
        return user, True
    params = query_params(scope)
    if params.get("ticket"):
        user_id = services.chat_ticket_redeem(ticket=params["ticket"], room_id=room_id)
        if user_id is not None:
            return User.objects.filter(pk=user_id, is_active=True).first(), True
        return None, False
    return token_user(params.get("token", "")), False


def _profile_load(user) -> None:
    """Load (and cache on ``user``) the profile once, so the events of this socket's posts
    carry the author's photo without a query from the event loop."""
    avatar_url(user)  # reading it caches the profile (or its absence) on ``user``
    trust_badge(user)  # and the standing, for the 동네인증 badge and 매너 점수


def account_restricted(user) -> bool:
    """Suspended or banned right now (the socket is refused: no chatting while it lasts)."""
    try:
        restriction_check(user=user)
    except AccountRestricted:
        return True
    return False


def _catch_up(
    room_id: int, after: int, *, avatars: bool = False, viewer_id: int | None = None
) -> list[dict]:
    events = []
    while True:
        rows = selectors.messages_after(
            room_id=room_id, after=after, limit=CATCH_UP_CHUNK, viewer_id=viewer_id
        )
        events.extend(message_event(m, avatars=avatars) for m in rows)
        if len(rows) < CATCH_UP_CHUNK:
            return events
        after = rows[-1].pk


def _parallel_posts() -> bool:
    """PostgreSQL takes a message in one autocommit statement on a pooled connection, so
    posts need not queue behind every other database call on the one sync thread: they run
    on the executor's threads, several at once. (SQLite serialises writers anyway and keeps
    one connection per thread: there they stay on the sync thread.)"""
    return connections["default"].vendor == "postgresql"


def _flood_checked_post(**kwargs):
    """Flood control and the insert in one hop off the event loop."""
    services.chat_flood_check(user_id=kwargs["user"].pk)
    return services.message_post(**kwargs)


def _flood_checked_post_pooled(**kwargs):
    """The same on an executor thread, handing the connection back to the pool before
    returning. ``database_sync_to_async`` closes old connections outside the context the
    call ran in, so it never sees this one: without the close every socket that posts kept
    a pooled connection checked out (20 sockets and the pool was empty)."""
    try:
        return _flood_checked_post(**kwargs)
    finally:
        connections["default"].close()


async def _message_post(**kwargs):
    if _parallel_posts():
        return await database_sync_to_async(_flood_checked_post_pooled, thread_sensitive=False)(
            **kwargs
        )
    return await database_sync_to_async(_flood_checked_post)(**kwargs)


def _mark_read(*, room_id: int, user, message_id: int) -> None:
    if not account_is_current(user):
        raise services.AccountRevoked()
    services.room_mark_read(room_id=room_id, user=user, message_id=message_id)


class ChatConsumer(AccountSocketConsumer):
    user = None
    muted: frozenset[int] = frozenset()
    room_id = 0
    # Opened by our own pages (session or ticket): events carry the authors' photos.
    ours = False

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.joined_groups: list[str] = []
        self.caught_up_ids: set[int] = set()
        user, ours = await database_sync_to_async(_chat_socket_user)(self.scope, self.room_id)
        if user is None:
            raise DenyConnection
        await self.account_attach(user)
        # After joining the account group: a sanction from now on closes this socket.
        if await database_sync_to_async(account_restricted)(user):
            raise SocketRefused(ACCOUNT_RESTRICTED_CLOSE_CODE)
        # Join the groups first, then check membership and read the catch-up: a member removed
        # or a message saved in between is then seen either here or as a live event.
        for group in (chat_room_group(self.room_id), chat_user_group(self.room_id, user.pk)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined_groups.append(group)
        is_member = await database_sync_to_async(selectors.room_is_member)(
            room_id=self.room_id, user_id=user.pk
        )
        if not is_member:
            await self.leave_groups()
            raise DenyConnection
        await database_sync_to_async(_profile_load)(user)
        # Whose messages this member blocked: skipped below, per message, without a query
        # (reloaded on ``trust.blocks_changed``).
        self.muted = await database_sync_to_async(blocks_made_ids)(user_id=user.pk)
        self.user = user
        self.ours = ours
        await self.accept()
        after = query_params(self.scope).get("after")
        if after is None or after == "":
            return
        after_id = int_or_none(after)
        if after_id is None or after_id > MAX_BIGINT:
            await self._error("invalid_after", "after는 메시지 번호(숫자)여야 해요.")
            return
        events = await database_sync_to_async(_catch_up)(
            self.room_id, max(after_id, 0), avatars=self.ours, viewer_id=self.user.pk
        )
        for event in events:
            self.caught_up_ids.add(event["message"]["id"])
            await self.send_json(self._for_me(event))

    async def disconnect(self, code) -> None:
        await self.leave_groups()

    async def leave_groups(self) -> None:
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
            await self._error("server_error", "메시지를 처리하지 못했어요. 다시 시도해 주세요.")

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
            await self._error("unknown_type", "알 수 없는 요청 종류예요.")
            return
        if "message" not in content:
            await self._error("missing_message", "message 필드가 필요해요.")
            return
        try:
            services.message_text_clean(content["message"])
            message = await _message_post(
                room_id=self.room_id,
                user=self.user,
                text=content["message"],
                client_id=content.get("client_id"),
                broadcast=False,
            )
        except services.AccountRevoked:
            await self.close_with(ACCOUNT_REVOKED_CLOSE_CODE)
            return
        except ApplicationError as exc:
            await self._error(exc.code, exc.message)
            return
        event = services.room_event(message)
        if getattr(message, "replayed", False):
            # A resend of a message already saved: only the sender hears it again.
            await self.send_json(self._for_me(self._payload(event)))
            return
        # Committed: now tell the room (from the event loop, not the database thread). If
        # the layer is unreachable the message still stands: the sender sees it here and
        # the others catch up when they reconnect.
        if not await group_send_logged(chat_room_group(self.room_id), event):
            await self.send_json(self._for_me(self._payload(event)))

    async def _mark_read(self, content) -> None:
        try:
            message_id = frame_int(
                content, "id", message="읽은 메시지 번호(id)가 필요해요.", code="invalid_read"
            )
        except ApplicationError as exc:
            await self._error(exc.code, exc.message)
            return
        try:
            await database_sync_to_async(_mark_read)(
                room_id=self.room_id, user=self.user, message_id=message_id
            )
        except services.AccountRevoked:
            await self.close_with(ACCOUNT_REVOKED_CLOSE_CODE)

    def _payload(self, event: dict) -> dict:
        """The event as this socket's client expects it (with photos for our pages)."""
        if self.ours and event.get("page_text"):
            return json.loads(event["page_text"])
        return event["payload"]

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
        if author and author["id"] in self.muted:
            return  # someone this member blocked: hidden for them, the room stays usable
        if event.get("text") and not (author and author["id"] == self.user.pk):
            text = event.get("page_text") if self.ours else None
            await self.send(text_data=text or event["text"])
        else:
            await self.send_json(self._for_me(self._payload(event)))

    async def chat_message_hidden(self, event) -> None:
        """A moderator hid a message: our pages replace its text. The original client
        knows no such frame; it sees the placeholder text when it reloads the history."""
        if self.user is None or self.closing or not self.ours:
            return
        await self.send_json(
            {"type": "chat.message_hidden", "id": event["id"], "text": HIDDEN_MESSAGE_TEXT}
        )

    async def trust_blocks_changed(self, event) -> None:
        """This account blocked or unblocked someone (in any process): reload whom to skip."""
        if self.user is None or self.closing:
            return
        self.muted = await database_sync_to_async(blocks_made_ids)(user_id=self.user.pk)

    async def member_removed(self, event) -> None:
        await self.close_with(services.MEMBER_REMOVED_CLOSE_CODE)

    async def room_deleted(self, event) -> None:
        await self.close_with(event.get("code", services.ROOM_DELETED_CLOSE_CODE))
