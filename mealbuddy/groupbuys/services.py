"""Group-order writes: create, edit, join, leave, ban, status moves, items.

Every function is keyword-only and runs in one transaction. The group-order row is locked
(``select_for_update``; on SQLite the IMMEDIATE transaction already serialises writers)
before anything that reads and then changes ``member_count`` or ``status``, and the count
itself only moves through a conditional ``UPDATE`` as a second guard, so a headcount never
passes its target however many people press "참여하기" at once.

Chat system messages, socket closes and notifications are created inside the same
transaction; the chat and notification services broadcast them only after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from mealbuddy.chat import services as chat_services
from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.core.realtime import group_order_changed
from mealbuddy.groupbuys import money
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.errors import (
    GroupOrderFull,
    GroupOrderValidationError,
    HostCannotLeave,
    NoRegion,
    NotMember,
    SpendingCapExceeded,
)
from mealbuddy.groupbuys.models import (
    CATEGORIES,
    MAX_NOSHOW_DEPOSIT,
    MAX_TARGET,
    MIN_TARGET,
    Ban,
    DepositState,
    GroupOrder,
    OrderItem,
    Participation,
    past_deadline_q,
    recruiting_q,
)
from mealbuddy.groupbuys.rules import (
    ban_refusal,
    block_refusal,
    cap_refusal,
    delete_refusal,
    edit_refusal,
    fee_change_refusal,
    items_refusal,
    join_refusal,
    leave_refusal,
    payment_change_refusal,
    status_change_refusal,
)
from mealbuddy.groupbuys.selectors import fee_breakdown
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_create, notifications_send
from mealbuddy.trust.selectors import restriction_check

Status = GroupOrder.Status

DEFAULT_DEADLINE = timedelta(hours=1)
MIN_DEADLINE = timedelta(minutes=10)
MAX_DEADLINE = timedelta(hours=24)
MAX_WON = 10_000_000
MAX_QUANTITY = 99

STATUS_MESSAGES = {
    Status.RECRUITING: "모집이 다시 시작됐어요.",
    Status.CLOSED: "모집이 마감됐어요.",
    Status.ORDERED: "주문이 완료됐어요.",
    Status.DELIVERED: "배달이 완료됐어요.",
    Status.CANCELLED: "주문이 취소됐어요.",
}

EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "restaurant",
    "min_order_amount",
    "delivery_fee",
    "target_count",
    "deadline",
    "pickup_spot",
    "fee_split",
    "payment",
    "noshow_deposit",
    "settle_account",
    "verified_only",
)


def detail_url(group_order_id: int) -> str:
    return f"/groupbuys/{group_order_id}/"


def _room(group_order: GroupOrder) -> ChatRoom:
    return ChatRoom.objects.get(group_order_id=group_order.pk)


# --- validation ----------------------------------------------------------------------------


def _won(value, field: str, label: str, errors: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(field, []).append(f"{label}은(는) 숫자로 입력해 주세요.")
        return None
    if value < 0:
        errors.setdefault(field, []).append(f"{label}은(는) 0원 이상이어야 해요.")
    elif value > MAX_WON:
        errors.setdefault(field, []).append(f"{label}은(는) {MAX_WON:,}원 이하여야 해요.")
    return value


def _clean(data: dict, *, current: GroupOrder | None, now: datetime) -> dict:
    """Check the group-order fields present in ``data``; raise every problem at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            fail("title", "제목을 입력해 주세요.")
        elif len(title) > 30:
            fail("title", "제목은 30자 이내로 입력해 주세요.")
        cleaned["title"] = title
    if "description" in data:
        description = (data["description"] or "").strip()
        if len(description) > 2000:
            fail("description", "내용은 2000자 이내로 입력해 주세요.")
        cleaned["description"] = description
    if "category" in data:
        if data["category"] not in CATEGORIES:
            fail("category", "카테고리를 목록에서 골라 주세요.")
        cleaned["category"] = data["category"]
    for field, limit, label in (("restaurant", 50, "가게 이름"), ("pickup_spot", 100, "수령 장소")):
        if field in data:
            value = (data[field] or "").strip()
            if len(value) > limit:
                fail(field, f"{label}은(는) {limit}자 이내로 입력해 주세요.")
            cleaned[field] = value
    if "min_order_amount" in data:
        cleaned["min_order_amount"] = _won(
            data["min_order_amount"], "min_order_amount", "최소주문금액", errors
        )
    if "delivery_fee" in data:
        cleaned["delivery_fee"] = _won(data["delivery_fee"], "delivery_fee", "배달비", errors)
    if "target_count" in data:
        target = data["target_count"]
        if isinstance(target, bool) or not isinstance(target, int):
            fail("target_count", "모집 인원은 숫자로 입력해 주세요.")
        elif not MIN_TARGET <= target <= MAX_TARGET:
            fail("target_count", f"모집 인원은 {MIN_TARGET}~{MAX_TARGET}명이어야 해요.")
        elif current is not None and target < current.member_count:
            fail(
                "target_count",
                f"이미 {current.member_count}명이 참여했어요. 그보다 적게 줄일 수 없어요.",
            )
        cleaned["target_count"] = target
    if "deadline" in data:
        deadline = data["deadline"]
        if not isinstance(deadline, datetime):
            fail("deadline", "마감 시각을 입력해 주세요.")
        else:
            if timezone.is_naive(deadline):
                deadline = timezone.make_aware(deadline)
            unchanged = current is not None and deadline == current.deadline
            if not unchanged and not (now + MIN_DEADLINE <= deadline <= now + MAX_DEADLINE):
                fail("deadline", "마감 시각은 지금부터 10분 뒤 ~ 24시간 안으로 정해 주세요.")
        cleaned["deadline"] = deadline
    if "fee_split" in data:
        if data["fee_split"] not in GroupOrder.FeeSplit.values:
            fail("fee_split", "배달비 나누는 방법을 골라 주세요.")
        cleaned["fee_split"] = data["fee_split"]
    if "payment" in data:
        if data["payment"] not in GroupOrder.Payment.values:
            fail("payment", "결제 방식을 골라 주세요.")
        cleaned["payment"] = data["payment"]
    if "noshow_deposit" in data:
        deposit = data["noshow_deposit"]
        if isinstance(deposit, bool) or not isinstance(deposit, int):
            fail("noshow_deposit", "노쇼 보증금은 숫자로 입력해 주세요.")
        elif not 0 <= deposit <= MAX_NOSHOW_DEPOSIT:
            fail("noshow_deposit", f"노쇼 보증금은 0~{MAX_NOSHOW_DEPOSIT:,}원으로 정해 주세요.")
        else:
            payment = cleaned.get("payment", getattr(current, "payment", None))
            if deposit and payment != GroupOrder.Payment.PREPAID:
                fail("noshow_deposit", "노쇼 보증금은 '앱에서 결제' 주문에만 받을 수 있어요.")
        cleaned["noshow_deposit"] = deposit
    if "settle_account" in data:
        account = (data["settle_account"] or "").strip()
        if len(account) > 100:
            fail("settle_account", "정산 받을 계좌는 100자 이내로 입력해 주세요.")
        cleaned["settle_account"] = account
    if "verified_only" in data:
        # "동네인증한 이웃만": who may join (rules.verified_only_refusal); members stay.
        if not isinstance(data["verified_only"], bool):
            fail("verified_only", "동네인증한 이웃만 받을지 골라 주세요.")
        cleaned["verified_only"] = bool(data["verified_only"])
    if current is not None:
        changing = any(
            name in cleaned and cleaned[name] != getattr(current, name)
            for name in ("payment", "noshow_deposit")
        )
        if (refusal := payment_change_refusal(current, changing=changing)) is not None:
            fail(refusal.field or "payment", refusal.message)
        refusal = fee_change_refusal(
            current,
            delivery_fee=cleaned.get("delivery_fee") or current.delivery_fee,
            fee_split=cleaned.get("fee_split", current.fee_split),
        )
        if refusal is not None and refusal.field not in errors:
            fail(refusal.field, refusal.message)
    if errors:
        raise GroupOrderValidationError(errors)
    return cleaned


