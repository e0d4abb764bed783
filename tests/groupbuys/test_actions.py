"""One rule for who may do what on an order: the selector's prediction, the services' answer,
the native API's ``actions`` and the detail page's buttons agree for every viewer and state."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys import selectors, services
from mealbuddy.groupbuys.models import GroupOrder
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db

STATES = ["recruiting", "full", "host_closed", "past_deadline", "ordered", "delivered", "cancelled"]
VIEWERS = ["host", "member", "neighbour", "next_door", "far", "banned", "no_region"]


class _Rollback(Exception):
    pass


def attempt(call) -> tuple[bool, str]:
    """Run a service in a transaction that is always rolled back: (succeeded, error code)."""
    outcome: tuple[bool, str] = (True, "")
    try:
        with transaction.atomic():
            try:
                result = call()
            except ApplicationError as exc:
                outcome = (False, exc.code)
            else:
                if result is False:  # leave() of someone who is not a member
                    outcome = (False, "not_member")
            raise _Rollback
    except _Rollback:
        pass
    return outcome


@pytest.fixture
def world(seogyo, hapjeong, far_region):
    host = UserFactory(region=seogyo)
    member = UserFactory(region=seogyo)
    banned = UserFactory(region=seogyo)
    order = make_order(host, title="규칙 치킨")
    services.groupbuy_join(group_order_id=order.pk, user=member)
    services.groupbuy_join(group_order_id=order.pk, user=banned)
    services.groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=banned.pk)
    people = {
        "host": host,
        "member": member,
        "neighbour": UserFactory(region=seogyo),
        "next_door": UserFactory(region=hapjeong),
        "far": UserFactory(region=far_region),
        "banned": banned,
        "no_region": UserFactory(region=None, address="", lat=None, lon=None),
    }
    return order, people


def set_state(order: GroupOrder, state: str) -> GroupOrder:
    rows = GroupOrder.objects.filter(pk=order.pk)
    if state == "full":
        rows.update(target_count=2, status="closed", closed_reason="full")
    elif state == "host_closed":
        rows.update(status="closed", closed_reason="host")
    elif state == "past_deadline":
        rows.update(deadline=timezone.now() - timedelta(minutes=1))
    elif state != "recruiting":
        rows.update(status=state)
    return GroupOrder.objects.select_related("host", "region", "chat_room").get(pk=order.pk)


def outcomes(order: GroupOrder, user, member_id: int) -> dict[str, tuple[bool, str]]:
    """What each service answers when ``user`` tries every action."""
    pk = order.pk
    got = {
        "join": attempt(lambda: services.groupbuy_join(group_order_id=pk, user=user)),
        "leave": attempt(lambda: services.groupbuy_leave(group_order_id=pk, user=user)),
        "edit": attempt(
            lambda: services.groupbuy_update(group_order_id=pk, user=user, title="새 제목")
        ),
        "delete": attempt(lambda: services.groupbuy_delete(group_order_id=pk, user=user)),
        "ban": attempt(
            lambda: services.groupbuy_ban(group_order_id=pk, host=user, target_user_id=member_id)
        ),
        "items": attempt(
            lambda: services.item_add(group_order_id=pk, user=user, name="양념", unit_price=18000)
        ),
    }
    for status in GroupOrder.Status.values:
        got[f"status:{status}"] = attempt(
            lambda status=status: services.groupbuy_status_change(
                group_order_id=pk, user=user, status=status
            )
        )
    return got


def predicted(actions: selectors.Actions) -> dict[str, tuple[bool, str]]:
    out = {
        name: (action.allowed, action.code)
        for name, action in (
            ("join", actions.join),
            ("leave", actions.leave),
            ("edit", actions.edit),
            ("delete", actions.delete),
            ("ban", actions.ban),
            ("items", actions.items),
        )
    }
    out.update({f"status:{s}": (a.allowed, a.code) for s, a in actions.status.items()})
    return out


@pytest.mark.parametrize("state", STATES)
def test_selector_predicts_exactly_what_the_services_do(world, state):
    order, people = world
    order = set_state(order, state)
    for name, user in people.items():
        actions = selectors.group_order_actions(group_order=order, user=user)
        want = predicted(actions)
        got = outcomes(order, user, people["member"].pk)
        for action, (allowed, code) in want.items():
            outcome = got[action]
            if action == "join" and actions.is_member:
                # Joining again is a harmless no-op in the service; nobody is offered it.
                assert (allowed, code) == (False, "already_member")
                continue
            if action.startswith("status:") and code == "invalid_status" and outcome[0]:
                # Moving to the status it already has is a no-op; nobody is offered it.
                assert order.current_status() == action.split(":")[1]
                continue
            assert outcome[0] == allowed, (state, name, action, outcome, (allowed, code))
            if not allowed:
                assert outcome[1] == code, (state, name, action, outcome, code)


def test_reasons_are_the_services_korean_messages(world):
    order, people = world
    far = selectors.group_order_actions(group_order=order, user=people["far"]).join
    assert far.allowed is False and far.code == "not_neighbour"
    assert "옆 동네" in far.reason
    banned = selectors.group_order_actions(group_order=order, user=people["banned"]).join
    assert banned.code == "banned" and "다시 참여할 수 없어요" in banned.reason


@pytest.mark.parametrize("state", ["recruiting", "past_deadline", "ordered"])
@pytest.mark.parametrize("viewer", ["host", "member", "next_door", "far", "banned"])
def test_api_and_page_show_what_the_selector_computed(world, client, state, viewer):
    order, people = world
    order = set_state(order, state)
    user = people[viewer]
    actions = selectors.group_order_actions(group_order=order, user=user)

    api = client_for(user)
    assert api.get(f"/api/groupbuys/{order.pk}/").json()["actions"] == actions.as_dict()
    # The original client's detail carries the same prediction next to is_joined.
    post = api.get(f"/api/post/detail/{order.pk}/").json()
    assert post["permissions"] == actions.as_dict()
    assert post["is_joined"] == actions.is_member

    client.force_login(user)
    html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert (f"/groupbuys/{order.pk}/join/" in html) == actions.join.allowed
    assert (f"/groupbuys/{order.pk}/leave/" in html) == actions.leave.allowed
    assert (f"/groupbuys/{order.pk}/edit/" in html) == actions.edit.allowed
    assert (f"/groupbuys/{order.pk}/delete/" in html) == actions.delete.allowed
    assert (f"/groupbuys/{order.pk}/items/" in html) == actions.items.allowed
    # Every allowed move is offered once: the next one in the sticky bar (issue 11), the
    # others in the host menu, in its order.
    bar = re.search(r'<section class="gb-bar".*?</section>', html, re.S).group(0)
    in_bar = re.findall(r'name="status" value="(\w+)"', bar)
    in_menu = re.findall(r'name="status" value="(\w+)"', html.replace(bar, ""))
    assert len(in_bar) <= 1
    assert in_menu == [status for status, _, _ in actions.host_moves if status not in in_bar]
    assert sorted(in_menu + in_bar) == sorted(status for status, _, _ in actions.host_moves)
    if not actions.is_member and not actions.join.allowed:
        assert actions.join.reason in html
