"""Recurring group orders: the host's writes, subscriptions, the opening tick, auto-joins.

Opening is set-based: one tick locks the due series (``SKIP LOCKED`` on PostgreSQL: two
schedulers never take the same row), inserts their occurrences (``ON CONFLICT DO NOTHING``
on the unique (series, deadline): a second run opens nothing twice), then the group orders,
the hosts' participations and the chat rooms each in one bulk INSERT, and moves every
series to its next deadline in one UPDATE. Subscribers are then joined by a task, one by
one through ``groupbuys.services.groupbuy_join`` itself, so every refusal (bans, blocks,
동네인증, sanctions, a full order, a prepaid share the balance or the cap cannot cover) is
the join's own; the subscriber is told why, and the next occurrence tries again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mealbuddy.chat.models import ChatRoom
from mealbuddy.core.errors import ApplicationError, PermissionDenied
from mealbuddy.core.sql import insert_select
from mealbuddy.groupbuys import services as groupbuy_services
from mealbuddy.groupbuys.access import access_group_order
from mealbuddy.groupbuys.errors import GroupOrderValidationError
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.groupbuys.rules import block_refusal, is_neighbour, verified_only_refusal
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_create
from mealbuddy.series.errors import SeriesEnded, SeriesValidationError
from mealbuddy.series.models import (
    MAX_INTERVAL_DAYS,
    MAX_OPEN_BEFORE,
    MIN_OPEN_BEFORE,
    AutoJoin,
    Occurrence,
    Series,
    Skip,
    Subscription,
)
from mealbuddy.series.schedule import kst, series_next_deadline, weekdays_mask
from mealbuddy.series.selectors import access_series
from mealbuddy.trust.selectors import restriction_active, restriction_check, standing_of

logger = logging.getLogger(__name__)

# The order fields a series copies into each occurrence (groupbuys' own validation).
TEMPLATE_FIELDS = (
    "title",
    "description",
    "category",
    "restaurant",
    "min_order_amount",
    "delivery_fee",
    "target_count",
    "pickup_spot",
    "fee_split",
    "payment",
    "noshow_deposit",
    "settle_account",
    "verified_only",
)
SCHEDULE_FIELDS = (
    "kind",
    "weekdays",
    "interval_days",
    "start_date",
    "deadline_time",
    "open_before",
)
# An occurrence opens only while its deadline is at least this far ahead (groupbuy_create's
# own minimum); a tick that comes later than that skips it and schedules the next.
MIN_LEAD = groupbuy_services.MIN_DEADLINE
TICK_BATCH = 2000
JOIN_RETRY_AFTER = timedelta(minutes=5)


def series_url(series_id: int) -> str:
    return f"/series/{series_id}/"


# --- validation ----------------------------------------------------------------------------


def _clean_schedule(data: dict, *, current: Series | None, errors: dict) -> dict:
    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    def value(name):
        return data[name] if name in data else getattr(current, name, None)

    cleaned: dict = {}
    kind = value("kind") or Series.Kind.WEEKLY
    if kind not in Series.Kind.values:
        fail("kind", "반복 방법을 골라 주세요.")
    cleaned["kind"] = kind
    if "weekdays" in data:
        days = data["weekdays"]
        if isinstance(days, int) and not isinstance(days, bool):
            mask = days
        elif isinstance(days, list | tuple) and all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
        ):
            mask = weekdays_mask(list(days))
        else:
            mask = -1
        if not 0 <= mask <= 127:
            fail("weekdays", "요일을 목록에서 골라 주세요.")
            mask = 0
        cleaned["weekdays"] = mask
    if kind == Series.Kind.WEEKLY and not cleaned.get("weekdays", value("weekdays")):
        fail("weekdays", "모집할 요일을 하루 이상 골라 주세요.")
    if "interval_days" in data or (kind == Series.Kind.EVERY_N_DAYS and current is None):
        interval = data.get("interval_days")
        if isinstance(interval, bool) or not isinstance(interval, int):
            fail("interval_days", "며칠마다 열지 숫자로 입력해 주세요.")
        elif not 1 <= interval <= MAX_INTERVAL_DAYS:
            fail("interval_days", f"1~{MAX_INTERVAL_DAYS}일 사이로 정해 주세요.")
        else:
            cleaned["interval_days"] = interval
    if "start_date" in data:
        start = data["start_date"]
        if not isinstance(start, date) or isinstance(start, datetime):
            fail("start_date", "시작일을 입력해 주세요.")
        else:
            cleaned["start_date"] = start
    if "deadline_time" in data:
        at = data["deadline_time"]
        if not isinstance(at, time):
            fail("deadline_time", "마감 시각을 입력해 주세요.")
        else:
            cleaned["deadline_time"] = at.replace(second=0, microsecond=0, tzinfo=None)
    elif current is None:
        fail("deadline_time", "마감 시각을 입력해 주세요.")
    if "open_before" in data:
        minutes = data["open_before"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            fail("open_before", "마감 몇 분 전에 열지 숫자로 입력해 주세요.")
        elif not MIN_OPEN_BEFORE <= minutes <= MAX_OPEN_BEFORE:
            fail(
                "open_before",
                f"마감 {MIN_OPEN_BEFORE}분 전 ~ {MAX_OPEN_BEFORE // 60}시간 전 사이로 정해 주세요.",
            )
        else:
            cleaned["open_before"] = minutes
    return cleaned


def _clean(data: dict, *, current: Series | None) -> dict:
    """Every problem at once: the order fields by the group orders' own rule, then the
    schedule."""
    errors: dict[str, list[str]] = {}
    template = {name: data[name] for name in TEMPLATE_FIELDS if name in data}
    if current is not None and ("payment" in template or "noshow_deposit" in template):
        # The deposit rule reads both: the one not sent is the series' current value.
        template.setdefault("payment", current.payment)
        template.setdefault("noshow_deposit", current.noshow_deposit)
    cleaned: dict = {}
    try:
        cleaned.update(
            groupbuy_services._clean(template, current=None, now=timezone.now()) if template else {}
        )
    except GroupOrderValidationError as exc:
        errors.update(exc.as_errors())
    cleaned.update(_clean_schedule(data, current=current, errors=errors))
    if errors:
        raise SeriesValidationError(errors)
    return cleaned


def _schedule_next(series: Series, *, after: datetime) -> None:
    """Point ``series`` at its first occurrence after ``after`` (not earlier than the lead
    an order needs), or at none once it ended."""
    if series.state == Series.State.ENDED:
        series.next_deadline = series.next_open_at = None
        return
    floor = timezone.now() + MIN_LEAD
    deadline = series_next_deadline(series, after=max(after, floor))
    series.next_deadline = deadline
    series.next_open_at = deadline - timedelta(minutes=series.open_before)


# --- the host's writes ---------------------------------------------------------------------


@transaction.atomic
def series_create(*, host, group_order_id: int | None = None, **fields) -> Series:
    """Make a series. With ``group_order_id`` (the host's own order, in no series yet) its
    fields are copied and it becomes the first occurrence; otherwise the order fields come
    in ``fields`` like ``groupbuy_create``'s. Schedule: ``kind`` "weekly" with ``weekdays``
    (Monday-first numbers 0–6) or "days" with ``interval_days``; ``deadline_time`` (KST),
    ``start_date`` (default today, KST), ``open_before`` minutes (default 180)."""
    unknown = set(fields) - set(TEMPLATE_FIELDS) - set(SCHEDULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown series fields: {sorted(unknown)}")
    restriction_check(user=host)
    if getattr(host, "region_id", None) is None:
        raise SeriesValidationError({"region": ["먼저 내 동네를 설정해 주세요."]})
    order = None
    if group_order_id is not None:
        order = access_group_order(user=host, id=group_order_id, lock=True, require_host=True)
        if Occurrence.objects.filter(group_order_id=order.pk).exists():
            raise SeriesValidationError({"group_order": ["이미 정기 모집에 속한 주문이에요."]})
        fields = {name: getattr(order, name) for name in TEMPLATE_FIELDS} | {
            k: v for k, v in fields.items() if k in SCHEDULE_FIELDS
        }
        fields.setdefault("deadline_time", kst(order.deadline).time())
    else:
        # The order fields a new order needs (empty: their own "please enter" errors).
        fields = {"title": "", "category": "", "target_count": None, **fields}
    anchor = order.deadline if order is not None else timezone.now()
    data = {"start_date": kst(anchor).date(), "open_before": 180, **fields}
    cleaned = _clean(data, current=None)
    series = Series(host=host, region_id=host.region_id, **cleaned)
    after = order.deadline if order is not None else timezone.now()
    _schedule_next(series, after=after)
    series.save()
    if order is not None:
        Occurrence.objects.create(
            series=series, deadline=order.deadline, group_order=order, joins_done_at=timezone.now()
        )
    return series


@transaction.atomic
def series_update(*, user, series_id: int, **fields) -> Series:
    """Change the template or the schedule (host only); later occurrences use it, opened
    ones stay as they are (the host edits those like any order)."""
    unknown = set(fields) - set(TEMPLATE_FIELDS) - set(SCHEDULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown series fields: {sorted(unknown)}")
    series = access_series(user=user, id=series_id, lock=True, require_host=True)
    if series.state == Series.State.ENDED:
        raise SeriesEnded()
    cleaned = _clean(fields, current=series)
    for name, value in cleaned.items():
        setattr(series, name, value)
    if set(cleaned) & set(SCHEDULE_FIELDS):
        last = series.occurrences.order_by("-deadline").values_list("deadline", flat=True).first()
        _schedule_next(series, after=last or timezone.now())
    series.save()
    return series


@transaction.atomic
def series_state_set(*, user, series_id: int, state: str) -> Series:
    """Pause (no occurrence opens), resume (the next one from now) or end (for good)."""
    series = access_series(user=user, id=series_id, lock=True, require_host=True)
    if state not in Series.State.values:
        raise SeriesValidationError({"state": ["상태를 목록에서 골라 주세요."]})
    if series.state == Series.State.ENDED:
        if state == Series.State.ENDED:
            return series
        raise SeriesEnded()
    if state == series.state:
        return series
    series.state = state
    if state == Series.State.ACTIVE:
        last = series.occurrences.order_by("-deadline").values_list("deadline", flat=True).first()
        _schedule_next(series, after=max(last, timezone.now()) if last else timezone.now())
    elif state == Series.State.ENDED:
        _schedule_next(series, after=timezone.now())
    series.save(update_fields=["state", "next_deadline", "next_open_at", "updated_at"])
    return series


def series_pause(*, user, series_id: int) -> Series:
    return series_state_set(user=user, series_id=series_id, state=Series.State.PAUSED)


def series_resume(*, user, series_id: int) -> Series:
    return series_state_set(user=user, series_id=series_id, state=Series.State.ACTIVE)


def series_end(*, user, series_id: int) -> Series:
    return series_state_set(user=user, series_id=series_id, state=Series.State.ENDED)


# --- subscribers -----------------------------------------------------------------------------


class _SeriesAsOrder:
    """The series seen by the join rules that need no order row (neighbourhood, 동네인증,
    blocks): its 동, host and "동네인증한 이웃만"."""

    def __init__(self, series: Series) -> None:
        self.region_id = series.region_id
        self.region = series.region
        self.host_id = series.host_id
        self.verified_only = series.verified_only
        self.hidden_at = None


def subscription_refusal(series: Series, *, user) -> ApplicationError | None:
    """Who may subscribe: someone who could join its orders now (the join's own rules on
    blocks, neighbourhood and 동네인증); each occurrence's join checks everything again."""
    if series.host_id == user.pk:
        return PermissionDenied("방장은 매주 자동으로 참여해요.", code="host")
    if series.state == Series.State.ENDED:
        return SeriesEnded()
    order_like = _SeriesAsOrder(series)
    refusal = block_refusal(order_like, user=user)
    if refusal is not None:
        return refusal
    if getattr(user, "region_id", None) is None or not is_neighbour(
        group_order=order_like, user=user
    ):
        return PermissionDenied("이웃 동네의 정기 모집에만 참여할 수 있어요.", code="not_neighbour")
    return verified_only_refusal(order_like, user=user)


@transaction.atomic
def subscription_create(
    *, user, series_id: int, use_points: bool = False, spending_cap: int | None = None
) -> Subscription:
    """ "매주 참여"; subscribing again updates the preferences. ``spending_cap`` (won, or
    None) is set on each joined order as the member's own cap (``member_prefs_set``): an
    occurrence whose share already passes it is not joined, and the subscriber is told."""
    restriction_check(user=user)
    series = access_series(user=user, id=series_id)
    if (refusal := subscription_refusal(series, user=user)) is not None:
        raise refusal
    if spending_cap is not None and (
        isinstance(spending_cap, bool)
        or not isinstance(spending_cap, int)
        or not 0 <= spending_cap <= groupbuy_services.MAX_WON
    ):
        raise SeriesValidationError(
            {"spending_cap": [f"한도는 0~{groupbuy_services.MAX_WON:,}원으로 정해 주세요."]}
        )
    subscription, created = Subscription.objects.get_or_create(
        series=series,
        user=user,
        defaults={"use_points": bool(use_points), "spending_cap": spending_cap},
    )
    if not created:
        subscription.use_points = bool(use_points)
        subscription.spending_cap = spending_cap
        subscription.save(update_fields=["use_points", "spending_cap"])
    return subscription


@transaction.atomic
def subscription_delete(*, user, series_id: int) -> bool:
    """ "그만하기": later occurrences do not join ``user`` (an order they are in stays theirs
    to leave as usual). Returns whether there was a subscription."""
    series = access_series(user=user, id=series_id)
    deleted, _ = Subscription.objects.filter(series=series, user=user).delete()
    return bool(deleted)


@transaction.atomic
def skip_set(*, user, series_id: int, skip: bool = True) -> datetime:
    """ "이번 주 건너뛰기" (or undo it): the next occurrence, not opened yet, does not join
    ``user``. Once it opened they leave it like any order. Returns that deadline."""
    series = access_series(user=user, id=series_id, lock=True)
    subscription = Subscription.objects.filter(series=series, user=user).first()
    if subscription is None:
        raise SeriesValidationError({"subscription": ["매주 참여하는 사람만 건너뛸 수 있어요."]})
    if series.state != Series.State.ACTIVE or series.next_deadline is None:
        raise SeriesValidationError({"subscription": ["다음 모집이 정해져 있지 않아요."]})
    if skip:
        Skip.objects.get_or_create(subscription=subscription, deadline=series.next_deadline)
    else:
        Skip.objects.filter(subscription=subscription, deadline=series.next_deadline).delete()
    return series.next_deadline


# --- the tick: open due occurrences, set-based -----------------------------------------------


def _order_for(series: Series, deadline: datetime) -> GroupOrder:
    host = series.host
    return GroupOrder(
        host_id=host.pk,
        region_id=host.region_id,
        lat=host.lat,
        lon=host.lon,
        member_count=1,
        deadline=deadline,
        **{name: getattr(series, name) for name in TEMPLATE_FIELDS},
    )


def _update_from_values(model, columns: list[str], rows: list[tuple]) -> None:
    """``UPDATE … FROM (VALUES …)``: one statement setting ``columns`` per primary key
    (the first value of each row). Django's ``bulk_update`` builds a CASE per row and
    column, which costs more Python than the whole tick's SQL."""
    if not rows:
        return
    ops = connection.ops
    fields = [model._meta.get_field(c) for c in columns]
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    sets = ", ".join(f"{ops.quote_name(f.column)} = v.{ops.quote_name(f.column)}" for f in fields)
    placeholder = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params: list = []
    for row in rows:
        params.append(row[0])
        params.extend(
            f.get_db_prep_value(v, connection) for f, v in zip(fields, row[1:], strict=True)
        )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = ", ".join([placeholder] * len(chunk))
            width = len(columns) + 1
            cursor.execute(
                # Identifiers from the model's meta, quoted; every value is a parameter.
                f"WITH v(pk, {names}) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.id = v.pk",
                params[start * width : (start + len(chunk)) * width],
            )


def _retry_stalled_joins(now: datetime) -> int:
    """Occurrences opened a while ago whose join task never ran (a worker down, an enqueue
    lost between commit and queue): joined now, harmlessly (one outcome per person)."""
    from mealbuddy.series.tasks import join_subscribers

    stalled = list(
        Occurrence.objects.filter(
            joins_done_at__isnull=True,
            group_order__isnull=False,
            created_at__lte=now - JOIN_RETRY_AFTER,
            deadline__gt=now,
        ).values_list("pk", flat=True)[:TICK_BATCH]
    )
    for start in range(0, len(stalled), 200):
        join_subscribers.enqueue(occurrence_ids=stalled[start : start + 200])
    return len(stalled)


def series_tick(*, now: datetime | None = None) -> dict:
    """Open every due occurrence; returns ``{"opened", "missed", "occurrences": [ids]}``.

    Idempotent: rows are claimed with ``SKIP LOCKED`` and moved to their next deadline in the
    same transaction, and the unique (series, deadline) pair stops a second opening.
    """
    now = now or timezone.now()
    _retry_stalled_joins(now)
    with transaction.atomic():
        due = list(
            Series.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Series.State.ACTIVE, next_open_at__lte=now)
            .select_related("host", "host__standing")
            .order_by("next_open_at", "id")[:TICK_BATCH]
        )
        if not due:
            return {"opened": 0, "missed": 0, "occurrences": []}
        openable = [
            s
            for s in due
            if s.next_deadline >= now + MIN_LEAD
            and s.host.region_id is not None
            and s.host.is_active
            and not restriction_active(standing=standing_of(s.host), now=now)
        ]
        Occurrence.objects.bulk_create(
            [Occurrence(series=s, deadline=s.next_deadline) for s in openable],
            ignore_conflicts=True,
        )
        fresh = {
            (o.series_id, o.deadline): o
            for o in Occurrence.objects.filter(
                series_id__in=[s.pk for s in openable],
                group_order__isnull=True,
                joins_done_at__isnull=True,
            )
        }
        opening = [
            (s, fresh[(s.pk, s.next_deadline)])
            for s in openable
            if (s.pk, s.next_deadline) in fresh
        ]
        orders = GroupOrder.objects.bulk_create([_order_for(s, o.deadline) for s, o in opening])
        # Each host is in their order and each order has its chat room, as groupbuy_create
        # makes them, without a model instance per row.
        if orders:
            order_ids = [order.pk for order in orders]
            source = (
                f"SELECT id, host_id FROM {GroupOrder._meta.db_table} "  # noqa: S608 - its table
                f"WHERE id IN ({', '.join(['%s'] * len(order_ids))})"
            )
            insert_select(
                Participation,
                source=source,
                params=order_ids,
                columns={"group_order": "src.id", "user": "src.host_id"},
            )
            insert_select(
                ChatRoom, source=source, params=order_ids, columns={"group_order": "src.id"}
            )
        for (_, occurrence), order in zip(opening, orders, strict=True):
            occurrence.group_order = order
        _update_from_values(
            Occurrence, ["group_order_id"], [(o.pk, o.group_order_id) for _, o in opening]
        )
        for series in due:
            _schedule_next(series, after=max(series.next_deadline, now))
        _update_from_values(
            Series,
            ["next_deadline", "next_open_at"],
            [(s.pk, s.next_deadline, s.next_open_at) for s in due],
        )
        occurrence_ids = [o.pk for _, o in opening]
        enqueue_ids = occurrence_ids
        if enqueue_ids:
            from mealbuddy.series.tasks import join_subscribers

            for start in range(0, len(enqueue_ids), 200):
                chunk = enqueue_ids[start : start + 200]
                transaction.on_commit(
                    lambda chunk=chunk: join_subscribers.enqueue(occurrence_ids=chunk)
                )
    return {
        "opened": len(opening),
        "missed": len(due) - len(opening),
        "occurrences": occurrence_ids,
    }


