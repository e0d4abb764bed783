"""Group-order reads: the feed, members, and the fee split.

The fee split order is fixed and documented: members are listed host first, then by join
time (``joined_at``, then id). ``split_won`` hands the won left over after flooring to the
largest fractional remainders, ties to the earlier position, so with an equal split the
host gets the first extra won, the first joiner the next, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mealbuddy.core.money import split_won
from mealbuddy.core.sql import aware_datetime
from mealbuddy.groupbuys.models import (
    CATEGORIES,
    Ban,
    GroupOrder,
    OrderItem,
    Participation,
    category_label,
    recruiting_q,
    status_q,
)
from mealbuddy.groupbuys.rules import is_neighbour  # noqa: F401 - read here by the pages

Status = GroupOrder.Status

# The feed's orders. "closing" is the board's default (see ``group_order_feed``); "newest"
# stays the API's and the original client's default; "deadline" is the plain clock order.
SORTS = {"closing": "곧 마감·자리 적은 순", "newest": "최신순", "deadline": "마감 시각순"}
BOARD_SORT = "closing"

# "Closing soon and nearly full first": a recruiting order's score is the quarter-hours left
# before its deadline (counted up to CLOSING_QUARTERS, so every order 2 h 15 min or more away
# scores the same there) plus its seats left. Lower comes first: one seat left weighs as much
# as 15 minutes, so "3 seats, 20 minutes" (1 + 3 = 4) and "1 seat, 50 minutes" (3 + 1 = 4)
# tie, and ties go to the earlier deadline, then the newer order.
CLOSING_QUARTER = timedelta(minutes=15)
CLOSING_QUARTERS = 9


def feed_region_ids(*, user, include_neighbours: bool = False) -> list[int]:
    if getattr(user, "region_id", None) is None:
        return []
    if not include_neighbours:
        return [user.region_id]
    from mealbuddy.regions.selectors import region_neighbour_ids

    return [user.region_id, *region_neighbour_ids(region=user.region)]


def closing_score(now: datetime):
    """The "closing" sort's score as a database expression (recruiting rows only; 0 for the
    rest, which sort after them anyway)."""
    quarters = Case(
        *[
            When(deadline__lte=now + CLOSING_QUARTER * (n + 1), then=Value(n))
            for n in range(CLOSING_QUARTERS)
        ],
        default=Value(CLOSING_QUARTERS),
        output_field=IntegerField(),
    )
    seats_left = ExpressionWrapper(
        F("target_count") - F("member_count"), output_field=IntegerField()
    )
    return Case(
        When(recruiting_q(now), then=ExpressionWrapper(quarters + seats_left, IntegerField())),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- Who sees an order: hidden by moderators, or between two people who blocked each other --
# (issue 12). Written once: the ORM form ``group_order_visible_q`` for every list, the row
# form ``group_order_visible`` for a detail (REST, page, the original client), both fed by
# the same facts, read in the same query as the order (no query of their own).

HIDDEN_ORDER_NOTE = "운영정책에 따라 숨겨진 모집글이에요"


def _blocked_hosts_q(viewer_id: int) -> Q:
    """Orders whose host blocked the viewer or whom the viewer blocked (either side)."""
    from mealbuddy.trust.models import Block

    return Q(host_id__in=Block.objects.filter(blocker_id=viewer_id).values("blocked_id")) | Q(
        host_id__in=Block.objects.filter(blocked_id=viewer_id).values("blocker_id")
    )


def viewer_blocked_exists(viewer_id: int) -> Exists:
    """True on an order row when its host and the viewer are blocked either way."""
    from mealbuddy.trust.models import Block

    host = OuterRef("host_id")
    return Exists(
        Block.objects.filter(
            Q(blocker_id=viewer_id, blocked_id=host) | Q(blocker_id=host, blocked_id=viewer_id)
        )
    )


def group_order_visible_q(*, viewer) -> Q:
    """The orders ``viewer`` may see in any list: neither hidden by a moderator nor hosted
    by someone the viewer blocked or who blocked the viewer, unless the viewer hosts it or
    is a member (an order someone is already in stays theirs: their money, items and room
    are in it, and the host sees "운영정책에 따라 숨겨진 모집글이에요"). Staff see every order.
    The cheap test comes first so most rows never reach the membership subquery."""
    viewer_id = getattr(viewer, "pk", None)
    if viewer_id is None:
        return Q(hidden_at__isnull=True)
    if getattr(viewer, "is_staff", False):
        return Q()
    member = Exists(Participation.objects.filter(group_order_id=OuterRef("pk"), user_id=viewer_id))
    return (
        (Q(hidden_at__isnull=True) & ~_blocked_hosts_q(viewer_id))
        | Q(host_id=viewer_id)
        | Q(member)
    )


def group_order_visible(
    *, host_id: int, hidden: bool, viewer, is_member: bool, blocked: bool
) -> bool:
    """``group_order_visible_q`` for one order whose facts are known: hidden or not, whether
    the viewer is a member, whether the viewer and the host blocked each other."""
    if getattr(viewer, "is_staff", False) or is_member:
        return True
    if getattr(viewer, "pk", None) == host_id:
        return True
    return not hidden and not blocked


def group_order_feed(
    *,
    user,
    category: str | None = None,
    status: str | None = None,
    q: str | None = None,
    sort: str = "newest",
    include_neighbours: bool = False,
    for_cards: bool = False,
    verified_hosts: bool = False,
) -> QuerySet[GroupOrder]:
    """Group orders of ``user``'s neighbourhood (and bordering ones if asked).

    Recruiting orders come first, then the rest. Within the recruiting ones: newest first
    (``sort="newest"``), closing soonest (``"deadline"``), or closing soon and nearly full
    first (``"closing"``, the board's default: ``CLOSING_QUARTER`` above). The rest are
    newest first, except with ``"deadline"``. ``q`` searches title and restaurant. Unknown
    category/status/sort values are ignored. The host (with the profile, for the avatar) and
    region come in the same query; slice it for a page (fixed number of queries per page).
    ``for_cards`` also reads whether the host banned ``user`` (``viewer_banned``), which
    ``group_order_cards`` needs, in the same query. ``verified_hosts`` ("인증된 방장만")
    keeps the orders whose host's 동 is verified now (``trust.selectors.region_verified``).
    """
    now = timezone.now()
    region_ids = feed_region_ids(user=user, include_neighbours=include_neighbours)
    queryset = (
        GroupOrder.objects.filter(region_id__in=region_ids)
        .filter(group_order_visible_q(viewer=user))
        .select_related("host", "host__profile", "host__standing", "region", "chat_room")
    )
    if verified_hosts:
        from mealbuddy.trust.selectors import region_verified_q

        queryset = queryset.filter(region_verified_q(prefix="host__", now=now))
    if category in CATEGORIES:
        queryset = queryset.filter(category=category)
    if status in Status.values:
        queryset = queryset.filter(status_q(status, now))
    if q:
        q = q.strip()[:50]
        queryset = queryset.filter(Q(title__icontains=q) | Q(restaurant__icontains=q))
    queryset = queryset.annotate(
        open_rank=Case(
            When(recruiting_q(now), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    if for_cards and getattr(user, "pk", None) is not None:
        queryset = queryset.annotate(
            viewer_banned=Exists(Ban.objects.filter(group_order=OuterRef("pk"), user_id=user.pk))
        )
    if sort == "deadline":
        return queryset.order_by("open_rank", "deadline", "-id")
    if sort == "closing":
        recruiting_deadline = Case(
            When(recruiting_q(now), then=F("deadline")), output_field=DateTimeField()
        )
        return queryset.annotate(closing=closing_score(now)).order_by(
            "open_rank",
            "closing",
            recruiting_deadline.asc(nulls_last=True),
            "-created_at",
            "-id",
        )
    return queryset.order_by("open_rank", "-created_at", "-id")


def member_order(participations) -> list[Participation]:
    """Host first, then by join time: the documented leftover-won order."""
    return sorted(
        participations,
        key=lambda p: (p.user_id != p.group_order.host_id, p.joined_at, p.pk),
    )


def group_order_members(*, group_order: GroupOrder) -> list[Participation]:
    """Current members (Participation with ``user`` and ``items`` loaded), host first,
    then in join order. Two queries."""
    participations = (
        Participation.objects.filter(group_order=group_order)
        # The member list shows each person's photo, 동네인증 badge and 매너 점수.
        .select_related("user", "user__profile", "user__standing")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
    )
    for participation in participations:
        participation.group_order = group_order
    return member_order(participations)


def is_member(*, group_order: GroupOrder, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Participation.objects.filter(group_order=group_order, user=user).exists()


_is_member = is_member  # group_order_actions takes an ``is_member`` argument of its own


@dataclass(frozen=True)
class MemberShare:
    participation: Participation
    user: object
    is_host: bool
    items: list[OrderItem]
    items_subtotal: int
    fee_share: int

    @property
    def total(self) -> int:
        return self.items_subtotal + self.fee_share


@dataclass(frozen=True)
class FeeBreakdown:
    """What everyone pays. ``members`` are in the fixed order (host first, join order)."""

    fee_split: str
    delivery_fee: int
    min_order_amount: int
    items_total: int
    members: list[MemberShare] = field(default_factory=list)

    @property
    def missing_amount(self) -> int:
        """How much is still missing to reach the minimum order (0 when reached)."""
        return max(self.min_order_amount - self.items_total, 0)

    @property
    def fee_total(self) -> int:
        return sum(m.fee_share for m in self.members)

    @property
    def grand_total(self) -> int:
        return self.items_total + self.fee_total

    def share_for(self, user_id: int | None) -> MemberShare | None:
        return next((m for m in self.members if m.user.pk == user_id), None)


def fee_shares(*, delivery_fee: int, fee_split: str, subtotals: list[int]) -> list[int]:
    """Each member's share of the delivery fee, in the order of ``subtotals``.

    Equal: the fee over the headcount. Proportional: weighted by items subtotal (all zero
    falls back to equal). Whole won, always summing exactly to ``delivery_fee``.
    """
    if fee_split == GroupOrder.FeeSplit.PROPORTIONAL:
        return split_won(delivery_fee, subtotals)
    return split_won(delivery_fee, [1] * len(subtotals))


def fee_breakdown(
    group_order: GroupOrder, *, members: list[Participation] | None = None
) -> FeeBreakdown:
    """Items total vs the minimum order, and each member's subtotal, fee share and total.

    Pass ``members`` from ``group_order_members`` to reuse them; otherwise two queries.
    """
    if members is None:
        members = group_order_members(group_order=group_order)
    subtotals = [sum(i.unit_price * i.quantity for i in p.items.all()) for p in members]
    shares = fee_shares(
        delivery_fee=group_order.delivery_fee,
        fee_split=group_order.fee_split,
        subtotals=subtotals,
    )
    return FeeBreakdown(
        fee_split=group_order.fee_split,
        delivery_fee=group_order.delivery_fee,
        min_order_amount=group_order.min_order_amount,
        items_total=sum(subtotals),
        members=[
            MemberShare(
                participation=p,
                user=p.user,
                is_host=p.user_id == group_order.host_id,
                items=list(p.items.all()),
                items_subtotal=subtotal,
                fee_share=share,
            )
            for p, subtotal, share in zip(members, subtotals, shares, strict=True)
        ],
    )


@dataclass(frozen=True)
class WouldBeShare:
    """A visitor's delivery-fee share if they joined now, and once the order fills.

    Estimated with an equal split (proportional orders depend on what everyone orders);
    the newcomer is last in the order, so gets no leftover won.
    """

    now: int | None
    when_full: int


def order_items_total(*, group_order_id: int) -> int:
    """The sum of every member's items on one order (one query)."""
    return OrderItem.objects.filter(participation__group_order_id=group_order_id).aggregate(
        total=Coalesce(Sum(F("unit_price") * F("quantity")), 0)
    )["total"]


def escrow_finished(references: list[str]) -> list[str]:
    """``WALLET_ESCROW_FINISHED`` for ``manage.py wallet_check``: of these ledger references
    (``order:<id>``), the ones whose order is finished (delivered, cancelled or deleted), so
    their escrow must be empty."""
    ids = {}
    for reference in references:
        prefix, _, raw = reference.partition(":")
        if prefix == "order" and raw.isdigit():
            ids[int(raw)] = reference
    live = set(
        GroupOrder.objects.filter(pk__in=list(ids))
        .exclude(status__in=[Status.DELIVERED, Status.CANCELLED])
        .values_list("pk", flat=True)
    )
    return [reference for pk, reference in ids.items() if pk not in live]


def would_be_share(group_order: GroupOrder) -> WouldBeShare:
    """No query: uses ``member_count``, ``target_count`` and ``delivery_fee``."""
    fee = group_order.delivery_fee
    when_full = split_won(fee, [1] * group_order.target_count)[-1]
    if group_order.member_count >= group_order.target_count:
        return WouldBeShare(now=None, when_full=when_full)
    return WouldBeShare(
        now=split_won(fee, [1] * (group_order.member_count + 1))[-1], when_full=when_full
    )


def joined_ids(*, user, group_order_ids) -> set[int]:
    """Which of these orders ``user`` is a member of (one query)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Participation.objects.filter(
            user=user, group_order_id__in=list(group_order_ids)
        ).values_list("group_order_id", flat=True)
    )


# --- the board's cards ---------------------------------------------------------------------

# Walking speed for "도보 N분" (about 4 km/h, the figure Korean map apps use).
WALK_METRES_PER_MINUTE = 67
_EARTH_RADIUS_M = 6_371_000

# What happened to an order that no longer recruits, in the words its card shows instead of
# a countdown (keyed by the status people see, and for "closed" by why it closed).
OUTCOMES = {
    "full": "인원이 다 차서 마감됐어요",
    "host": "방장이 모집을 마감했어요",
    "deadline": "마감 시각이 지나 마감됐어요",
    Status.ORDERED: "주문했어요. 배달을 기다려요",
    Status.DELIVERED: "음식이 도착했어요",
    Status.CANCELLED: "취소된 주문이에요",
}


def distance_m(lat1, lon1, lat2, lon2) -> float | None:
    """Great-circle distance in metres between two WGS84 points; None if one is unknown."""
    if None in (lat1, lon1, lat2, lon2):
        return None
    from math import asin, cos, radians, sin, sqrt

    phi1, phi2 = radians(lat1), radians(lat2)
    d_phi, d_lambda = phi2 - phi1, radians(lon2 - lon1)
    a = sin(d_phi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))


@dataclass(frozen=True)
class Walk:
    """How far an order's pickup point is from the viewer. The host's point is their home
    address, so the page only ever gets it rounded: metres to the next 100 (at least 100),
    minutes on foot at ``WALK_METRES_PER_MINUTE`` (at least 1)."""

    metres: int
    minutes: int

    @classmethod
    def between(cls, viewer, group_order: GroupOrder) -> Walk | None:
        exact = distance_m(
            getattr(viewer, "lat", None),
            getattr(viewer, "lon", None),
            group_order.lat,
            group_order.lon,
        )
        if exact is None:
            return None
        metres = max(100, -(-int(exact) // 100) * 100)
        return cls(metres=metres, minutes=max(1, round(exact / WALK_METRES_PER_MINUTE)))


@dataclass(frozen=True)
class BoardCard:
    """One order on the board, with everything its card shows already decided.

    ``expected`` is "내 예상 부담액" (no items yet + the fee share a join gives now), set only
    when the viewer could join: prepaid orders from ``join_hold``, the others from
    ``would_be_share``. ``mine`` is the viewer's own line when they are a member.
    """

    order: GroupOrder
    status: str
    is_open: bool
    outcome: str
    category_label: str
    breakdown: FeeBreakdown
    joined: bool
    mine: MemberShare | None
    can_join: bool
    share: WouldBeShare
    hold: JoinHold | None
    expected: int | None
    walk: Walk | None
    host_avatar_url: str

    @property
    def hidden_note(self) -> str:
        """Only the host (and staff) still get a hidden order on the board: say why it is
        gone for everyone else."""
        return HIDDEN_ORDER_NOTE if self.order.hidden_at is not None else ""

    @property
    def progress_percent(self) -> int:
        """How far the items are towards the minimum order, 0–100."""
        minimum = self.breakdown.min_order_amount
        if not minimum:
            return 100
        return min(100, self.breakdown.items_total * 100 // minimum)

    @property
    def shows_minimum(self) -> bool:
        """The minimum-order bar matters while the order can still change."""
        return bool(self.breakdown.min_order_amount) and self.status in (
            Status.RECRUITING,
            Status.CLOSED,
        )


def _avatar_url(user) -> str:
    from django.core.exceptions import ObjectDoesNotExist

    if not user.is_active:
        return ""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        return ""
    avatar = profile.avatar_thumb or profile.avatar  # the 96 px square made at upload
    return avatar.url if avatar else ""


def _outcome(group_order: GroupOrder, status: str) -> str:
    if status == Status.CLOSED:
        # Still "recruiting" on the row means the deadline passed before close_expired ran.
        reason = group_order.closed_reason if group_order.status == Status.CLOSED else "deadline"
        return OUTCOMES.get(reason, "모집이 마감됐어요")
    return OUTCOMES.get(status, "")


def group_order_cards(
    *, user, group_orders: list[GroupOrder], now: datetime | None = None
) -> list[BoardCard]:
    """The board's cards for a page of ``group_order_feed(for_cards=True)``: two queries
    whatever the page holds (members with their users, then their items); one more for the
    viewer's bans if the orders were read without ``for_cards``.

    Each card's money comes from the selectors the order page uses (``fee_breakdown``,
    ``would_be_share``, ``join_hold``), whether the viewer could join from
    ``rules.join_refusal``, the distance from ``Walk.between``.
    """
    from mealbuddy.groupbuys import rules

    now = now or timezone.now()
    if not group_orders:
        return []
    ids = [o.pk for o in group_orders]
    by_order: dict[int, list[Participation]] = {pk: [] for pk in ids}
    participations = (
        Participation.objects.filter(group_order_id__in=ids)
        .select_related("user")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
    )
    for participation in participations:
        by_order[participation.group_order_id].append(participation)
    user_id = getattr(user, "pk", None)
    if user_id is None:
        banned = set()
    elif all(hasattr(o, "viewer_banned") for o in group_orders):
        banned = {o.pk for o in group_orders if o.viewer_banned}
    else:
        banned = set(
            Ban.objects.filter(group_order_id__in=ids, user_id=user_id).values_list(
                "group_order_id", flat=True
            )
        )
    cards = []
    for group_order in group_orders:
        for participation in by_order[group_order.pk]:
            participation.group_order = group_order
        breakdown = fee_breakdown(group_order, members=member_order(by_order[group_order.pk]))
        mine = breakdown.share_for(user_id)
        joined = mine is not None
        can_join = not joined and (
            rules.join_refusal(group_order, user=user, is_banned=group_order.pk in banned, now=now)
            is None
        )
        share = would_be_share(group_order)
        hold = join_hold(group_order, breakdown) if can_join else None
        expected = None
        if can_join:
            expected = hold.fee if hold is not None else share.now
        status = group_order.current_status(now)
        cards.append(
            BoardCard(
                order=group_order,
                status=status,
                is_open=status == Status.RECRUITING,
                outcome="" if status == Status.RECRUITING else _outcome(group_order, status),
                category_label=category_label(group_order.category),
                breakdown=breakdown,
                joined=joined,
                mine=mine,
                can_join=can_join,
                share=share,
                hold=hold,
                expected=expected,
                walk=Walk.between(user, group_order),
                host_avatar_url=_avatar_url(group_order.host),
            )
        )
    return cards


# --- the original client's feed and detail: the hottest reads, in plain SQL -----------------
#
# Building these statements through the ORM costs more CPU than running them (several ms a
# request on the benchmark machine), so the two reads behind ``/api/post/`` are written out
# once here. They return plain dicts keyed like ``POST_COLUMNS`` below.

POST_COLUMNS = (
    ("g.id", "id"),
    ("g.title", "title"),
    ("g.created_at", "created_at"),
    ("g.category", "category"),
    ("r.full_name", "region__full_name"),
    ("g.description", "description"),
    ("g.status", "status"),
    ("g.deadline", "deadline"),
    ("g.target_count", "target_count"),
    ("g.member_count", "member_count"),
    ("c.id", "chat_room__id"),
    ("g.host_id", "host_id"),
    ("u.username", "host__username"),
    ("u.email", "host__email"),
    ("u.is_active", "host__is_active"),
    ("g.restaurant", "restaurant"),
    ("g.min_order_amount", "min_order_amount"),
    ("g.delivery_fee", "delivery_fee"),
    ("g.pickup_spot", "pickup_spot"),
    ("g.fee_split", "fee_split"),
    ("g.closed_reason", "closed_reason"),
    ("g.region_id", "region_id"),
    ("r.code", "region__code"),
    ("g.payment", "payment"),
    ("g.verified_only", "verified_only"),
    # Hidden by a moderator: the original client's detail answers 404 to outsiders.
    ("g.hidden_at", "hidden_at"),
)
_DATETIME_KEYS = ("created_at", "deadline")


def _tables() -> dict[str, str]:
    from django.contrib.auth import get_user_model

    from mealbuddy.chat.models import ChatRoom
    from mealbuddy.regions.models import Region

    return {
        "g": GroupOrder._meta.db_table,
        "r": Region._meta.db_table,
        "u": get_user_model()._meta.db_table,
        "c": ChatRoom._meta.db_table,
        "p": Participation._meta.db_table,
        "b": Ban._meta.db_table,
        "k": _block_table(),
    }


def _block_table() -> str:
    from mealbuddy.trust.models import Block

    return Block._meta.db_table


def _visible_sql(viewer, alias: str) -> tuple[str, list]:
    """``group_order_visible_q`` as plain SQL on the order table aliased ``alias`` (the
    original client's feed): `` AND (...)`` and its parameters."""
    viewer_id = getattr(viewer, "pk", None)
    if viewer_id is None:
        return f" AND {alias}.hidden_at IS NULL", []
    if getattr(viewer, "is_staff", False):
        return "", []
    t = _tables()
    sql = (
        f" AND (({alias}.hidden_at IS NULL"  # noqa: S608 - names from _meta, values bound
        f" AND {alias}.host_id NOT IN (SELECT blocked_id FROM {t['k']} WHERE blocker_id = %s)"
        f" AND {alias}.host_id NOT IN (SELECT blocker_id FROM {t['k']} WHERE blocked_id = %s))"
        f" OR {alias}.host_id = %s"
        f" OR EXISTS (SELECT 1 FROM {t['p']} vp WHERE vp.group_order_id = {alias}.id"
        " AND vp.user_id = %s))"
    )
    return sql, [viewer_id] * 4


def post_feed_ids(
    *, region_id: int | None, category: str | None, limit: int, viewer=None
) -> list[int]:
    """Ids of a neighbourhood's newest group orders (optionally one category) that
    ``viewer`` may see (``group_order_visible_q``), newest first, at most ``limit``: one
    walk of the (region[, category], -created_at, -id) index."""
    from django.db import connection

    if region_id is None:
        return []
    table = _tables()["g"]
    sql = f"SELECT g.id FROM {table} g WHERE g.region_id = %s"  # noqa: S608 - names from _meta
    params: list = [region_id]
    if category:
        sql += " AND g.category = %s"
        params.append(category)
    visible, visible_params = _visible_sql(viewer, "g")
    sql += visible
    params.extend(visible_params)
    sql += " ORDER BY g.created_at DESC, g.id DESC LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def post_rows(*, ids: list[int], member_id: int | None = None) -> dict[int, dict]:
    """The post columns of ``ids`` (keyed by id). With ``member_id``, each row also says
    ``is_joined`` (that user is a current member) and ``is_banned`` (the host removed them):
    what ``group_order_actions`` needs besides the row, in the same statement."""
    from django.db import connection

    if not ids:
        return {}
    t = _tables()
    columns = ", ".join(f"{expr} AS {alias}" for expr, alias in POST_COLUMNS)
    params: list = []
    if member_id is not None:
        columns += (
            f", EXISTS (SELECT 1 FROM {t['p']} p WHERE p.group_order_id = g.id"  # noqa: S608
            " AND p.user_id = %s) AS is_joined"
            f", EXISTS (SELECT 1 FROM {t['b']} b WHERE b.group_order_id = g.id"
            " AND b.user_id = %s) AS is_banned"
            f", EXISTS (SELECT 1 FROM {t['k']} k WHERE (k.blocker_id = %s"
            " AND k.blocked_id = g.host_id) OR (k.blocker_id = g.host_id"
            " AND k.blocked_id = %s)) AS is_blocked"
            ", g.hidden_at IS NOT NULL AS is_hidden"
        )
        params.extend([member_id, member_id, member_id, member_id])
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {columns} FROM {t['g']} g"  # noqa: S608 - names from _meta, values bound
        f" JOIN {t['r']} r ON r.id = g.region_id"
        f" JOIN {t['u']} u ON u.id = g.host_id"
        f" LEFT JOIN {t['c']} c ON c.group_order_id = g.id"
        f" WHERE g.id IN ({placeholders})"
    )
    params.extend(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for key in _DATETIME_KEYS:
            row[key] = aware_datetime(row[key])
        row["host__is_active"] = bool(row["host__is_active"])
        if "is_joined" in row:
            row["is_joined"] = bool(row["is_joined"])
            row["is_banned"] = bool(row["is_banned"])
            row["is_blocked"] = bool(row["is_blocked"])
            row["is_hidden"] = bool(row["is_hidden"])
    return {row["id"]: row for row in rows}


# --- What the viewer may do: predicted with the services' own rules ------------------------


@dataclass(frozen=True)
class Action:
    """One action for one viewer: allowed, or the Korean reason and code it is refused with
    (exactly what the service would answer if they tried)."""

    allowed: bool
    reason: str = ""
    code: str = ""

    def as_dict(self) -> dict:
        return {"allowed": self.allowed, "reason": self.reason, "code": self.code}


def _action(refusal) -> Action:
    if refusal is None:
        return Action(True)
    return Action(False, refusal.message, refusal.code)


# Host moves in the order the panel shows them: (status, button label, css class).
HOST_MOVES = (
    (Status.CLOSED, "모집 마감하기", "btn-secondary"),
    (Status.RECRUITING, "모집 다시 하기", "btn-secondary"),
    (Status.ORDERED, "주문 완료로 표시", ""),
    (Status.DELIVERED, "배달 완료로 표시", ""),
    (Status.CANCELLED, "주문 취소", "btn-danger"),
)

NOT_A_MEMBER = "참여하고 있지 않아요."
ALREADY_MEMBER = "이미 참여하고 있어요."


@dataclass(frozen=True)
class Actions:
    """What ``user`` may do on ``group_order`` now, each with the refusal reason."""

    is_member: bool
    is_host: bool
    is_banned: bool
    join: Action
    leave: Action
    edit: Action
    delete: Action
    ban: Action
    items: Action
    status: dict[str, Action]

    @property
    def host_moves(self) -> list[tuple[str, str, str]]:
        """The status buttons to show: the moves allowed now, in the panel's order."""
        return [
            (status, label, css) for status, label, css in HOST_MOVES if self.status[status].allowed
        ]

    def as_dict(self) -> dict:
        return {
            "join": self.join.as_dict(),
            "leave": self.leave.as_dict(),
            "edit": self.edit.as_dict(),
            "delete": self.delete.as_dict(),
            "ban": self.ban.as_dict(),
            "items": self.items.as_dict(),
            "status": {status: action.as_dict() for status, action in self.status.items()},
        }


def group_order_actions(
    *,
    group_order: GroupOrder,
    user,
    is_member: bool | None = None,
    is_banned: bool | None = None,
    now: datetime | None = None,
    items_total: int | None = None,
) -> Actions:
    """The viewer's permitted actions (join, leave, edit, delete, ban, items, each status
    move), computed with the functions the services enforce (mealbuddy/groupbuys/rules.py).

    Pass ``is_member`` / ``is_banned`` when already known; otherwise one query each. The
    host of a prepaid order may place it only at the minimum order: pass ``items_total``
    when known (the page has the breakdown), otherwise one query in that case.
    """
    from mealbuddy.groupbuys import rules

    now = now or timezone.now()
    user_id = getattr(user, "pk", None)
    if is_member is None:
        is_member = _is_member(group_order=group_order, user=user)
    if is_banned is None:
        is_banned = (
            not is_member
            and user_id is not None
            and Ban.objects.filter(group_order=group_order, user_id=user_id).exists()
        )
    restricted = rules.restriction_refusal(user=user, now=now)
    if is_member:
        join = Action(False, ALREADY_MEMBER, "already_member")
        leave = _action(rules.leave_refusal(group_order, user_id=user_id))
    else:
        join = _action(
            restricted or rules.join_refusal(group_order, user=user, is_banned=is_banned, now=now)
        )
        leave = Action(False, NOT_A_MEMBER, "not_member")
    current = group_order.current_status(now)
    if (
        items_total is None
        and group_order.is_prepaid
        and group_order.host_id == user_id
        and current == Status.CLOSED
    ):
        items_total = order_items_total(group_order_id=group_order.pk)
    status = {}
    for move, _, _ in HOST_MOVES:
        refusal = rules.status_change_refusal(
            group_order, user_id=user_id, status=move, now=now, items_total=items_total
        )
        if refusal is None and move == current:
            # The service accepts it as a no-op; there is nothing to offer.
            status[move] = Action(False, "지금 이 상태예요.", "invalid_status")
        else:
            status[move] = _action(refusal)
    return Actions(
        is_member=is_member,
        is_host=group_order.host_id == user_id,
        is_banned=is_banned,
        join=join,
        leave=leave,
        edit=_action(
            rules.edit_refusal(group_order, user_id=user_id, now=now)
            or (restricted if group_order.host_id == user_id else None)
        ),
        delete=_action(rules.delete_refusal(group_order, user_id=user_id)),
        ban=_action(rules.ban_refusal(group_order, user_id=user_id, now=now)),
        items=_action(rules.items_refusal(group_order, is_member=is_member, now=now) or restricted),
        status=status,
    )


def group_order_from_row(row: dict) -> GroupOrder:
    """An unsaved GroupOrder (with its region's id and code) from a ``post_rows`` row: enough
    for ``current_status`` and ``group_order_actions`` without another query."""
    from mealbuddy.regions.models import Region

    order = GroupOrder(
        id=row["id"],
        host_id=row["host_id"],
        status=row["status"],
        closed_reason=row["closed_reason"],
        deadline=row["deadline"],
        target_count=row["target_count"],
        member_count=row["member_count"],
        region_id=row["region_id"],
        payment=row["payment"],
        min_order_amount=row["min_order_amount"],
        verified_only=bool(row["verified_only"]),
    )
    order.region = Region(id=row["region_id"], code=row["region__code"])
    return order


# --- 정산: who owes what, who paid, who picked up (issue 10) ---------------------------------


@dataclass(frozen=True)
class SettlementRow:
    """One member's line in the 정산 section, with what the viewer may do about it."""

    share: MemberShare
    paid: bool  # prepaid: captured when the order was placed; direct: the host confirmed
    sent: bool  # direct: the member said they sent it
    received: bool
    held: int  # prepaid, before placing: what is in escrow for the share now
    captured: int
    deposit: int
    deposit_state: str
    deposit_label: str
    mark_paid: Action  # the viewer (host) ticks or unticks "입금 확인" for this member
    noshow: Action  # the viewer (host) reports this member as a no-show
    dispute: Action  # the viewer disputes this member's deposit

    @property
    def user(self):
        return self.share.user

    @property
    def participation(self) -> Participation:
        return self.share.participation


@dataclass(frozen=True)
class Settlement:
    """The 정산 section of one order for one member (the host included)."""

    group_order: GroupOrder
    breakdown: FeeBreakdown
    rows: list[SettlementRow]
    mine: SettlementRow | None
    is_host: bool
    arrived: Action
    received: Action
    sent: Action
    remind: Action
    receipt: Action
    prefs: Action

    @property
    def unpaid(self) -> list[SettlementRow]:
        return [r for r in self.rows if not r.share.is_host and not r.paid]

    @property
    def paid_total(self) -> int:
        return sum(r.share.total for r in self.rows if not r.share.is_host and r.paid)


DEPOSIT_LABELS = {
    "": "",
    "held": "보증금 보관 중",
    "returned": "보증금 돌려받음",
    "noshow": "노쇼 신고됨",
    "disputed": "이의 제기됨 (운영팀 확인 중)",
    "forfeited": "보증금 방장에게 지급",
}


@dataclass(frozen=True)
class JoinHold:
    """What joining a prepaid order holds now: the newcomer's fee share and the deposit."""

    fee: int
    deposit: int

    @property
    def total(self) -> int:
        return self.fee + self.deposit


def join_hold(group_order: GroupOrder, breakdown: FeeBreakdown) -> JoinHold | None:
    """Exactly what ``groupbuy_join`` would hold for a newcomer now (prepaid orders only):
    their fee share with one more member and no items yet (last in the split order, as the
    join makes them), plus the no-show deposit. ``None`` when nothing is held."""
    if not group_order.is_prepaid:
        return None
    preview = join_preview(group_order, breakdown)
    return JoinHold(fee=preview.fee, deposit=preview.deposit)


@dataclass(frozen=True)
class JoinPreview:
    """What a newcomer's share is right after joining, for any payment method: their fee
    share with no items yet (what a prepaid join holds, the deposit apart), and, on an equal
    split, the share once every place is taken (a proportional split has no such figure:
    it follows what everyone orders)."""

    fee: int
    deposit: int
    prepaid: bool
    proportional: bool
    when_full: int | None

    @property
    def total(self) -> int:
        return self.fee + self.deposit


def join_preview(group_order: GroupOrder, breakdown: FeeBreakdown) -> JoinPreview:
    """The newcomer's share if they joined now (no query): the split ``fee_breakdown`` would
    make with them added last and no items, so an equal split previews the equal amount and
    a proportional one the proportional amount (0 while the others have items)."""
    subtotals = [m.items_subtotal for m in breakdown.members] + [0]
    fee = fee_shares(
        delivery_fee=group_order.delivery_fee,
        fee_split=group_order.fee_split,
        subtotals=subtotals,
    )[-1]
    proportional = group_order.fee_split == GroupOrder.FeeSplit.PROPORTIONAL
    when_full = None
    if not proportional:
        when_full = fee_shares(
            delivery_fee=group_order.delivery_fee,
            fee_split=group_order.fee_split,
            subtotals=[0] * max(group_order.target_count, len(subtotals)),
        )[-1]
    return JoinPreview(
        fee=fee,
        deposit=group_order.noshow_deposit if group_order.is_prepaid else 0,
        prepaid=group_order.is_prepaid,
        proportional=proportional,
        when_full=when_full,
    )


# --- The order page: its one primary action, and the timeline after "주문완료" (issue 11) ---


@dataclass(frozen=True)
class PrimaryAction:
    """The one thing the viewer should do now on the order page (its sticky bar).

    ``kind`` says what the button does: ``join`` and ``items`` present a section of the page
    as a sheet (``sheet`` is its id; without JavaScript, a link to it); ``settle`` links to
    the 정산 section, ``chat`` to the room, ``board`` back to the board, ``region`` to the
    neighbourhood setting; ``arrived`` and ``received`` post that step, ``status`` the host
    move in ``status``. ``note`` is the one line beside it: the preview, the viewer's share,
    or why there is nothing to do (a refused join's reason, exactly the service's)."""

    kind: str
    label: str
    note: str = ""
    amount: int | None = None
    status: str = ""
    sheet: str = ""
    secondary: PrimaryAction | None = None


JOIN_SHEET = "gb-join"
ITEMS_SHEET = "gb-add-item"


def _join_note(preview: JoinPreview) -> str:
    if preview.proportional:
        parts = [f"배달비는 메뉴 금액에 비례 (지금 {preview.fee:,}원)"]
    else:
        parts = [f"배달비 몫 {preview.fee:,}원"]
    if preview.deposit:
        parts[0] += f" + 보증금 {preview.deposit:,}원"
    if preview.when_full is not None and preview.when_full != preview.fee:
        parts.append(f"다 모이면 배달비 {preview.when_full:,}원")
    parts.append("메뉴값 별도")
    return " · ".join(parts)


def group_order_primary_action(
    *,
    group_order: GroupOrder,
    actions: Actions,
    breakdown: FeeBreakdown,
    settlement: Settlement | None = None,
    preview: JoinPreview | None = None,
    now: datetime | None = None,
) -> PrimaryAction:
    """Which action matters now for this viewer, from what the other selectors computed
    (``group_order_actions``, ``group_order_settlement`` for a member, ``join_preview``):
    no rule of its own is checked here, only which allowed step comes first. No query.

    - A visitor: "참여하고 메뉴 담기" with the exact preview when the join is allowed,
      otherwise the refusal's reason (and where to go instead).
    - A member before the order is placed: "메뉴 담기" until they have items, then the room.
    - The host: "주문 완료로 표시" once allowed; "도착했어요"; "정산하기" while someone has
      not paid (직접 정산); "배달 완료로 표시" when allowed.
    - A member after it is placed: "받았어요" once the food arrived, "정산하기" while their
      direct share is neither sent nor confirmed, otherwise the room.
    """
    current = group_order.current_status(now or timezone.now())
    if not actions.is_member:
        if actions.join.allowed:
            preview = preview or join_preview(group_order, breakdown)
            return PrimaryAction(
                "join",
                "참여하고 메뉴 담기",
                note=_join_note(preview),
                amount=preview.total,
                sheet=JOIN_SHEET,
            )
        if actions.join.code == "no_region":
            return PrimaryAction("region", "내 동네 설정하기", note=actions.join.reason)
        return PrimaryAction("board", "다른 모집 보기", note=actions.join.reason)
    if settlement is None:
        raise TypeError("a member's primary action needs their settlement")
    me = settlement.mine
    total = me.share.total
    if current == Status.CANCELLED:
        return PrimaryAction("board", "다른 모집 보기", note="취소된 주문이에요.")
    add_items = PrimaryAction("items", "메뉴 담기", sheet=ITEMS_SHEET)
    if actions.is_host:
        return _host_primary(group_order, actions, settlement, current, add_items)
    if actions.items.allowed:
        if not me.share.items:
            return PrimaryAction(
                "items", "메뉴 담기", note="아직 담은 메뉴가 없어요.", sheet=ITEMS_SHEET
            )
        return PrimaryAction(
            "chat", "채팅방", note=f"내 부담 {total:,}원", amount=total, secondary=add_items
        )
    if current == Status.ORDERED and settlement.received.allowed and group_order.arrived_at:
        spot = group_order.pickup_spot or "방장이 정한 곳"
        return PrimaryAction("received", "받았어요", note=f"음식이 도착했어요. 수령 장소: {spot}")
    if settlement.sent.allowed and not me.sent:
        return PrimaryAction(
            "settle", "정산하기", note=f"방장에게 {total:,}원을 보내 주세요.", amount=total
        )
    if me.dispute.allowed:
        return PrimaryAction("settle", "정산 확인하기", note=settlement.received.reason)
    if current == Status.ORDERED:
        if settlement.sent.allowed:  # sent, not yet confirmed
            note = "송금했다고 알렸어요. 방장이 확인하면 끝나요."
        elif settlement.received.allowed:
            note = "방장이 주문했어요. 음식이 도착하면 알려 드려요."
        else:
            note = settlement.received.reason
        return PrimaryAction("chat", "채팅방", note=note)
    return PrimaryAction("chat", "채팅방", note="배달이 끝났어요.")


def _host_primary(
    group_order: GroupOrder,
    actions: Actions,
    settlement: Settlement,
    current: str,
    add_items: PrimaryAction,
) -> PrimaryAction:
    me = settlement.mine
    if current in (Status.RECRUITING, Status.CLOSED):
        place = actions.status[Status.ORDERED]
        if place.allowed:
            return PrimaryAction(
                "status",
                "주문 완료로 표시",
                note="가게에 주문했으면 눌러 주세요. 멤버들에게 알려요.",
                status=Status.ORDERED,
            )
        if current == Status.CLOSED:
            # Placing is refused (e.g. short of the minimum order): say why, offer items.
            if actions.items.allowed:
                return replace(add_items, note=place.reason)
            return PrimaryAction("chat", "채팅방", note=place.reason)
        if actions.items.allowed and not me.share.items:
            return replace(add_items, note="방장 메뉴도 담아 주세요.")
        headcount = f"{group_order.member_count}/{group_order.target_count}명이 모였어요."
        return PrimaryAction(
            "chat", "채팅방", note=f"{headcount} 마감하면 주문할 수 있어요.", secondary=add_items
        )
    if settlement.arrived.allowed:
        return PrimaryAction(
            "arrived", "도착했어요", note="음식을 받으면 눌러 멤버들에게 수령 장소를 알려요."
        )
    if not group_order.is_prepaid and settlement.unpaid:
        return PrimaryAction(
            "settle", "정산하기", note=f"입금 확인 전 {len(settlement.unpaid)}명이 남았어요."
        )
    if actions.status[Status.DELIVERED].allowed:
        return PrimaryAction(
            "status",
            "배달 완료로 표시",
            note="모두 음식을 받았으면 눌러 주세요.",
            status=Status.DELIVERED,
        )
    if current == Status.ORDERED:
        return PrimaryAction("chat", "채팅방", note="멤버들이 음식을 받아 가기를 기다리고 있어요.")
    return PrimaryAction("chat", "채팅방", note="배달이 끝났어요.")


TIMELINE_STEPS = (
    ("recruiting", "모집"),
    ("closed", "마감"),
    ("ordered", "주문"),
    ("arrived", "도착"),
    ("received", "수령"),
)


@dataclass(frozen=True)
class TimelineStep:
    key: str
    label: str
    at: datetime | None  # when it happened, where the order's rows know it
    done: bool
    current: bool  # the last step reached
    note: str = ""


@dataclass(frozen=True)
class PersonNext:
    """One member's line under the timeline: where they are and what they do next."""

    user: object
    is_host: bool
    received_at: datetime | None
    paid: bool | None  # 직접 정산 members only: the host confirmed their transfer
    todo: str  # what this person must do next ("" when nothing is left)


@dataclass(frozen=True)
class Timeline:
    steps: list[TimelineStep]
    people: list[PersonNext]  # members only (from their settlement); empty for visitors
    cancelled: bool = False


def _closed_at(group_order: GroupOrder, members: list[Participation]) -> datetime | None:
    """When recruitment closed, where the rows say: the deadline, the join that filled the
    last place, or the last status change while it is still closed."""
    if group_order.closed_reason == "deadline":
        return group_order.deadline
    if group_order.closed_reason == "full" and members:
        return max(p.joined_at for p in members)
    if group_order.status == Status.CLOSED:
        return group_order.status_changed_at
    return None


def _person_todo(group_order: GroupOrder, row: SettlementRow, settlement: Settlement) -> str:
    ordered = group_order.status == Status.ORDERED
    if row.share.is_host:
        if ordered and group_order.arrived_at is None:
            return "음식이 오면 '도착했어요'를 눌러요."
        if not group_order.is_prepaid and settlement.unpaid:
            return f"입금 {len(settlement.unpaid)}건을 확인해요."
        if ordered:
            return "멤버들이 받아 가기를 기다려요."
        return ""
    p = row.participation
    if row.deposit_state == "noshow":
        return "노쇼로 신고됐어요. 받았다면 이의를 제기해요."
    if row.deposit_state == "disputed":
        return "운영팀이 보증금을 확인하고 있어요."
    waiting = ordered and p.received_at is None
    if waiting and group_order.arrived_at is not None:
        return "수령 장소에서 받고 '받았어요'를 눌러요."
    unpaid = not group_order.is_prepaid and not row.paid
    if unpaid and not row.sent:
        return f"방장에게 {row.share.total:,}원을 보내요."
    if waiting:
        return "음식이 도착하기를 기다려요."
    if unpaid:
        return "방장이 입금을 확인하기를 기다려요."
    return ""


def group_order_timeline(
    *,
    group_order: GroupOrder,
    settlement: Settlement | None = None,
    members: list[Participation] | None = None,
) -> Timeline | None:
    """The order's timeline once it has been placed or cancelled (``None`` before): 모집 →
    마감 → 주문 → 도착 → 수령 with the times the rows know (``created_at``, the close,
    ``ordered_at``, ``arrived_at``, the delivery's ``status_changed_at``), and, for a member
    (``settlement``), every member's pickup time and next step. No query: pass ``members``
    (or a settlement) to date a close by a full house."""
    status = group_order.status
    if status not in (Status.ORDERED, Status.DELIVERED, Status.CANCELLED):
        return None
    if members is None:
        members = [r.participation for r in settlement.rows] if settlement else []
    if status == Status.CANCELLED:
        steps = [
            TimelineStep("recruiting", "모집", group_order.created_at, True, False),
            TimelineStep("cancelled", "취소", group_order.status_changed_at, True, True),
        ]
        return Timeline(steps=steps, people=[], cancelled=True)
    others = [p for p in members if p.user_id != group_order.host_id]
    received = sum(1 for p in others if p.received_at is not None)
    delivered = status == Status.DELIVERED
    times = {
        "recruiting": group_order.created_at,
        "closed": _closed_at(group_order, members),
        "ordered": group_order.ordered_at,
        "arrived": group_order.arrived_at,
        "received": group_order.status_changed_at if delivered else None,
    }
    reached = 4 if delivered else (3 if group_order.arrived_at else 2)
    steps = []
    for index, (key, label) in enumerate(TIMELINE_STEPS):
        note = ""
        if key == "received" and others:
            note = f"{len(others)}명 중 {received}명 받았어요"
        steps.append(TimelineStep(key, label, times[key], index <= reached, index == reached, note))
    people = []
    if settlement is not None:
        for row in settlement.rows:
            people.append(
                PersonNext(
                    user=row.user,
                    is_host=row.share.is_host,
                    received_at=None if row.share.is_host else row.participation.received_at,
                    paid=None if (row.share.is_host or group_order.is_prepaid) else row.paid,
                    todo=_person_todo(group_order, row, settlement),
                )
            )
    return Timeline(steps=steps, people=people)


def group_order_settlement(
    *,
    group_order: GroupOrder,
    user,
    now: datetime | None = None,
    members: list[Participation] | None = None,
):
    """The 정산 section for ``user``, who must be a member (``NotMember`` otherwise).

    Every flag and action comes from the rules the settlement services enforce
    (``rules.py``). Pass ``members`` from ``group_order_members`` to reuse them; otherwise
    two queries.
    """
    from mealbuddy.groupbuys import rules
    from mealbuddy.groupbuys.errors import NotMember

    now = now or timezone.now()
    if members is None:
        members = group_order_members(group_order=group_order)
    breakdown = fee_breakdown(group_order, members=members)
    user_id = getattr(user, "pk", None)
    mine_share = breakdown.share_for(user_id)
    if mine_share is None:
        raise NotMember("참여한 사람만 정산을 볼 수 있어요.")
    is_host = group_order.host_id == user_id
    viewer = mine_share.participation
    rows = []
    for share in breakdown.members:
        p = share.participation
        paid = p.paid_at is not None or share.is_host
        rows.append(
            SettlementRow(
                share=share,
                paid=paid,
                sent=p.sent_at is not None,
                received=p.received_at is not None or share.is_host,
                held=p.held,
                captured=p.captured,
                deposit=p.deposit_held,
                deposit_state=p.deposit_state,
                deposit_label=DEPOSIT_LABELS.get(p.deposit_state, ""),
                mark_paid=_action(rules.paid_refusal(group_order, user_id=user_id, member=p))
                if not share.is_host
                else Action(False, "방장이에요.", "not_allowed"),
                noshow=_action(
                    rules.noshow_refusal(group_order, user_id=user_id, member=p, now=now)
                ),
                dispute=_action(rules.dispute_refusal(group_order, user_id=user_id, member=p)),
            )
        )
    mine = next(r for r in rows if r.share.user.pk == user_id)
    return Settlement(
        group_order=group_order,
        breakdown=breakdown,
        rows=rows,
        mine=mine,
        is_host=is_host,
        arrived=_action(rules.arrived_refusal(group_order, user_id=user_id)),
        received=_action(rules.received_refusal(group_order, user_id=user_id, member=viewer)),
        sent=_action(rules.sent_refusal(group_order, user_id=user_id, member=viewer)),
        remind=_action(rules.remind_refusal(group_order, user_id=user_id)),
        receipt=_action(rules.settle_host_refusal(group_order, user_id=user_id)),
        prefs=_action(rules.cap_refusal(group_order, member=viewer)),
    )
