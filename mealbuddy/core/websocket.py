"""Cross-site WebSocket hijacking guard.

A browser always sends ``Origin`` on a WebSocket handshake. If it is there it must name one
of ``ALLOWED_HOSTS``; otherwise the handshake is refused. A handshake without ``Origin``
comes from a non-browser client: it is let through, but marked so that consumers accept it
only with a ticket or a token, never on the session cookie alone.
"""

from __future__ import annotations

from urllib.parse import urlparse

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
