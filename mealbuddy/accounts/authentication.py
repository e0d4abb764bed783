from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from mealbuddy.accounts.selectors import user_with_standing
from mealbuddy.accounts.tokens import (
    PASSWORD_CLAIM,
    SESSION_CLAIM,
    password_fingerprint,
    session_id,
)

_KEYWORDS = {b"token", b"bearer"}


class TokenJWTAuthentication(JWTAuthentication):
    """``Authorization: token <jwt>`` (the original client) or ``Bearer <jwt>``."""

    www_authenticate_realm = "api"

    def get_raw_token(self, header: bytes):
        parts = header.split()
        if len(parts) == 0:
            return None
        if parts[0].lower() not in _KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("인증 헤더 형식이 올바르지 않아요."), code="bad_authorization_header"
            )
        return parts[1]

    def get_user(self, validated_token):
        """The token's user, if its log-in session is live and its fingerprint current.

        Also used by socket handshakes (``core.websocket.token_user``). The session check
        rides on the query that loads the user, so it costs no extra round trip.
        """
        sid = session_id(validated_token.get(SESSION_CLAIM))
        try:
            user_id = int(validated_token[jwt_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError):
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        user = user_with_standing(user_id, sid=sid) if sid is not None else None
        if (
            user is None
            or not user.is_active
            or not user.session_live
            or validated_token.get(PASSWORD_CLAIM) != password_fingerprint(user)
        ):
            raise AuthenticationFailed(
                _("만료된 인증 정보여요. 다시 로그인해 주세요."), code="token_not_valid"
            )
        return user

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
