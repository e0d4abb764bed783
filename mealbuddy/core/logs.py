"""Logging setup: request lines and socket handshakes never carry credentials into a log.

The original client authenticates its sockets with ``ws/...?token=<jwt>`` and ours with
``?ticket=``; uvicorn writes the full path of every request line and handshake. A filter on
uvicorn's loggers keeps the parameter names (useful when reading a log) and drops every value.
"""

from __future__ import annotations

import logging
import logging.config
import re

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
