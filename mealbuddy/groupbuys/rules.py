"""Who may do what on a group order: each rule written once.

Every function here answers one question about one action with the refusal it would raise
(an ``ApplicationError`` with its Korean message and code) or ``None`` when it is allowed.
The services raise what these return (they enforce, on the locked row); the selector
``group_order_actions`` calls the same functions to predict, for a viewer, which actions the
page, the panel template, the native API and the original client's payloads offer. A door
never writes its own condition: a rule changed here changes everywhere.
"""

from __future__ import annotations

from datetime import datetime

from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys.errors import (
    Banned,
    DeadlinePassed,
    GroupOrderClosed,
    GroupOrderFull,
    HostCannotLeave,
    InvalidStatusChange,
    NoRegion,
    NotEditable,
    NotHost,
    NotMember,
    NotNeighbour,
)
from mealbuddy.groupbuys.models import GroupOrder

Status = GroupOrder.Status

# Allowed host moves. "closed" also covers an order whose deadline passed while the row
# still says recruiting (see GroupOrder.current_status).
TRANSITIONS: dict[str, set[str]] = {
    Status.RECRUITING: {Status.CLOSED, Status.CANCELLED},
    Status.CLOSED: {Status.RECRUITING, Status.ORDERED, Status.CANCELLED},
    Status.ORDERED: {Status.DELIVERED},
    Status.DELIVERED: set(),
    Status.CANCELLED: set(),
}


def is_neighbour(*, group_order: GroupOrder, user) -> bool:
    """Whether ``user`` lives in the order's neighbourhood or one bordering it."""
    from mealbuddy.regions.selectors import region_neighbour_ids

    region_id = getattr(user, "region_id", None)
    if region_id is None:
        return False
    return region_id == group_order.region_id or region_id in region_neighbour_ids(
        region=group_order.region
    )


def _host(group_order: GroupOrder, user_id) -> ApplicationError | None:
    return None if group_order.host_id == user_id else NotHost()


def join_refusal(
    group_order: GroupOrder, *, user, is_banned: bool, now: datetime
) -> ApplicationError | None:
    """Why ``user`` (not yet a member) may not join now. Checked in this order: a ban, no
    neighbourhood set, a neighbourhood too far, then the order's own state."""
    if is_banned:
        return Banned()
    if getattr(user, "region_id", None) is None:
        return NoRegion()
    if not is_neighbour(group_order=group_order, user=user):
        return NotNeighbour()
    if group_order.status != Status.RECRUITING:
        if group_order.status == Status.CLOSED and group_order.closed_reason == "full":
            return GroupOrderFull()
        return GroupOrderClosed()
    if group_order.deadline <= now:
        return DeadlinePassed()
    if group_order.member_count >= group_order.target_count:
        return GroupOrderFull()
    return None


def leave_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    """Why a member may not leave: the host cancels instead; nobody leaves a placed order."""
    if group_order.host_id == user_id:
        return HostCannotLeave()
    if group_order.status == Status.ORDERED:
        return NotEditable("주문이 진행 중이라 지금은 나갈 수 없습니다.")
    return None


def edit_refusal(group_order: GroupOrder, *, user_id, now: datetime) -> ApplicationError | None:
    """Details change only by the host, until the order is placed."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if group_order.current_status(now) not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문이 완료된 뒤에는 상태 말고는 바꿀 수 없습니다.")
    return None


def delete_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    return _host(group_order, user_id)


def ban_refusal(group_order: GroupOrder, *, user_id, now: datetime) -> ApplicationError | None:
    """The host removes members only until the order is placed."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if group_order.current_status(now) not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문이 완료된 뒤에는 내보낼 수 없습니다.")
    return None


def items_refusal(
    group_order: GroupOrder, *, is_member: bool, now: datetime
) -> ApplicationError | None:
    """A member writes their own lines until the order is placed."""
    if not is_member:
        return NotMember("참여한 사람만 메뉴를 적을 수 있습니다.")
    if group_order.current_status(now) not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문이 완료된 뒤에는 메뉴를 바꿀 수 없습니다.")
    return None


def status_change_refusal(
    group_order: GroupOrder, *, user_id, status: str, now: datetime
) -> ApplicationError | None:
    """Why the host may not move the order to ``status`` now (``None`` also when it is
    already there: the move is then a no-op)."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if status not in Status.values:
        return InvalidStatusChange("알 수 없는 상태입니다.", field="status")
    current = group_order.current_status(now)
    if status == current:
        return None
    if status not in TRANSITIONS[current]:
        return InvalidStatusChange(_transition_refusal(current, status), field="status")
    if status == Status.RECRUITING:
        if group_order.deadline <= now:
            return InvalidStatusChange(
                "마감 시각이 지나 다시 모집할 수 없습니다. 마감 시각을 늦춰 주세요.",
                field="status",
            )
        if group_order.member_count >= group_order.target_count:
            return InvalidStatusChange(
                "자리가 없어 다시 모집할 수 없습니다. 모집 인원을 늘려 주세요.", field="status"
            )
    return None


def _transition_refusal(current: str, wanted: str) -> str:
    if current == Status.CANCELLED:
        return "취소된 주문은 상태를 바꿀 수 없습니다."
    if current == Status.DELIVERED:
        return "배달이 끝난 주문은 상태를 바꿀 수 없습니다."
    if wanted == Status.ORDERED:
        return "먼저 모집을 마감한 뒤에 주문 완료로 바꿀 수 있습니다."
    if wanted == Status.DELIVERED:
        return "주문 완료 뒤에만 배달 완료로 바꿀 수 있습니다."
    if wanted == Status.CANCELLED:
        return "주문한 뒤에는 취소할 수 없습니다."
    if wanted in (Status.RECRUITING, Status.CLOSED):
        return "주문한 뒤에는 모집 상태를 바꿀 수 없습니다."
    return "바꿀 수 없는 상태입니다."