# --- create, update, delete ------------------------------------------------------------------


@transaction.atomic
def groupbuy_create(
    *,
    host,
    title: str,
    category: str,
    target_count: int,
    description: str = "",
    restaurant: str = "",
    min_order_amount: int = 0,
    delivery_fee: int = 0,
    deadline: datetime | None = None,
    pickup_spot: str = "",
    fee_split: str = GroupOrder.FeeSplit.EQUAL,
    payment: str = GroupOrder.Payment.DIRECT,
    noshow_deposit: int = 0,
    settle_account: str = "",
    verified_only: bool = False,
) -> GroupOrder:
    """Post a group order in ``host``'s neighbourhood; returns it with its chat room made.

    The host becomes the first member (``member_count`` 1). ``deadline`` defaults to one
    hour ahead and must be 10 minutes – 24 hours ahead. ``payment`` "prepaid" (앱에서 결제)
    holds members' shares in escrow, with an optional ``noshow_deposit`` (0–5,000 won);
    "direct" (직접 정산) leaves paying to bank transfers to ``settle_account``. Raises
    ``GroupOrderValidationError`` (400, ``as_errors()`` maps model field names to Korean
    messages) and ``NoRegion`` if the host has no neighbourhood yet.
    """
    restriction_check(user=host)
    now = timezone.now()
    if getattr(host, "region_id", None) is None:
        raise NoRegion(field="region")
    cleaned = _clean(
        {
            "title": title,
            "description": description,
            "category": category,
            "restaurant": restaurant,
            "min_order_amount": min_order_amount,
            "delivery_fee": delivery_fee,
            "target_count": target_count,
            "deadline": deadline or now + DEFAULT_DEADLINE,
            "pickup_spot": pickup_spot,
            "fee_split": fee_split,
            "payment": payment,
            "noshow_deposit": noshow_deposit,
            "settle_account": settle_account,
            "verified_only": verified_only,
        },
        current=None,
        now=now,
    )
    group_order = GroupOrder.objects.create(
        host=host,
        region_id=host.region_id,
        lat=host.lat,
        lon=host.lon,
        member_count=1,
        **cleaned,
    )
    Participation.objects.create(group_order=group_order, user=host)
    chat_services.room_create(group_order=group_order)
    _order_opened(group_order.pk)
    return group_order


