"""deploy/Caddyfile, run for real: Debian's Caddy in front of a production server.

The Caddyfile is used as compose.yaml mounts it; only its environment differs (the site
address, the upstream's host and port, the media directory, the admin endpoint off).
`make test` installs Debian's caddy package like Chromium; without it these tests skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from mealbuddy.accounts.tokens import tokens_for_user
from tests.factories import UserFactory
from tests.servers import ROOT, LiveServer, free_port

CADDY = shutil.which("caddy")
pytestmark = pytest.mark.skipif(
    CADDY is None, reason="needs Debian's caddy package (make test installs it)"
)


class Caddy:
    def __init__(
        self, *, upstream: LiveServer, media_dir: Path, home: Path, env: dict | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "SITE_ADDRESS": f":{self.port}",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(upstream.port),
            # One uvicorn serves both here; compose.yaml splits /ws/ off to its `ws` service.
            "WS_HOST": "127.0.0.1",
            "WS_PORT": str(upstream.port),
            "MEDIA_DIR": str(media_dir),
            "CADDY_ADMIN": "off",
            **(env or {}),
        }
        self.log_path = ROOT / "test-artifacts" / f"caddy-{self.port}.log"

    def __enter__(self) -> Caddy:
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                CADDY,
                "run",
                "--config",
                str(ROOT / "deploy" / "Caddyfile"),
                "--adapter",
                "caddyfile",
            ],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text()[-2000:])
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"caddy did not start: {self.log_path.read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def server_lines(server: LiveServer) -> list[dict]:
    time.sleep(0.3)  # let the last lines reach the file
    return [
        json.loads(line)
        for line in server.log_path.read_text().splitlines()
        if line.startswith("{")
    ]


@contextlib.contextmanager
def proxied_server(tmp_path, *, app_env=None, proxy_env=None):
    """A production server (JSON logs, one trusted proxy, HTTPS on) behind Caddy."""
    media = tmp_path / "media"
    media.mkdir()
    env = {
        "LOG_FORMAT": "json",
        "TRUSTED_PROXY_COUNT": "1",
        "HTTPS": "1",
        "MEDIA_ROOT": str(media),
        **(app_env or {}),
    }
    with LiveServer(log_name="behind-caddy", env=env, log_level="info") as server:  # noqa: SIM117 - Caddy needs the server's port
        with Caddy(upstream=server, media_dir=media, home=tmp_path, env=proxy_env) as caddy:
            yield server, caddy, media


@pytest.fixture
def stack(tmp_path):
    with proxied_server(tmp_path) as parts:
        yield parts


def test_proxy_sets_the_client_address_and_scheme_the_app_trusts(db, stack):
    server, caddy, _ = stack
    response = httpx.get(
        f"{caddy.url}/healthz",
        headers={"X-Forwarded-For": "6.6.6.6", "X-Request-ID": "via-proxy-1"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "via-proxy-1"
    [line] = [row for row in server_lines(server) if row.get("request_id") == "via-proxy-1"]
    # The address Caddy saw, not the one the client wrote.
    assert line["client_ip"] == "127.0.0.1"

    # The app honours X-Forwarded-Proto (straight to it, https claimed: served)…
    direct = httpx.get(
        f"{server.url}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert direct.status_code == 200
    # …and Caddy sends the scheme the client really used: plain HTTP is redirected to HTTPS.
    proxied = httpx.get(
        f"{caddy.url}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert proxied.status_code == 301
    assert proxied.headers["location"].startswith("https://")


def test_uploads_are_served_by_the_proxy_and_never_by_django(db, stack):
    server, caddy, media = stack
    avatar = media / "avatars" / "2026" / "12" / "abc.jpg"
    avatar.parent.mkdir(parents=True)
    avatar.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    response = httpx.get(f"{caddy.url}/media/avatars/2026/12/abc.jpg", timeout=10)
    assert response.status_code == 200
    assert response.content == avatar.read_bytes()
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    # Outside the media directory: nothing.
    escape = httpx.get(f"{caddy.url}/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd", timeout=10)
    assert escape.status_code != 200 and "root:" not in escape.text
    # The production app itself does not serve local files.
    direct = httpx.get(
        f"{server.url}/media/avatars/2026/12/abc.jpg",
        headers={"X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert direct.status_code == 404


def test_websockets_pass_through_the_proxy_and_are_logged_once_per_session(region_tx, stack):
    from websockets.asyncio.client import connect

    server, caddy, _ = stack
    user = UserFactory()
    jwt = tokens_for_user(user)["token"]

    async def session() -> dict:
        async with connect(
            f"{caddy.ws_url}/ws/notifications/?token={jwt}",
            additional_headers={"X-Forwarded-For": "6.6.6.6"},
        ) as socket:
            return json.loads(await asyncio.wait_for(socket.recv(), 10))

    first = asyncio.run(session())
    assert first["type"] == "unread"
    deadline = time.monotonic() + 5
    sockets = []
    while not sockets and time.monotonic() < deadline:
        sockets = [row for row in server_lines(server) if row.get("event") == "socket"]
    [line] = sockets
    assert line["path"] == "/ws/notifications/?token=…"
    assert line["accepted"] is True and line["close_code"] == 1000
    assert line["user_id"] == user.pk
    assert line["frames_out"] >= 1 and line["frames_in"] == 0
    assert line["client_ip"] == "127.0.0.1"
    assert jwt not in server.log_path.read_text()


def test_behind_a_trusted_load_balancer_its_forwarded_headers_count(db, tmp_path):
    """SITE_ADDRESS=:80 behind a TLS load balancer (here: this test, from 127.0.0.1)."""
    with proxied_server(
        tmp_path,
        app_env={"TRUSTED_PROXY_COUNT": "2"},
        proxy_env={"TRUSTED_LB_RANGES": "127.0.0.1/32"},
    ) as (server, caddy, _):
        response = httpx.get(
            f"{caddy.url}/accounts/login/",
            headers={
                "X-Forwarded-For": "203.0.113.7",
                "X-Forwarded-Proto": "https",
                "X-Request-ID": "via-balancer",
            },
            timeout=10,
        )
        assert response.status_code == 200  # https as the balancer said: no redirect
        [line] = [row for row in server_lines(server) if row.get("request_id") == "via-balancer"]
        assert line["client_ip"] == "203.0.113.7"
