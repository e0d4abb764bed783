"""Membership of a chat room, one rule seen through every door: the socket handshake, the
native REST API, the page, the original client's room state, the message insert, "my chats"
and unread counts all let in exactly the current members of the room's group order."""

from __future__ import annotations

import pytest

from mealbuddy.chat import selectors
from mealbuddy.chat.models import ChatRoom
from mealbuddy.chat.services import message_post
from mealbuddy.core.errors import PermissionDenied
from mealbuddy.groupbuys import services as groupbuys
from tests.chat.helpers import atoken, communicator, room_with
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = {"host": True, "member": True, "left": False, "banned": False, "stranger": False}


@pytest.fixture
def cast(region_tx):
    people = {role: UserFactory(region=region_tx) for role in ROLES}
    room = room_with(people["host"], people["member"], people["left"], people["banned"])
    groupbuys.groupbuy_leave(group_order_id=room.group_order_id, user=people["left"])
    groupbuys.groupbuy_ban(
        group_order_id=room.group_order_id,
        host=people["host"],
        target_user_id=people["banned"].pk,
    )
    return room, people


def doors(room: ChatRoom, user) -> dict[str, bool]:
    """Whether each synchronous door treats ``user`` as a member of ``room``."""
    api = client_for(user)
    page = client_for(user)
    page.force_login(user)
    try:
        message_post(room_id=room.pk, user=user, text="들어가도 되나요")
        posted = True
    except PermissionDenied:
        posted = False
    return {
        "selector": selectors.room_is_member(room_id=room.pk, user_id=user.pk),
        "orm": ChatRoom.objects.filter(selectors.room_member_q(user.pk), pk=room.pk).exists(),
        "room_header": selectors.room_header(room_id=room.pk, viewer_id=user.pk)["is_member"],
        "native_history": api.get(f"/api/chats/{room.pk}/messages/").status_code == 200,
        "native_members": api.get(f"/api/chats/{room.pk}/members/").status_code == 200,
        "native_my_chats": room.pk in [r["id"] for r in api.get("/api/chats/").json()["rooms"]],
        "page": page.get(f"/chats/{room.pk}/").status_code == 200,
        "compat_room": api.get(f"/api/chat/{room.pk}/").status_code == 200,
        "insert": posted,
    }


def test_every_door_agrees_on_who_is_a_member(cast):
    room, people = cast
    for role, expected in ROLES.items():
        seen = doors(room, people[role])
        assert seen == dict.fromkeys(seen, expected), role


async def test_the_socket_handshake_agrees(cast):
    room, people = cast
    for role, expected in ROLES.items():
        comm = communicator(f"/ws/chat/{room.pk}/?token={await atoken(people[role])}")
        ok, _ = await comm.connect()
        await comm.disconnect()
        assert ok == expected, role


def test_departed_users_have_one_name_everywhere(cast):
    from mealbuddy.accounts.models import DEACTIVATED_NAME
    from mealbuddy.chat.serializers import person_payload

    room, people = cast
    member = people["member"]
    message_post(room_id=room.pk, user=member, text="안녕")
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    member.refresh_from_db()
    host_api = client_for(people["host"])
    names = {
        "model": member.display_name,
        "serializer": person_payload(member, viewer_id=people["host"].pk)["username"],
        "native_history": host_api.get(f"/api/chats/{room.pk}/messages/").json()["messages"][-1][
            "user"
        ]["username"],
        "compat_plain_sql": host_api.get(f"/api/chat/{room.pk}/").json()["messages"][-1]["user"][
            "username"
        ],
    }
    assert names == dict.fromkeys(names, DEACTIVATED_NAME)
