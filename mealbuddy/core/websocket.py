"""Cross-site WebSocket hijacking guard.

A browser always sends ``Origin`` on a WebSocket handshake. If it is there it must name one
of ``ALLOWED_HOSTS``; otherwise the handshake is refused. A handshake without ``Origin``
comes from a non-browser client: it is let through, but marked so that consumers accept it
only with a ticket or a token, never on the session cookie alone.
"""

from __future__ import annotations

from urllib.parse import urlparse

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port


def origin_allowed(origin: str) -> bool:
    parsed = urlparse(origin)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.hostname.lower()
    for pattern in settings.ALLOWED_HOSTS:
        pattern_host, _ = split_domain_port(pattern) if pattern != "*" else ("*", "")
        if pattern == "*" or is_same_domain(host, pattern_host or pattern):
            return True
    return False


class WebsocketOriginGuard:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            origin = None
            for name, value in scope.get("headers", []):
                if name == b"origin":
                    origin = value.decode("latin1")
                    break
            if origin is not None and not origin_allowed(origin):
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
