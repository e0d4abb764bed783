"""Moving money: every write to the ledger goes through ``transfer_execute``.

How the rest of issue 10 builds on this (each caller picks a fixed idempotency key, so a
retried request or a job run twice moves money once):

- Top-up: the provider adapter confirms a payment, then ``topup_credit(key="topup:<order_id>")``
  moves the amount from the provider's clearing account to the user's cash. The browser
  return and the webhook both call it with the same key: whichever arrives second is a replay.
- Escrow: joining a prepaid order calls ``escrow_hold(key="hold:<participation>:<n>")``
  (user cash → the order's escrow ``order:<id>``). When the host places the order, each
  member's final share goes ``escrow_capture(key="capture:<participation>")`` to the host's
  cash and any excess ``escrow_release(key="excess:<participation>")`` back; leave, ban,
  cancel or a missed deadline ``escrow_release(key="refund:<participation>")`` everything
  the member still has in escrow (the periodic ``groupbuys.refunds_due`` job).
- Payout: ``payout_hold`` (cash → the user's payout-pending account) before asking the
  provider; ``payout_settle`` (pending → provider clearing) when it confirms;
  ``payout_fail`` (pending → cash) when it refuses.
- Points: ``points_award`` (platform → user points) on delivered orders; paying part of a
  share with points is an ``escrow_hold`` with ``source=Account.Kind.USER_POINTS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError, Conflict, NotFound

from .errors import IdempotencyMismatch, InsufficientFunds, InvalidTransfer
from .models import Account, Entry, TopUp, Transfer, Withdrawal
from .providers import PaymentDeclined, ProviderUnavailable, provider_get

logger = logging.getLogger(__name__)

Leg = tuple[Account | int, int]

# --- Accounts -------------------------------------------------------------------------------


def account_for(*, kind: str, owner=None, reference: str = "") -> Account:
    """The account for (kind, owner, reference), created on first use.

    Two requests creating the same account at once both end with the same row: the unique
    constraint refuses the second insert and ``get_or_create`` reads the winner's row.
    """
    owner_id = getattr(owner, "pk", owner)
    if kind in Account.USER_KINDS and owner_id is None:
        raise InvalidTransfer("사용자 계정에는 소유자가 필요해요.")
    account = _account_get(kind=kind, owner_id=owner_id, reference=reference)
    if account is None:
        account, _ = Account.objects.get_or_create(
            kind=kind, owner_id=owner_id, reference=reference
        )
    return account


def _account_get(*, kind: str, owner_id: int | None, reference: str) -> Account | None:
    """The existing account, read with one plain SELECT: a join resolves three accounts
    (cash, points, escrow) and the ORM's ``get`` cost more Python than the query did."""
    fields = [field.attname for field in Account._meta.concrete_fields]
    quote = connection.ops.quote_name
    owner = f"{quote('owner_id')} IS NULL" if owner_id is None else f"{quote('owner_id')} = %s"
    # str(): a TextChoices member is sent as its value (psycopg would send an Enum's name).
    params = [str(kind), reference] + ([] if owner_id is None else [owner_id])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(name) for name in fields)}"  # noqa: S608
            f" FROM {quote(Account._meta.db_table)}"
            f" WHERE {quote('kind')} = %s AND {quote('reference')} = %s AND {owner}",
            params,
        )
        row = cursor.fetchone()
    return None if row is None else Account.from_db(connection.alias, fields, row)


def user_cash_account(*, user) -> Account:
    return account_for(kind=Account.Kind.USER_CASH, owner=user)


def user_points_account(*, user) -> Account:
    return account_for(kind=Account.Kind.USER_POINTS, owner=user)


def payout_pending_account(*, user) -> Account:
    return account_for(kind=Account.Kind.PAYOUT_PENDING, owner=user)


def escrow_account(*, order_ref: str) -> Account:
    """One escrow account per order; ``order_ref`` is the caller's name for it (``order:<id>``)."""
    if not order_ref:
        raise InvalidTransfer("보관금 계정에는 참조가 필요해요.")
    return account_for(kind=Account.Kind.ESCROW, reference=order_ref)