def _order_opened(group_order_id: int) -> None:
    """Saved alerts (issue 14) hear of an order that opens once it is committed; their job
    matches any it missed within a minute."""
    from mealbuddy.alerts.tasks import match_order

    transaction.on_commit(lambda: match_order.enqueue(group_order_id=group_order_id))


@transaction.atomic
def groupbuy_update(*, group_order_id: int, user, **fields) -> GroupOrder:
    """Change any of the editable fields (host only); returns the saved order.

    Accepts ``title, description, category, restaurant, min_order_amount, delivery_fee,
    target_count, deadline, pickup_spot, fee_split, payment, noshow_deposit, settle_account,
    verified_only``
    (others raise TypeError; payment and deposit only while nobody else joined). Refused with
    ``NotEditable`` once ordered, delivered or cancelled; the target cannot go below the
    current headcount. Raising the target of an order closed for being full reopens it
    (while its deadline has not passed); lowering it to the headcount closes it.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    restriction_check(user=user)
    now = timezone.now()
    group_order = access_group_order(user=user, id=group_order_id, lock=True, require_host=True)
    if (refusal := edit_refusal(group_order, user_id=user.pk, now=now)) is not None:
        raise refusal
    cleaned = _clean(fields, current=group_order, now=now)
    for name, value in cleaned.items():
        setattr(group_order, name, value)
    status_before = group_order.status
    if group_order.status == Status.CLOSED and group_order.closed_reason == "full":
        if group_order.member_count < group_order.target_count and group_order.deadline > now:
            group_order.status = Status.RECRUITING
            group_order.closed_reason = ""
    elif group_order.status == Status.RECRUITING and (
        group_order.member_count >= group_order.target_count
    ):
        group_order.status = Status.CLOSED
        group_order.closed_reason = "full"
    if group_order.status != status_before:
        group_order.status_changed_at = now
        chat_services.system_message_post(
            room=_room(group_order),
            kind=Message.Kind.STATUS,
            text=STATUS_MESSAGES[group_order.status],
            actor_id=user.pk,
        )
    group_order.save()
    group_order_changed(group_order.pk)
    return group_order


@transaction.atomic
def groupbuy_delete(*, group_order_id: int, user) -> None:
    """Delete the order, its room and everything in it (host only; raises ``NotHost``).

    Other members get a CANCELLED notification; every socket of the room is closed with
    code 4040 after commit.
    """
    group_order = access_group_order(user=user, id=group_order_id, lock=True, require_host=True)
    if (refusal := delete_refusal(group_order, user_id=user.pk)) is not None:
        raise refusal
    _refund_all(group_order, why="모집글이 삭제되어")
    others = [
        p.user for p in group_order.participations.select_related("user").exclude(user_id=user.pk)
    ]
    room = ChatRoom.objects.filter(group_order_id=group_order.pk).first()
    if room is not None:
        chat_services.room_sockets_close_deleted(room_id=room.pk)
    notifications_send(
        users=others,
        kind=Notification.Kind.CANCELLED,
        text=f"'{group_order.title}' 모집글이 삭제됐어요.",
    )
    group_order_changed(group_order.pk)
    group_order.delete()


# --- join, leave, ban ------------------------------------------------------------------------


@transaction.atomic
def groupbuy_join(*, group_order_id: int, user, use_points: bool = False) -> Participation:
    """Make ``user`` a member; returns the Participation.

    On a prepaid order ("앱에서 결제") the join also holds the member's share at the new
    headcount (their fee share, no items yet) plus the no-show deposit, taking points first
    when ``use_points``; short of money it raises ``ShareNotCovered`` (400, code
    ``insufficient_funds``, with ``missing`` and a ``topup_url``) and nobody joined.

    Joining again (or the host "joining") is a no-op returning the existing participation.
    Refusals, all ``JoinRefused`` subclasses with a Korean ``message``: ``GroupOrderFull``
    (409, code ``full``), ``GroupOrderClosed`` (409, ``closed``: closed by the host,
    ordered, delivered or cancelled), ``DeadlinePassed`` (409, ``deadline_passed``),
    ``Banned`` (403, ``banned``), ``NotNeighbour`` (403, ``not_neighbour``: the order is
    neither in the user's neighbourhood nor a bordering one), ``NoRegion`` (400,
    ``no_region``); first of all ``rules.block_refusal``: ``Blocked`` (403, ``blocked``) when
    the host and the user blocked each other, ``NotFound`` for an order a moderator hid. The join that fills the last place closes recruitment (reason
    "full") and notifies every member (FILLED); the host gets JOINED; the room gets the
    "<name> 님이 입장했습니다." system message. A suspended or banned user gets
    ``AccountRestricted`` (403, ``account_restricted``).
    """
    restriction_check(user=user)
    now = timezone.now()
    group_order = access_group_order(user=user, id=group_order_id, lock=True)
    existing = Participation.objects.filter(group_order=group_order, user=user).first()
    if existing is not None:
        return existing
    refusal = block_refusal(group_order, user=user) or join_refusal(
        group_order,
        user=user,
        is_banned=Ban.objects.filter(group_order=group_order, user=user).exists(),
        now=now,
    )
    if refusal is not None:
        raise refusal
    # Second guard besides the row lock: the count moves only while there is room.
    updated = GroupOrder.objects.filter(
        recruiting_q(now), pk=group_order.pk, member_count__lt=F("target_count")
    ).update(member_count=F("member_count") + 1, updated_at=now)
    if updated != 1:
        raise GroupOrderFull()
    participation = Participation.objects.create(
        group_order=group_order, user=user, use_points=bool(use_points)
    )
    group_order.member_count += 1  # the conditional UPDATE above moved it, on the locked row
    if group_order.is_prepaid:
        participation.user = user
        breakdown = fee_breakdown(group_order)
        money.hold_sync(
            group_order=group_order,
            participation=participation,
            required=money.share_required(breakdown, participation),
            deposit=group_order.noshow_deposit,
        )
    room = _room(group_order)
    chat_services.system_message_post(
        room=room,
        kind=Message.Kind.JOIN,
        text=f"{user.display_name} 님이 입장했습니다.",
        user_id=user.pk,
        actor_id=user.pk,
    )
    notifications_create(
        users=[group_order.host],
        kind=Notification.Kind.JOINED,
        text=f"{user.display_name} 님이 '{group_order.title}'에 참여했어요.",
        group_order=group_order,
        url=detail_url(group_order.pk),
        actor_id=user.pk,
    )
    if group_order.member_count >= group_order.target_count:
        GroupOrder.objects.filter(pk=group_order.pk).update(
            status=Status.CLOSED, closed_reason="full", status_changed_at=now
        )
        chat_services.system_message_post(
            room=room,
            kind=Message.Kind.STATUS,
            text="모집 인원이 다 찼어요. 모집이 마감됐어요.",
            actor_id=user.pk,
        )
        notifications_send(
            users=_member_users(group_order),
            kind=Notification.Kind.FILLED,
            text=f"'{group_order.title}' 모집 인원이 다 찼어요.",
            group_order=group_order,
            url=detail_url(group_order.pk),
        )
    group_order_changed(group_order.pk)
    return participation


def _member_users(group_order: GroupOrder) -> list:
    return [
        p.user for p in Participation.objects.filter(group_order=group_order).select_related("user")
    ]


def _refund_notify(group_order: GroupOrder, refunded, *, why: str) -> None:
    for participation, amount in refunded:
        notifications_create(
            users=[participation.user],
            kind=Notification.Kind.MONEY,
            text=f"{why} '{group_order.title}'에 보관했던 {amount:,}원을 돌려드렸어요.",
            group_order=group_order,
            url="/wallet/",
        )


def _refund_all(group_order: GroupOrder, *, why: str) -> int:
    """Every member's escrow back (prepaid orders), each told; returns the members refunded."""
    if not group_order.is_prepaid:
        return 0
    refunded = money.order_refund(group_order=group_order)
    _refund_notify(group_order, refunded, why=why)
    return len(refunded)


