"""Who may do what on a group order: each rule written once.

Every function here answers one question about one action with the refusal it would raise
(an ``ApplicationError`` with its Korean message and code) or ``None`` when it is allowed.
The services raise what these return (they enforce, on the locked row); the selector
``group_order_actions`` calls the same functions to predict, for a viewer, which actions the
page, the panel template, the native API and the original client's payloads offer. A door
never writes its own condition: a rule changed here changes everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys.errors import (
    Banned,
    DeadlinePassed,
    GroupOrderClosed,
    GroupOrderFull,
    HostCannotLeave,
    InvalidStatusChange,
    MoneyActionRefused,
    NoRegion,
    NotEditable,
    NotHost,
    NotMember,
    NotNeighbour,
    NotVerified,
)
from mealbuddy.groupbuys.models import DepositState, GroupOrder

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
    neighbourhood set, a neighbourhood too far, an unverified 동 on a "동네인증한 이웃만"
    order, then the order's own state."""
    if is_banned:
        return Banned()
    if getattr(user, "region_id", None) is None:
        return NoRegion()
    if not is_neighbour(group_order=group_order, user=user):
        return NotNeighbour()
    if (refusal := verified_only_refusal(group_order, user=user)) is not None:
        return refusal
    if group_order.status != Status.RECRUITING:
        if group_order.status == Status.CLOSED and group_order.closed_reason == "full":
            return GroupOrderFull()
        return GroupOrderClosed()
    if group_order.deadline <= now:
        return DeadlinePassed()
    if group_order.member_count >= group_order.target_count:
        return GroupOrderFull()
    return None


def verified_only_refusal(group_order: GroupOrder, *, user) -> ApplicationError | None:
    """An order marked "동네인증한 이웃만" takes only people whose 동 is verified now (the
    one rule: ``trust.selectors.region_verified``). The host is already a member."""
    from mealbuddy.trust.selectors import region_verified

    if not group_order.verified_only or group_order.host_id == getattr(user, "pk", None):
        return None
    if region_verified(user=user):
        return None
    return NotVerified()


def leave_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    """Why a member may not leave: the host cancels instead; nobody leaves a placed order
    (their share is already part of what the host paid the restaurant)."""
    if group_order.host_id == user_id:
        return HostCannotLeave()
    if group_order.status == Status.ORDERED:
        return NotEditable("이미 주문한 뒤라 나갈 수 없어요. 음식을 받고 정산을 마쳐 주세요.")
    if group_order.status == Status.DELIVERED and group_order.is_prepaid:
        # The member's payment record stays with the order.
        return NotEditable("앱에서 결제한 주문은 배달이 끝난 뒤에도 기록으로 남아요.")
    return None


def edit_refusal(group_order: GroupOrder, *, user_id, now: datetime) -> ApplicationError | None:
    """Details change only by the host, until the order is placed."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if group_order.current_status(now) not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문이 완료된 뒤에는 상태 말고는 바꿀 수 없어요.")
    return None


def delete_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    """The host deletes an order, except a prepaid one already paid for (its ledger and
    handoff must stay)."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if group_order.is_prepaid and group_order.status in (Status.ORDERED, Status.DELIVERED):
        return NotEditable("앱에서 결제한 주문은 주문 뒤에 지울 수 없어요.")
    return None


