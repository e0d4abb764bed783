"""Production mode, tried from the outside: the launcher, a production server, its pages.

Servers here are real uvicorn processes in production settings (tests/servers.py): DEBUG=0,
hashed static files collected once per session, plain HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from tests import servers
from tests.factories import UserFactory
from tests.servers import ROOT, LiveServer, free_port, production_static_root

PYTHON = sys.executable


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of an operator who set nothing but what is given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "HTTPS",
            "SECRET_KEY",
            "REDIS_URL",
            "WORKERS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "SECURE_SSL_REDIRECT",
            "VAPID_PRIVATE_KEY",
            "VAPID_PUBLIC_KEY",
        }
    }
    env.update(extra)
    return env


def serve_check(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", "serve", "--check-only", *args],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- 2. A deployment refuses to start in a state that silently breaks ----------------------


def test_several_workers_without_redis_refuse_to_start_with_one_line_each():
    result = serve_check("--workers", "2", DEBUG="1")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "mealbuddy.E" in line]
    assert len(lines) == 3, result.stderr
    assert "WORKERS=2 needs REDIS_URL" in lines[0]
    assert "WORKERS=2 needs an explicit SECRET_KEY" in lines[1]
    assert "WORKERS=2 needs explicit VAPID_PRIVATE_KEY" in lines[2]


def test_workers_from_the_environment_need_an_explicit_secret_key_even_with_redis():
    result = serve_check(DEBUG="1", WORKERS="4", REDIS_URL="redis://127.0.0.1:6379/2")
    assert result.returncode != 0
    assert "mealbuddy.E002" in result.stderr
    assert "mealbuddy.E001" not in result.stderr


def test_several_workers_with_redis_and_a_shared_key_may_start():
    result = serve_check(
        "--workers",
        "3",
        DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/2",
        SECRET_KEY="a-key-every-machine-shares-" + "x" * 40,
        VAPID_PRIVATE_KEY=SHARED_VAPID_KEY,
    )
    assert result.returncode == 0, result.stderr


# A fixed P-256 private key (raw, base64url) standing for one every machine shares.
SHARED_VAPID_KEY = "q0Jv0tq5SGi0kK8GvD9l2cYAh5Zr3qXQmQ7pM1bWc2E"


def test_several_workers_refuse_a_generated_vapid_key():
    result = serve_check(
        "--workers",
        "2",
        DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/2",
        SECRET_KEY="a-key-every-machine-shares-" + "x" * 40,
    )
    assert result.returncode != 0
    assert "mealbuddy.E003" in result.stderr
    assert "mealbuddy.E002" not in result.stderr


# --- 1. `make serve` with nothing set: production pages over plain HTTP on loopback ----------


@pytest.fixture
def make_serve(region_tx, tmp_path):
    """The documented command itself (`make serve`, which `make run` ends with)."""
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"BIN={Path(PYTHON).parent}", f"PORT={port}"],
        cwd=ROOT,
        env=clean_env(
            DATABASE_URL=servers.test_database_url(),
            STATIC_ROOT=str(tmp_path / "static"),
            WEATHER_PROVIDERS="",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail((tmp_path / "serve.log").read_text()[-3000:])
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("make serve did not answer: " + (tmp_path / "serve.log").read_text())
            time.sleep(0.3)
        yield url, tmp_path / "static"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_make_serve_with_nothing_set_serves_production_over_plain_http(make_serve):
    url, static_root = make_serve
    assert (static_root / "staticfiles.json").exists(), "serve did not collect static files"
    with httpx.Client(base_url=url, timeout=10) as client:
        login = client.get("/accounts/login/")
        assert login.status_code == 200
        # Plain HTTP on loopback: no redirect to https, no HSTS, cookies the browser keeps.
        assert "strict-transport-security" not in login.headers
        assert "secure" not in login.headers.get("set-cookie", "").lower()
        assert "content-security-policy" in login.headers
        # Hashed static names, each served.
        for src in static_urls(login.text):
            assert re.search(r"\.[0-9a-f]{12}\.(css|js|png)$", src), src
            assert client.get(src).status_code == 200, src
        # DEBUG is off: a Korean 404, not Django's debug page.
        missing = client.get("/no-such-page/")
        assert missing.status_code == 404
        assert "페이지를 찾을 수 없어요" in missing.text
        assert "URLconf" not in missing.text


def test_production_settings_keep_https_behaviour_unless_switched_off():
    """A deployment (DEBUG=0, HTTPS unset) redirects to https and sends HSTS."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0)"
    )
    env = clean_env(DEBUG="0", SECRET_KEY="k" * 50, DJANGO_SETTINGS_MODULE="config.settings")
    on = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert on.stdout.split() == ["True", "True", "True", "True"], on.stderr
    env["HTTPS"] = "0"
    off = subprocess.run(
        [PYTHON, "-c", code.replace("s.SECURE_SSL_REDIRECT", "getattr(s, 'SECURE_SSL_REDIRECT')")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert off.stdout.split() == ["False", "False", "False", "False"], off.stderr


# --- 6. The page sweep against a production server -------------------------------------------

SRC = re.compile(r'<(?:link|script)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')


def static_urls(html: str) -> set[str]:
    return set(SRC.findall(html))


# The same sweep under uvicorn (ASGI: `make run`, the sockets) and under gunicorn (WSGI,
# threaded: what compose.yaml's `web` runs for HTTP).
@pytest.fixture(params=["uvicorn", "gunicorn"])
def production(request, regions_tx):
    with LiveServer(
        log_name=f"prod-sweep-{request.param}",
        # Kakao switched on: the log-in page shows its button (issue 13).
        env={"WEATHER_PROVIDERS": "", "SOCIAL_KAKAO_CLIENT_ID": "sweep-kakao-key"},
        server=request.param,
    ) as server:
        yield server


@pytest.fixture
def member_with_data(regions_tx):
    """A user who hosts an order with a chat (one message) and has a notification."""
    host, guest = UserFactory(), UserFactory()
    order = GroupOrder.objects.create(
        host=host,
        title="치킨 같이 시켜요",
        category="치킨",
        target_count=4,
        member_count=2,
        deadline=timezone.now() + timedelta(hours=1),
        region_id=host.region_id,
    )
    for user in (host, guest):
        Participation.objects.create(group_order=order, user=user)
    room = ChatRoom.objects.create(group_order=order)
    Message.objects.create(room=room, user=guest, text="저도 반반이요")
    Notification.objects.create(
        user=host,
        kind=Notification.Kind.JOINED,
        text="새 이웃이 참여했어요",
        group_order=order,
        url=f"/groupbuys/{order.pk}/",
    )
    return host, order, room


def logged_in(server: LiveServer, user) -> httpx.Client:
    """A browser-like client holding a session made in the shared test database."""
    django_client = Client()
    django_client.force_login(user)
    client = httpx.Client(base_url=server.url, timeout=15, follow_redirects=False)
    client.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return client


def _placed_prepaid_order(host):
    """A prepaid order placed with a paying member: the 정산 section, timeline and sticky
    bar of an order after "주문완료"."""
    from mealbuddy.groupbuys import services as groupbuys
    from mealbuddy.wallet.services import topup_credit

    guest = UserFactory(region=host.region)
    topup_credit(key=f"sweep:{guest.pk}", user=guest, provider="test", amount=50_000)
    order = groupbuys.groupbuy_create(
        host=host,
        title="앱결제 치킨",
        category="치킨",
        target_count=3,
        delivery_fee=3_000,
        min_order_amount=10_000,
        payment="prepaid",
        noshow_deposit=1_000,
    )
    groupbuys.groupbuy_join(group_order_id=order.pk, user=guest)
    groupbuys.item_add(group_order_id=order.pk, user=guest, name="반반", unit_price=18_000)
    groupbuys.groupbuy_close(group_order_id=order.pk, user=host)
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    return order


def test_page_sweep_in_production(production, member_with_data):
    host, order, room = member_with_data
    placed = _placed_prepaid_order(host)
    neighbour = UserFactory(region=host.region)
    guest_id = order.participations.exclude(user=host).get().user_id
    guest_message_id = room.messages.get(user_id=guest_id).pk
    from mealbuddy.community.services import comment_create, post_create

    community_post = post_create(author=host, topic="question", title="세탁소 있어요?", text="근처")
    comment_create(post_id=community_post.pk, user=neighbour, text="합정역 쪽에 있어요")
    pages = {
        "/": 200,
        "/?sort=closing": 200,
        "/?sort=newest&neighbours=0": 200,
        "/?category=찜,탕,찌개&q=치킨": 200,
        f"/groupbuys/{placed.pk}/": 200,
        f"/groupbuys/{placed.pk}/?part=summary": 200,
        "/groupbuys/new/?category=치킨&title=치킨 같이 시켜요&restaurant=치킨 전문점": 200,
        "/wallet/": 200,
        "/wallet/?amount=3500": 200,
        f"/groupbuys/{order.pk}/": 200,
        f"/groupbuys/{order.pk}/?part=summary": 200,
        f"/groupbuys/{order.pk}/edit/": 200,
        "/groupbuys/new/": 200,
        "/chats/": 200,
        f"/chats/{room.pk}/": 200,
        "/notifications/": 200,
        # 차단 · 신고 (issue 12): the settings list, a block confirmation, the report forms.
        "/settings/blocks/": 200,
        f"/users/{guest_id}/block/": 200,
        f"/users/{host.pk}/block/": 400,
        f"/reports/new/?user={guest_id}": 200,
        f"/reports/new/?message={guest_message_id}": 200,
        "/reports/new/?message=987654321": 404,
        "/accounts/me/": 200,
        "/accounts/password/": 200,
        "/accounts/delete/": 200,
        "/accounts/social/connections/": 200,
        "/accounts/social/signup/": 302,  # nothing waiting: back to the log-in
        "/accounts/social/link/": 302,
        "/accounts/social/kakao/callback/?code=x&state=y": 400,  # not started here
        "/accounts/social/naver/callback/?code=x&state=y": 404,  # no keys
        "/recommend/": 200,
        "/recommend/weather-card/": 200,
        "/recommend/panel/": 200,
        "/regions/search/?q=서교&field=address": 200,
        "/regions/search/?address=합정&field=address": 200,
        "/regions/reverse/?lat=37.555&lon=126.92&field=address": 200,
        "/regions/reverse/?lat=abc&lon=126.92": 400,
        "/offline/": 200,
        "/groupbuys/987654321/": 404,
        "/chats/987654321/": 404,
        "/no-such-page/": 404,
        "/accounts/login/": 302,  # already logged in
        "/sw.js": 200,
        "/manifest.webmanifest": 200,
        "/api/no-such-endpoint/": 404,
        # 동네인증 and the public profile (issue 12)
        "/?verified=1": 200,
        "/trust/verify/": 200,
        f"/u/{host.pk}/": 200,
        f"/u/{neighbour.pk}/": 200,  # someone else's: the block/report actions too
        "/u/987654321/": 404,
        # 후기 (issue 12)
        f"/groupbuys/{placed.pk}/reviews/": 200,
        "/reviews/received/": 200,
        "/groupbuys/987654321/reviews/": 404,
        # 동네생활 (issue 13)
        "/community/": 200,
        "/community/?topic=question&q=세탁소&sort=popular&neighbours=0": 200,
        f"/community/{community_post.pk}/": 200,
        f"/community/{community_post.pk}/edit/": 200,
        "/community/new/": 200,
        "/alerts/": 200,
        "/series/": 200,
        "/community/987654321/": 404,
        "/api/community/posts/": 200,
    }
    seen_static: set[str] = set()
    with logged_in(production, host) as client:
        problems = []
        for path, expected in pages.items():
            response = client.get(path)
            if response.status_code != expected:
                problems.append(f"{path}: {response.status_code} (expected {expected})")
            if response.headers.get("content-type", "").startswith("text/html"):
                seen_static |= static_urls(response.text)
        assert not problems, problems
        # Every referenced static file is served (manifest names included).
        assert any("htmx" in src for src in seen_static)
        for src in seen_static:
            assert client.get(src).status_code == 200, src

        # The anonymous pages.
        client.cookies.clear()
        for path in ("/", "/accounts/login/", "/accounts/signup/", "/offline/", "/no-such-page/"):
            response = client.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            for src in static_urls(response.text):
                assert client.get(src).status_code == 200, src
    # 관리 (moderation): staff pages for staff, nothing for anyone else.
    from mealbuddy.trust.models import Report

    report = Report.objects.create(
        reporter=UserFactory(),
        target=Report.Target.MESSAGE,
        target_user=order.host,
        group_order=order,
        message=Message.objects.filter(room=room).first(),
        reason=Report.Reason.ABUSE,
        snapshot={"text": "저도 반반이요"},
    )
    staff_pages = ["/staff/moderation/", "/staff/moderation/?sort=most", "/staff/moderation/log/"]
    staff_pages.append(f"/staff/moderation/{report.pk}/")
    with logged_in(production, host) as client:
        assert [client.get(path).status_code for path in staff_pages] == [404] * 4
    with logged_in(production, UserFactory(is_staff=True)) as client:
        for path in staff_pages:
            response = client.get(path)
            assert response.status_code == 200, path
            for src in static_urls(response.text):
                assert client.get(src).status_code == 200, src
    log = production.log_path.read_text()
    assert "Traceback" not in log, log[-3000:]


def test_service_worker_and_manifest_point_at_served_files(production):
    with httpx.Client(base_url=production.url, timeout=10) as client:
        worker = client.get("/sw.js")
        assert worker.status_code == 200
        precached = re.findall(r'"(/static/[^"]+)"', worker.text)
        assert precached and all(re.search(r"\.[0-9a-f]{12}\.", url) for url in precached)
        for url in precached:
            assert client.get(url).status_code == 200, url
        assert '"mb-v1"' not in worker.text  # the cache name follows the files
        for icon in client.get("/manifest.webmanifest").json()["icons"]:
            assert client.get(icon["src"]).status_code == 200, icon


def test_pages_carry_a_content_security_policy_without_inline_allowances(production):
    response = httpx.get(f"{production.url}/accounts/login/", timeout=10)
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "'self'" in directives["connect-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert "<script>" not in response.text and " style=" not in response.text


# --- 5. No tokens in logs -----------------------------------------------------------------


def test_socket_tokens_and_tickets_never_reach_the_server_log(region_tx):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from tests.chat.helpers import room_with

    host, guest = UserFactory(), UserFactory()
    room = room_with(host, guest)
    jwt = tokens_for_user(guest)["token"]
    ticket = "ticket-secret-" + "z" * 20

    async def handshakes(server: LiveServer) -> None:
        async with connect(f"{server.ws_url}/ws/chat/{room.pk}/?token={jwt}"):
            pass
        with pytest.raises(InvalidStatus):
            async with connect(f"{server.ws_url}/ws/chat/{room.pk}/?ticket={ticket}"):
                pass

    with LiveServer(log_name="redaction", log_level="info") as server:
        asyncio.run(handshakes(server))
        httpx.get(f"{server.url}/api/user/current/?token={jwt}", timeout=10)
        time.sleep(0.5)  # let the log lines reach the file
    log = server.log_path.read_text()
    # The lines are there (the filter redacts, it does not drop)…
    assert f'"WebSocket /ws/chat/{room.pk}/?token=…"' in log, log
    assert "?ticket=…" in log
    assert "/api/user/current/?token=…" in log
    # …and no credential is.
    assert jwt not in log
    assert jwt.split(".")[2] not in log
    assert ticket not in log


def test_redaction_keeps_names_and_drops_values():
    from mealbuddy.core.logs import redact_query

    assert redact_query('"GET /ws/chat/1/?token=a.b.c&after=5 HTTP/1.1"') == (
        '"GET /ws/chat/1/?token=…&after=… HTTP/1.1"'
    )
    assert redact_query("/plain/path/") == "/plain/path/"


def test_static_root_for_servers_is_collected_once():
    assert production_static_root() is production_static_root()
    assert (production_static_root() / "staticfiles.json").exists()
