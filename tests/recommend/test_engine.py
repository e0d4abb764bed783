from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mealbuddy.recommend.catalogue import CatalogueError, catalogue, parse_dishes
from mealbuddy.recommend.engine import Context, OpenOrder, recommend
from mealbuddy.recommend.weather import Weather
from mealbuddy.recommend.wish import wish_parse

KST = ZoneInfo("Asia/Seoul")
WEEKDAY_EVENING = datetime(2026, 11, 25, 19, 0, tzinfo=KST)  # a Wednesday
LATE_NIGHT = datetime(2026, 11, 25, 23, 30, tzinfo=KST)
SUMMER_NOON = datetime(2026, 7, 15, 12, 30, tzinfo=KST)


def weather(**kw) -> Weather:
    base = dict(
        provider="test",
        temperature=18.0,
        humidity=55,
        wind_speed=2.0,
        precipitation="none",
        sky="clear",
        precipitation_mm=0.0,
        precipitation_text="강수없음",
        pop=10,
    )
    return Weather(**{**base, **kw})


RAINY_COLD = weather(
    temperature=4.0,
    humidity=95,
    precipitation="rain",
    sky="cloudy",
    precipitation_mm=5.0,
    precipitation_text="5.0mm",
)
MILD = weather()
HOT = weather(temperature=32.0, humidity=70)


def ctx(wish: str = "", **kw) -> Context:
    kw.setdefault("now", WEEKDAY_EVENING)
    kw.setdefault("seed", 7)
    kw.setdefault("weather", MILD)
    return Context(wish=wish_parse(wish, dishes=catalogue()), **kw)


def soups(recommendation) -> int:
    return sum(1 for pick in recommendation.picks if pick.dish.soup)


def test_catalogue_is_big_and_covers_every_category():
    from mealbuddy.groupbuys.models import CATEGORIES

    dishes = catalogue()
    assert len(dishes) >= 120
    assert {d.category for d in dishes} == set(CATEGORIES)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({"category": "한식"}, "unknown category"),
        ({"spicy": 5}, "spicy"),
        ({"tags": ["맛있는"]}, "unknown tag"),
        ({"price": "만원"}, "price"),
        ({"soup": "yes"}, "soup"),
        # A vegetarian filter reads the ingredients, so a 고기 dish must list its meat.
        ({"tags": ["고기"], "contains": []}, "tagged 고기 but contains no meat"),
        ({"tags": ["해산물"], "contains": ["wheat"]}, "tagged 해산물 but contains no seafood"),
    ],
)
def test_catalogue_rejects_bad_dishes(bad, problem):
    import json

    from mealbuddy.recommend.catalogue import MENU_PATH

    data = json.loads(MENU_PATH.read_text(encoding="utf-8"))
    data["dishes"][3].update(bad)
    with pytest.raises(CatalogueError, match=problem):
        parse_dishes(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("국물 있는 매운 거", {"soup": True, "spicy": "want"}),
        ("안 매운 걸로", {"spicy": "avoid"}),
        ("안매운 거", {"spicy": "avoid"}),
        ("맵지 않은 국물", {"spicy": "avoid", "soup": True}),
        ("매운 거 말고", {"spicy": "avoid"}),
        ("덜 매운 거", {"spicy": "less"}),
        ("국물 없는 거", {"soup": False}),
        ("가볍게", {"weight": "light"}),
        ("2만원 이하", {"max_price": 20000}),
        ("1만 5천원까지 든든하게", {"max_price": 15000, "weight": "heavy"}),
        ("만원 미만", {"max_price": 9999}),
        ("8000원 이하", {"max_price": 8000}),
        ("야식", {"tags": frozenset({"야식"})}),
        (
            "치킨 말고 피자",
            {"categories": frozenset({"피자"}), "avoid_categories": frozenset({"치킨"})},
        ),
        ("매운 거 없나?", {"spicy": "want"}),
    ],
)
def test_wish_parser(text, expected):
    wish = wish_parse(text, dishes=catalogue())
    for key, value in expected.items():
        assert getattr(wish, key) == value, (text, key)


@pytest.mark.parametrize(
    "text", ["안 매운 걸로", "맵지 않은 국물", "매운 거 말고 든든한 거", "순한 맛"]
)
@pytest.mark.parametrize("seed", range(6))
def test_no_spicy_dish_when_not_wanted(text, seed):
    for moment in (WEEKDAY_EVENING, LATE_NIGHT):
        result = recommend(ctx(text, seed=seed, now=moment, weather=RAINY_COLD))
        assert len(result.picks) == 5
        assert all(pick.dish.spicy == 0 for pick in result.picks), [
            (p.dish.name, p.dish.spicy) for p in result.picks
        ]


