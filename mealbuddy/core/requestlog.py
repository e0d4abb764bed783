"""One log line per HTTP request and per socket session, each with a request id.

The request id comes from the client's (or the proxy's) ``X-Request-ID`` when it is a sane
token, else a new one; it is echoed in the response (and in the WebSocket handshake answer)
and stamped on every record logged while the request is handled (mealbuddy.core.logs), so an
error in the log points at its request. Lines never carry query-string values, request
bodies or headers: tokens and passwords travel in those.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.contrib.auth import SESSION_KEY
from django.utils.functional import SimpleLazyObject, empty

from mealbuddy.core.logs import REQUEST_LOGGER, redact_query, request_id_var
from mealbuddy.core.net import client_ip, scope_client_ip

logger = logging.getLogger(REQUEST_LOGGER)

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, bounded: anything else could forge log content.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(header: str | None) -> str:
    if header and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def loggable_path(path: str, query_string: str) -> str:
    """The path with the query's parameter names and no values (``?token=…``)."""
    return path + redact_query(f"?{query_string}") if query_string else path


def _request_user_id(request) -> int | None:
    """The account that made the request, found without a query of its own.

    DRF puts the user it authenticated (token or session) on the request; Django's session
    user is a lazy object, read here only if the request already loaded it, or from a session
    the request already loaded. A request that never looked at either is logged anonymous.
    """
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None:
        return user.pk if getattr(user, "is_authenticated", False) else None
    session = request.__dict__.get("session")
    if session is not None and session.accessed:
        raw = session.get(SESSION_KEY)
        return int(raw) if isinstance(raw, str) and raw.isdigit() else raw
    return None


class RequestLogMiddleware:
    """First in MIDDLEWARE: it sees every answer, redirects and refusals included."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if logger.isEnabledFor(logging.INFO):
                self.log(request, response, started)
            return response
        finally:
            request_id_var.reset(token)

    def log(self, request, response, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        fields = {
            "event": "request",
            "method": request.method,
            "path": loggable_path(request.path, request.META.get("QUERY_STRING", "")),
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _request_user_id(request),
            "client_ip": client_ip(request),
            "request_id": request.request_id,
        }
        logger.info(
            "%s %s %s %sms user=%s ip=%s id=%s",
            fields["method"],
            fields["path"],
            fields["status"],
            duration_ms,
            fields["user_id"] if fields["user_id"] is not None else "-",
            fields["client_ip"],
            request.request_id,
            extra={"fields": fields},
        )


SESSION_LOG_KEY = "mealbuddy.session_log"


def socket_session_user(scope, user) -> None:
    """Name the account a socket belongs to in its session line (called at accept)."""
    state = scope.get(SESSION_LOG_KEY)
    if state is not None and user is not None:
        state["user_id"] = user.pk


class SocketSessionLog:
    """ASGI middleware: one line per WebSocket session, written when it ends.

    Frames are counted at the ASGI boundary (what the server really received and sent);
    the close code is whichever side closed first (1006 for a peer that vanished).
    """

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        header = next((v for k, v in scope.get("headers", []) if k == b"x-request-id"), b"")
        request_id = request_id_from(header.decode("latin1"))
        state: dict = {"user_id": None, "in": 0, "out": 0, "code": None, "accepted": False}
        scope = dict(scope, **{SESSION_LOG_KEY: state, "request_id": request_id})

        async def counted_receive():
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                state["in"] += 1
            elif kind == "websocket.disconnect" and state["code"] is None:
                state["code"] = message.get("code", 1005)
            return message

        async def counted_send(message):
            kind = message["type"]
            if kind == "websocket.send":
                state["out"] += 1
            elif kind == "websocket.accept":
                state["accepted"] = True
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            elif kind == "websocket.close" and state["code"] is None:
                state["code"] = message.get("code", 1000)
            await send(message)

        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            return await self.application(scope, counted_receive, counted_send)
        finally:
            if logger.isEnabledFor(logging.INFO):
                self.log(scope, state, started, request_id)
            request_id_var.reset(token)

    def log(self, scope, state: dict, started: float, request_id: str) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        query = scope.get("query_string", b"").decode("latin1")
        fields = {
            "event": "socket",
            "path": loggable_path(scope.get("path", ""), query),
            "accepted": state["accepted"],
            "close_code": state["code"],
            "duration_ms": duration_ms,
            "frames_in": state["in"],
            "frames_out": state["out"],
            "user_id": state["user_id"],
            "client_ip": scope_client_ip(scope),
            "request_id": request_id,
        }
        logger.info(
            "WS %s %s %sms in=%s out=%s user=%s ip=%s id=%s",
            fields["path"],
            fields["close_code"] if state["accepted"] else "denied",
            duration_ms,
            state["in"],
            state["out"],
            fields["user_id"] if fields["user_id"] is not None else "-",
            fields["client_ip"],
            request_id,
            extra={"fields": fields},
        )
