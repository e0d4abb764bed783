"""One dietary vocabulary: every choice the profile offers is obeyed by the recommender."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mealbuddy.accounts.diet import DIETARY_RESTRICTIONS, INGREDIENTS
from mealbuddy.accounts.forms import ProfileForm
from mealbuddy.accounts.serializers import ProfileUpdateSerializer
from mealbuddy.accounts.services import profile_update
from mealbuddy.recommend.catalogue import catalogue
from mealbuddy.recommend.selectors import recommendation_for_user
from tests.factories import UserFactory

KST = ZoneInfo("Asia/Seoul")
MOMENTS = [
    datetime(2026, 11, 25, 8, 0, tzinfo=KST),
    datetime(2026, 11, 25, 12, 30, tzinfo=KST),
    datetime(2026, 11, 25, 19, 0, tzinfo=KST),
    datetime(2026, 7, 15, 23, 30, tzinfo=KST),
]
CODES = [r.code for r in DIETARY_RESTRICTIONS]


def test_profile_offers_exactly_the_vocabulary():
    form_codes = [code for code, _ in ProfileForm.base_fields["dietary_restrictions"].choices]
    child = ProfileUpdateSerializer().fields["dietary_restrictions"].child
    assert form_codes == CODES
    assert list(child.choices) == CODES
    assert len(CODES) == 9


def test_catalogue_speaks_the_same_ingredients():
    used = set().union(*(d.contains for d in catalogue()))
    assert used <= INGREDIENTS
    for restriction in DIETARY_RESTRICTIONS:
        assert restriction.excludes <= INGREDIENTS


@pytest.mark.django_db
@pytest.mark.parametrize("restriction", DIETARY_RESTRICTIONS, ids=CODES)
def test_a_dish_violating_the_choice_is_never_recommended(restriction, seogyo, no_weather):
    violating = [d for d in catalogue() if d.contains & restriction.excludes]
    # The menu has dishes this choice must remove, or the check below proves nothing.
    assert violating, restriction.code
    me = UserFactory(region=seogyo)
    profile_update(user=me, dietary_restrictions=[restriction.code])
    # Asking for a violating dish by name, or its category, still never yields one.
    wishes = [
        "",
        *sorted({d.name for d in violating})[:6],
        *sorted({d.category for d in violating}),
    ]
    for index, wish in enumerate(wishes):
        for moment in MOMENTS:
            result = recommendation_for_user(
                user=me, wish=wish, seed=index, now=moment, with_weather=False
            )
            served = [p.dish.name for p in result.picks if p.dish.contains & restriction.excludes]
            assert served == [], (restriction.code, wish, served)
