"""Group names and after-commit broadcasts for the channel layer.

Every WebSocket group name is built here, and every event leaves through
``broadcast_on_commit`` so a client never hears of a row that was rolled back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_pending: set[asyncio.Task] = set()


def chat_room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def chat_user_group(room_id: int, user_id: int) -> str:
    """The sockets one member holds in one room (closed on leave or ban)."""
    return f"chat.room.{room_id}.user.{user_id}"


def user_group(user_id: int) -> str:
    """Every notification socket of one user."""
    return f"user.{user_id}"


def account_group(user_id: int) -> str:
    """Every socket (chat and notifications) one account holds, in any process."""
    return f"account.{user_id}"


def group_order_group(group_order_id: int) -> str:
    """Every open page of one group order (members and visitors), through the socket each
    page already holds (``ws/notifications/``, after a ``groupbuy.follow`` frame)."""
    return f"groupbuy.{group_order_id}"


def group_order_changed(group_order_id: int) -> None:
    """After commit, tell every open page of the order that what it shows changed (members,
    items, status, settlement steps): ``{"type": "groupbuy.changed", "id": ...}``. The pages
    fetch their summary again; the event itself carries nothing to leak or go stale."""
    broadcast_on_commit(
        group_order_group(group_order_id), {"type": "groupbuy.changed", "id": group_order_id}
    )


# Close code sent to every socket of an account that was deleted, deactivated, changed its
# password or logged out everywhere.
ACCOUNT_REVOKED_CLOSE_CODE = 4001


def account_sockets_close(*, user_id: int) -> None:
    """After commit, close every open socket of ``user_id`` (all processes)."""
    broadcast_on_commit(account_group(user_id), {"type": "account.revoked"})


def account_sockets_close_restricted(*, user_id: int) -> None:
    """After commit, close every open socket of ``user_id`` (all processes) because a
    sanction started: the consumers close with ``ACCOUNT_RESTRICTED_CLOSE_CODE``."""
    broadcast_on_commit(account_group(user_id), {"type": "account.restricted"})


async def group_send_logged(group: str, event: dict) -> bool:
    """Send to a group; if the channel layer cannot be reached (Redis down), log and give up.

    A broadcast only tells live sockets about a write that is already committed: losing it
    must never undo the write or fail the request. Clients catch up on reconnect (the chat
    socket's ``?after=``, the pages' fresh reads).
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        # asyncio.timeout, not wait_for: no extra task per message on the chat hot path.
        async with asyncio.timeout(settings.BROADCAST_TIMEOUT):
            await layer.group_send(group, event)
    except Exception:  # noqa: BLE001 - ConnectionError, TimeoutError, anything from the layer
        logger.error("broadcast to %s failed; clients catch up on reconnect", group, exc_info=True)
        return False
    return True


_background: tuple[int, asyncio.AbstractEventLoop] | None = None
_background_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    """This process's broadcast loop: one thread, started on first use (again after a fork).

    Without it, every send from sync code outside ASGI (gunicorn's WSGI workers, the task
    worker, management commands) made ``async_to_sync`` start a thread and an event loop, and
    the Redis layer a connection for that loop: about 2 ms per event. One long-lived loop
    keeps one connection.
    """
    global _background
    pid = os.getpid()
    current = _background
    if current is not None and current[0] == pid:
        return current[1]
    with _background_lock:
        if _background is None or _background[0] != pid:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="broadcasts", daemon=True)
            thread.start()
            _background = (pid, loop)
        return _background[1]


def _asgi_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when this sync code runs inside ASGI (``sync_to_async``)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return getattr(SyncToAsync.threadlocal, "main_event_loop", None)


# How many sends of one ``broadcast_many`` are in flight at once: enough to hide the round
# trips, few enough that the Redis layer does not open a connection per event.
BROADCAST_CONCURRENCY = 32


async def _send_all(messages: list[tuple[str, dict]]) -> None:
    if len(messages) == 1:
        await group_send_logged(*messages[0])
        return
    gate = asyncio.Semaphore(BROADCAST_CONCURRENCY)

    async def send(group: str, event: dict) -> None:
        async with gate:
            await group_send_logged(group, event)

    await asyncio.gather(*(send(group, event) for group, event in messages))


def broadcast_many(messages: list[tuple[str, dict]]) -> None:
    """Send each ``(group, event)``; many at once are sent concurrently (a few thousand alert
    notices cost a few round trips' time, not one each). Never raises (see
    ``group_send_logged``)."""
    if not messages:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        # Sync code running on a thread that also runs an event loop (a script or a test that
        # drives an async client): hand the send to that loop instead of blocking it.
        task = loop.create_task(_send_all(messages))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        return
    if _asgi_loop() is not None:
        # Inside the ASGI server: the send runs on the server's own loop (where the in-memory
        # layer's queues and the sockets live).
        async_to_sync(_send_all)(messages)
        return
    # group_send_logged bounds itself with BROADCAST_TIMEOUT and never raises.
    asyncio.run_coroutine_threadsafe(_send_all(messages), _background_loop()).result()


def broadcast(group: str, event: dict) -> None:
    broadcast_many([(group, event)])


def broadcast_on_commit(group: str, event: dict) -> None:
    # robust: should anything still raise, Django logs it and the other callbacks run.
    transaction.on_commit(lambda: broadcast(group, event), robust=True)


def broadcast_many_on_commit(messages: list[tuple[str, dict]]) -> None:
    """``broadcast_many`` after commit: one callback for the lot."""
    if messages:
        transaction.on_commit(lambda: broadcast_many(messages), robust=True)
