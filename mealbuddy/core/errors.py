"""The one error family that services raise.

A service raises ``ApplicationError`` (or a subclass) with a stable ``code`` and a Korean
``message``; optionally ``field`` ties it to a form field. The API renders it as a 4xx with
``{"errors": {field or "error": [message]}}``; pages show the message next to the field.
"""

from __future__ import annotations


class ApplicationError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status_code: int | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.field = field
        self.extra = extra or {}

    def as_errors(self) -> dict[str, list[str]]:
        return {self.field or "error": [self.message]}


class FieldErrors(ApplicationError):
    """Several field errors at once (a form's or a service's validation): ``errors`` maps a
    field name to its messages; the first one is the message."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors

    def as_errors(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self.errors.items()}


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "unavailable"
