"""30 people press "참여하기" at the same moment on an order with 3 places left.

Real threads, each with its own database connection, against the real database: on
PostgreSQL the order row lock (SELECT ... FOR UPDATE) plus the conditional UPDATE decide;
on SQLite the IMMEDIATE transactions queue the writers. Either way exactly 3 get in.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mealbuddy.groupbuys.errors import JoinRefused
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.groupbuys.services import groupbuy_join
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

JOINERS = 30


@pytest.mark.django_db(transaction=True)
def test_thirty_joiners_three_places(regions_tx):
    order = make_order(UserFactory(), target_count=4)  # the host + 3 places
    users = [UserFactory() for _ in range(JOINERS)]
    barrier = threading.Barrier(JOINERS)
    results: list[str] = []
    lock = threading.Lock()

    def join(user) -> None:
        try:
            barrier.wait(timeout=30)
            groupbuy_join(group_order_id=order.pk, user=user)
            outcome = "joined"
        except JoinRefused as exc:
            outcome = exc.code
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=join, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(results) == JOINERS
    assert results.count("joined") == 3, results
    assert results.count("full") == JOINERS - 3, results
    order.refresh_from_db()
    assert order.member_count == 4
    assert Participation.objects.filter(group_order=order).count() == 4
    assert (order.status, order.closed_reason) == (GroupOrder.Status.CLOSED, "full")