def test_spicy_soup_wish():
    result = recommend(ctx("국물 있는 매운 거"))
    assert all(p.dish.soup and p.dish.spicy >= 2 for p in result.picks)
    assert all("국물 있는" in p.reason and "매운" in p.reason for p in result.picks)


def test_budget_and_soup_negation_are_limits():
    for seed in range(5):
        result = recommend(ctx("국물 없는 2만원 이하", seed=seed))
        assert all(not p.dish.soup and p.dish.price <= 20000 for p in result.picks)
        assert all("2만원 이하" in p.reason for p in result.picks)


def test_rain_and_cold_favour_soups():
    wet = sum(soups(recommend(ctx(seed=s, weather=RAINY_COLD))) for s in range(10))
    dry = sum(soups(recommend(ctx(seed=s, weather=MILD))) for s in range(10))
    hot = sum(soups(recommend(ctx(seed=s, weather=HOT))) for s in range(10))
    assert wet >= 40  # at least 4 of 5 on a cold rainy evening
    assert wet > dry > hot or (wet > dry and wet > hot)
    reasons = " ".join(p.reason for p in recommend(ctx(weather=RAINY_COLD)).picks)
    assert "비가 와서 따뜻한 국물 요리" in reasons


def test_hot_weather_favours_cold_dishes():
    result = recommend(ctx(weather=HOT, now=SUMMER_NOON))
    assert sum(1 for p in result.picks if p.dish.temperature == "cold") >= 3
    assert any("더운 날씨(32℃)" in p.reason for p in result.picks)


def test_late_night_favours_yasik():
    night = sum(
        sum("야식" in p.dish.tags for p in recommend(ctx(seed=s, now=LATE_NIGHT)).picks)
        for s in range(10)
    )
    noon = sum(
        sum(
            "야식" in p.dish.tags
            for p in recommend(ctx(seed=s, now=SUMMER_NOON, weather=MILD)).picks
        )
        for s in range(10)
    )
    assert night >= 40 and night > noon
    assert any("늦은 밤 야식" in p.reason for p in recommend(ctx(now=LATE_NIGHT)).picks)


def test_nearby_recruiting_orders_are_boosted_and_linked():
    orders = (
        OpenOrder(
            1, "족발 같이 시켜요", "족발,보쌈", 2, 4, WEEKDAY_EVENING + timedelta(hours=1), "서교동"
        ),
        OpenOrder(
            2, "보쌈 반반", "족발,보쌈", 1, 3, WEEKDAY_EVENING + timedelta(hours=2), "합정동"
        ),
    )
    for seed in range(5):
        without = recommend(ctx(seed=seed))
        with_orders = recommend(ctx(seed=seed, open_orders=orders))
        assert "족발,보쌈" in [p.dish.category for p in with_orders.picks]
        pick = next(p for p in with_orders.picks if p.dish.category == "족발,보쌈")
        assert [o.id for o in pick.open_orders] == [1, 2]
        assert "지금 근처에서 3명이 모집 중" in pick.reason
        others = [p for p in with_orders.picks if p.dish.category != "족발,보쌈"]
        assert all(not p.open_orders for p in others)
        assert without.picks != with_orders.picks or "족발,보쌈" in [
            p.dish.category for p in without.picks
        ]


def test_same_seed_same_result_other_seed_varies():
    first = recommend(ctx("가볍게", seed=42))
    again = recommend(ctx("가볍게", seed=42))
    assert [p.dish.name for p in first.picks] == [p.dish.name for p in again.picks]
    assert [p.reason for p in first.picks] == [p.reason for p in again.picks]
    variants = {
        tuple(p.dish.name for p in recommend(ctx("가볍게", seed=s)).picks) for s in range(8)
    }
    assert len(variants) > 1


def test_profile_inputs():
    vegetarian = recommend(ctx(restricted=frozenset({"pork", "beef", "chicken", "seafood"})))
    assert all(
        not p.dish.contains & {"pork", "beef", "chicken", "seafood"} for p in vegetarian.picks
    )
    no_spice = recommend(ctx(spicy_tolerance=0, weather=RAINY_COLD))
    assert all(p.dish.spicy < 2 for p in no_spice.picks)
    fan = recommend(ctx(favourite_categories=frozenset({"중식"})))
    assert any(p.dish.category == "중식" and "즐겨 찾는 중식" in p.reason for p in fan.picks)


def test_recent_orders_mean_fewer_repeats():
    base = recommend(ctx(seed=3))
    top = base.picks[0].dish.category
    after = recommend(ctx(seed=3, recent_categories=(top, top)))
    assert after.picks[0].dish.category != top


def test_five_categories_and_a_reason_each():
    result = recommend(ctx(weather=None))
    assert len(result.picks) == 5
    assert len({p.dish.category for p in result.picks}) == 5
    assert all(p.reason for p in result.picks)