def _remove_member(*, group_order: GroupOrder, participation: Participation, now, why: str) -> None:
    if group_order.is_prepaid:
        amount = money.member_refund(group_order=group_order, participation=participation)
        if amount:
            _refund_notify(group_order, [(participation, amount)], why=why)
    participation.delete()
    GroupOrder.objects.filter(pk=group_order.pk, member_count__gt=1).update(
        member_count=F("member_count") - 1, updated_at=now
    )
    # A place is free again: reopen only what closed for being full, before the deadline.
    if (
        group_order.status == Status.CLOSED
        and group_order.closed_reason == "full"
        and group_order.deadline > now
    ):
        GroupOrder.objects.filter(pk=group_order.pk).update(
            status=Status.RECRUITING, closed_reason="", status_changed_at=now
        )
    group_order.refresh_from_db(fields=["member_count", "status", "closed_reason"])


@transaction.atomic
def groupbuy_leave(*, group_order_id: int, user) -> bool:
    """Leave the order; returns True if ``user`` left, False if they were not a member.

    Leaving twice is harmless (the second call returns False). The host cannot leave
    (``HostCannotLeave``, 400): they cancel instead. Nobody leaves an order the host has
    marked ordered (``NotEditable``). Leaving frees the place (reopening recruitment if it
    closed only for being full and the deadline has not passed), deletes the member's
    items, posts "<name> 님이 퇴장했습니다." and closes their sockets in the room.
    """
    now = timezone.now()
    group_order = access_group_order(user=user, id=group_order_id, lock=True)
    if group_order.host_id == user.pk:
        raise HostCannotLeave()
    participation = Participation.objects.filter(group_order=group_order, user=user).first()
    if participation is None:
        return False
    if (refusal := leave_refusal(group_order, user_id=user.pk)) is not None:
        raise refusal
    participation.user = user
    _remove_member(
        group_order=group_order, participation=participation, now=now, why="주문에서 나가서"
    )
    room = _room(group_order)
    chat_services.system_message_post(
        room=room,
        kind=Message.Kind.LEAVE,
        text=f"{user.display_name} 님이 퇴장했습니다.",
        user_id=user.pk,
    )
    chat_services.member_sockets_close(room_id=room.pk, user_id=user.pk)
    group_order_changed(group_order.pk)
    return True


