"""Cross-site WebSocket hijacking guard.

A browser always sends ``Origin`` on a WebSocket handshake. If it is there it must be the
site's own origin — the scheme, host and port the handshake itself arrived on (its
``Host`` header, which must be one of ``ALLOWED_HOSTS``) — or one of
``CSRF_TRUSTED_ORIGINS``: the same rule Django's CSRF check applies to a form post.
Anything else (another port, http instead of https, a look-alike host) is refused. A
handshake without ``Origin`` comes from a non-browser client: it is let through, but
marked so that consumers accept it only with a ticket or a token, never on the session
cookie alone.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import AcceptConnection, DenyConnection, StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http.request import is_same_domain, split_domain_port, validate_host

from mealbuddy.core.limits import socket_slot_acquire, socket_slot_release
from mealbuddy.core.realtime import ACCOUNT_REVOKED_CLOSE_CODE, account_group

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_parts(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, the default port filled in; None if malformed."""
    try:
        parsed = urlsplit(url.strip())
        scheme = parsed.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parsed.hostname:
            return None
        host = parsed.hostname.lower()
        if ":" in host:  # IPv6: the Host header keeps the brackets
            host = f"[{host}]"
        return scheme, host, parsed.port or _DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is not a number or out of range
        return None


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _is_secure(scope) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    # Behind a TLS-terminating proxy, the header Django trusts for HTTP requests.
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        header = name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        seen = _header(scope, header)
        return seen is not None and seen.split(",")[0].strip() == value
    return False


def _own_origin(scope) -> tuple[str, str, int] | None:
    """The origin of the page that may open this socket: the handshake's own scheme and Host."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed):
        return None
    scheme = "https" if _is_secure(scope) else "http"
    return scheme, domain, int(port) if port else _DEFAULT_PORTS[scheme]


def origin_allowed(origin: str, scope) -> bool:
    parts = _origin_parts(origin)
    if parts is None:
        return False
    if parts == _own_origin(scope):
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" in trusted:
            # "https://*.example.com": that scheme, any subdomain (as Django's CSRF check).
            scheme, _, netloc = trusted.partition("://")
            if parts[0] == scheme.lower() and is_same_domain(
                urlsplit(origin.strip()).netloc.lower(), netloc[netloc.index("*") + 1 :]
            ):
                return True
        elif parts == _origin_parts(trusted):
            return True
    return False


class WebsocketOriginGuard:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = _header(scope, b"origin")
            if origin is not None and not origin_allowed(origin, scope):
                denier = WebsocketDenier()
                return await denier(scope, receive, send)
            scope = dict(scope, browser_origin=origin is not None)
        return await self.application(scope, receive, send)


# --- Who is on the other end of a socket ------------------------------------------------
# Consumers call these through ``database_sync_to_async``. The session cookie counts only
# when the handshake came from an allowed browser origin (``browser_origin``); a client
# without Origin must present a ticket or a token.


def query_params(scope) -> dict[str, str]:
    from urllib.parse import parse_qs

    raw = scope.get("query_string", b"").decode("latin1")
    return {key: values[-1] for key, values in parse_qs(raw).items()}


class PeerGoneTolerantConsumer(AsyncJsonWebsocketConsumer):
    """A consumer whose sends after the peer has gone are dropped, not raised.

    An event (a chat line, a count update) can reach a consumer in the instant between the
    browser closing its socket and the server noticing; the ASGI server then refuses the
    send. Nobody is left to read it, so it is dropped quietly instead of logging a traceback.
    """

    async def accept(self, subprotocol=None, headers=None):
        # Consumers set ``self.user`` before accepting: the socket's log line names it.
        from mealbuddy.core.requestlog import socket_session_user

        socket_session_user(self.scope, getattr(self, "user", None))
        await super().accept(subprotocol=subprotocol, headers=headers)

    async def send(self, text_data=None, bytes_data=None, close=False):
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except OSError:  # uvicorn's ClientDisconnected
            return
        except RuntimeError as exc:
            if "after sending 'websocket.close'" in str(exc) or "already completed" in str(exc):
                return
            raise

    async def close(self, code=None, reason=None):
        try:
            await super().close(code=code, reason=reason)
        except OSError:
            return
        except RuntimeError as exc:
            if "after sending 'websocket.close'" in str(exc) or "already completed" in str(exc):
                return
            raise


async def dispatch_without_db_cleanup(consumer, message) -> None:
    """What ``AsyncConsumer.dispatch`` does, minus its ``aclose_old_connections()``: that is a
    hop to the one sync thread for every event a socket receives (each chat line costs one per
    member), and it is redundant for consumers that touch the database only through
    ``database_sync_to_async``, which closes old connections before and after each call."""
    handler = getattr(consumer, get_handler_name(message), None)
    if handler is None:
        raise ValueError(f"No handler for message type {message['type']}")
    await handler(message)


# --- Sockets tied to an account -----------------------------------------------------------
# Close code for a handshake over the per-user socket cap (like HTTP 429).
TOO_MANY_SOCKETS_CLOSE_CODE = 4029


class TooManySockets(Exception):
    """Raised in ``connect()``: the user already holds WS_MAX_SOCKETS_PER_USER sockets."""


# Close code for an account under a sanction (suspended or banned): sent to its open sockets
# when the sanction starts, and to a handshake while it lasts (like HTTP 403; 4003 already
# means "you left this room" on the chat socket). Clients do not reconnect on it.
ACCOUNT_RESTRICTED_CLOSE_CODE = 4031


class SocketRefused(Exception):
    """Raised in ``connect()``: accept, then close at once with ``code`` so the client sees
    why (a refused handshake only shows 1006)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def account_is_current(user) -> bool:
    """Still active, and the password (hence every session and token) unchanged since
    ``user`` was loaded. Deactivation also replaces the password with an unusable one."""
    return (
        get_user_model().objects.filter(pk=user.pk, is_active=True, password=user.password).exists()
    )


