"""After "주문완료": settling up and handing the food over (issue 10).

- Handoff: the host taps "도착했어요" (members are told where to pick up), each member taps
  "받았어요" (their no-show deposit comes back). When every member has, the order becomes
  delivered and, on a prepaid order, points are paid.
- No-show: some time after "도착했어요" the host may report a member who has not picked up;
  unless the member disputes within ``GROUPBUYS_DISPUTE_HOURS`` the deposit goes to the host.
  Either side may dispute, which freezes the deposit until staff decide (``deposit_resolve``).
- "직접 정산": the member ticks "송금했어요", the host ticks "입금 확인"; the host can remind
  everyone who has not paid, and a job reminds them too.
- The host uploads a photo of the receipt (validated and re-encoded like avatars).

Each public function is one transaction on the locked group-order row and raises the refusal
from ``rules.py`` that the pages and the API also show.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mealbuddy.chat import services as chat_services
from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.core.errors import NotFound
from mealbuddy.core.images import image_reencode
from mealbuddy.core.realtime import group_order_changed
from mealbuddy.groupbuys import money, rules
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.errors import MoneyActionRefused, NotMember
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_create, notifications_send

Status = GroupOrder.Status
RECEIPT_SIZE = 1600
REMIND_AGAIN = timedelta(hours=24)
MANUAL_REMIND_AGAIN = timedelta(hours=1)


def _url(group_order: GroupOrder) -> str:
    return f"/groupbuys/{group_order.pk}/#settlement"


def _post(
    group_order: GroupOrder,
    text: str,
    *,
    user_id: int | None = None,
    actor_id: int | None = None,
) -> None:
    """A status line in the room; ``actor_id`` (who caused it) does not get it as unread."""
    room = ChatRoom.objects.get(group_order_id=group_order.pk)
    chat_services.system_message_post(
        room=room, kind=Message.Kind.STATUS, text=text[:500], user_id=user_id, actor_id=actor_id
    )


def _member(group_order: GroupOrder, user_id) -> Participation | None:
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    return (
        Participation.objects.filter(group_order=group_order, user_id=user_id)
        .select_related("user")
        .first()
    )


def _lock(group_order_id: int, user) -> GroupOrder:
    return access_group_order(user=user, id=group_order_id, lock=True)


# --- handoff -----------------------------------------------------------------------------------


@transaction.atomic
def groupbuy_arrived(*, group_order_id: int, user) -> GroupOrder:
    """The host: "도착했어요". Members are told (in-app and push) where to pick up."""
    group_order = _lock(group_order_id, user)
    if (refusal := rules.arrived_refusal(group_order, user_id=user.pk)) is not None:
        raise refusal
    group_order.arrived_at = timezone.now()
    group_order.save(update_fields=["arrived_at", "updated_at"])
    spot = group_order.pickup_spot or "방장이 정한 곳"
    _post(
        group_order,
        f"음식이 도착했어요. 수령 장소: {spot}. 받으면 '받았어요'를 눌러 주세요.",
        actor_id=user.pk,
    )
    members = Participation.objects.filter(group_order=group_order).select_related("user")
    notifications_send(
        users=[p.user for p in members if p.user_id != group_order.host_id],
        kind=Notification.Kind.ARRIVED,
        text=f"'{group_order.title}' 음식이 도착했어요. 수령 장소: {spot}"[:200],
        group_order=group_order,
        url=_url(group_order),
    )
    _deliver_if_done(group_order, actor_id=user.pk)
    group_order_changed(group_order.pk)
    return group_order


def _receive(group_order: GroupOrder, participation: Participation, *, now) -> None:
    participation.received_at = now
    participation.save(update_fields=["received_at"])
    money.deposit_return(group_order=group_order, participation=participation)


@transaction.atomic
def groupbuy_received(*, group_order_id: int, user) -> GroupOrder:
    """A member: "받았어요". Their deposit comes back; the last one delivers the order."""
    group_order = _lock(group_order_id, user)
    member = _member(group_order, user.pk)
    if (refusal := rules.received_refusal(group_order, user_id=user.pk, member=member)) is not None:
        raise refusal
    _receive(group_order, member, now=timezone.now())
    _post(
        group_order, f"{user.display_name} 님이 음식을 받았어요.", user_id=user.pk, actor_id=user.pk
    )
    _deliver_if_done(group_order, actor_id=user.pk)
    group_order_changed(group_order.pk)
    return group_order


def _resolved(participation: Participation) -> bool:
    return participation.received_at is not None or participation.deposit_state == (
        DepositState.FORFEITED
    )


def _deliver_if_done(group_order: GroupOrder, *, actor_id: int | None = None) -> bool:
    """Every member has picked up (or their no-show stood): the order is delivered, points
    are paid, everyone is told. True if it happened now. ``actor_id``: whose action
    finished it (a job or staff: None)."""
    members = list(
        Participation.objects.filter(group_order=group_order)
        .exclude(user_id=group_order.host_id)
        .select_related("user")
    )
    if group_order.status != Status.ORDERED or not all(_resolved(p) for p in members):
        return False
    if group_order.arrived_at is None and not members:
        return False  # the host alone: delivered once they say it arrived
    now = timezone.now()
    group_order.status = Status.DELIVERED
    group_order.status_changed_at = now
    group_order.save(update_fields=["status", "status_changed_at", "updated_at"])
    _post(group_order, "모두 음식을 받았어요. 배달이 완료됐어요.", actor_id=actor_id)
    paid = {}
    if group_order.is_prepaid:
        paid = money.points_pay(group_order=group_order, members=members)
    for participation in members:
        points = paid.get(participation.user_id)
        notifications_create(
            users=[participation.user],
            kind=Notification.Kind.MONEY if points else Notification.Kind.STATUS,
            text=(
                f"'{group_order.title}' 배달이 완료되었어요. {points:,}포인트가 적립됐어요."
                if points
                else f"'{group_order.title}' 배달이 완료되었어요."
            ),
            group_order=group_order,
            url=_url(group_order),
        )
    return True


# --- no-show deposit ---------------------------------------------------------------------------


@transaction.atomic
def groupbuy_noshow(*, group_order_id: int, user, target_user_id) -> Participation:
    """The host reports a member who has not picked up (some time after "도착했어요")."""
    group_order = _lock(group_order_id, user)
    member = _member(group_order, target_user_id)
    refusal = rules.noshow_refusal(group_order, user_id=user.pk, member=member, now=timezone.now())
    if refusal is not None:
        raise refusal
    member.deposit_state = DepositState.NOSHOW
    member.noshow_at = timezone.now()
    member.save(update_fields=["deposit_state", "noshow_at"])
    hours = settings.GROUPBUYS_DISPUTE_HOURS
    deposit = (
        f" 보증금 {member.deposit_held:,}원은 {hours}시간 안에 이의를 제기하지 않으면 방장에게 가요."
        if member.deposit_held
        else ""
    )
    notifications_create(
        users=[member.user],
        kind=Notification.Kind.MONEY,
        text=f"'{group_order.title}' 방장이 음식을 찾아가지 않았다고 알렸어요.{deposit}"[:200],
        group_order=group_order,
        url=_url(group_order),
    )
    if member.deposit_held == 0:
        # Nothing to wait for: the report stands, the handoff can finish.
        member.deposit_state = DepositState.FORFEITED
        member.save(update_fields=["deposit_state"])
        _deliver_if_done(group_order, actor_id=user.pk)
    group_order_changed(group_order.pk)
    return member


@transaction.atomic
def groupbuy_dispute(*, group_order_id: int, user, target_user_id=None) -> Participation:
    """Freeze a no-show deposit for staff: a member against the host's report (their own),
    or the host about a member (``target_user_id``) who has not confirmed pickup."""
    group_order = _lock(group_order_id, user)
    is_host = group_order.host_id == user.pk
    if is_host and target_user_id is None:
        raise NotMember("이의를 제기할 멤버를 골라 주세요.", field="target_user_id")
    member = _member(group_order, target_user_id if is_host else user.pk)
    if (refusal := rules.dispute_refusal(group_order, user_id=user.pk, member=member)) is not None:
        raise refusal
    member.deposit_state = DepositState.DISPUTED
    member.save(update_fields=["deposit_state"])
    _post(
        group_order,
        f"{member.user.display_name} 님의 보증금에 이의가 제기되어 운영팀이 확인하고 있어요.",
        actor_id=user.pk,
    )
    other = group_order.host if not is_host else member.user
    notifications_create(
        users=[other],
        kind=Notification.Kind.MONEY,
        text=f"'{group_order.title}' 보증금에 이의가 제기되었어요. 운영팀이 확인해요."[:200],
        group_order=group_order,
        url=_url(group_order),
    )
    group_order_changed(group_order.pk)
    return member


@transaction.atomic
def deposit_resolve(*, participation_id: int, to_host: bool) -> Participation:
    """Staff decide a disputed deposit: to the host (the no-show stands) or back to the
    member (who then counts as having picked up). Anything but a dispute is refused."""
    group_order_id = (
        Participation.objects.filter(pk=participation_id)
        .values_list("group_order_id", flat=True)
        .first()
    )
    if group_order_id is None:
        raise NotFound("참여 기록을 찾을 수 없어요.")
    group_order = GroupOrder.objects.select_for_update().get(pk=group_order_id)
    # Read the member's row only with the order locked: two decisions at once must see
    # each other (the second finds the deposit decided and is refused).
    participation = Participation.objects.select_related("user").filter(pk=participation_id).first()
    if participation is None:
        raise NotFound("참여 기록을 찾을 수 없어요.")
    participation.group_order = group_order
    if participation.deposit_state != DepositState.DISPUTED:
        raise MoneyActionRefused("이의가 제기된 보증금만 정할 수 있어요.")
    if to_host:
        money.deposit_forfeit(group_order=group_order, participation=participation)
        text = "운영팀이 확인했어요: 보증금은 방장에게 지급되었어요."
    else:
        participation.received_at = participation.received_at or timezone.now()
        participation.save(update_fields=["received_at"])
        money.deposit_return(group_order=group_order, participation=participation)
        text = "운영팀이 확인했어요: 보증금은 멤버에게 돌려드렸어요."
    _post(group_order, f"{participation.user.display_name} 님의 {text}")
    notifications_create(
        users=[participation.user, group_order.host],
        kind=Notification.Kind.MONEY,
        text=f"'{group_order.title}' {text}"[:200],
        group_order=group_order,
        url=_url(group_order),
    )
    _deliver_if_done(group_order)
    group_order_changed(group_order.pk)
    return participation


# --- "직접 정산" ---------------------------------------------------------------------------------


@transaction.atomic
def settlement_sent(*, group_order_id: int, user) -> Participation:
    """A member: "송금했어요" (the host is told to check their account)."""
    group_order = _lock(group_order_id, user)
    member = _member(group_order, user.pk)
    if (refusal := rules.sent_refusal(group_order, user_id=user.pk, member=member)) is not None:
        raise refusal
    if member.sent_at is None:
        member.sent_at = timezone.now()
        member.save(update_fields=["sent_at"])
        notifications_create(
            users=[group_order.host],
            kind=Notification.Kind.MONEY,
            text=f"{user.display_name} 님이 '{group_order.title}' 부담액을 보냈다고 알렸어요."[
                :200
            ],
            group_order=group_order,
            url=_url(group_order),
        )
    group_order_changed(group_order.pk)
    return member


@transaction.atomic
def settlement_paid(
    *, group_order_id: int, user, target_user_id, paid: bool = True
) -> Participation:
    """The host ticks (``paid``) or unticks "입금 확인" for a member."""
    group_order = _lock(group_order_id, user)
    member = _member(group_order, target_user_id)
    if (refusal := rules.paid_refusal(group_order, user_id=user.pk, member=member)) is not None:
        raise refusal
    member.paid_at = (member.paid_at or timezone.now()) if paid else None
    member.save(update_fields=["paid_at"])
    group_order_changed(group_order.pk)
    return member


def _unpaid(group_order: GroupOrder):
    return (
        Participation.objects.filter(group_order=group_order, paid_at__isnull=True)
        .exclude(user_id=group_order.host_id)
        .select_related("user")
    )


def _remind(group_order: GroupOrder, participations, *, now) -> int:
    from mealbuddy.groupbuys.selectors import fee_breakdown

    breakdown = fee_breakdown(group_order)
    sent = 0
    for participation in participations:
        share = breakdown.share_for(participation.user_id)
        amount = f" {share.total:,}원" if share is not None else ""
        account = f" 계좌: {group_order.settle_account}" if group_order.settle_account else ""
        notifications_create(
            users=[participation.user],
            kind=Notification.Kind.MONEY,
            text=f"'{group_order.title}' 정산이 남았어요:{amount}.{account}"[:200],
            group_order=group_order,
            url=_url(group_order),
        )
        participation.reminded_at = now
        participation.save(update_fields=["reminded_at"])
        sent += 1
    return sent


@transaction.atomic
def settlement_remind(*, group_order_id: int, user) -> int:
    """The host reminds every member who has not paid (each at most once an hour); returns
    how many were reminded."""
    group_order = _lock(group_order_id, user)
    if (refusal := rules.remind_refusal(group_order, user_id=user.pk)) is not None:
        raise refusal
    now = timezone.now()
    due = _unpaid(group_order).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - MANUAL_REMIND_AGAIN)
    )
    return _remind(group_order, due, now=now)


@transaction.atomic
def receipt_upload(*, group_order_id: int, user, upload) -> GroupOrder:
    """The host's photo of the receipt, re-encoded (metadata dropped, at most 1600 px)."""
    group_order = _lock(group_order_id, user)
    if (refusal := rules.settle_host_refusal(group_order, user_id=user.pk)) is not None:
        raise refusal
    content = image_reencode(upload=upload, field="receipt", max_side=RECEIPT_SIZE)
    old = group_order.receipt.name
    group_order.receipt.save(content.name, content, save=False)
    group_order.save(update_fields=["receipt", "updated_at"])
    if old:
        storage = group_order.receipt.storage
        transaction.on_commit(lambda: storage.delete(old))
    _post(group_order, "방장이 영수증 사진을 올렸어요.", actor_id=user.pk)
    return group_order