@transaction.atomic
def groupbuy_ban(*, group_order_id: int, host, target_user_id: int) -> None:
    """Remove a member for good (host only): they can never rejoin this order.

    Raises ``NotHost`` (403) for anyone but the host, ``ApplicationError`` (400) when the
    host bans themself, ``NotMember`` (400) when the target is neither a member nor
    already banned (banning twice is a no-op), ``NotEditable`` once the order is ordered.
    Posts "<name> 님이 내보내졌어요." (kind BAN), closes the target's sockets and sends
    them a BANNED notification.
    """
    from mealbuddy.core.errors import ApplicationError

    now = timezone.now()
    group_order = access_group_order(user=host, id=group_order_id, lock=True, require_host=True)
    try:
        target_id = int(target_user_id)
    except (TypeError, ValueError):
        raise NotMember("내보낼 사용자를 찾을 수 없어요.", field="target_user_id") from None
    if target_id == host.pk:
        raise ApplicationError(
            "방장은 자신을 내보낼 수 없어요.", code="invalid", field="target_user_id"
        )
    participation = (
        Participation.objects.filter(group_order=group_order, user_id=target_id)
        .select_related("user")
        .first()
    )
    if participation is None:
        if Ban.objects.filter(group_order=group_order, user_id=target_id).exists():
            return
        raise NotMember("이 주문에 참여 중인 사용자가 아니에요.", field="target_user_id")
    if (refusal := ban_refusal(group_order, user_id=host.pk, now=now)) is not None:
        raise refusal
    target = participation.user
    Ban.objects.get_or_create(group_order=group_order, user_id=target_id)
    _remove_member(
        group_order=group_order, participation=participation, now=now, why="방장이 내보내서"
    )
    room = _room(group_order)
    chat_services.system_message_post(
        room=room,
        kind=Message.Kind.BAN,
        text=f"{target.display_name} 님이 내보내졌어요.",
        user_id=target_id,
        actor_id=host.pk,
    )
    chat_services.member_sockets_close(room_id=room.pk, user_id=target_id)
    notifications_create(
        users=[target],
        kind=Notification.Kind.BANNED,
        text=f"'{group_order.title}' 주문에서 내보내졌어요.",
        group_order=group_order,
        url=detail_url(group_order.pk),
    )
    group_order_changed(group_order.pk)


# --- status ----------------------------------------------------------------------------------


def _status_notify(group_order: GroupOrder, status: str, *, by_deadline: bool = False) -> None:
    kind = {
        Status.CLOSED: Notification.Kind.CLOSED,
        Status.ORDERED: Notification.Kind.STATUS,
        Status.DELIVERED: Notification.Kind.STATUS,
        Status.CANCELLED: Notification.Kind.CANCELLED,
    }.get(status)
    if kind is None:
        return
    users = _member_users(group_order)
    if not by_deadline:
        users = [u for u in users if u.pk != group_order.host_id]
    text = {
        Status.CLOSED: "마감 시각이 되어 모집이 마감됐어요."
        if by_deadline
        else "모집이 마감됐어요.",
        Status.ORDERED: "방장이 주문을 완료했어요.",
        Status.DELIVERED: "배달이 완료됐어요.",
        Status.CANCELLED: "주문이 취소됐어요.",
    }[status]
    notifications_send(
        users=users,
        kind=kind,
        text=f"'{group_order.title}' {text}",
        group_order=group_order,
        url=detail_url(group_order.pk),
    )


@transaction.atomic
def groupbuy_status_change(*, group_order_id: int, user, status: str) -> GroupOrder:
    """Move the order to ``status`` (host only); returns the saved order.

    Allowed: recruiting → closed | cancelled; closed → recruiting (reopen, see
    ``groupbuy_reopen``) | ordered | cancelled; ordered → delivered. An order past its
    deadline counts as closed. Anything else raises ``InvalidStatusChange`` (400, code
    ``invalid_status``) with a Korean reason; non-hosts get ``NotHost`` (403). Posts a
    STATUS system message and notifies the other members (CLOSED, STATUS or CANCELLED).
    """
    now = timezone.now()
    group_order = access_group_order(user=user, id=group_order_id, lock=True, require_host=True)
    breakdown = None
    if group_order.is_prepaid and status == Status.ORDERED:
        breakdown = fee_breakdown(group_order)
    refusal = status_change_refusal(
        group_order,
        user_id=user.pk,
        status=status,
        now=now,
        items_total=breakdown.items_total if breakdown is not None else None,
    )
    if refusal is not None:
        raise refusal
    current = group_order.current_status(now)
    if status == current:
        return group_order
    if status == Status.ORDERED:
        group_order.ordered_at = now
        if breakdown is not None:
            money.order_capture(group_order=group_order, breakdown=breakdown)
    elif status == Status.CANCELLED:
        _refund_all(group_order, why="주문이 취소되어")
    if status == Status.CLOSED:
        group_order.closed_reason = "host"
    elif status == Status.RECRUITING:
        group_order.closed_reason = ""
    elif current == Status.CLOSED and group_order.status == Status.RECRUITING:
        group_order.closed_reason = "deadline"
    group_order.status = status
    group_order.status_changed_at = now
    group_order.save(
        update_fields=["status", "closed_reason", "status_changed_at", "ordered_at", "updated_at"]
    )
    room = _room(group_order)
    chat_services.system_message_post(
        room=room, kind=Message.Kind.STATUS, text=STATUS_MESSAGES[status], actor_id=user.pk
    )
    if status == Status.ORDERED:
        _settlement_announce(group_order, room=room, actor_id=user.pk)
    _status_notify(group_order, status)
    group_order_changed(group_order.pk)
    if status == Status.RECRUITING:
        _order_opened(group_order.pk)
    return group_order