# --- The channel layer lost (Redis down) -------------------------------------------------
# Close code when the channel layer (Redis) is gone: like RFC 6455's 1013 "Try Again Later".
# An open socket would otherwise stay up and hear nothing, silently; closed, the page
# reconnects with ``?after=<last id>`` and catches up on what was saved meanwhile.
LAYER_LOST_CLOSE_CODE = 1013

# Every open account socket of this process (weak: a finished consumer just drops out).
_open_sockets: weakref.WeakSet = weakref.WeakSet()


class LayerLossWatch(logging.Handler):
    """Notices the Redis channel layer failing and closes this process's sockets.

    channels_redis's pub/sub layer reads Redis in one background task per process; when the
    connection breaks it logs "Unexpected exception in receive task" and retries every
    second, and every socket simply stops hearing events. That log record, emitted on the
    event loop, is the signal: free while Redis is healthy (no pings, no task per socket).
    """

    MESSAGE = "Unexpected exception in receive task"

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self._closing: asyncio.Task | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(self.MESSAGE):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._closing is not None and not self._closing.done():
            return
        self._closing = loop.create_task(sockets_close_layer_lost())


async def sockets_close_layer_lost() -> int:
    sockets = [s for s in list(_open_sockets) if not s.closing]
    if sockets:
        logger.warning(
            "channel layer lost: closing %d socket(s) with %d", len(sockets), LAYER_LOST_CLOSE_CODE
        )
    await asyncio.gather(*(s.layer_lost() for s in sockets), return_exceptions=True)
    return len(sockets)


_watch: LayerLossWatch | None = None


def layer_loss_watch_install() -> None:
    """Attach the watch to channels_redis's logger, once per process (core's ``ready()``)."""
    global _watch
    if _watch is None:
        _watch = LayerLossWatch()
        logging.getLogger("channels_redis.pubsub").addHandler(_watch)


