"""The wallet's errors: one family with the rest of the service (``core.errors``)."""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError, Conflict


class InsufficientFunds(ApplicationError):
    """A user's cash or points (or an order's escrow) would go below zero."""

    status_code = 400
    code = "insufficient_funds"


class IdempotencyMismatch(Conflict):
    """The key was already used for a different request: refusing is the only safe answer."""

    code = "idempotency_mismatch"


class InvalidTransfer(ApplicationError):
    """A programming error in the caller (legs that do not balance, a zero amount)."""

    code = "invalid_transfer"