def _settlement_announce(group_order: GroupOrder, *, room, actor_id: int) -> None:
    """At "주문완료" the room learns how to settle: paid already, or where to send money."""
    if group_order.is_prepaid:
        text = "앱에서 결제한 주문이에요. 각자 부담액이 방장에게 정산되었어요."
    elif group_order.settle_account:
        text = f"정산 계좌: {group_order.settle_account} (부담액은 주문 페이지의 정산에서 확인해 주세요)"
    else:
        text = "방장에게 부담액을 보내 주세요. 금액은 주문 페이지의 정산에서 확인할 수 있어요."
    chat_services.system_message_post(
        room=room, kind=Message.Kind.STATUS, text=text[:500], actor_id=actor_id
    )


def groupbuy_reopen(*, group_order_id: int, user) -> GroupOrder:
    """Reopen a closed order (host only) while it has room and its deadline has not passed.

    Same as ``groupbuy_status_change(status="recruiting")``; a recruiting order stays as is.
    """
    return groupbuy_status_change(
        group_order_id=group_order_id, user=user, status=Status.RECRUITING
    )


def groupbuy_close(*, group_order_id: int, user) -> GroupOrder:
    """Close recruitment (host only); a closed order stays as is."""
    return groupbuy_status_change(group_order_id=group_order_id, user=user, status=Status.CLOSED)


@transaction.atomic
def groupbuy_close_expired_one(*, group_order_id: int) -> bool:
    """Persist "closed (deadline)" for one order past its deadline; True if it changed."""
    now = timezone.now()
    group_order = GroupOrder.objects.select_for_update().filter(pk=group_order_id).first()
    if group_order is None or group_order.status != Status.RECRUITING:
        return False
    if group_order.deadline > now:
        return False
    group_order.status = Status.CLOSED
    group_order.closed_reason = "deadline"
    group_order.status_changed_at = now
    group_order.save(update_fields=["status", "closed_reason", "status_changed_at", "updated_at"])
    chat_services.system_message_post(
        room=_room(group_order),
        kind=Message.Kind.STATUS,
        text="마감 시각이 되어 모집이 마감됐어요.",
    )
    _status_notify(group_order, Status.CLOSED, by_deadline=True)
    group_order_changed(group_order.pk)
    return True


def groupbuys_close_expired() -> int:
    """Close every recruiting order whose deadline has passed; returns how many closed."""
    ids = list(
        GroupOrder.objects.filter(past_deadline_q(timezone.now())).values_list("pk", flat=True)
    )
    return sum(groupbuy_close_expired_one(group_order_id=pk) for pk in ids)


@transaction.atomic
def groupbuy_fail_one(*, group_order_id: int) -> bool:
    """Cancel one prepaid order that can no longer be placed and refund everyone; True if it
    was cancelled. Re-checked on the locked row: the deadline passed and either the items
    are short of the minimum order, or the host let ``GROUPBUYS_PLACE_GRACE_MINUTES`` pass
    without placing it."""
    now = timezone.now()
    group_order = GroupOrder.objects.select_for_update().filter(pk=group_order_id).first()
    if group_order is None or not group_order.is_prepaid or group_order.deadline > now:
        return False
    if group_order.status not in (Status.RECRUITING, Status.CLOSED):
        return False
    grace = timedelta(minutes=settings.GROUPBUYS_PLACE_GRACE_MINUTES)
    short = fee_breakdown(group_order).missing_amount > 0
    if not short and group_order.deadline + grace > now:
        return False
    group_order.status = Status.CANCELLED
    group_order.closed_reason = "deadline"
    group_order.status_changed_at = now
    group_order.save(update_fields=["status", "closed_reason", "status_changed_at", "updated_at"])
    text = (
        "마감 시각까지 최소주문금액을 채우지 못해 주문이 취소되었어요."
        if short
        else "마감 뒤에도 주문하지 않아 주문이 취소되었어요."
    )
    chat_services.system_message_post(
        room=_room(group_order),
        kind=Message.Kind.STATUS,
        text=f"{text} 보관금은 모두 돌려드렸어요.",
    )
    _refund_all(group_order, why=text.removesuffix("주문이 취소되었어요.").strip() or "취소되어")
    notifications_send(
        users=[group_order.host],
        kind=Notification.Kind.CANCELLED,
        text=f"'{group_order.title}' {text}",
        group_order=group_order,
        url=detail_url(group_order.pk),
    )
    group_order_changed(group_order.pk)
    return True


