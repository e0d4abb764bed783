"""Reading the ledger: balances, history with a running balance, and the whole-book check."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string

from .models import Account, Entry, Transfer


def wallet_summary(*, user) -> dict:
    """What the 지갑 page shows on top: cash, points and money waiting to be paid out (won).

    Accounts are created on first money movement, so a user who never topped up reads zeros
    without a row being written here.
    """
    balances = dict(
        Account.objects.filter(owner=user, kind__in=Account.USER_KINDS).values_list(
            "kind", "balance"
        )
    )
    return {
        "cash": balances.get(Account.Kind.USER_CASH, 0),
        "points": balances.get(Account.Kind.USER_POINTS, 0),
        "payout_pending": balances.get(Account.Kind.PAYOUT_PENDING, 0),
    }


def wallet_departure_refusal(*, user):
    """Why ``user`` may not delete their account yet, money-wise (``None``: they may): cash
    left in the wallet, or a withdrawal still on its way. Points are never paid out."""
    from mealbuddy.core.errors import Conflict

    summary = wallet_summary(user=user)
    if summary["cash"] > 0:
        return Conflict(
            f"지갑에 {summary['cash']:,}원이 남아 있어요. 출금한 뒤에 탈퇴해 주세요.",
            code="wallet_not_empty",
        )
    if summary["payout_pending"] > 0:
        return Conflict("출금이 처리 중이에요. 끝난 뒤에 탈퇴해 주세요.", code="wallet_not_empty")
    return None


def account_balance(*, account_id: int) -> int:
    return Account.objects.filter(pk=account_id).values_list("balance", flat=True).get()


def account_history(*, account_id: int, limit: int = 50, before_id: int | None = None) -> list:
    """The account's entries newest first, each with ``running_balance`` after it.

    One query: the running sum is a window over the account's entries in id order (computed
    before LIMIT, so the page shows true balances); ``before_id`` pages back without
    changing them, since a running sum only looks at earlier rows.
    """
    entries = Entry.objects.filter(account_id=account_id)
    if before_id is not None:
        entries = entries.filter(pk__lt=before_id)
    return list(
        entries.select_related("transfer")
        .annotate(running_balance=Window(Sum("amount"), order_by=F("id").asc()))
        .order_by("-id")[:limit]
    )


WALLET_PAGE = 30


def wallet_history(
    *, user, kind: str = Account.Kind.USER_CASH, before: int | None = None
) -> tuple[list, bool]:
    """One page (newest first) of the user's cash or points history, and whether more exist.

    Two queries whatever the page: the account id, then its entries with their transfers and
    running balances.
    """
    account_id = Account.objects.filter(owner=user, kind=kind).values_list("pk", flat=True).first()
    if account_id is None:
        return [], False
    rows = account_history(account_id=account_id, limit=WALLET_PAGE + 1, before_id=before)
    return rows[:WALLET_PAGE], len(rows) > WALLET_PAGE


def withdrawal_recent(*, user, limit: int = 5) -> list:
    """The user's latest withdrawals, to show where each one is (처리 중, 완료, 실패)."""
    from .models import Withdrawal

    return list(Withdrawal.objects.filter(user=user).order_by("-pk")[:limit])


# --- The whole-book check (manage.py wallet_check) -------------------------------------------

EscrowFinished = Callable[[list[str]], Iterable[str]]


def _escrow_finished_hook() -> EscrowFinished | None:
    path = getattr(settings, "WALLET_ESCROW_FINISHED", "")
    return import_string(path) if path else None


def ledger_problems(*, escrow_finished: EscrowFinished | None = None) -> list[str]:
    """Everything wrong with the book, one readable line each (empty: the book is right).

    - every transfer's entries sum to zero (and it has entries);
    - every account's balance equals the sum of its entries, and its version their count;
    - no user or escrow balance is below zero;
    - no escrow account holds money for a finished order. The ledger cannot know order
      state: ``escrow_finished(references)`` returns the references among them whose order
      is finished (group orders provide it through ``settings.WALLET_ESCROW_FINISHED``);
      without one, the check is skipped.
    """
    problems: list[str] = []
    unbalanced = (
        Transfer.objects.annotate(total=Sum("entries__amount"), legs=Count("entries"))
        .filter(Q(total__isnull=True) | ~Q(total=0) | Q(legs__lt=2))
        .values_list("pk", "key", "total", "legs")
    )
    for pk, key, total, legs in unbalanced:
        problems.append(f"이체 #{pk} ({key}): 항목 {legs}개, 합계 {total or 0:+,}원 (0이어야 함)")

    drifted = (
        Account.objects.annotate(total=Coalesce(Sum("entries__amount"), 0), n=Count("entries"))
        .filter(~Q(balance=F("total")) | ~Q(version=F("n")))
        .values_list("pk", "kind", "owner_id", "reference", "balance", "total", "version", "n")
    )
    for pk, kind, owner_id, reference, balance, total, version, n in drifted:
        who = f"user:{owner_id}" if owner_id else reference
        problems.append(
            f"계정 #{pk} {kind} {who}: 잔액 {balance:,}원, 분개 합계 {total:,}원; "
            f"버전 {version}, 분개 {n}개"
        )

    for pk, kind, owner_id, reference, balance in Account.objects.filter(
        kind__in=Account.NON_NEGATIVE, balance__lt=0
    ).values_list("pk", "kind", "owner_id", "reference", "balance"):
        who = f"user:{owner_id}" if owner_id else reference
        problems.append(f"계정 #{pk} {kind} {who}: 잔액이 음수예요 ({balance:,}원)")

    hook = escrow_finished or _escrow_finished_hook()
    if hook is not None:
        holding = dict(
            Account.objects.filter(kind=Account.Kind.ESCROW)
            .exclude(balance=0)
            .values_list("reference", "balance")
        )
        if holding:
            for reference in sorted(set(hook(sorted(holding))) & holding.keys()):
                problems.append(
                    f"보관금 {reference}: 끝난 주문인데 {holding[reference]:,}원을 보관 중이에요"
                )
    return problems


def ledger_totals() -> dict:
    """Counts for the check's report, and the sum of all balances (always 0)."""
    return {
        "transfers": Transfer.objects.count(),
        "accounts": Account.objects.count(),
        "sum_of_balances": Account.objects.aggregate(s=Coalesce(Sum("balance"), 0))["s"],
    }
