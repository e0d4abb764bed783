"""Saved alerts and weather nudges: the owner's writes, the matcher, delivery and the nudge job.

Matching runs in the database: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per opened
order writes an ``AlertHit`` for every person whose alert it matches (the unique (person,
order) pair makes it once, however often or concurrently the matcher runs). Delivery then
sends the pending hits whose alert is outside its quiet hours and whose order is still open
and visible, up to ``ALERTS_DAILY_CAP`` per person and KST day. A hit caught by quiet hours
stays pending and goes out at the first tick after they end, if the order is still open.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
)
from django.utils import timezone

from mealbuddy.alerts.errors import AlertValidationError
from mealbuddy.alerts.models import (
    MAX_FEE_SHARE,
    MAX_KEYWORD_LENGTH,
    AlertHit,
    AlertPreference,
    Nudge,
    OrderScan,
    RegionWeather,
    SavedAlert,
)
from mealbuddy.alerts.selectors import (
    CONDITIONS,
    access_alert,
    kst_day,
    kst_now,
    nudge_categories,
    outside_quiet_hours_q,
    weather_condition,
)
from mealbuddy.core.errors import ApplicationError
from mealbuddy.core.realtime import broadcast_many_on_commit, user_group
from mealbuddy.core.sql import in_own_connection, lock_keys
from mealbuddy.groupbuys.models import (
    CATEGORIES,
    GroupOrder,
    Participation,
    category_label,
    recruiting_q,
)
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notification_payload, push_notifications_enqueue
from mealbuddy.recommend.weather import weather_at
from mealbuddy.regions.models import Region
from mealbuddy.regions.selectors import region_neighbour_ids
from mealbuddy.trust.models import Block

logger = logging.getLogger(__name__)

# Orders created or reopened this recently are matched by the tick if the after-commit
# hook missed them (a worker down, a crash between commit and enqueue).
MATCH_WINDOW = timedelta(minutes=30)
# Orders per connection before a rush is split over several (``alerts_match``).
MATCH_SPLIT_FROM = 100
DELIVER_BATCH = 1000

FIELDS = (
    "category",
    "keyword",
    "max_fee_share",
    "include_neighbours",
    "quiet_start",
    "quiet_end",
)


def order_url(group_order_id: int) -> str:
    return f"/groupbuys/{group_order_id}/"


# --- The owner's writes ------------------------------------------------------------------------


def _clean(data: dict) -> dict:
    """Check every field at once; raises AlertValidationError naming each bad one."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    category = data.get("category") or ""
    if not isinstance(category, str) or (category and category not in CATEGORIES):
        errors["category"] = ["카테고리를 목록에서 골라 주세요."]
    cleaned["category"] = category if isinstance(category, str) else ""
    keyword = data.get("keyword") or ""
    if not isinstance(keyword, str):
        errors["keyword"] = ["글자로 적어 주세요."]
        keyword = ""
    keyword = " ".join(keyword.split())
    if len(keyword) > MAX_KEYWORD_LENGTH:
        errors["keyword"] = [f"{MAX_KEYWORD_LENGTH}자 이하로 적어 주세요."]
    elif "\x00" in keyword or any("\ud800" <= ch <= "\udfff" for ch in keyword):
        errors["keyword"] = ["쓸 수 없는 글자가 있어요."]
    cleaned["keyword"] = keyword
    fee = data.get("max_fee_share")
    if fee in (None, ""):
        cleaned["max_fee_share"] = None
    elif isinstance(fee, bool) or not isinstance(fee, int) or not 0 <= fee <= MAX_FEE_SHARE:
        errors["max_fee_share"] = [f"0원에서 {MAX_FEE_SHARE:,}원 사이로 적어 주세요."]
    else:
        cleaned["max_fee_share"] = fee
    cleaned["include_neighbours"] = bool(data.get("include_neighbours", False))
    start, end = data.get("quiet_start"), data.get("quiet_end")
    for name, value in (("quiet_start", start), ("quiet_end", end)):
        if value is not None and not isinstance(value, time):
            errors[name] = ["시각을 HH:MM으로 적어 주세요."]
    if not errors.keys() & {"quiet_start", "quiet_end"}:
        if (start is None) != (end is None):
            missing = "quiet_end" if end is None else "quiet_start"
            errors[missing] = ["방해 금지 시간은 시작과 끝을 함께 정해 주세요."]
        elif start is not None and start.replace(second=0, microsecond=0) == end.replace(
            second=0, microsecond=0
        ):
            errors["quiet_end"] = ["방해 금지 시간의 시작과 끝이 같아요."]
    cleaned["quiet_start"] = start.replace(second=0, microsecond=0) if start else None
    cleaned["quiet_end"] = end.replace(second=0, microsecond=0) if end else None
    if errors:
        raise AlertValidationError(errors)
    return cleaned


