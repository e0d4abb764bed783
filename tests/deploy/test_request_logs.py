"""One log line per request and per socket session, errors carrying the request id.

The lines are read as an operator's log collector would: formatted by the configured
formatter (JSON here), one object per line.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest

from mealbuddy.core.logs import REQUEST_LOGGER, JsonFormatter, RequestIdFilter, TextFormatter
from tests.chat.helpers import atoken, communicator
from tests.factories import DEFAULT_PASSWORD
from tests.servers import ROOT


class Captured:
    """What the console handler would write, in JSON, for the request logger and the rest."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(RequestIdFilter())

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self, event: str | None = None) -> list[dict]:
        rows = [json.loads(line) for line in self.text.splitlines() if line.strip()]
        return [row for row in rows if event is None or row.get("event") == event]


@pytest.fixture
def log():
    # config.asgi runs django.setup(), which configures logging afresh: import it first.
    import config.asgi  # noqa: F401

    captured = Captured()
    watched = [logging.getLogger(REQUEST_LOGGER), logging.getLogger("django.request")]
    for logger in watched:
        logger.addHandler(captured.handler)
    yield captured
    for logger in watched:
        logger.removeHandler(captured.handler)


def test_one_json_line_per_request_without_query_values(auth_client, user, log):
    response = auth_client.get("/api/me/?q=서교&secret=hunter2")
    [line] = log.lines("request")
    assert line["method"] == "GET"
    assert line["path"] == "/api/me/?q=…&secret=…"
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == user.pk  # authenticated by the API token
    assert line["client_ip"] == "127.0.0.1"
    assert line["request_id"] == response["X-Request-ID"]
    assert "hunter2" not in log.text and "서교" not in log.text
    assert auth_client._credentials["HTTP_AUTHORIZATION"].split()[1] not in log.text


def test_passwords_never_reach_the_log(client, user, log):
    response = client.post("/accounts/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    [line] = log.lines("request")
    assert line["path"] == "/accounts/login/" and line["status"] == 302
    assert DEFAULT_PASSWORD not in log.text


def test_page_request_names_the_session_user(client, user, log):
    client.force_login(user)
    client.get("/accounts/me/")
    assert log.lines("request")[0]["user_id"] == user.pk
    client.logout()
    client.get("/accounts/login/")
    assert log.lines("request")[-1]["user_id"] is None


def test_request_id_is_honoured_when_sane_and_replaced_otherwise(client, db, log):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a.42")
    assert response["X-Request-ID"] == "edge-7f3a.42"
    for forged in ("two words", "a" * 200, 'x"}{"level":"fake', "", "-leading-dash"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=forged)
        assert response["X-Request-ID"] != forged
        assert len(response["X-Request-ID"]) == 32
    ids = [line["request_id"] for line in log.lines("request")]
    assert ids[0] == "edge-7f3a.42" and len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "127.0.0.1"),  # no trusted proxy: the header is ignored
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # only what our proxy appended
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    ],
)
def test_client_ip_follows_trusted_proxy_count(
    client, db, settings, log, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    client.get("/healthz", HTTP_X_FORWARDED_FOR=forwarded)
    assert log.lines("request")[0]["client_ip"] == expected


@pytest.mark.urls("tests.error_urls")
def test_an_error_is_logged_with_the_request_id_of_its_request(client, log):
    client.raise_request_exception = False
    response = client.get("/boom/?token=abc.def.ghi")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    errors = [line for line in log.lines() if line["logger"] == "django.request"]
    assert errors and errors[0]["level"] == "ERROR"
    assert errors[0]["request_id"] == request_id
    assert "RuntimeError: a bug" in errors[0]["exc"]
    [line] = log.lines("request")
    assert (line["status"], line["request_id"]) == (500, request_id)
    assert "abc.def.ghi" not in log.text


def test_text_format_keeps_one_line_per_request():
    formatter = TextFormatter()
    record = logging.LogRecord(
        REQUEST_LOGGER, logging.INFO, __file__, 1, "GET %s 404", ("/a\nFAKE LINE",), None
    )
    text = formatter.format(record)
    assert "\n" not in text and "/a\\x0aFAKE LINE" in text


def test_log_format_must_be_text_or_json():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"LOG_FORMAT": "xml", "PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr


# --- Sockets: one line per session, at close ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_socket_session_line_at_close(people, room, log):
    host, guest, _ = people
    jwt = await atoken(guest)
    comm = communicator(f"/ws/chat/{room.pk}/?token={jwt}", origin=False)
    ok, _ = await comm.connect()
    assert ok
    await comm.send_json_to({"message": "첫 번째"})
    await comm.receive_json_from()
    await comm.send_json_to({"message": "두 번째"})
    await comm.receive_json_from()
    await comm.disconnect(code=1000)
    [line] = log.lines("socket")
    assert line["path"] == f"/ws/chat/{room.pk}/?token=…"
    assert line["accepted"] is True and line["close_code"] == 1000
    assert (line["frames_in"], line["frames_out"]) == (2, 2)
    assert line["user_id"] == guest.pk
    assert line["duration_ms"] > 0 and len(line["request_id"]) == 32
    assert jwt not in log.text


@pytest.mark.django_db(transaction=True)
async def test_refused_socket_is_logged_as_not_accepted(people, room, log):
    _, _, outsider = people
    jwt = await atoken(outsider)
    comm = communicator(
        f"/ws/chat/{room.pk}/?token={jwt}",
        origin=False,
        extra=[(b"x-request-id", b"client-chose-this")],
    )
    ok, _ = await comm.connect()
    assert not ok
    # What the server does once the handshake was refused: the session ends.
    await comm.disconnect(code=1006)
    [line] = log.lines("socket")
    assert line["accepted"] is False and line["user_id"] is None
    assert line["request_id"] == "client-chose-this"
