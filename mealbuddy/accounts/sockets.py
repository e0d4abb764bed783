"""Who is on the other end of a socket: the session cookie or an access token.

Consumers call these through ``database_sync_to_async``. They live with the accounts app
(sessions, JWT authentication, the password fingerprint) so that ``core`` names no domain;
the Origin guard that sets ``browser_origin`` stays in mealbuddy/core/websocket.py.
"""

from __future__ import annotations

from django.conf import settings

from mealbuddy.accounts.authentication import TokenJWTAuthentication


def session_user(scope):
    """The logged-in user of the handshake's session cookie, or None."""
    if not scope.get("browser_origin"):
        return None
    from http.cookies import SimpleCookie
    from importlib import import_module

    from django.contrib.auth import get_user

    cookie_header = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie")
    if not cookie_header:
        return None
    cookies = SimpleCookie()
    try:
        cookies.load(cookie_header.decode("latin1"))
    except Exception:  # noqa: BLE001 - a malformed cookie header is just "no session"
        return None
    morsel = cookies.get(settings.SESSION_COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    engine = import_module(settings.SESSION_ENGINE)

    class _Request:  # what django.contrib.auth.get_user reads
        session = engine.SessionStore(morsel.value)

    user = get_user(_Request())
    return user if user.is_authenticated and user.is_active else None


def token_user(raw: str):
    """The user of an access JWT (``?token=``), with the password-fingerprint check."""
    if not raw:
        return None
    from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

    auth = TokenJWTAuthentication()
    try:
        user = auth.get_user(auth.get_validated_token(raw.encode("latin1", "ignore")))
    except (InvalidToken, AuthenticationFailed, UnicodeError):
        return None
    return user if user.is_active else None