@transaction.atomic
def alert_create(*, user, **fields) -> SavedAlert:
    """Save a new alert for ``user`` (at most ``ALERTS_MAX_PER_USER``)."""
    if getattr(user, "region_id", None) is None:
        raise ApplicationError("동네를 먼저 설정해 주세요.", code="no_region", field="region")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown alert fields {sorted(unknown)}")
    cleaned = _clean(fields)
    # The user row is the lock: two requests at once cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.ALERTS_MAX_PER_USER
    if SavedAlert.objects.filter(user_id=user.pk).count() >= limit:
        raise ApplicationError(
            f"모집 알림은 {limit}개까지 만들 수 있어요.", code="too_many", status_code=409
        )
    return SavedAlert.objects.create(user=user, **cleaned)


@transaction.atomic
def alert_update(*, user, alert_id: int, **fields) -> SavedAlert:
    """Change some of the alert's fields (owner only; anyone else's is not found)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown alert fields {sorted(unknown)}")
    alert = access_alert(user=user, alert_id=alert_id, lock=True)
    merged = {name: getattr(alert, name) for name in FIELDS} | fields
    cleaned = _clean(merged)
    for name, value in cleaned.items():
        setattr(alert, name, value)
    alert.save()
    return alert


@transaction.atomic
def alert_delete(*, user, alert_id: int) -> None:
    access_alert(user=user, alert_id=alert_id, lock=True).delete()


def nudges_set(*, user, enabled: bool) -> bool:
    AlertPreference.objects.update_or_create(user_id=user.pk, defaults={"nudges": bool(enabled)})
    return bool(enabled)


# --- Matching: one statement per opened order ---------------------------------------------------


def _tables() -> dict[str, str]:
    return {
        "hit": AlertHit._meta.db_table,
        "alert": SavedAlert._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "order": GroupOrder._meta.db_table,
        "near": Region.neighbours.through._meta.db_table,
        "block": Block._meta.db_table,
    }


# One statement for every order that opened. Each order's area is its 동 and the bordering
# ones (the regions' own symmetrical table); the alerts of everyone living in any of those 동
# are read once (``resident``), then joined to the areas on (동, category) — an alert's own
# category or "any" — and kept when every other condition holds. A person with several
# matching alerts gets one hit, from an alert outside its quiet hours now if they have one
# (``ranked``). Nobody blocked by or blocking the host is hit (``blocked``: the few blocks
# involving the hosts, read once). Rows go in (order, person) order, the unique index's own,
# so the index grows at its right-hand end. An order that has hits already (reopened) skips
# the people it hit. Plain SQL both PostgreSQL and SQLite run (the ORM cannot join alerts to
# orders that have no relation). ``keyword`` is matched as a literal: LIKE's wildcards in it
# are escaped. The INSERT comes first: Python's sqlite3 counts the rows of a statement only
# when it starts with INSERT.
_MATCH_CONDITIONS = """
    (area.own = 1 OR r.include_neighbours)
    AND r.user_id <> o.host_id
    AND (r.max_fee_share IS NULL OR r.max_fee_share * o.target_count >= o.delivery_fee)
    AND (r.keyword = '' OR o.text LIKE '%%' || UPPER(
          REPLACE(REPLACE(REPLACE(r.keyword, '\\', '\\\\'), '%%', '\\%%'), '_', '\\_')
        ) || '%%' ESCAPE '\\')