def groupbuys_refunds_due() -> int:
    """The periodic refund job (``groupbuys.refunds_due``, every minute); returns how many
    orders it cancelled or refunded.

    - Prepaid orders past their deadline that cannot be placed (short of the minimum order,
      or not placed within the grace period) are cancelled and every hold refunded
      (``groupbuy_fail_one``).
    - A safety net: a cancelled prepaid order whose members still hold money (nothing should
      leave it so: cancel refunds in its own transaction) is refunded. Keys are fixed
      (``refund:<participation>``), so a second run moves nothing.
    """
    now = timezone.now()
    grace = timedelta(minutes=settings.GROUPBUYS_PLACE_GRACE_MINUTES)
    items_total = Coalesce(
        Sum(F("participations__items__unit_price") * F("participations__items__quantity")),
        0,
    )
    failing = (
        GroupOrder.objects.filter(
            payment=GroupOrder.Payment.PREPAID,
            status__in=(Status.RECRUITING, Status.CLOSED),
            deadline__lte=now,
        )
        .annotate(items_total=items_total)
        .filter(Q(items_total__lt=F("min_order_amount")) | Q(deadline__lte=now - grace))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = sum(groupbuy_fail_one(group_order_id=pk) for pk in list(failing))
    stuck = (
        GroupOrder.objects.filter(payment=GroupOrder.Payment.PREPAID, status=Status.CANCELLED)
        .filter(
            Q(participations__held_cash__gt=0)
            | Q(participations__held_points__gt=0)
            | Q(participations__deposit_state=DepositState.HELD)
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in list(stuck):
        with transaction.atomic():
            group_order = GroupOrder.objects.select_for_update().get(pk=pk)
            if _refund_all(group_order, why="주문이 취소되어"):
                done += 1
    return done


# --- items -----------------------------------------------------------------------------------


def _clean_item(*, name, unit_price, quantity) -> dict:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["메뉴 이름을 입력해 주세요."]
    elif len(name) > 50:
        errors["name"] = ["메뉴 이름은 50자 이내로 입력해 주세요."]
    _won(unit_price, "unit_price", "가격", errors)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        errors["quantity"] = ["수량은 숫자로 입력해 주세요."]
    elif not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = [f"수량은 1~{MAX_QUANTITY}개여야 해요."]
    if errors:
        raise GroupOrderValidationError(errors)
    return {"name": name, "unit_price": unit_price, "quantity": quantity}


def _member_for_items(*, group_order_id: int, user) -> Participation:
    group_order = access_group_order(user=user, id=group_order_id, lock=True)
    participation = Participation.objects.filter(group_order=group_order, user=user).first()
    refusal = items_refusal(group_order, is_member=participation is not None, now=timezone.now())
    if refusal is not None:
        raise refusal
    participation.group_order = group_order
    participation.user = user
    return participation


@transaction.atomic
def item_add(
    *, group_order_id: int, user, name: str, unit_price: int, quantity: int = 1
) -> OrderItem:
    """Add a line to ``user``'s own order (members only, until the order is ordered).

    Raises ``NotMember`` (400), ``NotEditable`` (400) or ``GroupOrderValidationError``
    (fields ``name``, ``unit_price``, ``quantity``).
    """
    restriction_check(user=user)
    participation = _member_for_items(group_order_id=group_order_id, user=user)
    cleaned = _clean_item(name=name, unit_price=unit_price, quantity=quantity)
    item = OrderItem.objects.create(participation=participation, **cleaned)
    _items_changed(participation)
    group_order_changed(participation.group_order_id)
    return item


def _items_changed(participation: Participation) -> None:
    """After a member's items changed: their spending cap holds, and on a prepaid order the
    escrow holds exactly their new share (more is held, or the difference comes back)."""
    group_order = participation.group_order
    if participation.spending_cap is None and not group_order.is_prepaid:
        return
    breakdown = fee_breakdown(group_order)
    required = money.share_required(breakdown, participation)
    cap = participation.spending_cap
    if cap is not None and required > cap:
        raise SpendingCapExceeded(
            f"내가 정한 한도 {cap:,}원을 넘어요 (부담액 {required:,}원이 돼요).",
            field="unit_price",
        )
    money.hold_sync(group_order=group_order, participation=participation, required=required)


_UNSET = object()


@transaction.atomic
def member_prefs_set(
    *, group_order_id: int, user, spending_cap=_UNSET, use_points=_UNSET
) -> Participation:
    """A member's own payment settings on one order, until it is placed.

    ``spending_cap``: won (or None for no cap) beyond which their share is refused; not
    below what they already owe. ``use_points``: spend points before cash; on a prepaid
    order what is held is re-taken at once with the new preference (release, then hold).
    """
    group_order = access_group_order(user=user, id=group_order_id, lock=True)
    participation = Participation.objects.filter(group_order=group_order, user=user).first()
    if (refusal := cap_refusal(group_order, member=participation)) is not None:
        raise refusal
    participation.group_order = group_order
    participation.user = user
    breakdown = fee_breakdown(group_order)
    required = money.share_required(breakdown, participation)
    if spending_cap is not _UNSET:
        if spending_cap is not None:
            errors: dict[str, list[str]] = {}
            _won(spending_cap, "spending_cap", "한도", errors)
            if errors:
                raise GroupOrderValidationError(errors)
            if spending_cap < required:
                raise GroupOrderValidationError(
                    {"spending_cap": [f"지금 부담액({required:,}원)보다 낮게 정할 수 없어요."]}
                )
        participation.spending_cap = spending_cap
        participation.save(update_fields=["spending_cap"])
    if use_points is not _UNSET and bool(use_points) != participation.use_points:
        participation.use_points = bool(use_points)
        participation.save(update_fields=["use_points"])
        money.hold_sync(group_order=group_order, participation=participation, required=0)
        money.hold_sync(group_order=group_order, participation=participation, required=required)
    return participation


def _own_item(*, item_id: int, user) -> OrderItem:
    from mealbuddy.core.errors import NotFound

    item = (
        OrderItem.objects.select_related("participation")
        .filter(pk=item_id, participation__user=user)
        .first()
    )
    if item is None:
        raise NotFound("메뉴를 찾을 수 없어요.")
    return item


@transaction.atomic
def item_update(
    *,
    item_id: int,
    user,
    name: str | None = None,
    unit_price: int | None = None,
    quantity: int | None = None,
) -> OrderItem:
    """Change one of ``user``'s own lines (None leaves a field as is).

    Someone else's item is ``NotFound`` (404); other refusals as in ``item_add``.
    """
    restriction_check(user=user)
    item = _own_item(item_id=item_id, user=user)
    participation = _member_for_items(group_order_id=item.participation.group_order_id, user=user)
    cleaned = _clean_item(
        name=item.name if name is None else name,
        unit_price=item.unit_price if unit_price is None else unit_price,
        quantity=item.quantity if quantity is None else quantity,
    )
    for field, value in cleaned.items():
        setattr(item, field, value)
    item.save(update_fields=list(cleaned))
    _items_changed(participation)
    group_order_changed(participation.group_order_id)
    return item


@transaction.atomic
def item_delete(*, item_id: int, user) -> None:
    """Remove one of ``user``'s own lines (``NotFound`` for anyone else's)."""
    item = _own_item(item_id=item_id, user=user)
    participation = _member_for_items(group_order_id=item.participation.group_order_id, user=user)
    item.delete()
    _items_changed(participation)
    group_order_changed(participation.group_order_id)


def groupbuys_departure_refusal(*, user):
    """Why ``user`` may not delete their account yet (``None``: they may), money-wise.

    A member who still owes a "직접 정산" share (ordered, neither sent nor confirmed) or has
    a no-show deposit pending on a placed order; a member with cash held on a prepaid order
    not placed yet (leaving would refund it into the wallet being closed); a host holding
    members' money on a prepaid order not yet delivered.
    """
    from mealbuddy.core.errors import Conflict

    placed = (
        Participation.objects.filter(user=user, group_order__status=Status.ORDERED)
        .exclude(group_order__host=user)
        .filter(
            Q(group_order__payment=GroupOrder.Payment.DIRECT, paid_at__isnull=True)
            | Q(deposit_state__in=[DepositState.HELD, DepositState.NOSHOW, DepositState.DISPUTED])
        )
        .select_related("group_order")
    )
    for participation in placed:
        group_order = participation.group_order
        if group_order.payment == GroupOrder.Payment.DIRECT:
            share = fee_breakdown(group_order).share_for(user.pk)
            owes = share is not None and share.total > 0
        else:
            owes = True  # a deposit still held or in dispute
        if owes:
            return Conflict(
                f"'{group_order.title}' 주문의 정산이나 수령이 끝나지 않았어요. "
                "끝난 뒤에 탈퇴할 수 있어요.",
                code="settlement_pending",
            )
    # Leaving on the way out would refund these holds into a wallet that is being closed
    # (the wallet's own check runs before the refunds): the member leaves first, then
    # withdraws. Held points are not asked about: points are never paid out.
    holding = (
        Participation.objects.filter(
            user=user,
            group_order__payment=GroupOrder.Payment.PREPAID,
            group_order__status__in=(Status.RECRUITING, Status.CLOSED),
        )
        .exclude(group_order__host=user)
        .filter(Q(held_cash__gt=0) | Q(deposit_state=DepositState.HELD))
        .select_related("group_order")
        .order_by("group_order_id")
        .first()
    )
    if holding is not None:
        held = holding.held_cash + (
            holding.deposit_held if holding.deposit_state == DepositState.HELD else 0
        )
        return Conflict(
            f"'{holding.group_order.title}' 주문에 보관 중인 {held:,}원이 있어요. "
            "주문에서 나가 돌려받고 출금한 뒤에 탈퇴해 주세요.",
            code="settlement_pending",
        )
    hosting = GroupOrder.objects.filter(
        host=user, payment=GroupOrder.Payment.PREPAID, status=Status.ORDERED
    ).first()
    if hosting is not None:
        return Conflict(
            f"멤버들이 앱에서 결제한 '{hosting.title}' 주문이 아직 끝나지 않았어요. "
            "모두 음식을 받은 뒤에 탈퇴할 수 있어요.",
            code="settlement_pending",
        )
    return None


def groupbuys_member_departing(*, user) -> None:
    """Account deletion: nobody is left waiting on a person who is gone.

    Orders ``user`` hosts that have not been placed yet are cancelled (members are told);
    orders they joined that have not been placed yet are left, freeing the place. Orders
    already placed or delivered stay as they are: the others still settle up on them.
    """
    open_statuses = (Status.RECRUITING, Status.CLOSED)
    hosted = GroupOrder.objects.filter(host=user, status__in=open_statuses).order_by("pk")
    for group_order_id in hosted.values_list("pk", flat=True):
        groupbuy_status_change(group_order_id=group_order_id, user=user, status=Status.CANCELLED)
    joined = (
        Participation.objects.filter(user=user, group_order__status__in=open_statuses)
        .exclude(group_order__host=user)
        .order_by("group_order_id")
    )
    for group_order_id in joined.values_list("group_order_id", flat=True):
        groupbuy_leave(group_order_id=group_order_id, user=user)
