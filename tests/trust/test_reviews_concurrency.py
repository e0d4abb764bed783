"""후기 at the same moment: real threads, each with its own connection (PostgreSQL in CI).

The reviewee's Standing row is locked before their score is recomputed, so concurrent
reviews each count once, a double submit records one review, and three 노쇼 reviews landing
together open one automatic report.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mealbuddy.core.errors import ApplicationError
from mealbuddy.trust import reviews
from mealbuddy.trust.models import Report, Review, Standing
from tests.factories import UserFactory
from tests.trust.test_reviews import delivered_order


def together(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            outcome = "ok"
        except ApplicationError as exc:
            outcome = exc.code
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _review(reviewer, order, reviewee, **kwargs):
    return lambda: reviews.review_create(
        reviewer=reviewer, group_order=order, reviewee=reviewee, **kwargs
    )


@pytest.mark.django_db(transaction=True)
def test_members_rating_the_host_at_once_each_count_once(regions_tx):
    order, host, members = delivered_order(6)
    assert not Standing.objects.filter(user=host).exists()
    results = together([_review(m, order, host, positive=True, tags=["kind"]) for m in members])
    assert results == ["ok"] * 6
    standing = Standing.objects.get(user=host)
    assert standing.reviews_received == 6
    rows = Review.objects.filter(reviewee=host).values_list("positive", "tags", "created_at")
    # Every review counted (the recompute read all six): one tenth of ageing slack at most.
    expected = reviews.manner_tenths(list(rows), now=max(r[2] for r in rows))
    assert abs(standing.manner_tenths - expected) <= 1


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_records_one_review(regions_tx):
    order, host, (kim,) = delivered_order(1)
    results = together([_review(kim, order, host, positive=True) for _ in range(4)])
    assert sorted(results) == ["already_reviewed"] * 3 + ["ok"], results
    assert Review.objects.count() == 1
    assert Standing.objects.get(user=host).reviews_received == 1


@pytest.mark.django_db(transaction=True)
def test_noshow_reviews_landing_together_open_one_report(regions_tx):
    target = UserFactory()
    calls = []
    for _ in range(4):
        order, host, (member,) = delivered_order(1, host=target)
        calls.append(_review(member, order, target, positive=False, tags=["noshow"]))
    assert together(calls) == ["ok"] * 4
    assert Report.objects.filter(target_user=target, source=Report.Source.AUTO).count() == 1
