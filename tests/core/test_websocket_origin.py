"""The WebSocket Origin check: the page's own scheme, host and port, or a trusted origin."""

from __future__ import annotations

import pytest

from mealbuddy.core.websocket import origin_allowed
from tests.chat.helpers import communicator, connected, db, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def scope(host: str | None, *, scheme: str = "ws", extra=()) -> dict:
    headers = [(b"host", host.encode())] if host else []
    return {"type": "websocket", "scheme": scheme, "headers": [*headers, *extra]}


@pytest.fixture
def hosts(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "mealbuddy.example", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = []


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://127.0.0.1:8000", True),  # the page this socket belongs to
        ("http://127.0.0.1:9000", False),  # another port on the same host
        ("http://127.0.0.1", False),  # port 80 is not 8000
        ("https://127.0.0.1:8000", False),  # another scheme
        ("http://127.0.0.1.evil.example:8000", False),  # look-alikes
        ("http://evil-127.0.0.1:8000", False),
        ("http://127.0.0.1:8000@evil.example", False),
        ("http://localhost:8000", False),  # a host name the handshake did not use
        ("null", False),
        ("http://127.0.0.1:notaport", False),
    ],
)
def test_origin_must_be_the_handshakes_own_scheme_host_and_port(hosts, origin, allowed):
    assert origin_allowed(origin, scope("127.0.0.1:8000")) is allowed


def test_secure_socket_wants_an_https_origin_on_the_default_port(hosts):
    secure = scope("mealbuddy.example", scheme="wss")
    assert origin_allowed("https://mealbuddy.example", secure)
    assert origin_allowed("https://mealbuddy.example:443", secure)
    assert not origin_allowed("http://mealbuddy.example", secure)
    assert not origin_allowed("https://mealbuddy.example:8443", secure)


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(hosts, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = scope("mealbuddy.example", extra=[(b"x-forwarded-proto", b"https")])
    assert origin_allowed("https://mealbuddy.example", proxied)
    assert not origin_allowed("http://mealbuddy.example", proxied)
    settings.SECURE_PROXY_SSL_HEADER = None
    assert not origin_allowed("https://mealbuddy.example", proxied)


def test_ipv6_hosts_compare_with_their_brackets(hosts, settings):
    settings.ALLOWED_HOSTS = ["[::1]"]
    assert origin_allowed("http://[::1]:8000", scope("[::1]:8000"))
    assert not origin_allowed("http://[::1]:8001", scope("[::1]:8000"))


def test_a_host_outside_allowed_hosts_is_no_origin_of_ours(hosts):
    # DNS rebinding: evil.example resolves to us and its page connects to itself.
    assert not origin_allowed("http://evil.example", scope("evil.example"))
    assert not origin_allowed("http://evil.example", scope(None))


def test_trusted_origins_carry_their_scheme_and_port(hosts, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.mealbuddy.example", "https://*.mb.example"]
    internal = scope("127.0.0.1:8000")
    assert origin_allowed("https://app.mealbuddy.example", internal)
    assert not origin_allowed("http://app.mealbuddy.example", internal)
    assert not origin_allowed("https://app.mealbuddy.example:8443", internal)
    assert origin_allowed("https://m.mb.example", internal)
    assert not origin_allowed("http://m.mb.example", internal)
    assert not origin_allowed("https://mb.example.evil.example", internal)
    assert not origin_allowed("https://evilmb.example", internal)


async def test_the_pages_own_origin_opens_a_socket_on_the_session_cookie(people):
    cookie = await db(session_cookie)(people[0])
    comm = await connected("/ws/notifications/", cookie=cookie)
    assert (await comm.receive_json_from())["type"] == "unread"
    await comm.disconnect()


@pytest.mark.parametrize(
    "origin",
    [b"http://testserver:8080", b"https://testserver", b"http://testserver.evil.example"],
    ids=["port", "scheme", "look-alike"],
)
async def test_a_foreign_origin_is_refused_at_the_handshake(people, origin):
    cookie = await db(session_cookie)(people[0])
    comm = communicator(
        "/ws/notifications/", origin=False, cookie=cookie, extra=[(b"origin", origin)]
    )
    ok, _ = await comm.connect()
    assert not ok


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/chat/abc/", "/", "/ws/chat/1/extra/"])
async def test_a_socket_path_no_app_serves_is_refused_without_an_error(people, path, caplog):
    cookie = await db(session_cookie)(people[0])
    comm = communicator(path, cookie=cookie)
    ok, _ = await comm.connect()
    assert not ok
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
