"""Production shape: login throttles and session revocations hold across two processes.

Both uvicorn processes share the Redis cache (throttle counters) and the database (sessions),
so an attacker cannot spread guesses over workers, and a logout through one worker ends the
session on the other, which had just served it. Runs only with REDIS_URL (a local-memory
cache is per process by design).
"""

from __future__ import annotations

import os
import re

import httpx
import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import LiveServer

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="needs REDIS_URL: a local-memory cache is not shared between processes",
)


@pytest.fixture
def two_servers(region_tx):
    # The servers verify passwords the factories hashed with the tests' fast hasher.
    env = {
        "LOGIN_THROTTLE_LIMIT": "3",
        "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
    }
    with (
        LiveServer(env=env, log_name="accounts-a") as a,
        LiveServer(env=env, log_name="accounts-b") as b,
    ):
        yield a, b


def api_login(server, email, password):
    return httpx.post(
        f"{server.url}/api/user/login/", json={"email": email, "password": password}, timeout=10
    )


def test_login_failures_count_across_processes(two_servers, region_tx):
    a, b = two_servers
    user = UserFactory()
    assert api_login(b, user.email, DEFAULT_PASSWORD).status_code == 200
    for server in (a, b, a):
        assert api_login(server, user.email, "틀림").status_code == 400
    blocked = api_login(b, user.email, DEFAULT_PASSWORD)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]


def test_admin_login_failures_count_across_processes(two_servers, region_tx):
    from mealbuddy.accounts.models import User

    a, b = two_servers
    User.objects.create_superuser("boss@example.com", "관리자", "관리자-비번-2024")

    def admin_login(client, server, password):
        page = client.get(f"{server.url}/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return client.post(
            f"{server.url}/admin/login/?next=/admin/",
            data={
                "username": "boss@example.com",
                "password": password,
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{server.url}/admin/login/"},
        )

    with httpx.Client(timeout=10) as client:
        for server in (a, b, a):
            assert admin_login(client, server, "guess").status_code == 200
        response = admin_login(client, b, "관리자-비번-2024")
        assert response.status_code == 200
        assert "로그인 시도가 너무 많아요" in response.text


def test_logout_through_one_process_ends_the_session_on_the_other(two_servers, region_tx):
    a, b = two_servers
    user = UserFactory()
    pair = api_login(a, user.email, DEFAULT_PASSWORD).json()["user"]
    headers = {"Authorization": f"token {pair['token']}"}
    assert httpx.get(f"{b.url}/api/user/current/", headers=headers).status_code == 200
    logout = httpx.post(f"{a.url}/api/auth/logout/", json={"refresh": pair["refresh"]})
    assert logout.status_code == 200
    assert httpx.get(f"{b.url}/api/user/current/", headers=headers).status_code == 401
    assert httpx.get(f"{a.url}/api/user/current/", headers=headers).status_code == 401