# --- auto-join -------------------------------------------------------------------------------


def _record(
    occurrence: Occurrence, user, result: str, error: ApplicationError | None = None
) -> bool:
    """Write the outcome once; False when another run already did."""
    try:
        with transaction.atomic():
            AutoJoin.objects.create(
                occurrence=occurrence,
                user=user,
                result=result,
                code=(error.code if error else "")[:40],
                message=(error.message if error else "")[:300],
            )
    except IntegrityError:
        return False
    return True


def _join_one(occurrence: Occurrence, subscription: Subscription) -> str:
    order = occurrence.group_order
    user = subscription.user
    title = order.title
    url = f"/groupbuys/{order.pk}/"
    try:
        with transaction.atomic():
            AutoJoin.objects.create(occurrence=occurrence, user=user, result=AutoJoin.Result.JOINED)
            groupbuy_services.groupbuy_join(
                group_order_id=order.pk, user=user, use_points=subscription.use_points
            )
            if subscription.spending_cap is not None:
                groupbuy_services.member_prefs_set(
                    group_order_id=order.pk, user=user, spending_cap=subscription.spending_cap
                )
            notifications_create(
                users=[user],
                kind=Notification.Kind.SERIES,
                text=f"정기 모집 '{title}'에 자동으로 참여했어요.",
                group_order=order,
                url=url,
            )
    except IntegrityError:
        return "done"  # another run joined (or told) them already
    except ApplicationError as error:
        if error.field == "spending_cap":
            error = ApplicationError(
                f"이번 부담액이 내 한도({subscription.spending_cap:,}원)를 넘어요.",
                code="spending_cap",
            )
        if _record(occurrence, user, AutoJoin.Result.REFUSED, error):
            notifications_create(
                users=[user],
                kind=Notification.Kind.SERIES,
                text=f"정기 모집 '{title}'에 자동으로 참여하지 못했어요: {error.message}"[:200],
                group_order=order,
                url=url,
            )
        return "refused"
    return "joined"


