"""Log-in sessions: logging out ends every token minted from that log-in, ``current/`` does not
grow the token table, "log out everywhere" ends every session, web sessions and sockets, and
used tokens are flushed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import UntypedToken

from mealbuddy.accounts import services
from mealbuddy.accounts.models import TokenSession
from mealbuddy.core.realtime import account_group
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def api_login(user) -> dict:
    response = APIClient().post(
        "/api/user/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()["user"]


def current(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {token}")
    return client.get("/api/user/current/")


def refresh_call(refresh: str):
    return APIClient().post("/api/auth/refresh/", {"refresh": refresh}, format="json")


def logout_call(refresh: str):
    return APIClient().post("/api/auth/logout/", {"refresh": refresh}, format="json")


def sid_of(raw: str) -> str:
    return UntypedToken(raw)["sid"]


# --- one session per log-in -------------------------------------------------------------------


def test_the_session_id_is_carried_through_current_and_rotation(user):
    pair = api_login(user)
    sid = sid_of(pair["token"])
    assert sid_of(pair["refresh"]) == sid
    again = current(pair["token"]).json()["user"]
    assert sid_of(again["token"]) == sid and sid_of(again["refresh"]) == sid
    rotated = refresh_call(again["refresh"]).json()
    assert sid_of(rotated["token"]) == sid and sid_of(rotated["refresh"]) == sid
    assert sid_of(api_login(user)["token"]) != sid  # another log-in, another session


def test_after_logout_no_token_of_that_session_works(user, django_capture_on_commit_callbacks):
    pair = api_login(user)
    # Everything an attacker could have collected from that log-in before it ended:
    from_current = current(pair["token"]).json()["user"]
    rotated = refresh_call(from_current["refresh"]).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert logout_call(rotated["refresh"]).status_code == 200
    for token in (pair["token"], from_current["token"], rotated["token"]):
        response = current(token)
        assert response.status_code == 401, "an access token of a logged-out session works"
        assert response.json()["errors"]["error"]
    assert refresh_call(rotated["refresh"]).status_code == 401
    # The headline bug: the old access token must not mint a new refresh token.
    assert OutstandingToken.objects.filter(user=user).count() == 2


def test_logout_leaves_other_sessions_alone(user, django_capture_on_commit_callbacks):
    phone, laptop = api_login(user), api_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        logout_call(phone["refresh"])
    assert current(phone["token"]).status_code == 401
    assert current(laptop["token"]).status_code == 200


def test_revoked_or_flushed_sessions_are_refused_whatever_a_cache_holds(
    user, django_capture_on_commit_callbacks
):
    """The database decides, so no process can hold a stale "still live"."""
    pair = api_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        logout_call(pair["refresh"])
    cache.clear()
    assert current(pair["token"]).status_code == 401
    TokenSession.objects.filter(user=user).delete()  # flushed: unknown counts as ended
    cache.clear()
    assert current(api_login(user)["token"]).status_code == 200
    assert current(pair["token"]).status_code == 401


def test_a_live_session_costs_no_query_beyond_the_user(user, django_assert_num_queries):
    token = api_login(user)["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {token}")
    client.get("/api/me/")  # warm
    with django_assert_num_queries(2):  # the user, their region
        assert client.get("/api/me/").status_code == 200


def test_a_socket_handshake_token_of_a_logged_out_session_is_refused(
    user, django_capture_on_commit_callbacks
):
    from mealbuddy.accounts.sockets import token_user

    pair = api_login(user)
    assert token_user(pair["token"]) == user
    with django_capture_on_commit_callbacks(execute=True):
        logout_call(pair["refresh"])
    assert token_user(pair["token"]) is None


# --- current/ does not grow the token table --------------------------------------------------


def test_current_reuses_the_sessions_refresh_token(user):
    pair = api_login(user)
    rows = OutstandingToken.objects.count()
    token = pair["token"]
    for _ in range(20):  # the original client calls it on every page load
        body = current(token).json()["user"]
        assert set(body) == {"id", "email", "username", "address", "token", "refresh"}
        token = body["token"]
    assert OutstandingToken.objects.count() == rows
    assert body["refresh"] == pair["refresh"]
    assert current(token).status_code == 200
    assert refresh_call(body["refresh"]).status_code == 200


def test_current_mints_a_new_refresh_token_past_half_its_lifetime(user):
    pair = api_login(user)
    OutstandingToken.objects.filter(user=user).update(
        expires_at=timezone.now() + timedelta(hours=1)
    )
    body = current(pair["token"]).json()["user"]
    assert body["refresh"] != pair["refresh"]
    assert sid_of(body["refresh"]) == sid_of(pair["token"])
    assert OutstandingToken.objects.filter(user=user).count() == 2
    assert refresh_call(pair["refresh"]).status_code == 401  # the one it replaced is used up
    assert current(body["token"]).json()["user"]["refresh"] == body["refresh"]


def test_current_with_a_rotated_session_returns_the_newest_refresh_token(user):
    pair = api_login(user)
    rotated = refresh_call(pair["refresh"]).json()
    body = current(pair["token"]).json()["user"]
    assert body["refresh"] == rotated["refresh"]


def test_current_never_starts_a_new_session_for_a_token_of_an_ended_one(user):
    """A logout that lands between authentication and current/ must not hand out a new log-in."""
    from mealbuddy.accounts.tokens import tokens_current

    pair = api_login(user)
    sid = sid_of(pair["token"])
    TokenSession.objects.filter(sid=sid).update(revoked_at=timezone.now())
    rows = OutstandingToken.objects.count()
    assert tokens_current(user=user, sid=sid) is None
    assert OutstandingToken.objects.count() == rows
    fresh = tokens_current(user=user, sid=sid, start_if_ended=True)  # a signed-in web page
    assert fresh["sid"] != sid


def test_current_from_a_web_page_keeps_one_api_session(client, user):
    client.force_login(user)
    first = client.get("/api/user/current/").json()["user"]
    for _ in range(5):
        body = client.get("/api/user/current/").json()["user"]
    assert sid_of(body["token"]) == sid_of(first["token"])
    assert TokenSession.objects.filter(user=user).count() == 1
    assert OutstandingToken.objects.filter(user=user).count() == 1


def test_logging_out_of_the_page_ends_the_api_session_it_got(
    client, user, django_capture_on_commit_callbacks
):
    client.force_login(user)
    token = client.get("/api/user/current/").json()["user"]["token"]
    assert current(token).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/logout/")
    assert current(token).status_code == 401


# --- log out everywhere ------------------------------------------------------------------------


def account_events(user_id: int, action) -> list[dict]:
    """Run ``action`` (sync, with its commits) and return what ``account_group`` received."""

    async def run():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(account_group(user_id), channel)
        await sync_to_async(action)()
        events = []
        try:
            while True:
                events.append(await asyncio.wait_for(layer.receive(channel), 1.0))
        except TimeoutError:
            return events

    return async_to_sync(run)()


def test_log_out_everywhere_ends_tokens_web_sessions_and_sockets(
    client, user, django_capture_on_commit_callbacks
):
    phone, laptop = api_login(user), api_login(user)
    client.force_login(user)  # a browser
    other = UserFactory()
    other_pair = api_login(other)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"token {phone['token']}")
            response = api.post("/api/auth/logout-everywhere/")
            assert response.status_code == 200
            assert "모든 기기에서 로그아웃" in response.json()["message"]

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    for pair in (phone, laptop):
        assert current(pair["token"]).status_code == 401
        assert refresh_call(pair["refresh"]).status_code == 401
    response = client.get("/accounts/me/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    # A fresh log-in works, and nobody else was touched.
    assert current(api_login(user)["token"]).status_code == 200
    assert current(other_pair["token"]).status_code == 200


def test_log_out_everywhere_needs_a_login():
    assert APIClient().post("/api/auth/logout-everywhere/").status_code == 401


def test_the_account_page_has_a_log_out_everywhere_button(
    client, user, django_capture_on_commit_callbacks
):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(user)
    pair = api_login(user)
    client.force_login(user)
    page = client.get("/accounts/me/").content.decode()
    assert "모든 기기에서 로그아웃" in page and "/accounts/logout-everywhere/" in page
    assert client.get("/accounts/logout-everywhere/").status_code == 405  # POST only (CSRF)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/logout-everywhere/", follow=True)
            assert response.redirect_chain[-1][0] == "/accounts/login/"
            assert "모든 기기에서 로그아웃했어요" in response.content.decode()

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    assert elsewhere.get("/accounts/me/").status_code == 302
    assert client.get("/accounts/me/").status_code == 302
    assert current(pair["token"]).status_code == 401


# --- every other account change closes the sockets too ------------------------------------------


def test_password_change_closes_sockets_and_ends_sessions(user, django_capture_on_commit_callbacks):
    pair = api_login(user)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            services.user_change_password(
                user=user,
                current_password=DEFAULT_PASSWORD,
                new_password1="새-비밀번호-2025-저녁",
                new_password2="새-비밀번호-2025-저녁",
            )

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    assert current(pair["token"]).status_code == 401
    assert TokenSession.objects.get(user=user).revoked_at is not None


def test_deletion_closes_sockets(user, django_capture_on_commit_callbacks):
    pair = api_login(user)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"token {pair['token']}")
            response = api.post("/api/user/delete/", {"password": DEFAULT_PASSWORD}, format="json")
            assert response.status_code == 200

    assert account_events(user.pk, act) == [{"type": "account.revoked"}]
    assert current(pair["token"]).status_code == 401


def test_a_rolled_back_change_closes_nothing(user):
    def act():
        services.user_logout_everywhere(user=user)  # never committed (the test transaction)

    assert account_events(user.pk, act) == []


# --- flushing ------------------------------------------------------------------------------------


def test_tokens_flush_deletes_expired_used_and_ended_rows_only(
    user, django_capture_on_commit_callbacks
):
    live = api_login(user)
    rotated = refresh_call(api_login(user)["refresh"]).json()  # leaves one used row
    ended = api_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        logout_call(ended["refresh"])
    expired = api_login(user)
    OutstandingToken.objects.filter(token=expired["refresh"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    TokenSession.objects.filter(sid=sid_of(expired["token"])).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert OutstandingToken.objects.count() == 5

    counts = services.tokens_flush()

    assert counts == {"tokens": 3, "sessions": 2}
    assert set(OutstandingToken.objects.values_list("token", flat=True)) == {
        live["refresh"],
        rotated["refresh"],
    }
    assert not BlacklistedToken.objects.exists()
    # What was kept still works; nothing that was flushed comes back to life.
    assert refresh_call(live["refresh"]).status_code == 200
    assert current(rotated["token"]).status_code == 200
    cache.clear()
    assert current(ended["token"]).status_code == 401
    assert refresh_call(ended["refresh"]).status_code == 401


def test_the_flush_command(user, capsys):
    refresh_call(api_login(user)["refresh"])
    call_command("tokens_flush")
    assert "Flushed 1 refresh tokens and 0 sessions." in capsys.readouterr().out
    assert OutstandingToken.objects.count() == 1
