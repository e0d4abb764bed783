"""The menu catalogue: common Korean delivery dishes, shipped as ``menu.json``.

Every dish is checked when the file is loaded; a bad entry stops the process with a message
naming it, rather than quietly recommending nonsense.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mealbuddy.accounts.diet import INGREDIENTS, MEATS
from mealbuddy.groupbuys.models import CATEGORIES

MENU_PATH = Path(__file__).with_name("menu.json")
MIN_DISHES = 120

TEMPERATURES = ("hot", "cold", "any")
WEIGHTS = ("light", "medium", "heavy")
TAGS = frozenset(
    {
        "해장",
        "야식",
        "비 오는 날",
        "다이어트",
        "아침",
        "혼밥",
        "보양",
        "여름",
        "겨울",
        "달달",
        "든든",
        "면",
        "밥",
        "고기",
        "해산물",
        "튀김",
        "간식",
    }
)


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Dish:
    name: str
    category: str
    temperature: str  # hot / cold / any
    soup: bool
    spicy: int  # 0 none … 3 very
    weight: str  # light / medium / heavy
    price: int  # typical won per person
    tags: frozenset[str]
    contains: frozenset[str]

    @property
    def price_band(self) -> str:
        """10000 → "1만원대", 7000 → "1만원 미만"."""
        if self.price < 10000:
            return "1만원 미만"
        return f"{self.price // 10000}만원대"


def _check(condition: bool, index: int, raw: object, problem: str) -> None:
    if not condition:
        raise CatalogueError(f"menu.json dish #{index} ({raw!r}): {problem}")


def parse_dishes(data: object) -> tuple[Dish, ...]:
    if not isinstance(data, dict) or not isinstance(data.get("dishes"), list):
        raise CatalogueError('menu.json must be {"version": 1, "dishes": [...]}')
    dishes: list[Dish] = []
    names: set[str] = set()
    for index, raw in enumerate(data["dishes"]):
        _check(isinstance(raw, dict), index, raw, "not an object")
        name = raw.get("name")
        _check(isinstance(name, str) and 0 < len(name) <= 30, index, raw, "bad name")
        _check(name not in names, index, raw, "duplicate name")
        _check(raw.get("category") in CATEGORIES, index, raw, "unknown category")
        _check(raw.get("temperature") in TEMPERATURES, index, raw, "bad temperature")
        _check(isinstance(raw.get("soup"), bool), index, raw, "soup must be true/false")
        spicy = raw.get("spicy")
        _check(isinstance(spicy, int) and 0 <= spicy <= 3, index, raw, "spicy must be 0..3")
        _check(raw.get("weight") in WEIGHTS, index, raw, "bad weight")
        price = raw.get("price")
        _check(isinstance(price, int) and 1000 <= price <= 100000, index, raw, "price out of range")
        tags = raw.get("tags")
        _check(isinstance(tags, list) and set(tags) <= TAGS, index, raw, "unknown tag")
        contains = raw.get("contains")
        _check(
            isinstance(contains, list) and set(contains) <= INGREDIENTS,
            index,
            raw,
            "unknown ingredient",
        )
        # The tags and the ingredients must agree: dietary filters read the ingredients.
        _check(
            "고기" not in tags or bool(set(contains) & MEATS),
            index,
            raw,
            "tagged 고기 but contains no meat",
        )
        _check(
            "해산물" not in tags or "seafood" in contains,
            index,
            raw,
            "tagged 해산물 but contains no seafood",
        )
        names.add(name)
        dishes.append(
            Dish(
                name=name,
                category=raw["category"],
                temperature=raw["temperature"],
                soup=raw["soup"],
                spicy=spicy,
                weight=raw["weight"],
                price=price,
                tags=frozenset(tags),
                contains=frozenset(contains),
            )
        )
    if len(dishes) < MIN_DISHES:
        raise CatalogueError(f"menu.json has {len(dishes)} dishes; at least {MIN_DISHES} needed")
    missing = set(CATEGORIES) - {d.category for d in dishes}
    if missing:
        raise CatalogueError(f"menu.json has no dish in {sorted(missing)}")
    return tuple(dishes)


@cache
def catalogue() -> tuple[Dish, ...]:
    with MENU_PATH.open(encoding="utf-8") as handle:
        return parse_dishes(json.load(handle))