def platform_account() -> Account:
    return account_for(kind=Account.Kind.PLATFORM, reference="platform")


def provider_clearing_account(*, provider: str) -> Account:
    if not provider:
        raise InvalidTransfer("결제사 이름이 필요해요.")
    return account_for(kind=Account.Kind.PROVIDER_CLEARING, reference=f"provider:{provider}")


# --- Transfers ------------------------------------------------------------------------------


def _normalise_legs(legs: Sequence[Leg]) -> list[tuple[int, int]]:
    """Legs as sorted (account id, amount) pairs, refused unless they make a valid transfer."""
    if len(legs) < 2:
        raise InvalidTransfer("이체에는 두 개 이상의 항목이 필요해요.")
    pairs: list[tuple[int, int]] = []
    for account, amount in legs:
        account_id = account.pk if isinstance(account, Account) else account
        # bool is an int in Python; True won is a bug, not a payment.
        if not isinstance(account_id, int) or isinstance(account_id, bool):
            raise InvalidTransfer("계정이 올바르지 않아요.")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise InvalidTransfer("금액은 0이 아닌 정수(원)여야 해요.")
        pairs.append((account_id, amount))
    ids = [account_id for account_id, _ in pairs]
    if len(set(ids)) != len(ids):
        raise InvalidTransfer("한 이체에 같은 계정이 두 번 나올 수 없어요.")
    if sum(amount for _, amount in pairs) != 0:
        raise InvalidTransfer("이체 항목의 합이 0이 아니에요.")
    return sorted(pairs)


def _fingerprint(*, kind: str, reference: str, memo: str, pairs: list[tuple[int, int]]) -> str:
    body = json.dumps(
        {"kind": kind, "reference": reference, "memo": memo, "legs": pairs},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(*, key: str, fingerprint: str) -> Transfer | None:
    """The transfer already made with ``key`` (refused if it was a different request)."""
    existing = Transfer.objects.filter(key=key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise IdempotencyMismatch("이미 다른 요청에 사용된 요청 키예요.", field="idempotency_key")
    existing.replayed = True
    return existing


def _insert_transfer(
    *, key: str, fingerprint: str, kind: str, reference: str, memo: str, pairs
) -> Transfer:
    """The transfer row (its key claims the idempotency slot) and its insert-only entries.

    Written as SQL, like ``_apply_balances``: the ORM's ``create`` plus ``bulk_create`` were
    most of a transfer's Python time (profiled: 0.5 ms of 1.2 ms CPU). On PostgreSQL the
    two inserts are one statement (the entries' insert is a CTE reading the new id), so a
    transfer costs one round trip less; SQLite has no data-modifying CTEs and takes two.
    A key already used raises ``IntegrityError`` from this statement, as ``create`` did.
    """
    quote = connection.ops.quote_name
    transfers = quote(Transfer._meta.db_table)
    entries = quote(Entry._meta.db_table)
    now = timezone.now()
    head = [key, fingerprint, str(kind), str(reference), str(memo)]
    head.append(connection.ops.adapt_datetimefield_value(now))
    names = ("key", "fingerprint", "kind", "reference", "memo", "created_at")
    columns = "(" + ", ".join(quote(name) for name in names) + ")"
    legs: list[int] = [value for pair in pairs for value in pair]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = ", ".join("(%s::bigint, %s::bigint)" for _ in pairs)
            cursor.execute(
                f"WITH t AS (INSERT INTO {transfers} {columns}"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id),"
                f" e AS (INSERT INTO {entries} (transfer_id, account_id, amount)"
                f" SELECT t.id, v.account_id, v.amount FROM t, (VALUES {rows})"
                " AS v(account_id, amount))"
                " SELECT id FROM t",
                head + legs,
            )
            transfer_id = cursor.fetchone()[0]
        else:
            cursor.execute(
                f"INSERT INTO {transfers} {columns} VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
                head,
            )
            transfer_id = cursor.lastrowid
            rows = ", ".join(f"({int(transfer_id)}, %s, %s)" for _ in pairs)
            cursor.execute(
                f"INSERT INTO {entries} (transfer_id, account_id, amount) VALUES {rows}",  # noqa: S608
                legs,
            )
    transfer = Transfer(
        id=transfer_id,
        key=key,
        fingerprint=fingerprint,
        kind=kind,
        reference=reference,
        memo=memo,
        created_at=now,
    )
    transfer._state.adding = False
    transfer._state.db = connection.alias
    return transfer


def _lock_accounts(ids: list[int]) -> dict[int, tuple[str, int]]:
    """{id: (kind, balance)} of these accounts, locked in id order (``FOR UPDATE`` where the
    database has it; SQLite's IMMEDIATE transaction already holds the write lock)."""
    table = connection.ops.quote_name(Account._meta.db_table)
    marks = ", ".join("%s" for _ in ids)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, kind, balance FROM {table} WHERE id IN ({marks})"  # noqa: S608
            f" ORDER BY id{lock}",
            ids,
        )
        return {pk: (account_kind, balance) for pk, account_kind, balance in cursor.fetchall()}


