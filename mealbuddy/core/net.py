"""Who is on the other end: the client's address as far as our own proxies can vouch for it.

One rule for every door (login throttles, request logs, socket logs): with
``TRUSTED_PROXY_COUNT = n`` the n-th address from the right of X-Forwarded-For is the one the
outermost trusted proxy saw; anything left of it was written by the client. With 0 (the
default) the header is ignored entirely, so it cannot be spoofed.
"""

from __future__ import annotations

from django.conf import settings


def client_ip_from(*, remote_addr: str | None, forwarded_for: str | None) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0 and forwarded_for:
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if chain:
            return chain[-proxies] if len(chain) >= proxies else chain[0]
    return remote_addr or "unknown"


def client_ip(request) -> str:
    """The client's address of a Django request."""
    meta = request.META
    return client_ip_from(
        remote_addr=meta.get("REMOTE_ADDR"), forwarded_for=meta.get("HTTP_X_FORWARDED_FOR")
    )


def scope_client_ip(scope) -> str:
    """The client's address of an ASGI scope (a WebSocket handshake)."""
    forwarded = b",".join(v for k, v in scope.get("headers", []) if k == b"x-forwarded-for")
    client = scope.get("client") or (None, None)
    return client_ip_from(remote_addr=client[0], forwarded_for=forwarded.decode("latin1"))
