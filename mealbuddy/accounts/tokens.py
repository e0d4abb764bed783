"""JWTs for API clients, grouped into log-in sessions.

Each token carries two claims checked on every request:

``pwd``
    a fingerprint of the user's password hash and session epoch. Changing the password,
    deactivating the account or logging out everywhere changes it, so every token issued
    before stops working without any lookup.
``sid``
    the ``TokenSession`` (one log-in) it was minted from. Rotation and ``current/`` keep it;
    logging out revokes it. Authentication checks it in the query that loads the user (an
    EXISTS on the session's primary key): no extra round trip, and no cache that processes
    could disagree on.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from mealbuddy.accounts.models import TokenSession

PASSWORD_CLAIM = "pwd"
SESSION_CLAIM = "sid"
# Where a web (cookie) session keeps the id of the API session ``current/`` gave it.
WEB_API_SESSION_KEY = "api_sid"


def password_fingerprint(user) -> str:
    secret = user.password if not user.session_epoch else f"{user.password}:{user.session_epoch}"
    return salted_hmac("mealbuddy.jwt.pwd", secret, algorithm="sha256").hexdigest()[:16]


def session_id(value) -> uuid.UUID | None:
    """The ``sid`` claim as a UUID; None when missing or malformed (never minted here)."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _access_token(user, session: TokenSession) -> str:
    access = AccessToken()
    access[jwt_settings.USER_ID_CLAIM] = str(user.pk)
    access[PASSWORD_CLAIM] = password_fingerprint(user)
    access[SESSION_CLAIM] = str(session.sid)
    return str(access)


def _refresh_mint(user, session: TokenSession) -> str:
    """A new refresh token for ``session``, recorded (with its claims) as outstanding."""
    refresh = RefreshToken()
    refresh[jwt_settings.USER_ID_CLAIM] = str(user.pk)
    refresh[PASSWORD_CLAIM] = password_fingerprint(user)
    refresh[SESSION_CLAIM] = str(session.sid)
    raw = str(refresh)
    expires_at = datetime_from_epoch(refresh["exp"])
    outstanding = OutstandingToken.objects.create(
        user=user,
        jti=refresh[jwt_settings.JTI_CLAIM],
        token=raw,
        created_at=refresh.current_time,
        expires_at=expires_at,
    )
    session.refresh = outstanding
    session.expires_at = expires_at
    session.save(update_fields=["refresh", "expires_at"])
    return raw


def tokens_for_user(user) -> dict[str, str]:
    """A new log-in session and its first token pair."""
    with transaction.atomic():
        session = TokenSession.objects.create(user=user, expires_at=timezone.now())
        refresh = _refresh_mint(user, session)
    return {"token": _access_token(user, session), "refresh": refresh, "sid": str(session.sid)}


def tokens_rotate(*, user, session: TokenSession) -> dict[str, str]:
    """A new pair in the same session (the caller has blacklisted the refresh token used)."""
    return {"token": _access_token(user, session), "refresh": _refresh_mint(user, session)}


def tokens_current(*, user, sid, start_if_ended: bool = False) -> dict[str, str] | None:
    """A fresh access token in session ``sid``, and the session's refresh token.

    ``/api/user/current/`` runs on every page load of the original client: it gets a new
    access token (no row), and the refresh token the session already has. A new refresh
    token is minted (one row) only when that one is used up or past half its lifetime.

    When ``sid`` names no live session: None, or with ``start_if_ended`` (a signed-in web
    page, which holds no token) a new session. The result names its ``sid``.
    """
    sid = session_id(sid)
    session = _session_with_refresh(sid=sid, user=user) if sid else None
    if session is None or session.revoked_at is not None:
        return tokens_for_user(user) if start_if_ended else None
    if _reusable(session):
        return _pair(user, session)
    with transaction.atomic():
        TokenSession.objects.select_for_update().only("pk").get(pk=session.pk)
        # A concurrent call may have minted one while this one waited for the lock.
        session = _session_with_refresh(sid=sid, user=user)
        if not _reusable(session):
            if session.refresh_id is not None:
                BlacklistedToken.objects.get_or_create(token_id=session.refresh_id)
            _refresh_mint(user, session)
    return _pair(user, session)


def _pair(user, session: TokenSession) -> dict[str, str]:
    return {
        "token": _access_token(user, session),
        "refresh": session.refresh.token,
        "sid": str(session.sid),
    }


def _session_with_refresh(*, sid, user) -> TokenSession | None:
    used = BlacklistedToken.objects.filter(token_id=OuterRef("refresh_id"))
    return (
        TokenSession.objects.select_related("refresh")
        .annotate(refresh_used=Exists(used))
        .filter(sid=sid, user=user)
        .first()
    )


def _reusable(session: TokenSession) -> bool:
    lifetime: timedelta = jwt_settings.REFRESH_TOKEN_LIFETIME
    return (
        session.refresh is not None
        and not session.refresh_used
        and session.refresh.expires_at - timezone.now() > lifetime / 2
    )