def _apply_balances(*, pairs: list[tuple[int, int]]) -> None:
    """Every leg's balance and version in one UPDATE, relative to what the database holds
    (``balance = balance + CASE id ...``: the F() expression written out).

    Written as SQL because the ORM spends more CPU compiling ``F() + Case(When...)`` than the
    database spends running it (profiled: a third of a transfer's Python time).
    """
    table = connection.ops.quote_name(Account._meta.db_table)
    cases = " ".join("WHEN %s THEN %s" for _ in pairs)
    marks = ", ".join("%s" for _ in pairs)
    params: list[int] = [value for pair in pairs for value in pair]
    params += [account_id for account_id, _ in pairs]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET balance = balance + (CASE id {cases} END),"  # noqa: S608
            f" version = version + 1 WHERE id IN ({marks})",
            params,
        )
        updated = cursor.rowcount
    if updated != len(pairs):  # pragma: no cover - the rows are locked and were read above
        raise NotFound("계정을 찾을 수 없어요.")


def _shortfall_error(missing: int) -> InsufficientFunds:
    """``missing`` is 0 when only the database CHECK knew (no balance was read)."""
    return InsufficientFunds(
        f"잔액이 부족해요. ({missing:,}원 부족)" if missing else "잔액이 부족해요.",
        field="amount",
        extra={"missing": missing},
    )


