"""The offline recommender: a pure function from a context to five dishes with reasons.

Every input adds or removes points for each dish and, when it adds, a Korean phrase naming
itself ("비가 와서 따뜻한 국물 요리"). A card's reason is its strongest phrases. Hard limits
(a wish's negations, dietary restrictions, a budget) remove dishes outright. A seeded jitter
breaks near-ties, so the same context and seed give the same answer and another seed
("다시 추천") gives another.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from mealbuddy.recommend.catalogue import Dish, catalogue
from mealbuddy.recommend.weather import Weather, format_number
from mealbuddy.recommend.wish import Wish

RESULT_SIZE = 5
JITTER = 2.0
NEARBY_SHOWN = 3


def time_slot(now: datetime) -> str:
    hour = now.hour
    if 5 <= hour < 10:
        return "아침"
    if 10 <= hour < 15:
        return "점심"
    if 15 <= hour < 21:
        return "저녁"
    return "야식"


def season(now: datetime) -> str:
    return {12: "겨울", 1: "겨울", 2: "겨울", 3: "봄", 4: "봄", 5: "봄"}.get(
        now.month, "여름" if now.month in (6, 7, 8) else "가을"
    )


def is_weekend(now: datetime) -> bool:
    return now.weekday() >= 5


@dataclass(frozen=True)
class OpenOrder:
    id: int
    title: str
    category: str
    member_count: int
    target_count: int
    deadline: datetime
    region_name: str


@dataclass(frozen=True)
class Context:
    now: datetime  # KST
    seed: int
    weather: Weather | None = None
    wish: Wish = field(default_factory=Wish)
    spicy_tolerance: int = 2
    restricted: frozenset[str] = frozenset()
    favourite_categories: frozenset[str] = frozenset()
    recent_categories: tuple[str, ...] = ()
    open_orders: tuple[OpenOrder, ...] = ()

    @property
    def slot(self) -> str:
        return time_slot(self.now)

    @property
    def season(self) -> str:
        return season(self.now)

    @property
    def weekend(self) -> bool:
        return is_weekend(self.now)

    def describe(self) -> list[str]:
        """The inputs as chips: "비 · 3℃", "저녁", "주말", "겨울", then the wish."""
        parts = []
        if self.weather is not None:
            parts.append(self.weather.summary)
        parts.append(self.slot)
        parts.append("주말" if self.weekend else "평일")
        parts.append(self.season)
        parts.extend(self.wish.understood)
        return parts


@dataclass(frozen=True)
class Pick:
    dish: Dish
    score: float
    reason: str
    open_orders: tuple[OpenOrder, ...]

    @property
    def open_members(self) -> int:
        return sum(order.member_count for order in self.open_orders)


@dataclass(frozen=True)
class Recommendation:
    picks: tuple[Pick, ...]
    context: Context

    @property
    def seed(self) -> int:
        return self.context.seed


def _excluded(dish: Dish, ctx: Context) -> bool:
    wish = ctx.wish
    if dish.contains & ctx.restricted:
        return True
    if wish.spicy == "avoid" and dish.spicy >= 1:
        return True
    if wish.spicy == "less" and dish.spicy >= 2:
        return True
    if ctx.spicy_tolerance == 0 and wish.spicy != "want" and dish.spicy >= 2:
        return True
    if wish.soup is False and dish.soup:
        return True
    if wish.max_price is not None and dish.price > wish.max_price:
        return True
    if wish.avoid_heavy and dish.weight == "heavy":
        return True
    if dish.category in wish.avoid_categories or dish.name in wish.avoid_dishes:
        return True
    return bool(dish.tags & wish.avoid_tags)


def _wish_points(dish: Dish, wish: Wish) -> tuple[float, list[str]]:
    points = 0.0
    matched: list[str] = []
    if wish.soup:
        if dish.soup:
            points += 5
            matched.append("국물 있는")
        else:
            points -= 2
    if wish.spicy == "want":
        if dish.spicy >= 2:
            points += 4
            matched.append("매운")
        elif dish.spicy == 1:
            points += 1.5
            matched.append("매콤한")
        else:
            points -= 3
    elif wish.spicy in ("avoid", "less"):
        matched.append("맵지 않은" if dish.spicy == 0 else "덜 매운")
    if wish.weight == "light":
        points += {"light": 4, "medium": 1, "heavy": -3}[dish.weight]
        if dish.weight == "light":
            matched.append("가벼운")
    elif wish.weight == "heavy":
        points += {"light": -2, "medium": 1, "heavy": 3}[dish.weight]
        if dish.weight == "heavy":
            matched.append("든든한")
    if wish.temperature == "cold":
        points += {"cold": 3, "any": 0, "hot": -2}[dish.temperature]
        if dish.temperature == "cold":
            matched.append("시원한")
    elif wish.temperature == "hot":
        points += {"hot": 2, "any": 0, "cold": -2}[dish.temperature]
        if dish.temperature == "hot":
            matched.append("따뜻한")
    for tag in sorted(wish.tags & dish.tags):
        points += 4
        matched.append(tag)
    if dish.category in wish.categories:
        points += 8
        matched.append(dish.category)
    if dish.name in wish.dishes:
        points += 10
        matched.append(dish.name)
    if wish.max_price is not None:
        points += 0.5
        matched.append(wish.price_phrase)
    return points, matched


def _score(dish: Dish, ctx: Context, orders: tuple[OpenOrder, ...]) -> tuple[float, list]:
    """Points and [(points, phrase)] for the reasons."""
    total = 0.0
    reasons: list[tuple[float, str]] = []

    def add(points: float, phrase: str | None = None) -> None:
        nonlocal total
        total += points
        if phrase and points > 0:
            reasons.append((points, phrase))

    weather = ctx.weather
    if weather is not None:
        band = weather.temperature_band
        temp = f"{format_number(weather.temperature)}℃"
        if weather.is_snowing and dish.soup and dish.temperature == "hot":
            add(3.5, "눈이 와서 뜨끈한 국물 요리")
        elif weather.is_raining and dish.soup and dish.temperature == "hot":
            add(3.5, "비가 와서 따뜻한 국물 요리")
        if (weather.is_raining or weather.is_snowing) and "비 오는 날" in dish.tags:
            add(2, "비 오는 날 생각나는 메뉴")
        if band in ("freezing", "cold"):
            if dish.soup and dish.temperature == "hot":
                wet = weather.is_raining or weather.is_snowing
                add(2.5, None if wet else f"쌀쌀한 날씨({temp})엔 따뜻한 국물")
            elif dish.temperature == "hot":
                add(0.5, f"쌀쌀한 날씨({temp})엔 따뜻하게")
            elif dish.temperature == "cold":
                add(-2.5)
        elif band in ("warm", "hot"):
            if dish.temperature == "cold":
                add(3 if band == "hot" else 2, f"더운 날씨({temp})엔 시원한 메뉴")
            elif dish.soup and "보양" not in dish.tags:
                add(-1.5)
            if dish.weight == "heavy":
                add(-0.5)
        if weather.humidity >= 85 and not weather.is_raining and dish.weight == "light":
            add(0.5, "눅눅한 날엔 산뜻하게")

    slot = ctx.slot
    if slot == "야식":
        if "야식" in dish.tags:
            add(4, "늦은 밤 야식으로 딱")
        if "아침" in dish.tags or "다이어트" in dish.tags:
            add(-1)
    elif slot == "아침":
        if "아침" in dish.tags:
            add(3, "아침엔 부담 없이")
        if dish.weight == "heavy":
            add(-2)
        if "야식" in dish.tags:
            add(-1)
    elif slot == "점심":
        if "밥" in dish.tags or "혼밥" in dish.tags:
            add(1, "점심 한 끼로 알맞은 메뉴")
        if not ctx.weekend and dish.category == "도시락":
            add(0.5, "평일 점심엔 간편하게")
    else:
        if dish.weight == "heavy":
            add(0.5, "저녁엔 든든하게")
        if ctx.weekend and (
            "고기" in dish.tags or dish.category in ("고기구이", "치킨", "피자", "족발,보쌈")
        ):
            add(1.5, "주말 저녁 특식으로")

    current = ctx.season
    if current == "여름" and "여름" in dish.tags:
        add(1.5, "여름에 제격인 메뉴")
    if current == "여름" and "보양" in dish.tags:
        add(1, "여름 보양식")
    if current == "겨울" and "겨울" in dish.tags:
        add(1.5, "겨울에 생각나는 메뉴")

    if dish.category in ctx.favourite_categories:
        add(2, f"즐겨 찾는 {dish.category}")
    if ctx.spicy_tolerance >= 3 and dish.spicy >= 2:
        add(1, "매운 맛을 좋아하시니까")
    elif ctx.spicy_tolerance == 1 and dish.spicy >= 2:
        add(-2)
    elif ctx.spicy_tolerance == 0 and dish.spicy == 1:
        add(-1)

    repeats = ctx.recent_categories.count(dish.category)
    if repeats:
        add(-1.5 * min(repeats, 2))
    elif ctx.recent_categories:
        add(0.3, "최근에 안 먹은 메뉴")

    if orders:
        members = sum(order.member_count for order in orders)
        add(3 + min(len(orders), 3), f"지금 근처에서 {members}명이 모집 중")

    wish_points, matched = _wish_points(dish, ctx.wish)
    total += wish_points
    return total, reasons, matched


def _reason(reasons: list[tuple[float, str]], matched: list[str]) -> str:
    parts: list[str] = []
    if matched:
        parts.append(f"'{' · '.join(dict.fromkeys(matched))}' 요청대로")
    for _, phrase in sorted(reasons, key=lambda r: -r[0]):
        if phrase not in parts:
            parts.append(phrase)
        if len(parts) >= 2:
            break
    return " · ".join(parts) if parts else "부담 없이 즐기기 좋은 메뉴"


def recommend(ctx: Context, *, size: int = RESULT_SIZE) -> Recommendation:
    by_category: dict[str, list[OpenOrder]] = {}
    for order in ctx.open_orders:
        by_category.setdefault(order.category, []).append(order)
    rng = random.Random(ctx.seed)  # noqa: S311 - reproducible ranking, not security
    scored = []
    for dish in catalogue():
        jitter = rng.random() * JITTER  # drawn for every dish so the sequence is stable
        if _excluded(dish, ctx):
            continue
        orders = tuple(by_category.get(dish.category, ()))
        points, reasons, matched = _score(dish, ctx, orders)
        scored.append((points + jitter, dish, reasons, matched, orders))
    scored.sort(key=lambda row: (-row[0], row[1].name))

    wanted = ctx.wish.categories | {d.category for d in catalogue() if d.name in ctx.wish.dishes}
    per_category: dict[str, int] = {}
    picks: list[Pick] = []
    for points, dish, reasons, matched, orders in scored:
        cap = size if dish.category in wanted else 1
        if per_category.get(dish.category, 0) >= cap:
            continue
        per_category[dish.category] = per_category.get(dish.category, 0) + 1
        picks.append(
            Pick(
                dish=dish,
                score=round(points, 3),
                reason=_reason(reasons, matched),
                open_orders=orders[:NEARBY_SHOWN],
            )
        )
        if len(picks) >= size:
            break
    return Recommendation(picks=tuple(picks), context=ctx)
