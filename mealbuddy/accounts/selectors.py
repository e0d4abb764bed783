"""Loading the signed-in user: every request's first query."""

from __future__ import annotations

import functools

from django.db import connection

from mealbuddy.accounts.models import TokenSession, User


@functools.cache
def _user_sql(vendor: str, with_session: bool):
    """The statement ``user_with_standing`` runs, with each column's converters (as the ORM
    would apply them on this database). Built once per process and shape."""
    standing_rel = User._meta.get_field("standing")  # trust's Standing, one per user at most
    Standing = standing_rel.related_model
    user_fields = User._meta.concrete_fields
    standing_fields = Standing._meta.concrete_fields
    quote = connection.ops.quote_name
    user_pk = f"u.{quote(User._meta.pk.column)}"
    columns = [f"u.{quote(f.column)}" for f in user_fields]
    columns += [f"s.{quote(f.column)}" for f in standing_fields]
    if with_session:
        sessions = TokenSession._meta
        columns.append(
            f"EXISTS(SELECT 1 FROM {quote(sessions.db_table)} t"  # noqa: S608 - names from _meta
            f" WHERE t.{quote(sessions.get_field('sid').column)} = %s"
            f" AND t.{quote(sessions.get_field('user').column)} = {user_pk}"
            f" AND t.{quote(sessions.get_field('revoked_at').column)} IS NULL)"
        )
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u"  # noqa: S608
        f" LEFT JOIN {quote(Standing._meta.db_table)} s"
        f" ON s.{quote(Standing._meta.pk.column)} = {user_pk}"
        f" WHERE {user_pk} = %s"
    )
    converters = []
    for field in (*user_fields, *standing_fields):
        col = field.get_col("x")
        converters.append(
            (connection.ops.get_db_converters(col) + col.get_db_converters(connection), col)
        )
    return sql, standing_rel, user_fields, standing_fields, converters


_NO_SESSION = object()


def user_with_standing(user_id: int, *, sid=_NO_SESSION) -> User | None:
    """The user ``user_id`` with their standing (sanction, 동네인증: what permissions, badges
    and the banner read) already attached, or None. With ``sid``, also ``session_live``: is
    that JWT log-in session live?

    Every API request, socket handshake and page starts here, so it is one hand-written
    statement read into models directly: the same result as ``select_related("standing")``
    (and an ``Exists`` annotation) without compiling a query each time, about half the cost
    (issue 12; ``make bench SCENARIOS=feed_cpu``). A test compares every field with the ORM's.
    """
    with_session = sid is not _NO_SESSION
    sql, standing_rel, user_fields, standing_fields, converters = _user_sql(
        connection.vendor, with_session
    )
    params = [user_id]
    if with_session:
        sid_field = TokenSession._meta.get_field("sid")
        params.insert(0, sid_field.get_db_prep_value(sid, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[: len(converters)])
    for i, (functions, col) in enumerate(converters):
        for convert in functions:
            values[i] = convert(values[i], col, connection)
    n = len(user_fields)
    user = User.from_db(connection.alias, [f.attname for f in user_fields], values[:n])
    if with_session:
        user.session_live = bool(row[-1])
    standing = None
    if values[n] is not None:  # the standing's key: a row exists
        standing = standing_rel.related_model.from_db(
            connection.alias, [f.attname for f in standing_fields], values[n:]
        )
        standing_rel.field.set_cached_value(standing, user)
    standing_rel.set_cached_value(user, standing)
    return user