def transfer_execute(
    *, key: str, kind: str, reference: str = "", legs: Sequence[Leg], memo: str = ""
) -> Transfer:
    """Move money: all legs or none, once per ``key``.

    - ``legs``: (account or account id, signed won) pairs summing to zero, each account once,
      no zero amounts. A positive amount adds to that account.
    - Idempotent: the same key with the same request (kind, reference, memo, legs) returns the
      first ``Transfer`` (``replayed`` is True on it) and moves nothing; the same key with a
      different request raises ``IdempotencyMismatch`` (409). This holds under concurrency:
      the unique key decides, and the losers read the winner's row.
    - Accounts are locked in id order (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
      IMMEDIATE transactions already serialise writers), so two transfers over the same
      accounts never deadlock, and a balance that would go below zero raises
      ``InsufficientFunds`` ("잔액이 부족해요", with how much is missing) before any balance
      changes; the transaction is rolled back, so the key stays free for a later try. The
      database CHECK is the backstop for any other writer.
    """
    if not key or len(key) > 200:
        raise InvalidTransfer("요청 키가 올바르지 않아요.")
    # SQLite would store an over-long value that PostgreSQL refuses: refuse it on both.
    if not kind or len(kind) > 40 or len(reference) > 100 or len(memo) > 200:
        raise InvalidTransfer("이체 종류, 참조 또는 메모가 올바르지 않아요.")
    pairs = _normalise_legs(legs)
    fingerprint = _fingerprint(kind=kind, reference=reference, memo=memo, pairs=pairs)

    stage = "key"
    try:
        with transaction.atomic():
            # The key row first: a concurrent call with the same key waits here on PostgreSQL
            # (unique index) until the first commits, then fails; SQLite has serialised us.
            # Replays end here too, without touching any account.
            transfer = _insert_transfer(
                key=key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference,
                memo=memo,
                pairs=pairs,
            )
            stage = "legs"
            # Entries need no lock: written with the key, before it, they keep the time
            # others queue on a hot account (an order's escrow) to the lock, one UPDATE and
            # the commit.
            ids = [account_id for account_id, _ in pairs]
            locked = _lock_accounts(ids)
            if len(locked) != len(ids):
                raise NotFound("계정을 찾을 수 없어요.")
            missing = max(
                (
                    -(locked[account_id][1] + amount)
                    for account_id, amount in pairs
                    if locked[account_id][0] in Account.NON_NEGATIVE
                    and locked[account_id][1] + amount < 0
                ),
                default=0,
            )
            if missing:
                raise _shortfall_error(missing)
            _apply_balances(pairs=pairs)
    except IntegrityError as exc:
        if stage == "key":
            # Ours was not the first call with this key: answer with the first one's result.
            previous = _replay(key=key, fingerprint=fingerprint)
            if previous is None:  # pragma: no cover - the row that refused us is committed
                raise
            return previous
        # Only a writer bypassing this function could get here (the rows are locked and
        # were checked above); the CHECK still keeps the balance whole.
        if "wallet_account_non_negative" in str(exc):
            raise _shortfall_error(0) from exc
        raise
    transfer.replayed = False
    return transfer


# --- Named operations (thin, for the payment, escrow and payout code that comes next) --------


def topup_credit(*, key: str, user, provider: str, amount: int, memo: str = "") -> Transfer:
    """Money the provider confirmed: its clearing account → the user's cash."""
    return transfer_execute(
        key=key,
        kind="topup",
        reference=f"provider:{provider}",
        legs=[
            (provider_clearing_account(provider=provider), -amount),
            (user_cash_account(user=user), amount),
        ],
        memo=memo,
    )


def escrow_hold(
    *, key: str, user, order_ref: str, amount: int, source: str = Account.Kind.USER_CASH
) -> Transfer:
    """The user's cash (or points) → the order's escrow; ``InsufficientFunds`` if short."""
    return transfer_execute(
        key=key,
        kind="hold",
        reference=order_ref,
        legs=[
            (account_for(kind=source, owner=user), -amount),
            (escrow_account(order_ref=order_ref), amount),
        ],
    )


def escrow_release(
    *, key: str, user, order_ref: str, amount: int, source: str = Account.Kind.USER_CASH
) -> Transfer:
    """Escrow → back to the user's cash (or points): a refund or an excess hold returned."""
    return transfer_execute(
        key=key,
        kind="release",
        reference=order_ref,
        legs=[
            (escrow_account(order_ref=order_ref), -amount),
            (account_for(kind=source, owner=user), amount),
        ],
    )


def escrow_capture(*, key: str, order_ref: str, to_user, amount: int) -> Transfer:
    """Escrow → the host's cash: a member's final share, paid to whoever ordered the food."""
    return transfer_execute(
        key=key,
        kind="capture",
        reference=order_ref,
        legs=[
            (escrow_account(order_ref=order_ref), -amount),
            (user_cash_account(user=to_user), amount),
        ],
    )


def points_award(*, key: str, user, amount: int, reference: str = "") -> Transfer:
    """Platform → the user's points (never withdrawable: only cash has a payout path)."""
    return transfer_execute(
        key=key,
        kind="points",
        reference=reference,
        legs=[(platform_account(), -amount), (user_points_account(user=user), amount)],
    )