# --- jobs ---------------------------------------------------------------------------------------


def groupbuys_handoff_due() -> int:
    """The periodic handoff job; returns how many members it settled.

    - A member reported as a no-show who did not dispute within ``GROUPBUYS_DISPUTE_HOURS``:
      the deposit goes to the host.
    - A member who neither tapped "받았어요" nor was reported within
      ``GROUPBUYS_HANDOFF_AUTO_HOURS`` of the order being placed counts as having received
      it (their deposit comes back).
    Then an order whose members are all settled becomes delivered. Each step re-checks the
    locked row, so two runs settle each member once.
    """
    now = timezone.now()
    dispute_cutoff = now - timedelta(hours=settings.GROUPBUYS_DISPUTE_HOURS)
    auto_cutoff = now - timedelta(hours=settings.GROUPBUYS_HANDOFF_AUTO_HOURS)
    due = (
        Participation.objects.filter(group_order__status=Status.ORDERED, received_at__isnull=True)
        .filter(
            Q(deposit_state=DepositState.NOSHOW, noshow_at__lte=dispute_cutoff)
            | (
                Q(deposit_state__in=[DepositState.NONE, DepositState.HELD])
                & Q(group_order__ordered_at__lte=auto_cutoff)
            )
        )
        .exclude(user_id=F("group_order__host_id"))
        .order_by("group_order_id", "pk")
        .values_list("group_order_id", "pk")
    )
    done = 0
    for group_order_id, participation_id in list(due):
        with transaction.atomic():
            group_order = GroupOrder.objects.select_for_update().get(pk=group_order_id)
            participation = (
                Participation.objects.select_related("user").filter(pk=participation_id).first()
            )
            if (
                participation is None
                or group_order.status != Status.ORDERED
                or participation.received_at is not None
                or participation.user_id == group_order.host_id
            ):
                continue
            if participation.deposit_state == DepositState.NOSHOW:
                if participation.noshow_at is None or participation.noshow_at > dispute_cutoff:
                    continue
                money.deposit_forfeit(group_order=group_order, participation=participation)
                _post(
                    group_order,
                    f"{participation.user.display_name} 님의 노쇼 보증금이 방장에게 지급되었어요.",
                )
            elif participation.deposit_state in (DepositState.NONE, DepositState.HELD):
                if group_order.ordered_at is None or group_order.ordered_at > auto_cutoff:
                    continue
                _receive(group_order, participation, now=now)
            else:
                continue
            done += 1
            _deliver_if_done(group_order)
            group_order_changed(group_order.pk)
    return done


def groupbuys_settlement_reminders() -> int:
    """The periodic "직접 정산" reminder; returns how many members were reminded.

    A member of a direct-settlement order who has not paid is reminded
    ``GROUPBUYS_SETTLE_REMIND_MINUTES`` after the order was placed, then once a day, for a
    week.
    """
    now = timezone.now()
    first = now - timedelta(minutes=settings.GROUPBUYS_SETTLE_REMIND_MINUTES)
    due = (
        Participation.objects.filter(
            group_order__payment=GroupOrder.Payment.DIRECT,
            group_order__status__in=[Status.ORDERED, Status.DELIVERED],
            group_order__ordered_at__lte=first,
            group_order__ordered_at__gte=now - timedelta(days=7),
            paid_at__isnull=True,
        )
        .exclude(user_id=F("group_order__host_id"))
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_AGAIN))
        .order_by("group_order_id")
        .values_list("group_order_id", flat=True)
        .distinct()
    )
    sent = 0
    for group_order_id in list(due):
        with transaction.atomic():
            group_order = GroupOrder.objects.select_for_update().get(pk=group_order_id)
            participations = _unpaid(group_order).filter(
                Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMIND_AGAIN)
            )
            sent += _remind(group_order, participations, now=now)
    return sent
