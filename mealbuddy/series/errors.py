"""Series error codes: ``invalid`` (field validation, every field at once), ``not_found``
(a series the viewer may not see answers like a missing one), ``not_host``, ``ended``."""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError, Conflict, NotFound


class SeriesValidationError(ApplicationError):
    """Several field errors at once: ``errors`` maps a field name to its messages."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors

    def as_errors(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self.errors.items()}


class SeriesNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("정기 모집을 찾을 수 없어요.", code="not_found")


class SeriesEnded(Conflict):
    def __init__(self) -> None:
        super().__init__("끝난 정기 모집이에요.", code="ended")
