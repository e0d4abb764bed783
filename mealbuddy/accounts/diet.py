"""The dietary vocabulary: one list that the profile offers and the recommender obeys.

Each choice is a stable code (stored in ``Profile.dietary_restrictions``), its Korean label
for pages, and the ingredients a dish must not contain for someone who picked it. The menu
catalogue tags every dish with ``INGREDIENTS`` only, so a choice added here without its
ingredients, or an ingredient the catalogue does not know, cannot slip through unnoticed
(tests/recommend/test_diet.py walks every choice).
"""

from __future__ import annotations

from dataclasses import dataclass

# What a dish may contain, as the menu catalogue spells it.
INGREDIENTS = frozenset(
    {"pork", "beef", "chicken", "lamb", "seafood", "dairy", "wheat", "egg", "nuts"}
)
MEATS = frozenset({"pork", "beef", "chicken", "lamb", "seafood"})


@dataclass(frozen=True)
class DietaryRestriction:
    code: str
    label: str
    excludes: frozenset[str]


DIETARY_RESTRICTIONS: tuple[DietaryRestriction, ...] = (
    DietaryRestriction("vegetarian", "채식(락토·오보)", MEATS),
    DietaryRestriction("vegan", "비건", MEATS | {"dairy", "egg"}),
    DietaryRestriction("halal", "할랄", frozenset({"pork"})),
    DietaryRestriction("no_pork", "돼지고기 안 먹음", frozenset({"pork"})),
    DietaryRestriction("no_beef", "소고기 안 먹음", frozenset({"beef"})),
    DietaryRestriction("no_seafood", "해산물 안 먹음", frozenset({"seafood"})),
    DietaryRestriction("no_nuts", "견과류 알레르기", frozenset({"nuts"})),
    DietaryRestriction("no_dairy", "유제품 안 먹음", frozenset({"dairy"})),
    DietaryRestriction("gluten_free", "글루텐 프리", frozenset({"wheat"})),
)
_BY_CODE = {r.code: r for r in DIETARY_RESTRICTIONS}

# Form/serializer choices: (code, label).
DIETARY_CHOICES = [(r.code, r.label) for r in DIETARY_RESTRICTIONS]


def restricted_ingredients(codes) -> frozenset[str]:
    """Every ingredient excluded by these profile codes (unknown codes exclude nothing;
    the profile service refuses them on the way in)."""
    out: set[str] = set()
    for code in codes or ():
        restriction = _BY_CODE.get(str(code))
        if restriction is not None:
            out |= restriction.excludes
    return frozenset(out)
