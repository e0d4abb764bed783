"""The order page's live summary (issue 11): every write that changes what the page shows
sends ``{"type": "groupbuy.changed", "id": ...}`` after commit to the sockets that follow the
order, members and visitors alike, through the socket every page already holds
(``ws/notifications/``). Through the real ASGI application, as a browser connects."""

from __future__ import annotations

import pytest

from mealbuddy.groupbuys import services, settlement
from mealbuddy.groupbuys.errors import GroupOrderFull
from tests.chat.helpers import connected, db, session_cookie
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"


async def follow(user, order_id) -> object:
    comm = await connected(PATH, cookie=await db(session_cookie)(user))
    assert (await comm.receive_json_from())["type"] == "unread"
    await comm.send_json_to({"type": "groupbuy.follow", "id": order_id})
    assert await next_of(comm, "groupbuy.following") == {
        "type": "groupbuy.following",
        "id": order_id,
    }
    return comm


async def next_of(comm, kind: str, timeout: float = 2) -> dict:
    """The next event of ``kind`` (a member also hears chat lines and notifications)."""
    while True:
        event = await comm.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


async def no_change(comm) -> None:
    """Nothing arrives (the watchers in these tests are visitors: they hear nothing else).
    ``receive_nothing``: a timed-out ``receive_json_from`` would stop the consumer."""
    assert await comm.receive_nothing(timeout=0.3)


def create(host, **fields):
    data = {"title": "치킨 같이 시켜요", "category": "치킨", "target_count": 3}
    data.update(fields)
    return services.groupbuy_create(host=host, **data)


async def test_members_and_visitors_hear_every_change_of_the_order(region_tx):
    host, guest, visitor = await db(lambda: [UserFactory() for _ in range(3)])()
    order = await db(create)(host, delivery_fee=3000)
    watching = await follow(visitor, order.pk)
    hosting = await follow(host, order.pk)
    changed = {"type": "groupbuy.changed", "id": order.pk}

    await db(services.groupbuy_join)(group_order_id=order.pk, user=guest)
    assert await next_of(watching, "groupbuy.changed") == changed
    assert await next_of(hosting, "groupbuy.changed") == changed
    steps = [
        lambda: services.item_add(
            group_order_id=order.pk, user=guest, name="양념치킨", unit_price=18000
        ),
        lambda: services.groupbuy_status_change(
            group_order_id=order.pk, user=host, status="closed"
        ),
        lambda: services.groupbuy_status_change(
            group_order_id=order.pk, user=host, status="ordered"
        ),
        lambda: settlement.settlement_sent(group_order_id=order.pk, user=guest),
        lambda: settlement.groupbuy_arrived(group_order_id=order.pk, user=host),
        lambda: settlement.groupbuy_received(group_order_id=order.pk, user=guest),
    ]
    for step in steps:
        await db(step)()
        assert await next_of(watching, "groupbuy.changed") == changed
        assert await next_of(hosting, "groupbuy.changed") == changed
    await watching.disconnect()
    await hosting.disconnect()


async def test_leave_ban_and_a_refused_write(region_tx):
    host, kim, lee, late = await db(lambda: [UserFactory() for _ in range(4)])()
    order = await db(create)(host)
    watching = await follow(late, order.pk)
    for user in (kim, lee):
        await db(services.groupbuy_join)(group_order_id=order.pk, user=user)
        await next_of(watching, "groupbuy.changed")
    # Full: the refused join rolls back and says nothing.
    with pytest.raises(GroupOrderFull):
        await db(services.groupbuy_join)(group_order_id=order.pk, user=late)
    await no_change(watching)
    await db(services.groupbuy_leave)(group_order_id=order.pk, user=kim)
    assert (await next_of(watching, "groupbuy.changed"))["id"] == order.pk
    await db(services.groupbuy_ban)(group_order_id=order.pk, host=host, target_user_id=lee.pk)
    assert (await next_of(watching, "groupbuy.changed"))["id"] == order.pk
    await watching.disconnect()


async def test_a_socket_follows_one_order_at_a_time_and_only_a_real_one(region_tx):
    host, guest, visitor = await db(lambda: [UserFactory() for _ in range(3)])()
    first = await db(create)(host, title="첫 주문")
    second = await db(create)(host, title="둘째 주문")
    comm = await follow(visitor, first.pk)
    await comm.send_json_to({"type": "groupbuy.follow", "id": second.pk})
    assert (await next_of(comm, "groupbuy.following"))["id"] == second.pk
    await db(services.groupbuy_join)(group_order_id=first.pk, user=guest)
    await no_change(comm)
    await db(services.groupbuy_join)(group_order_id=second.pk, user=guest)
    assert (await next_of(comm, "groupbuy.changed"))["id"] == second.pk
    # An order that does not exist, or no id at all: the error event, the socket stays.
    await comm.send_json_to({"type": "groupbuy.follow", "id": 987654321})
    error = await next_of(comm, "error")
    assert error["code"] == "not_found" and error["message"] == "주문을 찾을 수 없어요."
    await comm.send_json_to({"type": "groupbuy.follow", "id": "열두"})
    assert (await next_of(comm, "error"))["code"] == "invalid"
    # Hostile frames get an error event too, never a close: a huge integer, a bool, a list,
    # NUL, a lone surrogate, deep nesting, an oversized frame.
    for frame in (
        '{"type": "groupbuy.follow", "id": 1000000000000000000000000000000}',
        '{"type": "groupbuy.follow", "id": true}',
        '{"type": "groupbuy.follow", "id": [1]}',
        '{"type": "groupbuy.follow", "id": "1\\u0000"}',
        '{"type": "groupbuy.follow", "id": "\\ud800"}',
        '{"type": "groupbuy.follow", "id": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"type": "groupbuy.follow", "pad": "' + "가" * 200_000 + '"}',
    ):
        await comm.send_to(text_data=frame)
        assert (await next_of(comm, "error"))["code"], frame[:60]
    # Still following the second order.
    await db(services.item_add)(group_order_id=second.pk, user=guest, name="콜라", unit_price=2000)
    assert (await next_of(comm, "groupbuy.changed"))["id"] == second.pk
    await comm.disconnect()