def payout_hold(*, key: str, user, amount: int, payout_ref: str = "") -> Transfer:
    """Cash → payout pending, before the provider is asked: the money cannot be spent twice."""
    return transfer_execute(
        key=key,
        kind="payout_hold",
        reference=payout_ref,
        legs=[(user_cash_account(user=user), -amount), (payout_pending_account(user=user), amount)],
    )


def payout_settle(*, key: str, user, provider: str, amount: int, payout_ref: str = "") -> Transfer:
    """The provider paid the bank account: payout pending → its clearing account."""
    return transfer_execute(
        key=key,
        kind="payout_settle",
        reference=payout_ref or f"provider:{provider}",
        legs=[
            (payout_pending_account(user=user), -amount),
            (provider_clearing_account(provider=provider), amount),
        ],
    )


def payout_fail(*, key: str, user, amount: int, payout_ref: str = "") -> Transfer:
    """The provider refused the payout: payout pending → back to cash."""
    return transfer_execute(
        key=key,
        kind="payout_fail",
        reference=payout_ref,
        legs=[(payout_pending_account(user=user), -amount), (user_cash_account(user=user), amount)],
    )


# --- Top-up: the provider's money into a user's cash -----------------------------------------


def _amount_check(amount: int, *, what: str) -> None:
    low, high = settings.WALLET_TOPUP_MIN, settings.WALLET_TOPUP_MAX
    if not isinstance(amount, int) or isinstance(amount, bool) or not low <= amount <= high:
        raise ApplicationError(
            f"{what} 금액은 {low:,}원 이상 {high:,}원 이하여야 해요.", field="amount"
        )


def topup_request(*, user, amount: int) -> TopUp:
    """A top-up to be paid in the provider's widget; its ``order_id`` goes to the provider."""
    _amount_check(amount, what="충전")
    return TopUp.objects.create(
        user=user,
        order_id=f"mb-topup-{secrets.token_urlsafe(18)}",
        provider=provider_get().name,
        amount=amount,
    )


def _topup_fail(*, topup: TopUp, payment_key: str, reason: str) -> None:
    # Conditional: a top-up already credited is never turned into a failed one.
    TopUp.objects.filter(pk=topup.pk, status=TopUp.Status.REQUESTED).update(
        status=TopUp.Status.FAILED, payment_key=payment_key, failure=reason[:200]
    )


def topup_confirm(*, order_id: str, payment_key: str, amount: int, user=None) -> TopUp:
    """Confirm a paid top-up and credit it once, whoever calls (browser return or webhook).

    - ``amount`` must be what was asked for: a changed amount (a tampered return URL) is
      refused before the provider is asked, and nothing is credited;
    - declined → the top-up is failed (``PaymentDeclined``, the provider's Korean reason);
    - timeout / provider trouble → ``ProviderUnavailable`` (503), the top-up stays
      ``requested`` and the same call can be made again;
    - credited with the key ``topup:<order_id>``: a second call, in any order or at the same
      time, finds the transfer made and moves nothing.

    ``user`` (the browser return) limits it to the user's own top-ups; the webhook passes none.
    """
    topups = TopUp.objects.filter(order_id=order_id)
    if user is not None:
        topups = topups.filter(user=user)
    topup = topups.first()
    if topup is None:
        raise NotFound("충전 요청을 찾을 수 없어요.", field="order_id")
    if amount != topup.amount:
        logger.warning("top-up %s: amount %s differs from %s", order_id, amount, topup.amount)
        raise ApplicationError(
            "결제 금액이 요청한 충전 금액과 달라요.", code="amount_mismatch", field="amount"
        )
    if topup.status == TopUp.Status.DONE:
        if topup.payment_key != payment_key:
            raise Conflict("이미 다른 결제로 충전이 끝난 요청이에요.", field="payment_key")
        return topup
    if topup.status == TopUp.Status.FAILED:
        raise PaymentDeclined(topup.failure or "결제가 거절됐어요.", field="payment_key")

    provider = provider_get()
    if provider.name != topup.provider:
        raise ApplicationError("다른 결제사로 요청된 충전이에요.", field="order_id")
    try:
        payment = provider.confirm(payment_key=payment_key, order_id=order_id, amount=amount)
    except PaymentDeclined as exc:
        _topup_fail(topup=topup, payment_key=payment_key, reason=exc.message)
        raise
    except ProviderUnavailable:
        # Remembered so ``wallet_retry_pending`` can finish it if neither the user nor the
        # webhook comes back.
        TopUp.objects.filter(pk=topup.pk, status=TopUp.Status.REQUESTED, payment_key="").update(
            payment_key=payment_key
        )
        raise
    return _topup_settle(topup=topup, payment=payment)


