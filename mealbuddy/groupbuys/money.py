"""A group order's money in the ledger: escrow holds, capture, refunds, the no-show deposit.

These run inside the caller's transaction with the group-order row locked (the services in
``services.py`` and ``settlement.py`` lock it), so one order's money moves one step at a time.
Each movement is one ledger transfer with a fixed idempotency key, and every Participation
field below mirrors what that member has in the order's escrow (``order:<id>``):

- ``hold:<participation>:<n>`` — cash (and points, when the member chose to spend them
  first) → escrow, so the escrow holds exactly the member's current share; the join's
  first hold also takes the no-show deposit. ``release:<participation>:<n>`` gives back what
  a smaller share no longer needs (an item removed).
- ``capture:<participation>`` — at placing: the final share → the host's cash, anything held
  beyond it back to the member, in one transfer.
- ``refund:<participation>`` — leave, ban, cancel or a failed deadline: everything the member
  has in escrow (share and deposit) back to where it came from.
- ``deposit-return:<participation>`` / ``deposit-forfeit:<participation>`` — the no-show
  deposit back to the member at pickup, or to the host after an unanswered no-show report.
- ``points:<participation>`` — points paid on what the member paid, when the order is
  delivered.

The host's own share is never held: the host pays the restaurant and receives everyone
else's share.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from mealbuddy.groupbuys.errors import ShareNotCovered, SpendingCapExceeded
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.groupbuys.selectors import FeeBreakdown
from mealbuddy.wallet import services as wallet
from mealbuddy.wallet.errors import InsufficientFunds
from mealbuddy.wallet.models import Account

_MONEY_FIELDS = ["held_cash", "held_points", "hold_seq", "deposit_held", "deposit_state"]


def _legs(*pairs) -> list:
    return [(account, amount) for account, amount in pairs if amount]


def _cash(participation: Participation):
    return wallet.user_cash_account(user=participation.user_id)


def _points(participation: Participation, amount: int = 1):
    """The member's points account, only when points move (``amount``): most holds and
    refunds touch cash alone and skip the lookup (and its creation on first use)."""
    return wallet.user_points_account(user=participation.user_id) if amount else None


def _points_locked(cash, points) -> int:
    """The member's points balance read with their cash and points rows locked (id order,
    as ``transfer_execute`` locks them): a concurrent hold in another order cannot spend
    the same points between this read and the transfer, which would refuse a share that
    cash covers."""
    balances = dict(
        Account.objects.select_for_update()
        .filter(pk__in=[cash.pk, points.pk])
        .order_by("pk")
        .values_list("pk", "balance")
    )
    return balances[points.pk]


def share_required(breakdown: FeeBreakdown, participation: Participation) -> int:
    """What ``participation`` must have in escrow for its share now (items + fee share)."""
    share = breakdown.share_for(participation.user_id)
    return share.total if share is not None else 0


def hold_sync(
    *,
    group_order: GroupOrder,
    participation: Participation,
    required: int,
    deposit: int = 0,
    who: str = "",
) -> None:
    """Make what ``participation`` holds for its share equal ``required`` won, in one transfer.

    More needed: taken from points first when the member chose so, the rest from cash; with
    ``deposit`` (the join) the no-show deposit is taken from cash in the same transfer. Less
    needed: the difference goes back, cash first. Short of money: ``ShareNotCovered`` with
    how much is missing (``who`` names the member in the message) and nothing moves.
    """
    if not group_order.is_prepaid or participation.user_id == group_order.host_id:
        return
    delta = required - participation.held
    if delta == 0 and deposit == 0:
        return
    escrow = wallet.escrow_account(order_ref=group_order.ledger_ref)
    cash = _cash(participation)
    participation.hold_seq += 1
    seq = participation.hold_seq
    if delta > 0 or deposit:
        need = max(delta, 0)
        from_points = 0
        points = _points(participation, participation.use_points and need)
        if points is not None:
            from_points = min(need, max(_points_locked(cash, points), 0))
        from_cash = need - from_points
        try:
            wallet.transfer_execute(
                key=f"hold:{participation.pk}:{seq}",
                kind="hold",
                reference=group_order.ledger_ref,
                legs=_legs(
                    (cash, -(from_cash + deposit)),
                    (points, -from_points),
                    (escrow, need + deposit),
                ),
            )
        except InsufficientFunds as exc:
            raise ShareNotCovered(exc.extra.get("missing") or need + deposit, who=who) from None
        participation.held_cash += from_cash
        participation.held_points += from_points
        if deposit:
            participation.deposit_held = deposit
            participation.deposit_state = DepositState.HELD
        if delta >= 0:
            participation.save(update_fields=_MONEY_FIELDS)
            return
    back = -delta
    to_cash = min(back, participation.held_cash)
    to_points = back - to_cash
    wallet.transfer_execute(
        key=f"release:{participation.pk}:{seq}",
        kind="release",
        reference=group_order.ledger_ref,
        legs=_legs(
            (escrow, -back), (cash, to_cash), (_points(participation, to_points), to_points)
        ),
    )
    participation.held_cash -= to_cash
    participation.held_points -= to_points
    participation.save(update_fields=_MONEY_FIELDS)


def member_refund(*, group_order: GroupOrder, participation: Participation) -> int:
    """Everything ``participation`` has in escrow back (share and a held deposit); returns
    the won refunded. Idempotent by ``refund:<participation>``; fields go to zero."""
    deposit = participation.deposit_held if participation.deposit_state == DepositState.HELD else 0
    cash_back = participation.held_cash + deposit
    points_back = participation.held_points
    total = cash_back + points_back
    if total:
        cash, points = _cash(participation), _points(participation, points_back)
        wallet.transfer_execute(
            key=f"refund:{participation.pk}",
            kind="refund",
            reference=group_order.ledger_ref,
            legs=_legs(
                (wallet.escrow_account(order_ref=group_order.ledger_ref), -total),
                (cash, cash_back),
                (points, points_back),
            ),
        )
    participation.held_cash = participation.held_points = 0
    if deposit:
        participation.deposit_state = DepositState.RETURNED
    participation.save(update_fields=_MONEY_FIELDS)
    return total


def order_refund(*, group_order: GroupOrder) -> list[tuple[Participation, int]]:
    """Refund every member of ``group_order``; returns (participation, won) for each member
    who got something back."""
    refunded = []
    for participation in Participation.objects.filter(group_order=group_order).select_related(
        "user"
    ):
        amount = member_refund(group_order=group_order, participation=participation)
        if amount:
            refunded.append((participation, amount))
    return refunded


def order_capture(*, group_order: GroupOrder, breakdown: FeeBreakdown) -> None:
    """The host placed the order: each member's final share → the host's cash.

    Checked first for everyone: a member's final share over their own spending cap refuses
    the placing (``SpendingCapExceeded``). A member whose hold is below the final share (the
    fee share rose because someone left) has the difference held now; short of money, the
    placing is refused with ``ShareNotCovered`` naming them. Anything held beyond the share
    goes back to the member in the same transfer.
    """
    now = timezone.now()
    members = [m for m in breakdown.members if not m.is_host]
    for share in members:
        cap = share.participation.spending_cap
        if cap is not None and share.total > cap:
            raise SpendingCapExceeded(
                f"{share.user.display_name} 님의 부담액 {share.total:,}원이 그 멤버가 정한 "
                f"한도 {cap:,}원을 넘어요. 메뉴를 조정한 뒤 주문해 주세요.",
                field="status",
            )
    host_cash = wallet.user_cash_account(user=group_order.host_id)
    escrow = wallet.escrow_account(order_ref=group_order.ledger_ref)
    for share in members:
        participation = share.participation
        final = share.total
        if participation.held < final:
            hold_sync(
                group_order=group_order,
                participation=participation,
                required=final,
                who=share.user.display_name,
            )
        excess = participation.held - final
        excess_cash = min(participation.held_cash, excess)
        excess_points = excess - excess_cash
        if participation.held:
            cash, points = _cash(participation), _points(participation, excess_points)
            wallet.transfer_execute(
                key=f"capture:{participation.pk}",
                kind="capture",
                reference=group_order.ledger_ref,
                legs=_legs(
                    (escrow, -participation.held),
                    (host_cash, final),
                    (cash, excess_cash),
                    (points, excess_points),
                ),
            )
        participation.captured = final
        participation.held_cash = participation.held_points = 0
        participation.paid_at = now
        participation.save(update_fields=[*_MONEY_FIELDS, "captured", "paid_at"])
    Participation.objects.filter(group_order=group_order, user_id=group_order.host_id).update(
        paid_at=now
    )


_DEPOSIT_OPEN = (DepositState.HELD, DepositState.NOSHOW, DepositState.DISPUTED)


def _deposit_settle(*, group_order: GroupOrder, participation: Participation, to_host: bool) -> int:
    """Move a deposit still open (held, reported or disputed) out of escrow, once: to the
    host's cash or back to the member's; returns the won moved."""
    if participation.deposit_state not in _DEPOSIT_OPEN:
        return 0
    amount = participation.deposit_held
    outcome = "forfeit" if to_host else "return"
    if amount:
        wallet.transfer_execute(
            key=f"deposit-{outcome}:{participation.pk}",
            kind=f"deposit_{outcome}",
            reference=group_order.ledger_ref,
            legs=[
                (wallet.escrow_account(order_ref=group_order.ledger_ref), -amount),
                (
                    wallet.user_cash_account(
                        user=group_order.host_id if to_host else participation.user_id
                    ),
                    amount,
                ),
            ],
        )
    participation.deposit_state = DepositState.FORFEITED if to_host else DepositState.RETURNED
    participation.save(update_fields=["deposit_state"])
    return amount


def deposit_return(*, group_order: GroupOrder, participation: Participation) -> int:
    """The member picked up (or staff decided for them): the deposit back to their cash."""
    return _deposit_settle(group_order=group_order, participation=participation, to_host=False)


def deposit_forfeit(*, group_order: GroupOrder, participation: Participation) -> int:
    """A no-show stood (or staff decided so): the deposit to the host's cash."""
    return _deposit_settle(group_order=group_order, participation=participation, to_host=True)


def points_pay(*, group_order: GroupOrder, members: list[Participation]) -> dict[int, int]:
    """Points for a delivered prepaid order: ``WALLET_POINTS_PERCENT`` of what each member
    paid through the app, floored; returns {user id: points}."""
    paid = {}
    for participation in members:
        amount = participation.captured * settings.WALLET_POINTS_PERCENT // 100
        if amount <= 0:
            continue
        wallet.points_award(
            key=f"points:{participation.pk}",
            user=participation.user_id,
            amount=amount,
            reference=group_order.ledger_ref,
        )
        paid[participation.user_id] = amount
    return paid