def ban_refusal(group_order: GroupOrder, *, user_id, now: datetime) -> ApplicationError | None:
    """The host removes members only until the order is placed."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if group_order.current_status(now) not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문이 완료된 뒤에는 내보낼 수 없어요.")
    return None


def items_refusal(
    group_order: GroupOrder, *, is_member: bool, now: datetime
) -> ApplicationError | None:
    """A member writes their own lines until the order is placed."""
    if not is_member:
        return NotMember("참여한 사람만 메뉴를 적을 수 있어요.")
    if group_order.current_status(now) not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문이 완료된 뒤에는 메뉴를 바꿀 수 없어요.")
    return None


def status_change_refusal(
    group_order: GroupOrder, *, user_id, status: str, now: datetime, items_total: int | None = None
) -> ApplicationError | None:
    """Why the host may not move the order to ``status`` now (``None`` also when it is
    already there: the move is then a no-op).

    A prepaid order is placed only once its items reach the minimum order amount
    (``items_total``, the sum of every member's items; required for that check), and it
    becomes delivered by the handoff (everyone's "받았어요"), not by the host alone."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if status not in Status.values:
        return InvalidStatusChange("알 수 없는 상태예요.", field="status")
    current = group_order.current_status(now)
    if status == current:
        return None
    if status not in TRANSITIONS[current]:
        return InvalidStatusChange(_transition_refusal(current, status), field="status")
    if status == Status.RECRUITING:
        if group_order.deadline <= now:
            return InvalidStatusChange(
                "마감 시각이 지나 다시 모집할 수 없어요. 마감 시각을 늦춰 주세요.",
                field="status",
            )
        if group_order.member_count >= group_order.target_count:
            return InvalidStatusChange(
                "자리가 없어 다시 모집할 수 없어요. 모집 인원을 늘려 주세요.", field="status"
            )
    if group_order.is_prepaid and status == Status.ORDERED:
        if items_total is None:
            raise TypeError("items_total is needed to place a prepaid order")
        if items_total < group_order.min_order_amount:
            missing = group_order.min_order_amount - items_total
            return InvalidStatusChange(
                f"최소주문금액까지 {missing:,}원이 남았어요. 채운 뒤에 주문할 수 있어요.",
                field="status",
            )
    if group_order.is_prepaid and status == Status.DELIVERED:
        return InvalidStatusChange(
            "앱에서 결제한 주문은 모두 '받았어요'를 누르면 배달 완료돼요.", field="status"
        )
    return None


def _transition_refusal(current: str, wanted: str) -> str:
    if current == Status.CANCELLED:
        return "취소된 주문은 상태를 바꿀 수 없어요."
    if current == Status.DELIVERED:
        return "배달이 끝난 주문은 상태를 바꿀 수 없어요."
    if wanted == Status.ORDERED:
        return "먼저 모집을 마감한 뒤에 주문 완료로 바꿀 수 있어요."
    if wanted == Status.DELIVERED:
        return "주문 완료 뒤에만 배달 완료로 바꿀 수 있어요."
    if wanted == Status.CANCELLED:
        return "주문한 뒤에는 취소할 수 없어요."
    if wanted in (Status.RECRUITING, Status.CLOSED):
        return "주문한 뒤에는 모집 상태를 바꿀 수 없어요."
    return "바꿀 수 없는 상태예요."


# --- money: prepaid shares, settlement and handoff (issue 10) -------------------------------
# ``member`` below is the viewer's or the target's Participation (or None); each function
# names the one step it guards.


def _refused(message: str) -> MoneyActionRefused:
    return MoneyActionRefused(message)


def payment_change_refusal(group_order: GroupOrder, *, changing: bool) -> ApplicationError | None:
    """The payment method and the deposit are fixed once someone besides the host joined:
    people joined on those terms (and may hold money under them)."""
    if changing and group_order.member_count > 1:
        return NotEditable(
            "참여한 사람이 있어 결제 방식과 보증금은 바꿀 수 없어요.", field="payment"
        )
    return None


def fee_change_refusal(
    group_order: GroupOrder, *, delivery_fee: int, fee_split: str
) -> ApplicationError | None:
    """On a prepaid order others joined, a member's share may only fall: the fee cannot go
    up and the way it is split cannot change (holds were taken on those terms)."""
    if not group_order.is_prepaid or group_order.member_count <= 1:
        return None
    if delivery_fee > group_order.delivery_fee:
        return NotEditable(
            "앱에서 결제하는 주문에 참여한 사람이 있어 배달비를 올릴 수 없어요.",
            field="delivery_fee",
        )
    if fee_split != group_order.fee_split:
        return NotEditable(
            "앱에서 결제하는 주문에 참여한 사람이 있어 배달비 나누는 방법을 바꿀 수 없어요.",
            field="fee_split",
        )
    return None


def cap_refusal(group_order: GroupOrder, *, member) -> ApplicationError | None:
    """A member sets their spending cap (and points preference) until the order is placed."""
    if member is None:
        return NotMember("참여한 사람만 정할 수 있어요.")
    if group_order.status not in (Status.RECRUITING, Status.CLOSED):
        return NotEditable("주문한 뒤에는 바꿀 수 없어요.")
    return None


def arrived_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    """The host says the food is at the pickup spot, once, after placing the order."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if group_order.status != Status.ORDERED:
        return _refused("주문한 뒤에 '도착했어요'를 누를 수 있어요.")
    if group_order.arrived_at is not None:
        return _refused("이미 도착을 알렸어요.")
    return None


def received_refusal(group_order: GroupOrder, *, user_id, member) -> ApplicationError | None:
    """A member (not the host) confirms they have their food, once."""
    if member is None:
        return NotMember()
    if group_order.host_id == user_id:
        return _refused("방장은 '받았어요'를 누르지 않아요.")
    if group_order.status != Status.ORDERED:
        return _refused("주문한 뒤에 '받았어요'를 누를 수 있어요.")
    if member.received_at is not None:
        return _refused("이미 받았다고 알렸어요.")
    if member.deposit_state in (DepositState.NOSHOW, DepositState.DISPUTED):
        return _refused("방장이 노쇼로 신고했어요. 받으셨다면 '이의 제기'를 해 주세요.")
    return None


def noshow_refusal(
    group_order: GroupOrder, *, user_id, member, now: datetime
) -> ApplicationError | None:
    """The host reports a member who has not picked up, some time after "도착했어요"."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if member is None or member.user_id == group_order.host_id:
        return NotMember("이 주문의 멤버가 아니에요.", field="target_user_id")
    if group_order.status != Status.ORDERED or group_order.arrived_at is None:
        return _refused("'도착했어요'를 누른 뒤에 노쇼를 알릴 수 있어요.")
    if member.received_at is not None:
        return _refused("이미 음식을 받은 멤버예요.")
    if member.deposit_state in (DepositState.NOSHOW, DepositState.DISPUTED):
        return _refused("이미 노쇼로 신고했어요.")
    if member.deposit_state in (DepositState.FORFEITED, DepositState.RETURNED):
        # Decided already (the deposit went to the host or back): a second report would
        # reopen a deposit that is no longer in escrow.
        return _refused("이미 노쇼로 처리된 멤버예요.")
    wait = timedelta(minutes=settings.GROUPBUYS_NOSHOW_AFTER_MINUTES)
    if now < group_order.arrived_at + wait:
        minutes = settings.GROUPBUYS_NOSHOW_AFTER_MINUTES
        return _refused(f"도착을 알리고 {minutes}분이 지나야 노쇼로 신고할 수 있어요.")
    return None


def dispute_refusal(group_order: GroupOrder, *, user_id, member) -> ApplicationError | None:
    """Either side freezes a no-show deposit for staff: the member against a no-show
    report, the host against a member who has not confirmed pickup."""
    is_host = group_order.host_id == user_id
    if member is None:
        # The host named someone who is not a member: an input error on that field.
        return NotMember(field="target_user_id") if is_host else NotMember()
    if not is_host and member.user_id != user_id:
        return NotMember()
    if group_order.status != Status.ORDERED:
        return _refused("주문이 진행 중일 때만 이의를 제기할 수 있어요.")
    if member.deposit_held == 0:
        return _refused("보증금이 없는 주문이에요.")
    if member.deposit_state == DepositState.DISPUTED:
        return _refused("이미 이의를 제기했어요. 운영팀이 확인하고 있어요.")
    if is_host and member.deposit_state != DepositState.HELD:
        return _refused("지금은 이의를 제기할 수 없어요.")
    if not is_host and member.deposit_state != DepositState.NOSHOW:
        return _refused("노쇼로 신고된 경우에만 이의를 제기할 수 있어요.")
    if is_host and group_order.arrived_at is None:
        return _refused("'도착했어요'를 누른 뒤에 이의를 제기할 수 있어요.")
    return None


def _settling(group_order: GroupOrder) -> bool:
    return group_order.status in (Status.ORDERED, Status.DELIVERED)


def sent_refusal(group_order: GroupOrder, *, user_id, member) -> ApplicationError | None:
    """A member of a "직접 정산" order says they have sent their share."""
    if member is None:
        return NotMember()
    if group_order.host_id == user_id:
        return _refused("방장은 송금하지 않아요.")
    if group_order.is_prepaid:
        return _refused("앱에서 결제한 주문이에요.")
    if not _settling(group_order):
        return _refused("주문한 뒤에 정산해요.")
    if member.paid_at is not None:
        return _refused("방장이 이미 입금을 확인했어요.")
    return None


def paid_refusal(group_order: GroupOrder, *, user_id, member) -> ApplicationError | None:
    """The host ticks (or unticks) "입금 확인" for a member of a "직접 정산" order."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if member is None or member.user_id == group_order.host_id:
        return NotMember("이 주문의 멤버가 아니에요.", field="target_user_id")
    if group_order.is_prepaid:
        return _refused("앱에서 결제한 주문은 자동으로 정산돼요.")
    if not _settling(group_order):
        return _refused("주문한 뒤에 정산해요.")
    return None


def settle_host_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    """Host-only settlement steps after placing: the receipt photo, a reminder."""
    if (refusal := _host(group_order, user_id)) is not None:
        return refusal
    if not _settling(group_order):
        return _refused("주문한 뒤에 할 수 있어요.")
    return None


def remind_refusal(group_order: GroupOrder, *, user_id) -> ApplicationError | None:
    """The host reminds unpaid members of a "직접 정산" order."""
    if (refusal := settle_host_refusal(group_order, user_id=user_id)) is not None:
        return refusal
    if group_order.is_prepaid:
        return _refused("앱에서 결제한 주문은 정산이 끝났어요.")
    return None


# --- sanctions (issue 12) -------------------------------------------------------------------


def restriction_refusal(*, user, now: datetime) -> ApplicationError | None:
    """A suspended or banned viewer may not join, add items or edit: the trust layer's own
    answer (``trust.selectors``, which the services also raise), read from the standing
    loaded with the user (no query for a signed-in request)."""
    from mealbuddy.trust.errors import AccountRestricted
    from mealbuddy.trust.selectors import restriction_active, restriction_message, standing_of

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    standing = standing_of(user)
    if restriction_active(standing=standing, now=now):
        return AccountRestricted(restriction_message(standing=standing))


# --- 차단 · 숨김 (issue 12, block/report part) ----------------------------------------------

BLOCKED_JOIN = "차단했거나 나를 차단한 이웃의 모집에는 참여할 수 없어요."


def block_refusal(group_order: GroupOrder, *, user) -> ApplicationError | None:
    """Why ``user`` may not join this order for trust reasons: a moderator hid it (gone, as
    for a missing order), or the host and ``user`` blocked each other, either way (one
    query: ``trust.selectors.block_check``)."""
    from mealbuddy.core.errors import NotFound
    from mealbuddy.trust.errors import Blocked
    from mealbuddy.trust.selectors import block_check

    if group_order.hidden_at is not None:
        return NotFound("주문을 찾을 수 없어요.")
    try:
        block_check(user_id=user.pk, other_id=group_order.host_id, message=BLOCKED_JOIN)
    except Blocked as exc:
        return exc
    return None
