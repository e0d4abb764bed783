"""The WSGI app under gunicorn (threaded workers), as compose.yaml's `web` runs it.

Each test starts gunicorn on a free port with the argv `manage.py serve --server gunicorn`
uses, on the test database, and talks to it over HTTP like a browser or the original client:
sessions, CSRF, htmx partials, DRF with a token, the request log line, the CSP, the input
guard, and the database under several threads at once. With REDIS_URL, a chat message
posted over HTTP to gunicorn reaches a socket held by a uvicorn beside it (the split the
proxy makes). The page sweep itself runs under gunicorn too (tests/test_production.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection

from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.chat.models import Message
from tests import servers
from tests.chat.helpers import room_with
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import ROOT, LiveServer, free_port

# The test process hashes passwords with MD5 (fast); the server must be able to check them.
HASHERS = {
    "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher,"
    "django.contrib.auth.hashers.PBKDF2PasswordHasher"
}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def gunicorn(region_tx):
    env = {**HASHERS, "LOG_FORMAT": "json", "WEATHER_PROVIDERS": ""}
    with LiveServer(server="gunicorn", env=env, log_name="wsgi", log_level="info") as server:
        yield server


def log_lines(server: LiveServer) -> list[dict]:
    return [
        json.loads(line)
        for line in server.log_path.read_text().splitlines()
        if line.startswith("{")
    ]


def test_health_login_form_with_csrf_and_a_session_page(gunicorn):
    user = UserFactory()
    with httpx.Client(base_url=gunicorn.url, timeout=15) as browser:
        health = browser.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "gunicorn" in health.headers.get("server", "")

        form = browser.get("/accounts/login/")
        assert form.status_code == 200
        assert "default-src 'self'" in form.headers["content-security-policy"]
        csrf = CSRF_INPUT.search(form.text).group(1)
        credentials = {"email": user.email, "password": DEFAULT_PASSWORD}

        # Without the form's token: refused by CSRF protection, nobody is logged in.
        forged = browser.post("/accounts/login/", data=credentials)
        assert forged.status_code == 403
        assert "sessionid" not in browser.cookies

        answer = browser.post("/accounts/login/", data={**credentials, "csrfmiddlewaretoken": csrf})
        assert answer.status_code == 302, answer.text[:500]
        assert "sessionid" in browser.cookies
        board = browser.get("/")
        assert board.status_code == 200 and "<html" in board.text

        # htmx asks for the feed's partial: no layout around it.
        partial = browser.get("/", headers={"HX-Request": "true"})
        assert partial.status_code == 200 and "<html" not in partial.text

        # A DRF write through the session needs the CSRF header as well.
        refused = browser.post("/api/auth/logout-everywhere/")
        assert refused.status_code == 403
        assert browser.get("/accounts/me/").status_code == 200


def test_api_with_a_token_input_guard_and_request_log(gunicorn):
    user = UserFactory()
    token = tokens_for_user(user)["token"]
    with httpx.Client(base_url=gunicorn.url, timeout=15) as client:
        feed = client.get(
            "/api/post/?page=1",
            headers={"Authorization": f"token {token}", "X-Request-ID": "wsgi-feed-1"},
        )
        assert feed.status_code == 200 and "posts" in feed.json()
        assert feed.headers["x-request-id"] == "wsgi-feed-1"
        anonymous = client.get("/api/post/?page=1")
        assert anonymous.status_code in (401, 403)
        # NUL in the query is refused before any view runs, as a 400 in our error shape.
        guarded = client.get("/api/post/?page=1%00", headers={"Authorization": f"token {token}"})
        assert guarded.status_code == 400 and "errors" in guarded.json()
    [line] = [row for row in log_lines(gunicorn) if row.get("request_id") == "wsgi-feed-1"]
    assert line["event"] == "request" and line["status"] == 200
    assert line["path"] == "/api/post/?page=…" and line["user_id"] == user.pk
    assert token not in gunicorn.log_path.read_text()


def test_threads_write_at_once_and_every_write_lands(gunicorn):
    """Four threads per worker post chat lines in parallel: SQLite (WAL, IMMEDIATE) queues
    the writers, PostgreSQL hands each thread a pooled connection; none fails, none is lost."""
    people = [UserFactory() for _ in range(4)]
    room = room_with(*people)
    tokens = [tokens_for_user(person)["token"] for person in people]

    def post(n: int) -> int:
        with httpx.Client(base_url=gunicorn.url, timeout=30) as client:
            return client.post(
                f"/api/chats/{room.pk}/messages/",
                json={"message": f"스레드 {n}"},
                headers={"Authorization": f"Bearer {tokens[n % 4]}"},
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(24)))
    assert all(200 <= status < 300 for status in statuses), statuses
    assert Message.objects.filter(room=room, text__startswith="스레드").count() == 24
    assert "Traceback" not in gunicorn.log_path.read_text()


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the pool under threads is PostgreSQL's",
)
def test_threads_return_their_pooled_connections(region_tx):
    """CONN_MAX_AGE=0 + psycopg's pool under gunicorn's threads: each request borrows a
    connection and gives it back, so the server never holds more than the pool's size and
    keeps answering after far more requests than that."""
    user = UserFactory()
    token = tokens_for_user(user)["token"]
    env = {
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "3",
        "WEATHER_PROVIDERS": "",
        # Names the server's connections apart from this process's own pool.
        "DATABASE_URL": f"{servers.test_database_url()}?application_name=mb-wsgi-pool",
    }
    with LiveServer(server="gunicorn", env=env, log_name="wsgi-pool") as server:

        def get(_: int) -> int:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                return client.get(
                    "/api/post/?page=1", headers={"Authorization": f"token {token}"}
                ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(get, range(80)))
        assert statuses == [200] * 80
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mb-wsgi-pool'"
            )
            (held,) = cursor.fetchone()
        assert 1 <= held <= 3


@pytest.mark.postgres
@pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
    reason="gunicorn and uvicorn meet only through Redis (and a shared database)",
)
async def test_a_message_posted_to_gunicorn_reaches_a_socket_on_uvicorn(region_tx):
    from channels.db import database_sync_to_async
    from websockets.asyncio.client import connect

    @database_sync_to_async
    def setup():
        host, guest = UserFactory(), UserFactory()
        room = room_with(host, guest)
        return room, tokens_for_user(host)["token"], tokens_for_user(guest)["token"]

    room, host_token, guest_token = await setup()
    with (
        LiveServer(server="gunicorn", env=HASHERS, log_name="split-http") as http,
        LiveServer(env=HASHERS, log_name="split-ws") as ws,
    ):
        async with connect(f"{ws.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as guest_ws:
            async with httpx.AsyncClient(base_url=http.url, timeout=15) as client:
                answer = await client.post(
                    f"/api/chats/{room.pk}/messages/",
                    json={"message": "WSGI에서 보낸 메시지"},
                    headers={"Authorization": f"Bearer {host_token}"},
                )
            assert answer.status_code in (200, 201), answer.text
            heard = json.loads(await asyncio.wait_for(guest_ws.recv(), 5))
            assert heard["type"] == "chat.message"
            assert heard["message"]["message"] == "WSGI에서 보낸 메시지"


def test_serve_refuses_gunicorn_without_redis():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "WORKERS", "SERVER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--check-only", "--server", "gunicorn"],
        cwd=ROOT,
        env={**env, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    [line] = [row for row in result.stderr.splitlines() if "mealbuddy.E" in row]
    assert "mealbuddy.E004" in line and "SERVER=gunicorn needs REDIS_URL" in line


def test_serve_with_server_gunicorn_becomes_gunicorn(tmp_path):
    """The launcher compose.yaml's `web` runs: checks, collectstatic, then gunicorn itself
    (its Server header) on the given port. Redis need only be configured for the checks;
    an unreachable one makes /healthz say 503, still answered by gunicorn."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"WORKERS", "SERVER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DEBUG": "0",
            "HTTPS": "0",
            "SECRET_KEY": "a-key-every-machine-shares-" + "x" * 40,
            # The test database, not whatever DATABASE_URL names (it may not exist).
            "DATABASE_URL": servers.test_database_url(),
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "STATIC_ROOT": str(tmp_path / "static"),
            "LOG_REQUESTS": "0",
        }
    )
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--server", "gunicorn", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "manage.py serve --server gunicorn is silent"
                time.sleep(0.3)
        assert answer.status_code == 503 and answer.json()["checks"]["redis"].startswith("error")
        assert answer.headers["server"].startswith("gunicorn")
        assert (tmp_path / "static" / "staticfiles.json").is_file()  # collected first
    finally:
        process.terminate()
        process.wait(15)
        log.close()