def _topup_settle(*, topup: TopUp, payment) -> TopUp:
    """Credit ``topup`` once for a ``payment`` the provider reported (never a body we were sent)."""
    if payment.order_id != topup.order_id or payment.amount != topup.amount:
        # The provider answered about another payment or another amount: never credit that.
        logger.error("top-up %s: provider answered for %s", topup.order_id, payment)
        raise ApplicationError(
            "결제 정보가 충전 요청과 일치하지 않아요.", code="amount_mismatch", field="amount"
        )
    if payment.is_failed:
        reason = "결제가 취소됐거나 만료됐어요."
        _topup_fail(topup=topup, payment_key=payment.payment_key, reason=reason)
        raise PaymentDeclined(reason, field="payment_key")
    if not payment.is_done:
        raise ProviderUnavailable("결제가 아직 끝나지 않았어요. 잠시 후 다시 시도해 주세요.")

    with transaction.atomic():
        topup = TopUp.objects.select_for_update().get(pk=topup.pk)
        if topup.status != TopUp.Status.DONE:
            topup_credit(
                key=f"topup:{topup.order_id}",
                user=topup.user,
                provider=topup.provider,
                amount=topup.amount,
                memo="충전",
            )
            topup.status = TopUp.Status.DONE
            topup.payment_key = payment.payment_key
            topup.failure = ""
            topup.save(update_fields=["status", "payment_key", "failure", "updated_at"])
    return topup


def topup_webhook(*, body: dict) -> TopUp | None:
    """A provider's webhook: the body only names a payment; what we fetch decides.

    Returns the top-up it settled (credited or failed), or None when there was nothing to do
    (a payment not ours, one still in progress). ``ProviderUnavailable`` asks for a retry.
    """
    provider = provider_get()
    hint = provider.webhook_parse(body)
    payment = provider.payment_get(payment_key=hint.payment_key)
    topup = TopUp.objects.filter(order_id=payment.order_id).first()
    if topup is None or topup.provider != provider.name:
        return None
    if topup.status == TopUp.Status.DONE:
        return topup  # credited already (by the browser return or an earlier webhook)
    if payment.is_done:
        # The provider says it is paid: credit it, even if a confirm of ours had been told
        # otherwise, since the user's money has left their card.
        return _topup_settle(topup=topup, payment=payment)
    if payment.is_failed:
        _topup_fail(
            topup=topup,
            payment_key=payment.payment_key,
            reason="결제가 취소됐거나 만료됐어요.",
        )
        topup.refresh_from_db()
        return topup
    return None


# --- Withdrawal: cash out to a bank account ---------------------------------------------------

_ACCOUNT_NUMBER = re.compile(r"^[0-9][0-9-]{5,28}[0-9]$")


