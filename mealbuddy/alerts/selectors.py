"""Reads for saved alerts and weather nudges: the owner's alerts, the quiet-hours rule, and
which categories suit which weather (from the recommender's menu catalogue)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache

from django.db.models import F, Q
from django.utils import timezone

from mealbuddy.alerts.errors import AlertNotFound
from mealbuddy.alerts.models import AlertPreference, SavedAlert
from mealbuddy.groupbuys.models import CATEGORIES, category_label

KST = timezone.get_fixed_timezone(9 * 60)

# What the nudge job reacts to, strongest first (a snowy day is not also a "cold" nudge).
CONDITIONS = {"snow": "눈", "rain": "비", "heat": "더위", "cold": "추위"}


def kst_now(now: datetime | None = None) -> datetime:
    return timezone.localtime(now or timezone.now(), KST)


def kst_day(now: datetime | None = None) -> date:
    return kst_now(now).date()


# --- Quiet hours: the one rule, on values and as a database filter ---------------------------


def in_quiet_hours(*, start: time | None, end: time | None, at: time) -> bool:
    """Is ``at`` (KST wall clock) inside ``[start, end)``? Wraps midnight when start > end;
    no hours (or start == end) is never quiet."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def outside_quiet_hours_q(*, at: time, prefix: str = "") -> Q:
    """``not in_quiet_hours`` as a filter on alerts (``prefix`` "alert__" from a hit)."""
    start, end = f"{prefix}quiet_start", f"{prefix}quiet_end"
    return (
        Q(**{f"{start}__isnull": True})
        | Q(**{start: F(end)})
        | (Q(**{f"{start}__lt": F(end)}) & (Q(**{f"{start}__gt": at}) | Q(**{f"{end}__lte": at})))
        | (Q(**{f"{start}__gt": F(end)}) & Q(**{f"{start}__gt": at}) & Q(**{f"{end}__lte": at}))
    )


# --- The owner's alerts ------------------------------------------------------------------------


def alert_list(*, user) -> list[SavedAlert]:
    """``user``'s alerts, oldest first (one query)."""
    return list(SavedAlert.objects.filter(user_id=user.pk).order_by("id"))


def access_alert(*, user, alert_id: int, lock: bool = False) -> SavedAlert:
    """The alert if ``user`` owns it; anyone else's is "not found", never "forbidden"."""
    qs = SavedAlert.objects.filter(pk=alert_id, user_id=user.pk)
    if lock:
        qs = qs.select_for_update()
    alert = qs.first()
    if alert is None:
        raise AlertNotFound()
    return alert


def nudges_enabled(*, user) -> bool:
    pref = AlertPreference.objects.filter(user_id=user.pk).first()
    return True if pref is None else pref.nudges


def alert_summary(alert: SavedAlert) -> str:
    """ "치킨 · '교촌' · 1인당 배달비 2,000원 이하 · 이웃 동네 포함 · 22:00–07:00 조용히"."""
    parts = [category_label(alert.category) if alert.category else "모든 카테고리"]
    if alert.keyword:
        parts.append(f"'{alert.keyword}'")
    if alert.max_fee_share is not None:
        parts.append(f"1인당 배달비 {alert.max_fee_share:,}원 이하")
    parts.append("이웃 동네 포함" if alert.include_neighbours else "우리 동네만")
    if alert.quiet_start is not None and alert.quiet_end is not None:
        parts.append(f"{alert.quiet_start:%H:%M}–{alert.quiet_end:%H:%M} 조용히")
    return " · ".join(parts)


# --- Weather → categories (the recommender's catalogue decides) ----------------------------


def weather_condition(weather) -> str:
    """ "snow", "rain", "heat", "cold" or "" for a ``recommend.weather.Weather``; the same
    thresholds the recommender scores with (precipitation, ``temperature_band``)."""
    if weather.is_snowing:
        return "snow"
    if weather.is_raining:
        return "rain"
    if weather.temperature_band == "hot":
        return "heat"
    if weather.temperature_band == "freezing":
        return "cold"
    return ""


@cache
def nudge_categories(condition: str) -> tuple[str, ...]:
    """Categories with dishes the recommender favours in that weather: hot soups and "비 오는
    날" dishes for rain and snow, cold dishes and "여름" ones in the heat, hot soups and "겨울"
    ones in the cold. In the board's category order."""
    from mealbuddy.recommend.catalogue import catalogue

    def fits(dish) -> bool:
        hot_soup = dish.soup and dish.temperature == "hot"
        if condition in ("rain", "snow"):
            return hot_soup or "비 오는 날" in dish.tags
        if condition == "heat":
            return dish.temperature == "cold" or "여름" in dish.tags
        if condition == "cold":
            return hot_soup or "겨울" in dish.tags
        return False

    found = {dish.category for dish in catalogue() if fits(dish)}
    return tuple(c for c in CATEGORIES if c in found)
