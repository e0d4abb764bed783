"""Group-order error codes. Every refusal is an ApplicationError with a Korean message.

Stable ``code`` values (clients and the chat engineer's views switch on them):
``full``, ``closed``, ``deadline_passed``, ``banned``, ``not_neighbour``, ``no_region``,
``not_member``, ``not_host``, ``host_cannot_leave``, ``invalid_status``, ``not_editable``,
``invalid`` (field validation; ``as_errors()`` returns every field at once).
"""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError, Conflict, FieldErrors, PermissionDenied


class GroupOrderValidationError(FieldErrors):
    """Several field errors at once (``core.errors.FieldErrors``)."""


class JoinRefused(ApplicationError):
    """Base of every join refusal (the compat chat join answers these as a 400 string)."""

    code = "join_refused"


class GroupOrderFull(JoinRefused, Conflict):
    code = "full"

    def __init__(self, message: str = "모집 인원이 다 찼어요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class GroupOrderClosed(JoinRefused, Conflict):
    code = "closed"

    def __init__(self, message: str = "모집이 마감된 주문이에요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class DeadlinePassed(JoinRefused, Conflict):
    code = "deadline_passed"

    def __init__(self, message: str = "모집 마감 시각이 지났어요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class Banned(JoinRefused, PermissionDenied):
    code = "banned"

    def __init__(
        self, message: str = "방장이 내보낸 주문에는 다시 참여할 수 없어요.", **kwargs
    ) -> None:
        super().__init__(message, **kwargs)


class NotNeighbour(JoinRefused, PermissionDenied):
    code = "not_neighbour"

    def __init__(
        self, message: str = "같은 동네나 바로 옆 동네의 주문에만 참여할 수 있어요.", **kwargs
    ) -> None:
        super().__init__(message, **kwargs)


class NoRegion(JoinRefused):
    code = "no_region"

    def __init__(self, message: str = "내 동네를 먼저 설정해 주세요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class NotVerified(JoinRefused, PermissionDenied):
    """The order is for verified neighbours only ("동네인증한 이웃만") and the person has
    not verified their 동 (or it lapsed). ``extra`` carries ``verify_url``."""

    code = "not_verified"

    def __init__(
        self,
        message: str = "동네인증한 이웃만 참여할 수 있는 주문이에요. 동네를 인증한 뒤에 참여해 주세요.",
        **kwargs,
    ) -> None:
        kwargs.setdefault("extra", {"verify_url": "/trust/verify/"})
        super().__init__(message, **kwargs)


class NotMember(ApplicationError):
    code = "not_member"

    def __init__(self, message: str = "이 주문에 참여하고 있지 않아요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class NotHost(PermissionDenied):
    code = "not_host"

    def __init__(self, message: str = "방장만 할 수 있어요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class HostCannotLeave(ApplicationError):
    code = "host_cannot_leave"

    def __init__(
        self,
        message: str = "방장은 자기 주문에서 나갈 수 없어요. 주문을 취소해 주세요.",
        **kwargs,
    ) -> None:
        super().__init__(message, **kwargs)


class InvalidStatusChange(ApplicationError):
    code = "invalid_status"


class NotEditable(ApplicationError):
    code = "not_editable"


# --- money (issue 10) ------------------------------------------------------------------------


class ShareNotCovered(ApplicationError):
    """A prepaid order's share (or its no-show deposit) is more than the wallet holds.

    ``extra`` carries ``missing`` (won) and ``topup_url`` (the 지갑 page's 충전하기 with the
    amount filled in), which the pages show as a "충전하기" link and the API returns as is.
    """

    status_code = 400
    code = "insufficient_funds"

    def __init__(self, missing: int, *, who: str = "", **kwargs) -> None:
        if who:
            message = f"{who} 님의 지갑 잔액이 {missing:,}원 부족해요. 충전한 뒤 다시 해 주세요."
        else:
            message = f"지갑 잔액이 {missing:,}원 부족해요. 충전한 뒤 다시 해 주세요."
        amount = max(missing, 1_000)
        extra = {"missing": missing, "topup_url": f"/wallet/?amount={amount}"}
        super().__init__(message, extra=extra, **kwargs)


class SpendingCapExceeded(ApplicationError):
    code = "spending_cap"


class MoneyActionRefused(ApplicationError):
    """A settlement or handoff step that does not apply now (the message says why)."""

    code = "not_allowed"
