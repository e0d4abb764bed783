"""Double-entry ledger in integer won.

Every movement of money is one ``Transfer`` with two or more ``Entry`` legs whose amounts
sum to zero. ``Account.balance`` is a cache of the sum of the account's entries, updated in
the same transaction as the entries (``version`` counts them), so reading a balance is one
row and ``manage.py wallet_check`` can prove the cache right.

Sign convention: a positive amount adds to the account's balance. Accounts that hold a
person's money (cash, points, payout pending) and order escrow can never go below zero: a
database CHECK says so, whatever code runs. The provider clearing account goes negative by
design: it is the mirror of money that came in from (or went out to) a payment provider,
which is why the sum of *all* balances is always exactly 0.

The ledger names no group-order model: an escrow account is found by its ``reference``
(``order:<id>``), a provider's clearing account by ``provider:<name>``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# Plain strings, so the migration's CHECK does not depend on the enum class.
_NON_NEGATIVE = ["user_cash", "user_points", "payout_pending", "escrow"]
_USER_KINDS = ["user_cash", "user_points", "payout_pending"]


class Account(models.Model):
    class Kind(models.TextChoices):
        USER_CASH = "user_cash", "현금"
        USER_POINTS = "user_points", "포인트"
        PAYOUT_PENDING = "payout_pending", "출금 대기"
        ESCROW = "escrow", "주문 보관금"
        PLATFORM = "platform", "플랫폼"
        PROVIDER_CLEARING = "provider_clearing", "결제사 정산"

    # Balances that belong to someone and therefore never go below zero.
    NON_NEGATIVE = (Kind.USER_CASH, Kind.USER_POINTS, Kind.PAYOUT_PENDING, Kind.ESCROW)
    USER_KINDS = (Kind.USER_CASH, Kind.USER_POINTS, Kind.PAYOUT_PENDING)

    kind = models.CharField("종류", max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # A user who still has money cannot vanish with it; account deletion must settle first.
        on_delete=models.PROTECT,
        related_name="wallet_accounts",
        verbose_name="소유자",
    )
    reference = models.CharField("참조", max_length=100, blank=True, default="")
    balance = models.BigIntegerField("잔액 (원)", default=0)
    version = models.PositiveBigIntegerField("버전", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "계정"
        verbose_name_plural = "계정"
        constraints = [
            # NULL owners are distinct in a plain unique index, so platform/escrow/clearing
            # accounts (no owner) get their own partial index.
            models.UniqueConstraint(
                fields=["kind", "owner", "reference"],
                condition=Q(owner__isnull=False),
                name="wallet_account_unique_owned",
            ),
            models.UniqueConstraint(
                fields=["kind", "reference"],
                condition=Q(owner__isnull=True),
                name="wallet_account_unique_unowned",
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0) | ~Q(kind__in=_NON_NEGATIVE),
                name="wallet_account_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | ~Q(kind__in=_USER_KINDS),
                name="wallet_account_user_kinds_owned",
            ),
        ]

    def __str__(self) -> str:
        who = f"user:{self.owner_id}" if self.owner_id else self.reference
        return f"{self.get_kind_display()} {who} ({self.balance:,}원)"


class Transfer(models.Model):
    """One money movement. ``key`` makes retries safe: a second call with the same key and
    the same request (``fingerprint``) returns this row instead of moving money again."""

    key = models.CharField("멱등 키", max_length=200, unique=True)
    fingerprint = models.CharField("요청 지문", max_length=64)
    kind = models.CharField("종류", max_length=40)
    reference = models.CharField("참조", max_length=100, blank=True, default="")
    memo = models.CharField("메모", max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "이체"
        verbose_name_plural = "이체"
        indexes = [models.Index(fields=["reference"], name="wallet_transfer_reference")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class InsertOnly(Exception):
    """Entries are history: a correction is a new transfer, never an edited row."""


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise InsertOnly("ledger entries cannot be updated")

    def delete(self):
        raise InsertOnly("ledger entries cannot be deleted")


class Entry(models.Model):
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="entries", verbose_name="이체"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name="계정"
    )
    amount = models.BigIntegerField("금액 (원)")

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "분개"
        verbose_name_plural = "분개"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_nonzero"),
        ]
        # History of one account in order, and its running balance, come from this index.
        indexes = [models.Index(fields=["account", "id"], name="wallet_entry_account_id")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+,}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise InsertOnly("ledger entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InsertOnly("ledger entries cannot be deleted")


class TopUp(models.Model):
    """A top-up asked for: ``order_id`` is our name for it at the provider, and the ledger's
    key (``topup:<order_id>``), so whichever of the browser return and the webhook arrives
    second finds the money already credited."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "결제 대기"
        DONE = "done", "충전 완료"
        FAILED = "failed", "실패"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="topups"
    )
    order_id = models.CharField("주문 번호", max_length=64, unique=True)
    provider = models.CharField("결제사", max_length=20)
    amount = models.PositiveBigIntegerField("요청 금액 (원)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    payment_key = models.CharField("결제 키", max_length=200, blank=True, default="")
    failure = models.CharField("실패 사유", max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "충전"
        verbose_name_plural = "충전"

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount:,}원 {self.status}"


class Withdrawal(models.Model):
    """Cash to a bank account: held (``payout:<id>``) until the provider says paid or failed."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "처리 중"
        DONE = "done", "출금 완료"
        FAILED = "failed", "실패 (환급됨)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawals"
    )
    provider = models.CharField("결제사", max_length=20)
    amount = models.PositiveBigIntegerField("금액 (원)")
    bank = models.CharField("은행", max_length=20)
    account_number = models.CharField("계좌번호", max_length=30)
    holder = models.CharField("예금주", max_length=30)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    failure = models.CharField("실패 사유", max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "출금"
        verbose_name_plural = "출금"

    def __str__(self) -> str:
        return f"출금 {self.pk} {self.amount:,}원 {self.status}"
