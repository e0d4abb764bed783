"""Alert error codes: ``invalid`` (field validation, every field at once), ``too_many``,
``no_region``, ``not_found`` (someone else's alert is answered exactly like a missing one)."""

from __future__ import annotations

from mealbuddy.core.errors import FieldErrors, NotFound


class AlertValidationError(FieldErrors):
    """Several field errors at once (``core.errors.FieldErrors``)."""


class AlertNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("알림을 찾을 수 없어요.", code="not_found")
