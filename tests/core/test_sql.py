"""``core.sql.lock_keys``: a second transaction wanting a key waits for the first to end."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from mealbuddy.core.sql import in_own_connection, lock_keys


@pytest.mark.django_db(transaction=True)
def test_it_needs_a_transaction():
    with pytest.raises(RuntimeError):
        lock_keys("x", [1])


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_a_shared_key_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's IMMEDIATE transactions already queue writers")
    holding, release = threading.Event(), threading.Event()
    events: list[str] = []

    def first() -> None:
        with transaction.atomic():
            lock_keys("test.lock", [3, 1, 2])
            holding.set()
            release.wait(10)
            events.append("first done")

    def other_keys() -> None:
        holding.wait(10)
        with transaction.atomic():
            lock_keys("test.lock", [4, 5])  # none of the first's keys: never waits
            lock_keys("other.lock", [1, 2, 3])  # the same keys under another name: neither
            events.append("other keys in")

    def second() -> None:
        holding.wait(10)
        with transaction.atomic():
            lock_keys("test.lock", [5, 2])
            events.append("second in")

    threads = [
        threading.Thread(target=in_own_connection, args=(work,))
        for work in (first, other_keys, second)
    ]
    for thread in threads:
        thread.start()
    holding.wait(10)
    time.sleep(0.5)  # the second writer is at the lock by now
    assert events == ["other keys in"]
    release.set()
    for thread in threads:
        thread.join(20)
    assert events == ["other keys in", "first done", "second in"]


@pytest.mark.django_db
def test_insert_select_saves_what_the_model_would(seogyo):
    from django.forms.models import model_to_dict
    from django.utils import timezone

    from mealbuddy.core.sql import insert_select
    from mealbuddy.groupbuys.models import GroupOrder, Participation
    from mealbuddy.groupbuys.services import groupbuy_create
    from tests.factories import UserFactory

    host, other = UserFactory(region=seogyo), UserFactory(region=seogyo)
    order = groupbuy_create(host=host, title="치킨 같이", category="치킨", target_count=4)
    before = timezone.now()
    written = insert_select(
        Participation,
        source=f"SELECT id, %s AS user_id FROM {GroupOrder._meta.db_table} WHERE id = %s",
        params=[other.pk, order.pk],
        columns={"group_order": "src.id", "user": "src.user_id"},
        spending_cap=5000,
    )
    assert written == 1
    by_the_orm = Participation.objects.get(group_order=order, user=host)
    made = Participation.objects.get(group_order=order, user=other)
    assert made.joined_at >= before  # auto_now_add, as the ORM sets it
    assert made.spending_cap == 5000
    ignore = {"id", "user", "joined_at", "spending_cap"}
    assert {k: v for k, v in model_to_dict(made).items() if k not in ignore} == {
        k: v for k, v in model_to_dict(by_the_orm).items() if k not in ignore
    }
