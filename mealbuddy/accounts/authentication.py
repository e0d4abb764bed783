from __future__ import annotations

import functools

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from mealbuddy.accounts.models import TokenSession, User
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
        user = session_user(user_id, sid) if sid is not None else None
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


@functools.cache
def _session_user_sql(vendor: str):
    """The statement ``session_user`` runs, with each column's converters (as the ORM would
    apply them on this database). Built once per process."""
    standing_rel = User._meta.get_field("standing")  # trust's Standing, one per user at most
    Standing = standing_rel.related_model
    user_fields = User._meta.concrete_fields
    standing_fields = Standing._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = [f"u.{quote(f.column)}" for f in user_fields]
    columns += [f"s.{quote(f.column)}" for f in standing_fields]
    sessions = TokenSession._meta
    sql = (
        f"SELECT {', '.join(columns)}, EXISTS(SELECT 1 FROM {quote(sessions.db_table)} t"  # noqa: S608 - names from _meta
        f" WHERE t.{quote(sessions.get_field('sid').column)} = %s"
        f" AND t.{quote(sessions.get_field('user').column)} = u.{quote(User._meta.pk.column)}"
        f" AND t.{quote(sessions.get_field('revoked_at').column)} IS NULL)"
        f" FROM {quote(User._meta.db_table)} u"
        f" LEFT JOIN {quote(Standing._meta.db_table)} s"
        f" ON s.{quote(Standing._meta.pk.column)} = u.{quote(User._meta.pk.column)}"
        f" WHERE u.{quote(User._meta.pk.column)} = %s"
    )
    converters = []
    for field in (*user_fields, *standing_fields):
        col = field.get_col("x")
        converters.append(
            (connection.ops.get_db_converters(col) + col.get_db_converters(connection), col)
        )
    return sql, standing_rel, user_fields, standing_fields, converters


def session_user(user_id: int, sid) -> User | None:
    """The user ``user_id`` with ``session_live`` (is the log-in session ``sid`` live?) and
    their standing (sanction, 동네인증: what permissions and badges read), or None.

    This runs on every API request and socket handshake, so it is one hand-written statement
    read into models directly: the same result as ``select_related("standing")`` with an
    ``Exists`` annotation, without compiling a query each time (about half the cost; see
    issue 12's note and ``bench/scenarios/feed.py``).
    """
    sql, standing_rel, user_fields, standing_fields, converters = _session_user_sql(
        connection.vendor
    )
    sid_value = TokenSession._meta.get_field("sid").get_db_prep_value(sid, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [sid_value, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[:-1])
    for i, (functions, col) in enumerate(converters):
        for convert in functions:
            values[i] = convert(values[i], col, connection)
    n = len(user_fields)
    user = User.from_db(connection.alias, [f.attname for f in user_fields], values[:n])
    user.session_live = bool(row[-1])
    standing = None
    if values[n] is not None:  # the standing's key: a row exists
        standing = standing_rel.related_model.from_db(
            connection.alias, [f.attname for f in standing_fields], values[n:]
        )
        standing_rel.field.set_cached_value(standing, user)
    standing_rel.set_cached_value(user, standing)
    return user
