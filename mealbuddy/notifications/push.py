"""Web Push transport: VAPID-signed, aes128gcm-encrypted POSTs to a subscription's endpoint.

Only tasks call this (never a request): a push service may be slow or down. The outcome is
classified here; what to do about it (delete, count, retry) is decided in services.py.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import json
import threading
import time
from base64 import urlsafe_b64decode
from urllib.parse import urlsplit

import requests
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPusher

from mealbuddy.notifications.models import PUSH_ENDPOINT_MAX_LENGTH

# A VAPID token may live 24 h; one is reused per push-service origin for up to an hour so a
# burst of pushes signs once, and every token still has 11+ hours left when it is sent.
_TOKEN_LIFETIME = 12 * 3600
_TOKEN_REUSE = 3600
_tokens: dict[tuple[str, str], tuple[float, dict]] = {}
_local = threading.local()


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # 404/410: the browser dropped the subscription
    REFUSED = "refused"  # any other 4xx: our request is wrong for this endpoint
    TRANSIENT = "transient"  # timeout, connection error, 429 or 5xx: try again later


class InvalidSubscription(ValueError):
    """An endpoint or key the browser could not have produced; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _b64url_bytes(value: str) -> bytes | None:
    value = value.rstrip("=")
    if not value or any(c not in _B64URL for c in value):
        return None
    try:
        return urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return None


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def subscription_validate(*, endpoint: str, p256dh: str, auth: str) -> None:
    """Refuse what a browser's PushManager would never hand out.

    The worker POSTs to ``endpoint``, so it must be a public https URL: no other scheme,
    no credentials, no loopback/private/link-local address (else any user could make the
    worker call internal services). ``PUSH_HTTP_HOSTS`` allows plain http to the named hosts
    (the tests' fake push service on 127.0.0.1).
    """
    if len(endpoint) > PUSH_ENDPOINT_MAX_LENGTH:
        raise InvalidSubscription("endpoint", "푸시 주소가 너무 길어요.")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise InvalidSubscription("endpoint", "푸시 주소가 올바르지 않아요.") from None
    allowed_http = host in settings.PUSH_HTTP_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed_http):
        raise InvalidSubscription("endpoint", "푸시 주소는 https 주소여야 해요.")
    if not host or parts.username or parts.password or parts.fragment:
        raise InvalidSubscription("endpoint", "푸시 주소가 올바르지 않아요.")
    if not allowed_http:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if (
            (address is not None and not address.is_global)
            or host == "localhost"
            or (host.endswith((".localhost", ".local", ".internal")))
        ):
            raise InvalidSubscription("endpoint", "내부 주소로는 푸시를 보낼 수 없어요.")
    key = _b64url_bytes(p256dh)
    # An uncompressed P-256 point: 0x04, then 32 bytes of x and 32 of y.
    if key is None or len(key) != 65 or key[0] != 4:
        raise InvalidSubscription("p256dh", "브라우저 공개 키(p256dh)가 올바르지 않아요.")
    secret = _b64url_bytes(auth)
    if secret is None or len(secret) != 16:
        raise InvalidSubscription("auth", "브라우저 인증 값(auth)이 올바르지 않아요.")


@functools.cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def vapid_headers(endpoint: str) -> dict[str, str]:
    """``Authorization: vapid t=<ES256 JWT>, k=<public key>`` for the endpoint's origin."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    cache_key = (audience, settings.VAPID_PRIVATE_KEY)
    now = time.time()
    cached = _tokens.get(cache_key)
    if cached is not None and now - cached[0] < _TOKEN_REUSE:
        return dict(cached[1])
    claims = {"aud": audience, "exp": int(now) + _TOKEN_LIFETIME, "sub": settings.VAPID_SUBJECT}
    headers = _vapid(settings.VAPID_PRIVATE_KEY).sign(claims)
    _tokens[cache_key] = (now, headers)
    return dict(headers)


def _session() -> requests.Session:
    # One keep-alive session per worker thread: a batch to one push service reuses the
    # connection instead of a TLS handshake per push.
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def push_post(*, subscription_info: dict, payload: dict, ttl: int = 3600) -> tuple[Outcome, int]:
    """Encrypt ``payload`` (JSON) for the subscription and POST it; returns the outcome and
    the HTTP status (0 when there was no answer)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    try:
        response = WebPusher(subscription_info, requests_session=_session()).send(
            body,
            vapid_headers(subscription_info["endpoint"]),
            ttl=ttl,
            content_encoding="aes128gcm",
            timeout=settings.PUSH_TIMEOUT,
        )
    except requests.RequestException:
        return Outcome.TRANSIENT, 0
    status = response.status_code
    if 200 <= status < 300:
        return Outcome.DELIVERED, status
    if status in (404, 410):
        return Outcome.GONE, status
    if status == 429 or status >= 500:
        return Outcome.TRANSIENT, status
    return Outcome.REFUSED, status
