from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The original client's 14 categories, spelled exactly as it sends them.
CATEGORIES = [
    "족발,보쌈",
    "찜,탕,찌개",
    "돈까스,회,일식",
    "피자",
    "고기구이",
    "양식",
    "치킨",
    "중식",
    "아시안",
    "백반,죽,국수",
    "도시락",
    "분식",
    "카페,디저트",
    "페스트푸드",
]
CATEGORY_CHOICES = [(c, c) for c in CATEGORIES]

# How the pages write a category (display only: stored values and the API stay exactly what
# the original client sends, spelling mistake included). The separator is a middle dot.
CATEGORY_LABELS = {
    "족발,보쌈": "족발·보쌈",
    "찜,탕,찌개": "찜·탕·찌개",
    "돈까스,회,일식": "돈까스·회·일식",
    "백반,죽,국수": "백반·죽·국수",
    "카페,디저트": "카페·디저트",
    "페스트푸드": "패스트푸드",
}


def category_label(category: str) -> str:
    """The display label of a stored category (unknown values are shown as they are)."""
    return CATEGORY_LABELS.get(category, category)


MIN_TARGET = 2
MAX_TARGET = 10
MAX_NOSHOW_DEPOSIT = 5_000


def order_ref(group_order_id: int) -> str:
    """``order:<id>``: the escrow account of a group order and its transfers' reference."""
    return f"order:{group_order_id}"


# --- "Past the deadline means closed": the one definition ---------------------------------
# The row keeps saying "recruiting" until ``close_expired`` runs; everyone must already see
# "closed" once the deadline has passed. ``status_at`` is the rule on values (the model method
# and the plain-SQL reads use it); ``recruiting_q`` / ``status_q`` are the same rule as
# database filters. Nothing else compares a deadline with the clock to decide a status.


def status_at(*, status: str, deadline, now) -> str:
    """The status people see at ``now`` for a row's ``status`` and ``deadline``."""
    if status == "recruiting" and deadline <= now:
        return "closed"
    return status


def recruiting_q(now) -> Q:
    """Orders still recruiting at ``now`` (the row says so and the deadline is ahead)."""
    return Q(status="recruiting", deadline__gt=now)


def past_deadline_q(now) -> Q:
    """Rows that still say recruiting but read as closed: the deadline has passed."""
    return Q(status="recruiting", deadline__lte=now)


def status_q(status: str, now) -> Q:
    """A filter for the status people see (``status_at`` as a database filter)."""
    if status == "recruiting":
        return recruiting_q(now)
    if status == "closed":
        return Q(status="closed") | past_deadline_q(now)
    return Q(status=status)