def occurrence_join_subscribers(*, occurrence_id: int) -> dict:
    """Join the subscribers of an opened occurrence (first subscribed, first joined), each
    in their own transaction through the join service; skips are honoured. Idempotent: the
    unique (occurrence, person) outcome row is written with the join itself."""
    occurrence = (
        Occurrence.objects.select_related("series", "series__host", "group_order")
        .filter(pk=occurrence_id)
        .first()
    )
    counts = {"joined": 0, "refused": 0, "skipped": 0, "done": 0}
    if occurrence is None or occurrence.group_order is None:
        return counts
    series = occurrence.series
    done = AutoJoin.objects.filter(occurrence=occurrence).values("user_id")
    subscriptions = (
        Subscription.objects.filter(series=series)
        .exclude(user_id=series.host_id)
        .exclude(user_id__in=done)
        .select_related("user", "user__standing")
        .order_by("id")
    )
    skipped = set(
        Skip.objects.filter(subscription__series=series, deadline=occurrence.deadline).values_list(
            "subscription_id", flat=True
        )
    )
    for subscription in subscriptions:
        if subscription.pk in skipped:
            _record(occurrence, subscription.user, AutoJoin.Result.SKIPPED)
            counts["skipped"] += 1
            continue
        counts[_join_one(occurrence, subscription)] += 1
    Occurrence.objects.filter(pk=occurrence.pk).update(joins_done_at=timezone.now())
    if counts["joined"] or counts["refused"]:
        notifications_create(
            users=[series.host],
            kind=Notification.Kind.SERIES,
            text=f"정기 모집 '{occurrence.group_order.title}'이(가) 열렸어요. "
            f"자동 참여 {counts['joined']}명.",
            group_order=occurrence.group_order,
            url=f"/groupbuys/{occurrence.group_order_id}/",
        )
    return counts
