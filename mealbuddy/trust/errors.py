"""Refusals of the trust layer; each renders as a 4xx with a Korean message."""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError, PermissionDenied


class AccountRestricted(PermissionDenied):
    """A suspended or banned person tried to post, join, chat or review."""

    code = "account_restricted"


class Blocked(PermissionDenied):
    """One of the two people blocked the other."""

    code = "blocked"


class VerificationRefused(ApplicationError):
    code = "verification_refused"


class ReviewRefused(ApplicationError):
    code = "review_refused"


class ReportRefused(ApplicationError):
    code = "report_refused"
