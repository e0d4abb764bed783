"""매너 점수: the formula's properties (hypothesis) and who can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mealbuddy.trust.models import (
    MANNER_MAX_TENTHS,
    MANNER_START_TENTHS,
    NEGATIVE_TAGS,
    POSITIVE_TAGS,
    Standing,
)
from mealbuddy.trust.reviews import manner_tenths, review_weight

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

good_tags = st.lists(st.sampled_from(sorted(POSITIVE_TAGS)), max_size=3, unique=True)
bad_tags = st.lists(st.sampled_from(sorted(NEGATIVE_TAGS)), max_size=2, unique=True)
age = st.floats(min_value=0, max_value=2_000, allow_nan=False)


@st.composite
def a_review(draw, positive=None):
    positive = draw(st.booleans()) if positive is None else positive
    tags = draw(good_tags if positive else bad_tags)
    return (positive, tags, NOW - timedelta(days=draw(age)))


reviews_list = st.lists(a_review(), max_size=200)
# Pure arithmetic, but on a machine shared by several test runs: no per-example deadline.
relaxed = settings(deadline=None)


@relaxed
@given(reviews_list)
def test_the_score_always_stays_within_0_and_99(rows):
    assert 0 <= manner_tenths(rows, now=NOW) <= MANNER_MAX_TENTHS


@relaxed
@given(st.lists(a_review(positive=False), min_size=1, max_size=300))
def test_many_bad_reviews_never_go_below_zero(rows):
    worst = [(False, ["noshow", "unreachable"], NOW)] * 5_000
    assert manner_tenths(rows + worst, now=NOW) >= 0
    assert manner_tenths(worst, now=NOW) < 10


def test_many_good_reviews_never_pass_99():
    best = [(True, ["on_time", "quick_settle", "kind"], NOW)] * 100_000
    assert MANNER_MAX_TENTHS - 10 < manner_tenths(best, now=NOW) <= MANNER_MAX_TENTHS


@relaxed
@given(reviews_list, a_review(positive=True))
def test_adding_a_thumbs_up_never_lowers_the_score(rows, up):
    assert manner_tenths([*rows, up], now=NOW) >= manner_tenths(rows, now=NOW)


@relaxed
@given(reviews_list, a_review(positive=False))
def test_adding_a_thumbs_down_never_raises_the_score(rows, down):
    assert manner_tenths([*rows, down], now=NOW) <= manner_tenths(rows, now=NOW)


@relaxed
@given(reviews_list)
def test_the_order_of_reviews_does_not_matter(rows):
    assert manner_tenths(rows, now=NOW) == manner_tenths(list(reversed(rows)), now=NOW)


def test_no_reviews_is_365_and_a_recent_review_weighs_most():
    assert manner_tenths([], now=NOW) == MANNER_START_TENTHS
    new = manner_tenths([(True, [], NOW)], now=NOW)
    year = manner_tenths([(True, [], NOW - timedelta(days=300))], now=NOW)
    old = manner_tenths([(True, [], NOW - timedelta(days=600))], now=NOW)
    assert new > year > old == MANNER_START_TENTHS
    noshow = manner_tenths([(False, ["noshow"], NOW)], now=NOW)
    late = manner_tenths([(False, ["unreachable"], NOW)], now=NOW)
    assert noshow < late < MANNER_START_TENTHS  # 노쇼 weighs heavier


@relaxed
@given(age, age)
def test_weight_falls_with_age_and_ends_at_zero(a, b):
    younger, older = sorted((a, b))
    assert 0 <= review_weight(age_days=older) <= review_weight(age_days=younger) <= 1
    assert review_weight(age_days=545) == 0


# --- only co-members move it, at most once per order (the service, on the database) --------


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(positive=st.booleans(), stranger_tags=bad_tags)
def test_a_non_member_never_moves_the_score(positive, stranger_tags):
    from mealbuddy.core.errors import ApplicationError
    from mealbuddy.trust.reviews import review_create
    from tests.factories import UserFactory
    from tests.trust.test_reviews import delivered_order, rate

    order, host, (kim,) = delivered_order(1)
    rate(kim, order, host, positive=positive, tags=["kind"] if positive else ["unreachable"])
    before = Standing.objects.get(user=host).manner_tenths
    stranger = UserFactory()
    with pytest.raises(ApplicationError):
        review_create(
            reviewer=stranger,
            group_order=order,
            reviewee=host,
            positive=False,
            tags=stranger_tags,
        )
    with pytest.raises(ApplicationError):  # and kim only once
        rate(kim, order, host, positive=False, tags=["noshow"])
    assert Standing.objects.get(user=host).manner_tenths == before
    assert Standing.objects.get(user=host).reviews_received == 1
