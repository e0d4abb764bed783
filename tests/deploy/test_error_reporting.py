"""SENTRY_DSN: an exception in a view reaches the error-reporting service, with the request
id and without credentials. The service is a local HTTP server that keeps the envelopes."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.servers import LiveServer


class FakeSentry(BaseHTTPRequestHandler):
    envelopes: list[tuple[str, str]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        FakeSentry.envelopes.append((self.path, body.decode("utf-8", "replace")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry():
    FakeSentry.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public-key@127.0.0.1:{server.server_port}/42"
    server.shutdown()
    server.server_close()


def events() -> list[dict]:
    found = []
    for _path, envelope in FakeSentry.envelopes:
        lines = envelope.splitlines()
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_a_view_exception_is_reported_with_its_request_id_and_no_credentials(db, sentry):
    env = {"SENTRY_DSN": sentry, "DJANGO_SETTINGS_MODULE": "tests.deploy.settings_boom"}
    with LiveServer(log_name="sentry", env=env) as server:
        response = httpx.get(
            f"{server.url}/boom/?token=query-secret",
            headers={"Authorization": "token header-secret", "Cookie": "sessionid=cookie-secret"},
            timeout=10,
        )
        assert response.status_code == 500
        deadline = time.monotonic() + 15
        while not events() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert FakeSentry.envelopes, "nothing reached the error-reporting server"
    assert FakeSentry.envelopes[0][0] == "/api/42/envelope/"
    [event] = events()
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "a bug")
    assert event["tags"]["request_id"] == response.headers["x-request-id"]
    everything = "".join(body for _, body in FakeSentry.envelopes)
    for secret in ("query-secret", "header-secret", "cookie-secret"):
        assert secret not in everything


def test_no_dsn_no_reports(db, sentry):
    env = {"DJANGO_SETTINGS_MODULE": "tests.deploy.settings_boom"}
    with LiveServer(log_name="no-sentry", env=env) as server:
        assert httpx.get(f"{server.url}/boom/", timeout=10).status_code == 500
        time.sleep(1)
    assert FakeSentry.envelopes == []
