"""Account errors: several fields can be wrong at once (a sign-up form shows them all)."""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError


class InvalidInput(ApplicationError):
    """``errors`` maps a field (or ``"error"``) to its Korean messages."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]], *, extra: dict | None = None) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=None if field == "error" else field, extra=extra or {})
        self.errors = {key: list(value) for key, value in errors.items()}

    def as_errors(self) -> dict[str, list[str]]:
        return self.errors


class Unauthenticated(ApplicationError):
    status_code = 401
    code = "not_authenticated"
