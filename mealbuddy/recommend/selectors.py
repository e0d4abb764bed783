"""Reads for the recommender: the user's context and the engine's answer."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta

from django.utils import timezone

from mealbuddy.accounts.diet import restricted_ingredients
from mealbuddy.accounts.models import Profile
from mealbuddy.groupbuys.models import GroupOrder, Participation, recruiting_q
from mealbuddy.recommend.catalogue import catalogue
from mealbuddy.recommend.engine import (
    Context,
    OpenOrder,
    Recommendation,
    recommend,
)
from mealbuddy.recommend.models import ConversationTurn
from mealbuddy.recommend.weather import Weather, kst_now, weather_at
from mealbuddy.recommend.wish import wish_parse
from mealbuddy.regions.selectors import region_neighbour_ids

RECENT_DAYS = 7
RECENT_LIMIT = 20
NEARBY_LIMIT = 50


def kst_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), timezone.get_fixed_timezone(9 * 60)).date()


def user_point(*, user, lat: float | None = None, lon: float | None = None):
    """Where to read the weather for: the given point, else the user's neighbourhood."""
    if lat is not None and lon is not None:
        return lat, lon
    region = getattr(user, "region", None)
    if region is not None:
        return region.lat, region.lon
    if user.lat is not None and user.lon is not None:
        return user.lat, user.lon
    return None


def user_weather(*, user, lat: float | None = None, lon: float | None = None) -> Weather | None:
    point = user_point(user=user, lat=lat, lon=lon)
    if point is None:
        return None
    return weather_at(lat=point[0], lon=point[1])


def open_orders_nearby(*, user, now: datetime | None = None) -> tuple[OpenOrder, ...]:
    """Group orders recruiting right now in the user's 동 and the 동 bordering it."""
    from mealbuddy.groupbuys.selectors import group_order_visible_q

    if user.region_id is None:
        return ()
    now = now or timezone.now()
    region_ids = [user.region_id, *region_neighbour_ids(region=user.region)]
    rows = (
        GroupOrder.objects.filter(recruiting_q(now), region_id__in=region_ids)
        .filter(group_order_visible_q(viewer=user))  # hidden, or a host blocked either way
        .order_by("deadline", "id")
        .values_list(
            "id", "title", "category", "member_count", "target_count", "deadline", "region__name"
        )[:NEARBY_LIMIT]
    )
    return tuple(OpenOrder(*row) for row in rows)


def recent_categories(*, user, now: datetime | None = None) -> tuple[str, ...]:
    """Categories of the group orders the user hosted or joined lately, newest first."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    # The host is always a participant of their own order, so participations cover both.
    rows = (
        Participation.objects.filter(user=user, group_order__created_at__gte=since)
        .exclude(group_order__status=GroupOrder.Status.CANCELLED)
        .order_by("-group_order__created_at")
        .values_list("group_order__category", flat=True)[:RECENT_LIMIT]
    )
    return tuple(rows)


def default_seed(*, user, now: datetime) -> int:
    """Stable within the hour for a user, so a reload shows the same cards."""
    return zlib.crc32(f"{user.pk}:{now:%Y%m%d%H}".encode()) & 0x7FFFFFFF


def recommendation_context(
    *,
    user,
    wish: str = "",
    seed: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    now: datetime | None = None,
    weather: Weather | None = None,
    with_weather: bool = True,
) -> Context:
    now_kst = timezone.localtime(now, timezone.get_fixed_timezone(9 * 60)) if now else kst_now()
    profile = (
        Profile.objects.filter(user=user)
        .only("spicy_tolerance", "dietary_restrictions", "favourite_categories")
        .first()
    )
    if weather is None and with_weather:
        weather = user_weather(user=user, lat=lat, lon=lon)
    return Context(
        now=now_kst,
        seed=default_seed(user=user, now=now_kst) if seed is None else seed,
        weather=weather,
        wish=wish_parse(wish, dishes=catalogue()),
        spicy_tolerance=profile.spicy_tolerance if profile else 2,
        restricted=restricted_ingredients(profile.dietary_restrictions if profile else ()),
        favourite_categories=frozenset(profile.favourite_categories or ())
        if profile
        else frozenset(),
        recent_categories=recent_categories(user=user, now=now_kst),
        open_orders=open_orders_nearby(user=user, now=now_kst),
    )


def recommendation_for_user(**kwargs) -> Recommendation:
    return recommend(recommendation_context(**kwargs))


def conversation_today(*, user, now: datetime | None = None) -> list[dict[str, str]]:
    rows = ConversationTurn.objects.filter(user=user, day=kst_today(now)).values_list(
        "role", "content"
    )
    return [{"role": role, "content": content} for role, content in rows]


def recommendation_text(recommendation: Recommendation) -> str:
    """The engine's answer as one Korean message (the original client shows it as is)."""
    ctx = recommendation.context
    if not recommendation.picks:
        return "조건에 맞는 메뉴를 찾지 못했어요. 조건을 조금 바꿔서 다시 물어봐 주세요."
    head = " · ".join(ctx.describe())
    lines = [f"지금({head}) 이런 메뉴는 어때요?"]
    for number, pick in enumerate(recommendation.picks, start=1):
        lines.append(f"{number}. {pick.dish.name} ({pick.dish.category}) — {pick.reason}")
    if ctx.weather is None:
        lines.append("(날씨 정보를 불러올 수 없어 날씨는 빼고 골랐어요.)")
    return "\n".join(lines)
