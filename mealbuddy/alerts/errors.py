"""Alert error codes: ``invalid`` (field validation, every field at once), ``too_many``,
``no_region``, ``not_found`` (someone else's alert is answered exactly like a missing one)."""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError, NotFound


class AlertValidationError(ApplicationError):
    """Several field errors at once: ``errors`` maps a field name to its messages."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors

    def as_errors(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self.errors.items()}


class AlertNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("알림을 찾을 수 없어요.", code="not_found")