class AccountSocketConsumer(PeerGoneTolerantConsumer):
    """A socket that belongs to one account.

    ``account_attach(user)`` in ``connect()`` leases one of the user's socket slots (shared
    by every process; over the cap the handshake is accepted and closed with 4029 so the
    client sees why), joins ``account_group(user)`` so that deleting, deactivating, a new
    password or "log out everywhere" closes it with 4001 in any process, and re-checks
    the account after joining (a change just before then is seen here instead).
    """

    closing = False
    _slot_user_id: int | None = None
    _slot_task: asyncio.Task | None = None
    _account_grouped = False

    async def account_attach(self, user) -> None:
        taken = await sync_to_async(socket_slot_acquire, thread_sensitive=False)(
            user_id=user.pk, socket_id=self.channel_name
        )
        if not taken:
            raise TooManySockets
        self._slot_user_id = user.pk
        await self.channel_layer.group_add(account_group(user.pk), self.channel_name)
        self._account_grouped = True
        if not await database_sync_to_async(account_is_current)(user):
            raise DenyConnection
        self._slot_task = asyncio.create_task(self._slot_renew(user.pk))
        _open_sockets.add(self)

    async def _slot_renew(self, user_id: int) -> None:
        every = max(settings.WS_SOCKET_SLOT_TTL / 3, 0.05)
        renew = sync_to_async(socket_slot_acquire, thread_sensitive=False)
        while True:
            await asyncio.sleep(every)
            await renew(user_id=user_id, socket_id=self.channel_name, renew=True)

    async def account_detach(self) -> None:
        """Give the slot back and leave the account group (idempotent)."""
        _open_sockets.discard(self)
        if self._slot_task is not None:
            self._slot_task.cancel()
            self._slot_task = None
        if self._account_grouped:
            self._account_grouped = False
            try:
                await self.channel_layer.group_discard(
                    account_group(self._slot_user_id), self.channel_name
                )
            except Exception:  # noqa: BLE001 - the layer is down: membership expires there
                logger.warning("could not leave the account group", exc_info=True)
        if self._slot_user_id is not None:
            user_id, self._slot_user_id = self._slot_user_id, None
            await sync_to_async(socket_slot_release, thread_sensitive=False)(
                user_id=user_id, socket_id=self.channel_name
            )

    async def trust_blocks_changed(self, event) -> None:
        """Sent to the account's group when it blocks or unblocks someone; sockets that
        hide people (the chat room's) override this to reload."""

    async def websocket_connect(self, message) -> None:
        try:
            await self.connect()
        except AcceptConnection:
            await self.accept()
        except DenyConnection:
            await self.account_detach()
            await self.close()
        except TooManySockets:
            await self.account_detach()
            await self.accept()
            await self.close(code=TOO_MANY_SOCKETS_CLOSE_CODE)
        except SocketRefused as refused:
            await self.leave_groups()
            await self.account_detach()
            await self.accept()
            await self.close(code=refused.code)
        except BaseException:
            await self.account_detach()
            raise

    async def websocket_disconnect(self, message) -> None:
        try:
            await super().websocket_disconnect(message)
        except StopConsumer:
            raise
        except Exception:
            if not self._layer_lost:
                raise
            # Leaving groups needs the layer that is gone; its local bookkeeping is already
            # undone, and Redis forgets the subscriptions with the connection.
            logger.warning("socket closed without leaving its groups (layer lost)")
            raise StopConsumer() from None
        finally:
            await self.account_detach()

    _layer_lost = False

    async def layer_lost(self) -> None:
        """The channel layer is gone: say so with LAYER_LOST_CLOSE_CODE at once; the groups
        are left (as far as the layer allows) when the disconnect comes back."""
        if self.closing:
            return
        self.closing = True
        self._layer_lost = True
        await self.close(code=LAYER_LOST_CLOSE_CODE)

    async def account_revoked(self, event) -> None:
        await self.close_with(ACCOUNT_REVOKED_CLOSE_CODE)

    async def account_restricted(self, event) -> None:
        """A sanction started (``core.realtime.account_sockets_close_restricted``)."""
        await self.close_with(ACCOUNT_RESTRICTED_CLOSE_CODE)

    async def leave_groups(self) -> None:
        """Leave the consumer's own groups (subclasses); the account group is left here."""

    async def close_with(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        await self.leave_groups()
        await self.account_detach()
        await self.close(code=code)
