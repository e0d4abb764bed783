from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from mealbuddy.accounts.tokens import (
    PASSWORD_CLAIM,
    SESSION_CLAIM,
    password_fingerprint,
    token_session_active,
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
                _("인증 헤더 형식이 올바르지 않습니다."), code="bad_authorization_header"
            )
        return parts[1]

    def get_user(self, validated_token):
        """Also used by socket handshakes (``core.websocket.token_user``)."""
        user = super().get_user(validated_token)
        if validated_token.get(PASSWORD_CLAIM) != password_fingerprint(
            user
        ) or not token_session_active(sid=validated_token.get(SESSION_CLAIM)):
            raise AuthenticationFailed(
                _("만료된 인증 정보입니다. 다시 로그인해 주세요."), code="token_not_valid"
            )
        return user

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
