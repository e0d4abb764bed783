"""Reads of recurring orders: the permission-checked fetch, the panel the order page and the
series page show (what the viewer may do, computed here once), and "내 정기 모집"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from mealbuddy.series.errors import SeriesNotFound
from mealbuddy.series.models import Occurrence, Series, Skip, Subscription
from mealbuddy.series.schedule import schedule_words, when_words


def _blocked_q(viewer_id: int) -> Q:
    from mealbuddy.trust.models import Block

    host = OuterRef("host_id")
    return Q(
        Exists(
            Block.objects.filter(
                Q(blocker_id=viewer_id, blocked_id=host) | Q(blocker_id=host, blocked_id=viewer_id)
            )
        )
    )


def series_visible_q(*, viewer) -> Q:
    """Series ``viewer`` may see: their own, one they subscribed to, or any whose host and the
    viewer have not blocked each other (the group orders' rule)."""
    viewer_id = viewer.pk
    subscribed = Exists(Subscription.objects.filter(series_id=OuterRef("pk"), user_id=viewer_id))
    return Q(host_id=viewer_id) | Q(subscribed) | ~_blocked_q(viewer_id)


def access_series(*, user, id: int, lock: bool = False, require_host: bool = False) -> Series:
    """The series ``id`` if ``user`` may see it; ``require_host`` answers 404 to anyone but
    the host too (someone else's series is "not found", never "forbidden")."""
    queryset = Series.objects.filter(series_visible_q(viewer=user))
    if require_host:
        queryset = queryset.filter(host_id=user.pk)
    if lock:
        # Only the series row: the visibility test reads other tables without locking them.
        queryset = Series.objects.select_for_update().filter(pk__in=queryset.values("pk"))
    else:
        queryset = queryset.select_related("host", "region")
    try:
        return queryset.get(pk=id)
    except (Series.DoesNotExist, ValueError, TypeError):
        raise SeriesNotFound() from None


@dataclass(frozen=True)
class SeriesPanel:
    """Everything the "정기 모집" section shows, decided here (templates only display)."""

    series: Series
    schedule: str
    state: str
    state_label: str
    next_when: str
    next_deadline: datetime | None
    open_before_words: str
    is_host: bool
    subscribed: bool
    skipped_next: bool
    subscribers: int
    latest_order_id: int | None
    can_subscribe: bool
    can_skip: bool
    can_pause: bool
    can_resume: bool
    can_end: bool


def _open_before_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"마감 {hours}시간 {rest}분 전에 열려요"
    if hours:
        return f"마감 {hours}시간 전에 열려요"
    return f"마감 {rest}분 전에 열려요"


def _with_viewer(queryset: QuerySet[Series], viewer_id: int) -> QuerySet[Series]:
    """Annotate the viewer's subscription, their skip of the next occurrence, the number of
    subscribers and the latest occurrence's order: the panel in one query."""
    mine = Subscription.objects.filter(series_id=OuterRef("pk"), user_id=viewer_id)
    skipped = Skip.objects.filter(
        subscription__series_id=OuterRef("pk"),
        subscription__user_id=viewer_id,
        deadline=OuterRef("next_deadline"),
    )
    latest = Occurrence.objects.filter(
        series_id=OuterRef("pk"), group_order__isnull=False
    ).order_by("-deadline")
    return queryset.annotate(
        viewer_subscribed=Exists(mine),
        viewer_skipped=Exists(skipped),
        subscriber_count=Count("subscriptions", distinct=True),
        latest_order_id=Subquery(latest.values("group_order_id")[:1]),
    )


def series_panel(series: Series, *, viewer) -> SeriesPanel:
    """The panel for a series loaded with ``_with_viewer`` annotations."""
    is_host = series.host_id == viewer.pk
    subscribed = bool(getattr(series, "viewer_subscribed", False))
    active = series.state == Series.State.ACTIVE
    ended = series.state == Series.State.ENDED
    return SeriesPanel(
        series=series,
        schedule=schedule_words(series),
        state=series.state,
        state_label=Series.State(series.state).label,
        next_when=when_words(series.next_deadline) if series.next_deadline and active else "",
        next_deadline=series.next_deadline if active else None,
        open_before_words=_open_before_words(series.open_before),
        is_host=is_host,
        subscribed=subscribed,
        skipped_next=bool(getattr(series, "viewer_skipped", False)),
        subscribers=getattr(series, "subscriber_count", 0),
        latest_order_id=getattr(series, "latest_order_id", None),
        can_subscribe=not is_host and not subscribed and not ended,
        can_skip=subscribed and active and series.next_deadline is not None,
        can_pause=is_host and active,
        can_resume=is_host and series.state == Series.State.PAUSED,
        can_end=is_host and not ended,
    )


def series_detail(*, user, series_id: int) -> SeriesPanel:
    queryset = _with_viewer(
        Series.objects.filter(series_visible_q(viewer=user)).select_related("host", "region"),
        user.pk,
    )
    series = queryset.filter(pk=series_id).first()
    if series is None:
        raise SeriesNotFound()
    return series_panel(series, viewer=user)


@dataclass(frozen=True)
class OrderSeriesSection:
    """The order page's "정기 모집" section: the series panel, or for the host of an order in
    no series the offer to make one."""

    panel: SeriesPanel | None
    can_make: bool


def order_series_section(*, group_order, user) -> OrderSeriesSection:
    """No query for an order in no series (``access_group_order`` loads its occurrence);
    one for the series with the viewer's state otherwise."""
    try:
        occurrence = group_order.series_occurrence
    except ObjectDoesNotExist:
        occurrence = None
    series = None
    if occurrence is not None:
        series = (
            _with_viewer(Series.objects.filter(pk=occurrence.series_id), user.pk)
            .select_related("host")
            .first()
        )
    if series is None:
        return OrderSeriesSection(panel=None, can_make=group_order.host_id == user.pk)
    return OrderSeriesSection(panel=series_panel(series, viewer=user), can_make=False)


def series_mine(*, user) -> tuple[list[SeriesPanel], list[SeriesPanel]]:
    """ "내 정기 모집": (the series I host, the series I subscribed to), live ones first."""
    queryset = _with_viewer(
        Series.objects.filter(
            Q(host_id=user.pk)
            | Q(Exists(Subscription.objects.filter(series_id=OuterRef("pk"), user_id=user.pk)))
        ).select_related("host"),
        user.pk,
    ).order_by("-id")
    hosting, subscribed = [], []
    for series in queryset:
        panel = series_panel(series, viewer=user)
        (hosting if panel.is_host else subscribed).append(panel)
    key = {"active": 0, "paused": 1, "ended": 2}
    hosting.sort(key=lambda p: key[p.state])
    subscribed.sort(key=lambda p: key[p.state])
    return hosting, subscribed