def withdrawal_request(
    *, user, amount: int, bank: str, account_number: str, holder: str
) -> Withdrawal:
    """Hold ``amount`` of the user's cash (``payout:<id>``) and ask the provider to pay it out.

    Short of cash → ``InsufficientFunds`` and no withdrawal. The payout itself runs as a job
    after commit (``wallet.tasks.withdrawal_process``), so a slow bank never holds a request.
    """
    _amount_check(amount, what="출금")
    bank, holder = (bank or "").strip(), (holder or "").strip()
    account_number = (account_number or "").strip()
    if not bank or len(bank) > 20:
        raise ApplicationError("은행을 선택해 주세요.", field="bank")
    if not _ACCOUNT_NUMBER.match(account_number):
        raise ApplicationError("계좌번호는 숫자와 -로 8~30자예요.", field="account_number")
    if not holder or len(holder) > 30:
        raise ApplicationError("예금주를 입력해 주세요. (30자 이하)", field="holder")
    from .tasks import withdrawal_process  # the job calls back into this module

    with transaction.atomic():
        withdrawal = Withdrawal.objects.create(
            user=user,
            provider=provider_get().name,
            amount=amount,
            bank=bank,
            account_number=account_number,
            holder=holder,
        )
        ref = f"payout:{withdrawal.pk}"
        payout_hold(key=ref, user=user, amount=amount, payout_ref=ref)
        transaction.on_commit(lambda: withdrawal_process.enqueue(withdrawal_id=withdrawal.pk))
    return withdrawal


def withdrawal_settle(*, withdrawal_id: int) -> Withdrawal:
    """Ask the provider to pay a requested withdrawal; settle or return the money.

    Idempotent: a withdrawal no longer ``requested`` is returned as it is, and the ledger keys
    (``payout-settle:<id>`` / ``payout-fail:<id>``) move money once. A provider timeout leaves
    it requested (``ProviderUnavailable``) for the next run; the provider receives the same
    payout id again, so it pays once.
    """
    withdrawal = Withdrawal.objects.get(pk=withdrawal_id)
    if withdrawal.status != Withdrawal.Status.REQUESTED:
        return withdrawal
    ref = f"payout:{withdrawal.pk}"
    result = provider_get().payout(
        payout_id=ref,
        amount=withdrawal.amount,
        bank=withdrawal.bank,
        account_number=withdrawal.account_number,
        holder=withdrawal.holder,
    )
    with transaction.atomic():
        withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal_id)
        if withdrawal.status != Withdrawal.Status.REQUESTED:
            return withdrawal
        if result.is_done:
            payout_settle(
                key=f"payout-settle:{withdrawal.pk}",
                user=withdrawal.user,
                provider=withdrawal.provider,
                amount=withdrawal.amount,
                payout_ref=ref,
            )
            withdrawal.status = Withdrawal.Status.DONE
        else:
            payout_fail(
                key=f"payout-fail:{withdrawal.pk}",
                user=withdrawal.user,
                amount=withdrawal.amount,
                payout_ref=ref,
            )
            withdrawal.status = Withdrawal.Status.FAILED
            withdrawal.failure = (result.message or "출금이 거절됐어요.")[:200]
        withdrawal.save(update_fields=["status", "failure", "updated_at"])
    return withdrawal


def wallet_retry_pending(*, older_than_minutes: int = 5) -> dict[str, int]:
    """Finish what a provider timeout left open: top-ups with a payment key still
    ``requested`` and withdrawals still held. Safe to run any number of times (fixed keys)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    done = {"topups": 0, "withdrawals": 0}
    topups = TopUp.objects.filter(
        status=TopUp.Status.REQUESTED, updated_at__lt=cutoff, provider=provider_get().name
    ).exclude(payment_key="")
    for topup in topups.order_by("pk")[:100]:
        try:
            topup_confirm(
                order_id=topup.order_id, payment_key=topup.payment_key, amount=topup.amount
            )
        except ApplicationError:
            continue  # declined ones are failed now; unavailable ones wait for the next run
        done["topups"] += 1
    withdrawals = Withdrawal.objects.filter(
        status=Withdrawal.Status.REQUESTED, created_at__lt=cutoff
    ).order_by("pk")
    for withdrawal in withdrawals[:100]:
        try:
            withdrawal_settle(withdrawal_id=withdrawal.pk)
        except ProviderUnavailable:
            continue
        done["withdrawals"] += 1
    return done