"""
_MATCH_SQL = """
INSERT INTO {hit} (group_order_id, user_id, alert_id, state, created_at)
WITH ord AS MATERIALIZED (
    SELECT o.id, o.region_id, o.host_id, o.category, o.target_count, o.delivery_fee,
           UPPER(o.restaurant || ' ' || o.title) AS text,
           EXISTS (SELECT 1 FROM {hit} h WHERE h.group_order_id = o.id) AS seen
    FROM {order} o WHERE o.id IN ({ids})
), area AS MATERIALIZED (
    SELECT id AS order_id, region_id, 1 AS own FROM ord
    UNION ALL
    SELECT ord.id, n.to_region_id, 0 FROM ord JOIN {near} n ON n.from_region_id = ord.region_id
), resident AS MATERIALIZED (
    SELECT a.id, a.user_id, u.region_id, a.category, a.keyword, a.max_fee_share,
           a.include_neighbours,
           CASE WHEN a.quiet_start IS NULL OR a.quiet_start = a.quiet_end
                OR (a.quiet_start < a.quiet_end AND (a.quiet_start > %s OR a.quiet_end <= %s))
                OR (a.quiet_start > a.quiet_end AND a.quiet_start > %s AND a.quiet_end <= %s)
           THEN 0 ELSE 1 END AS quiet
    FROM {alert} a JOIN {user} u ON u.id = a.user_id
    WHERE u.is_active AND u.region_id IN (SELECT region_id FROM area)
), matched AS (
    SELECT o.id AS order_id, r.user_id, r.id AS alert_id, r.quiet, o.host_id, o.seen
    FROM area JOIN ord o ON o.id = area.order_id
    JOIN resident r ON r.region_id = area.region_id AND r.category = o.category
    WHERE {conditions}
    UNION ALL
    SELECT o.id, r.user_id, r.id, r.quiet, o.host_id, o.seen
    FROM area JOIN ord o ON o.id = area.order_id
    JOIN resident r ON r.region_id = area.region_id AND r.category = ''
    WHERE {conditions}
), blocked AS MATERIALIZED (
    SELECT b.blocked_id AS user_id, b.blocker_id AS host_id
    FROM {block} b WHERE b.blocker_id IN (SELECT host_id FROM ord)
    UNION
    SELECT b.blocker_id, b.blocked_id
    FROM {block} b WHERE b.blocked_id IN (SELECT host_id FROM ord)
), ranked AS (
    SELECT m.*, ROW_NUMBER() OVER (
        PARTITION BY m.order_id, m.user_id ORDER BY m.quiet, m.alert_id
    ) AS n
    FROM matched m
)
SELECT k.order_id, k.user_id, k.alert_id, %s, %s
FROM ranked k
WHERE k.n = 1
  AND NOT EXISTS (
    SELECT 1 FROM blocked x WHERE x.user_id = k.user_id AND x.host_id = k.host_id
  )
  AND (NOT k.seen OR NOT EXISTS (
    SELECT 1 FROM {hit} h WHERE h.group_order_id = k.order_id AND h.user_id = k.user_id
  ))