class GroupOrder(models.Model):
    """A neighbour's 'I'm ordering from X at 19:00, who's in?' (the original "post")."""

    class Status(models.TextChoices):
        RECRUITING = "recruiting", "모집중"
        CLOSED = "closed", "모집마감"
        ORDERED = "ordered", "주문완료"
        DELIVERED = "delivered", "배달완료"
        CANCELLED = "cancelled", "취소"

    class FeeSplit(models.TextChoices):
        EQUAL = "equal", "똑같이 나누기"
        PROPORTIONAL = "proportional", "주문 금액에 비례"

    class Payment(models.TextChoices):
        DIRECT = "direct", "직접 정산"
        PREPAID = "prepaid", "앱에서 결제"

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_orders"
    )
    title = models.CharField("제목", max_length=30)
    description = models.TextField("내용", blank=True, max_length=2000)
    category = models.CharField("카테고리", max_length=20, choices=CATEGORY_CHOICES)
    restaurant = models.CharField("가게 이름", max_length=50, blank=True)
    min_order_amount = models.PositiveBigIntegerField("최소주문금액", default=0)
    delivery_fee = models.PositiveBigIntegerField("배달비", default=0)
    target_count = models.PositiveSmallIntegerField("모집 인원")
    # Current members, host included. Changed only by conditional UPDATEs in services.
    member_count = models.PositiveSmallIntegerField(default=1)
    deadline = models.DateTimeField("마감 시각", db_index=True)
    pickup_spot = models.CharField("수령 장소", max_length=100, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="group_orders"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECRUITING, db_index=True
    )
    fee_split = models.CharField(max_length=12, choices=FeeSplit.choices, default=FeeSplit.EQUAL)
    # Why recruitment closed: "full", "host" or "deadline"; a leave reopens only "full".
    closed_reason = models.CharField(max_length=10, blank=True)
    # Money (issue 10): "앱에서 결제" holds each member's share in the order's escrow; "직접
    # 정산" leaves paying to bank transfers, tracked in the 정산 section.
    payment = models.CharField(
        "결제 방식", max_length=8, choices=Payment.choices, default=Payment.DIRECT
    )
    noshow_deposit = models.PositiveIntegerField("노쇼 보증금", default=0)
    settle_account = models.CharField("정산 받을 계좌", max_length=100, blank=True)
    receipt = models.ImageField("영수증", upload_to="receipts/", blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    # Only members whose 동네인증 is current may join (the host's choice).
    verified_only = models.BooleanField("동네인증한 이웃만", default=False)
    # Hidden by a moderator: gone from every list and page but the host's and staff's.
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The feeds read newest first with id as the tie-break: one index walk, no sort.
            models.Index(fields=["region", "-created_at", "-id"], name="grouporder_feed"),
            models.Index(fields=["region", "status", "deadline"]),
            models.Index(
                fields=["region", "category", "-created_at", "-id"], name="grouporder_feed_cat"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_count__gte=MIN_TARGET) & Q(target_count__lte=MAX_TARGET),
                name="grouporder_target_range",
            ),
            models.CheckConstraint(
                condition=Q(member_count__lte=models.F("target_count")),
                name="grouporder_members_within_target",
            ),
            models.CheckConstraint(
                condition=Q(noshow_deposit__lte=MAX_NOSHOW_DEPOSIT)
                & (Q(noshow_deposit=0) | Q(payment="prepaid")),
                name="grouporder_deposit_prepaid_only",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # An order past its deadline is closed everywhere, even before `close_expired` runs.
    def current_status(self, now=None) -> str:
        return status_at(status=self.status, deadline=self.deadline, now=now or timezone.now())

    @property
    def status_label(self) -> str:
        return self.Status(self.current_status()).label

    @property
    def is_recruiting(self) -> bool:
        return self.current_status() == self.Status.RECRUITING

    @property
    def is_editable(self) -> bool:
        """Details and items change only before the host marks the order ordered."""
        return self.current_status() in (self.Status.RECRUITING, self.Status.CLOSED)

    @property
    def is_prepaid(self) -> bool:
        return self.payment == self.Payment.PREPAID

    @property
    def ledger_ref(self) -> str:
        """The order's escrow account and its transfers' reference in the ledger."""
        return order_ref(self.pk)

    @property
    def seats_left(self) -> int:
        return max(self.target_count - self.member_count, 0)


class DepositState(models.TextChoices):
    NONE = "", "없음"
    HELD = "held", "보관 중"
    RETURNED = "returned", "돌려받음"
    NOSHOW = "noshow", "노쇼 신고됨"
    DISPUTED = "disputed", "이의 제기됨"
    FORFEITED = "forfeited", "방장에게 지급됨"


class Participation(models.Model):
    """A current member of a group order (the host included). Leaving deletes the row."""

    group_order = models.ForeignKey(
        GroupOrder, on_delete=models.CASCADE, related_name="participations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    # --- money (prepaid orders) --- what this member has in the order's escrow now, by
    # source. ``hold_seq`` numbers their holds (idempotency keys ``hold:<id>:<n>``).
    held_cash = models.PositiveBigIntegerField(default=0)
    held_points = models.PositiveBigIntegerField(default=0)
    hold_seq = models.PositiveIntegerField(default=0)
    use_points = models.BooleanField("포인트 먼저 쓰기", default=False)
    spending_cap = models.PositiveBigIntegerField("내 한도", null=True, blank=True)
    # The share paid to the host when the order was placed (prepaid), in won.
    captured = models.PositiveBigIntegerField(default=0)
    deposit_held = models.PositiveIntegerField(default=0)
    deposit_state = models.CharField(
        max_length=10, choices=DepositState.choices, default=DepositState.NONE, blank=True
    )
    noshow_at = models.DateTimeField(null=True, blank=True)
    # --- settlement and handoff --- paid: captured in the app, or the host ticked "입금
    # 확인"; sent: the member ticked "송금했어요"; received: "받았어요".
    paid_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group_order", "user"], name="participation_unique"),
        ]

    @property
    def held(self) -> int:
        """Won held for the share (cash + points), the deposit apart."""
        return self.held_cash + self.held_points


class OrderItem(models.Model):
    """One line of what a member will order."""

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="items")
    name = models.CharField("메뉴", max_length=50)
    unit_price = models.PositiveBigIntegerField("가격")
    quantity = models.PositiveSmallIntegerField("수량", default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Ban(models.Model):
    """A user the host removed; they can never rejoin this group order."""

    group_order = models.ForeignKey(GroupOrder, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group_order", "user"], name="ban_unique")]
