"""Logging setup: request lines and socket handshakes never carry credentials into a log.

The original client authenticates its sockets with ``ws/...?token=<jwt>`` and ours with
``?ticket=``; uvicorn writes the full path of every request line and handshake. A filter on
uvicorn's loggers keeps the parameter names (useful when reading a log) and drops every value.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import re
import traceback
from datetime import UTC, datetime

# A query string inside a logged path: from "?" up to whitespace or a closing quote.
_QUERY = re.compile(r"\?[^\s\"']*")
_VALUE = re.compile(r"=[^&;]*")

# uvicorn.error carries the WebSocket handshake lines, uvicorn.access the HTTP request lines.
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn.asgi", "django.request")


def redact_query(text: str) -> str:
    """``/ws/chat/1/?token=abc&after=5`` → ``/ws/chat/1/?token=…&after=…``."""
    return _QUERY.sub(lambda match: _VALUE.sub("=…", match.group(0)), text)


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = redact_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query(arg) if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: redact_query(value) if isinstance(value, str) and "?" in value else value
                for key, value in record.args.items()
            }
        return True


def install_redaction() -> None:
    """Attach the filter to the loggers that write paths (idempotent)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryStrings) for f in logger.filters):
            logger.addFilter(RedactQueryStrings())


def configure_logging(config: dict) -> None:
    """Django's LOGGING_CONFIG: the usual dictConfig, then the redaction filter.

    A filter declared in LOGGING could only be attached by (re)declaring uvicorn's loggers,
    and dictConfig would then drop the handlers uvicorn gave them.
    """
    logging.config.dictConfig(config)
    install_redaction()


# --- Request and socket-session lines, the request id, JSON or text output -------------------
# One line per HTTP request (mealbuddy.core.requestlog) and per socket session, on the
# ``mealbuddy.requests`` logger. Every record logged while a request or a socket is being
# handled carries its request id (errors included), so an error line and the request line
# that answered it can be found together. LOG_FORMAT=json writes one JSON object per line
# (what a log collector reads); text stays readable in a terminal (`make run`).

REQUEST_LOGGER = "mealbuddy.requests"
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mealbuddy_request_id", default=None
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """A client-chosen path must not start a fake log line of its own."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text)


class RequestIdFilter(logging.Filter):
    """Stamp every record with the request id of the request or socket being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        else:
            entry["message"] = redact_query(record.getMessage())
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["exc"] = redact_query("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        # One record, one line (a traceback, appended after this, keeps its own lines).
        text = _one_line(super().formatMessage(record))
        request_id = getattr(record, "request_id", None)
        if request_id and getattr(record, "fields", None) is None:
            text += f" [request_id={request_id}]"
        return text


def logging_config(*, level: str, log_format: str, log_requests: bool) -> dict:
    """The LOGGING dict for settings: one console handler, request ids on every record."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "mealbuddy.core.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "mealbuddy.core.logs.JsonFormatter"},
            "text": {"()": "mealbuddy.core.logs.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Request lines are INFO, written whatever LOG_LEVEL says (LOG_REQUESTS=0: none).
            REQUEST_LOGGER: {
                "handlers": ["console"],
                "level": "INFO" if log_requests else "CRITICAL",
                "propagate": False,
            },
            # JSON all the way: uvicorn's own lines (start-up, errors) through our handler
            # too; its access lines would repeat the request lines, so only warnings.
            **(
                {
                    "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
                    "uvicorn.access": {
                        "handlers": ["console"],
                        "level": "WARNING",
                        "propagate": False,
                    },
                }
                if log_format == "json"
                else {}
            ),
        },
    }