ORDER BY k.order_id, k.user_id
"""


def alerts_match_orders(*, group_order_ids: list[int], now: datetime) -> int:
    """Write a pending hit for everyone whose alert one of the orders matches, in one
    statement; returns how many were new. Someone already hit by an order is left as is.

    Call it inside a transaction holding the orders' locks (``_match_some``): the statement
    checks for earlier hits instead of paying for ``ON CONFLICT`` on every row. The orders
    must be recruiting and not hidden (``alerts_match`` picks them); the rest of the rule is
    here: in the person's 동 (or a bordering one, if the alert says so), not their own, the
    category, the word in the restaurant or title, the fee per person when full
    (``delivery_fee`` ≤ limit × ``target_count``), nobody blocked either way."""
    if not group_order_ids:
        return 0
    ops = connection.ops
    at = ops.adapt_timefield_value(kst_now(now).time().replace(tzinfo=None, microsecond=0))
    ids = ", ".join(["%s"] * len(group_order_ids))
    sql = _MATCH_SQL.format(ids=ids, conditions=_MATCH_CONDITIONS, **_tables())
    params = [
        *group_order_ids,
        at,
        at,
        at,
        at,
        AlertHit.State.PENDING,
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sort of the evening rush's candidates (~8 MB) stays in memory.
            cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _unscanned(now: datetime):
    """Recruiting, visible orders not matched since they (re)opened."""
    scanned = OrderScan.objects.filter(
        group_order_id=OuterRef("pk"), opened_at__gte=OuterRef("status_changed_at")
    )
    return GroupOrder.objects.filter(recruiting_q(now), hidden_at__isnull=True).filter(
        ~Exists(scanned)
    )


def _match_some(*, group_order_ids: list[int], now: datetime) -> int:
    """Match these orders in one transaction holding each order's lock: a matcher running
    at the same time waits for the orders it shares, then finds them scanned and skips them."""
    with transaction.atomic():
        lock_keys("alerts.match", group_order_ids)
        if connection.vendor == "postgresql":
            # The commit need not wait for the disk: a crash that loses this transaction
            # loses its scans with its hits, and the next tick matches those orders again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        orders = list(
            _unscanned(now)
            .filter(pk__in=group_order_ids)
            .order_by("id")
            .only("pk", "status_changed_at")
        )
        if not orders:
            return 0
        written = alerts_match_orders(group_order_ids=[o.pk for o in orders], now=now)
        OrderScan.objects.bulk_create(
            [OrderScan(group_order_id=o.pk, opened_at=o.status_changed_at) for o in orders],
            update_conflicts=True,
            unique_fields=["group_order"],
            update_fields=["opened_at"],
        )
    return written


def alerts_match(*, group_order_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Match the orders that opened (``group_order_ids``, or every order created or reopened
    within ``MATCH_WINDOW`` not matched since) against every alert; returns hits written.

    An order is matched once per opening: ``OrderScan`` remembers the opening it saw. The
    hook's task, the minute job and retries may overlap: each order's lock makes the later
    one wait and skip what the first matched. On PostgreSQL a rush of orders
    (``MATCH_SPLIT_FROM`` or more per connection) is split over up to
    ``ALERTS_MATCH_CONNECTIONS`` connections, one transaction each, so the database matches
    them on several cores at once."""
    now = now or timezone.now()
    orders = _unscanned(now)
    if group_order_ids is not None:
        orders = orders.filter(pk__in=group_order_ids)
    else:
        orders = orders.filter(status_changed_at__gte=now - MATCH_WINDOW)
    ids = list(orders.order_by("id").values_list("pk", flat=True))
    if not ids:
        return 0
    parts = max(1, min(settings.ALERTS_MATCH_CONNECTIONS, len(ids) // MATCH_SPLIT_FROM))
    if parts == 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _match_some(group_order_ids=ids, now=now)
    size = -(-len(ids) // parts)
    shares = [ids[start : start + size] for start in range(0, len(ids), size)]
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        done = [
            pool.submit(in_own_connection, _match_some, group_order_ids=share, now=now)
            for share in shares
        ]
        return sum(future.result() for future in done)


# --- Delivery ------------------------------------------------------------------------------------


def _notify_many(rows: list[Notification]) -> list[Notification]:
    """Save ``rows`` in one INSERT, push each live after commit and queue the Web Pushes (the
    same payloads and push switches as ``notifications_create``, without a query per row)."""
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    broadcast_many_on_commit(
        [
            (
                user_group(n.user_id),
                {"type": "notification.created", "notification": notification_payload(n)},
            )
            for n in created
        ]
    )
    push_notifications_enqueue(notifications=created)
    return created


def _alert_text(order: GroupOrder) -> str:
    where = order.region.name
    shop = f" · {order.restaurant}" if order.restaurant else ""
    return f"[{category_label(order.category)}{shop}] {where}에 '{order.title}' 모집이 열렸어요."[
        :200
    ]


def alerts_deliver(*, now: datetime | None = None) -> int:
    """Send the pending hits that may go out now; returns notifications sent.

    Kept pending: hits whose alert is in its quiet hours. Dropped: hits whose alert, person
    or order is gone (or the person deactivated), and, when their turn comes, hits whose
    order stopped recruiting (``current_status``: past the deadline counts), was hidden, or
    whose host and the person blocked each other meanwhile. Capped: hits past ``ALERTS_DAILY_CAP`` sent today (KST)."""
    now = now or timezone.now()
    local = kst_now(now)
    at, today = local.time().replace(tzinfo=None), local.date()
    # Hits whose alert was deleted, or whose person or order is gone or the person
    # deactivated, never go out (hits keep no database references: see ``AlertHit``).
    gone = (
        Q(alert__isnull=True)
        | ~Exists(SavedAlert.objects.filter(pk=OuterRef("alert_id")))
        | ~Exists(get_user_model().objects.filter(pk=OuterRef("user_id"), is_active=True))
        | ~Exists(GroupOrder.objects.filter(pk=OuterRef("group_order_id")))
    )
    AlertHit.objects.filter(gone, state=AlertHit.State.PENDING).update(state=AlertHit.State.DROPPED)
    cap = settings.ALERTS_DAILY_CAP
    sent = 0
    while True:
        with transaction.atomic():
            hits = list(
                AlertHit.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=AlertHit.State.PENDING, alert__isnull=False)
                .filter(outside_quiet_hours_q(at=at, prefix="alert__"))
                .select_related("group_order__region")
                .order_by("id")[:DELIVER_BATCH]
            )
            if not hits:
                break
            users = {hit.user_id for hit in hits}
            # Two deliveries at once take different hits (SKIP LOCKED) but may share people:
            # the people's rows, locked in key order, make each count today's sends after
            # the other committed, so the cap holds exactly.
            list(
                get_user_model()
                .objects.select_for_update()
                .filter(pk__in=users)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            blocked: set[tuple[int, int]] = set()
            for a, b in Block.objects.filter(
                Q(blocker_id__in=users) | Q(blocked_id__in=users)
            ).values_list("blocker_id", "blocked_id"):
                blocked.update({(a, b), (b, a)})
            counts = dict(
                AlertHit.objects.filter(
                    user_id__in=users, state=AlertHit.State.SENT, sent_day=today
                )
                .values("user_id")
                .annotate(n=Count("id"))
                .values_list("user_id", "n")
            )
            send, capped, dropped = [], [], []
            for hit in hits:
                order = hit.group_order
                if (
                    order.current_status(now) != GroupOrder.Status.RECRUITING
                    or order.hidden_at is not None
                    or (hit.user_id, order.host_id) in blocked
                ):
                    dropped.append(hit.pk)
                    continue
                if counts.get(hit.user_id, 0) >= cap:
                    capped.append(hit.pk)
                    continue
                counts[hit.user_id] = counts.get(hit.user_id, 0) + 1
                send.append(hit)
            _notify_many(
                [
                    Notification(
                        user_id=hit.user_id,
                        kind=Notification.Kind.ALERT,
                        text=_alert_text(hit.group_order),
                        url=order_url(hit.group_order_id),
                        group_order_id=hit.group_order_id,
                    )
                    for hit in send
                ]
            )
            AlertHit.objects.filter(pk__in=[hit.pk for hit in send]).update(
                state=AlertHit.State.SENT, sent_at=now, sent_day=today
            )
            if capped:
                AlertHit.objects.filter(pk__in=capped).update(state=AlertHit.State.CAPPED)
            if dropped:
                AlertHit.objects.filter(pk__in=dropped).update(state=AlertHit.State.DROPPED)
            sent += len(send)
            if len(hits) < DELIVER_BATCH:
                break
    return sent


def alerts_tick(*, now: datetime | None = None, group_order_ids: list[int] | None = None) -> dict:
    """Match what opened, then deliver what may go out: the job and the after-commit hook."""
    now = now or timezone.now()
    matched = alerts_match(group_order_ids=group_order_ids, now=now)
    return {"matched": matched, "sent": alerts_deliver(now=now)}


# --- Weather nudges ------------------------------------------------------------------------------


def _nudge_text(condition: str, category: str, order: GroupOrder | None) -> str:
    lead = {
        "rain": "비가 와요.",
        "snow": "눈이 와요.",
        "heat": "많이 더워요.",
        "cold": "많이 추워요.",
    }[condition]
    if order is not None:
        return f"{lead} 근처에서 '{order.title}'({category_label(order.category)}) 모집 중이에요. 같이 시켜요!"[
            :200
        ]
    return f"{lead} 오늘은 {category_label(category)} 어때요? 모집을 열면 이웃과 배달비를 나눠요."


def _new_order_url(category: str) -> str:
    return "/groupbuys/new/?" + urlencode({"category": category})


def _regions_turned(*, region_ids: list[int], now: datetime) -> dict[int, str]:
    """Read each 동's weather (the per-cell, per-hour weather cache; a provider only on a
    miss) and return the 동 whose condition turned to one worth a nudge since last seen."""
    turned: dict[int, str] = {}
    known = dict(
        RegionWeather.objects.filter(region_id__in=region_ids).values_list("region_id", "condition")
    )
    for region in Region.objects.filter(pk__in=region_ids).only("pk", "lat", "lon"):
        weather = weather_at(lat=region.lat, lon=region.lon, now=now)
        if weather is None:
            continue  # unknown is not a change
        condition = weather_condition(weather)
        if known.get(region.pk) == condition:
            continue
        RegionWeather.objects.update_or_create(
            region_id=region.pk, defaults={"condition": condition, "changed_at": now}
        )
        if condition:
            turned[region.pk] = condition
    return turned


def nudges_send(*, now: datetime | None = None) -> int:
    """Nudge neighbours whose 동 turned rainy, snowy, hot or freezing and who ordered a
    fitting category within ``NUDGE_RECENT_DAYS``: one per person per KST day, to an open
    order nearby in a fitting category or to a new-order form with the category filled in.
    People who switched nudges off, or who are in an open order already, are skipped. Returns nudges sent."""
    now = now or timezone.now()
    today = kst_day(now)
    since = now - timedelta(days=settings.NUDGE_RECENT_DAYS)
    opted_out = AlertPreference.objects.filter(user_id=OuterRef("user_id"), nudges=False)
    nudged = Nudge.objects.filter(user_id=OuterRef("user_id"), day=today)
    # Someone already in an open order has dinner sorted.
    busy = Participation.objects.filter(user_id=OuterRef("user_id")).filter(
        Q(group_order__status="recruiting", group_order__deadline__gt=now)
    )
    recent = (
        Participation.objects.filter(
            group_order__created_at__gte=since, user__is_active=True, user__region__isnull=False
        )
        .exclude(group_order__status=GroupOrder.Status.CANCELLED)
        .filter(~Exists(opted_out), ~Exists(nudged), ~Exists(busy))
    )
    region_ids = list(recent.values_list("user__region_id", flat=True).distinct().order_by())
    if not region_ids:
        return 0
    turned = _regions_turned(region_ids=region_ids, now=now)
    sent = 0
    for condition in CONDITIONS:
        regions = [r for r, c in turned.items() if c == condition]
        categories = nudge_categories(condition)
        if regions and categories:
            sent += _nudge_region_people(
                recent=recent,
                region_ids=regions,
                condition=condition,
                categories=categories,
                now=now,
                today=today,
            )
    return sent


def _nudge_region_people(
    *, recent, region_ids: list[int], condition: str, categories: tuple[str, ...], now, today
) -> int:
    # Each person's most recent fitting category.
    favourite: dict[int, tuple[int, str]] = {}
    for user_id, region_id, category in (
        recent.filter(user__region_id__in=region_ids, group_order__category__in=categories)
        .order_by("user_id", "-group_order__created_at")
        .values_list("user_id", "user__region_id", "group_order__category")
    ):
        favourite.setdefault(user_id, (region_id, category))
    if not favourite:
        return 0
    area = {
        r: [r, *region_neighbour_ids(region=Region(pk=r, code=code))]
        for r, code in Region.objects.filter(pk__in=region_ids).values_list("pk", "code")
    }
    open_orders = list(
        GroupOrder.objects.filter(
            recruiting_q(now),
            hidden_at__isnull=True,
            category__in=categories,
            region_id__in={r for ids in area.values() for r in ids},
        )
        .filter(member_count__lt=F("target_count"))
        .only("pk", "title", "category", "region_id", "host_id", "deadline")
        .order_by("deadline", "id")
    )
    users = list(favourite)
    blocked: set[tuple[int, int]] = set()
    for a, b in Block.objects.filter(Q(blocker_id__in=users) | Q(blocked_id__in=users)).values_list(
        "blocker_id", "blocked_id"
    ):
        blocked.update({(a, b), (b, a)})
    member_of = set(
        Participation.objects.filter(
            user_id__in=users, group_order_id__in=[o.pk for o in open_orders]
        ).values_list("user_id", "group_order_id")
    )
    rows = []
    with transaction.atomic():
        for user_id, (region_id, category) in favourite.items():
            row = _nudge_one(
                user_id=user_id,
                region_id=region_id,
                category=category,
                condition=condition,
                area=area,
                open_orders=open_orders,
                blocked=blocked,
                member_of=member_of,
                today=today,
            )
            if row is not None:
                rows.append(row)
        return len(_notify_many(rows))


def _nudge_one(
    *, user_id, region_id, category, condition, area, open_orders, blocked, member_of, today
) -> Notification | None:
    near = [
        o
        for o in open_orders
        if o.region_id in area[region_id]
        and (user_id, o.host_id) not in blocked
        and (user_id, o.pk) not in member_of
        and o.host_id != user_id
    ]
    near.sort(key=lambda o: (o.category != category, o.region_id != region_id))
    order = near[0] if near else None
    try:
        with transaction.atomic():
            Nudge.objects.create(
                user_id=user_id,
                day=today,
                condition=condition,
                category=order.category if order else category,
                group_order=order,
            )
    except IntegrityError:
        return None  # another run nudged them today
    return Notification(
        user_id=user_id,
        kind=Notification.Kind.NUDGE,
        text=_nudge_text(condition, category, order),
        url=order_url(order.pk) if order else _new_order_url(category),
        group_order_id=order.pk if order else None,
    )
