"""Who sees what (issue 12): a block hides each side's orders from the other in every list
and detail (board, native API, the original client), refuses joins both ways, and keeps an
order both are already in; a hidden order is gone for everyone but its host, its members and
staff. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.trust.models import Block
from mealbuddy.trust.services import block_create, block_delete
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(db):
    return UserFactory(username="앨리스")


@pytest.fixture
def bob(db):
    return UserFactory(username="밥")


@pytest.fixture
def order(alice):
    return make_order(alice, title="앨리스의 치킨")


def page_client(client, user):
    client.force_login(user)
    return client


def board_titles(client) -> str:
    return client.get("/").content.decode()


def api_titles(user) -> list[str]:
    return [o["title"] for o in client_for(user).get("/api/groupbuys/").json()["results"]]


def compat_titles(user) -> list[str]:
    return [p["title"] for p in client_for(user).get("/api/post/").json()["posts"]]


def seen_everywhere(client, user, title: str) -> dict[str, bool]:
    return {
        "board": title in board_titles(client),
        "api": title in api_titles(user),
        "compat": title in compat_titles(user),
    }


ALL = {"board": True, "api": True, "compat": True}
NONE = {"board": False, "api": False, "compat": False}


@pytest.mark.parametrize("who_blocks", ["host", "viewer"])
def test_block_hides_orders_in_every_list_either_way_and_unblock_restores(
    client, alice, bob, order, who_blocks
):
    make_order(UserFactory(), title="다른 이웃의 피자")
    page_client(client, bob)
    assert seen_everywhere(client, bob, "앨리스의 치킨") == ALL
    blocker, blocked = (alice, bob) if who_blocks == "host" else (bob, alice)
    block_create(blocker=blocker, blocked_id=blocked.pk)
    assert seen_everywhere(client, bob, "앨리스의 치킨") == NONE
    # Only that host's orders go: the rest of the neighbourhood stays.
    assert seen_everywhere(client, bob, "다른 이웃의 피자") == ALL
    # And the other way round: Alice no longer sees Bob's orders.
    make_order(bob, title="밥의 족발")
    assert "밥의 족발" not in api_titles(alice)
    assert "밥의 족발" not in compat_titles(alice)
    block_delete(blocker=blocker, blocked_id=blocked.pk)
    assert seen_everywhere(client, bob, "앨리스의 치킨") == ALL
    assert "밥의 족발" in api_titles(alice)


def test_block_hides_the_detail_everywhere_as_not_found(client, alice, bob, order):
    block_create(blocker=alice, blocked_id=bob.pk)
    page_client(client, bob)
    assert client.get(f"/groupbuys/{order.pk}/").status_code == 404
    api = client_for(bob)
    response = api.get(f"/api/groupbuys/{order.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = api.get(f"/api/post/detail/{order.pk}/")
    assert response.status_code == 404
    assert api.get(f"/api/post/detail/{order.pk}/edit").status_code == 404
    # The host still reads their own order.
    assert client_for(alice).get(f"/api/groupbuys/{order.pk}/").status_code == 200


def test_an_order_both_are_already_in_stays_visible(client, alice, bob, order):
    groupbuy_join(group_order_id=order.pk, user=bob)
    block_create(blocker=alice, blocked_id=bob.pk)
    page_client(client, bob)
    assert seen_everywhere(client, bob, "앨리스의 치킨") == ALL
    assert client.get(f"/groupbuys/{order.pk}/").status_code == 200
    assert client_for(bob).get(f"/api/groupbuys/{order.pk}/").status_code == 200
    assert client_for(bob).get(f"/api/post/detail/{order.pk}/").json()["is_joined"] is True


@pytest.mark.parametrize("who_blocks", ["host", "joiner"])
def test_join_is_refused_both_ways_at_every_door(client, alice, bob, order, who_blocks):
    blocker, blocked = (alice, bob) if who_blocks == "host" else (bob, alice)
    block_create(blocker=blocker, blocked_id=blocked.pk)
    # Native API: 403 with the Korean reason and its code.
    response = client_for(bob).post(f"/api/groupbuys/{order.pk}/join/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "blocked"
    assert "차단" in response.json()["errors"]["error"][0]
    # The original client: 400 whose body is the bare string it alert()s (API_CONTRACT).
    response = client_for(bob).post(f"/api/chat/{order.chat_room.pk}/")
    assert response.status_code == 400
    assert isinstance(response.json(), str) and "차단" in response.json()
    # The page: the refusal itself, not a blank "not found".
    page_client(client, bob)
    response = client.post(f"/groupbuys/{order.pk}/join/")
    assert response.status_code == 403
    assert "차단했거나 나를 차단한 이웃의 모집에는 참여할 수 없어요." in response.content.decode()
    assert not order.participations.filter(user=bob).exists()
    GroupOrder.objects.get(pk=order.pk, member_count=1)
    block_delete(blocker=blocker, blocked_id=blocked.pk)
    response = client_for(bob).post(f"/api/groupbuys/{order.pk}/join/", {}, format="json")
    assert response.status_code == 200


def test_hidden_order_is_gone_for_neighbours_but_not_its_host_members_or_staff(
    client, alice, bob, order
):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    GroupOrder.objects.filter(pk=order.pk).update(hidden_at=timezone.now())
    page_client(client, bob)
    assert seen_everywhere(client, bob, "앨리스의 치킨") == NONE
    assert client.get(f"/groupbuys/{order.pk}/").status_code == 404
    assert client_for(bob).get(f"/api/groupbuys/{order.pk}/").status_code == 404
    assert client_for(bob).get(f"/api/post/detail/{order.pk}/").status_code == 404
    # Nobody new joins it.
    response = client_for(bob).post(f"/api/groupbuys/{order.pk}/join/", {}, format="json")
    assert response.status_code == 404
    # The host sees it, with why it is gone for everyone else.
    client.force_login(alice)
    html = board_titles(client)
    assert "앨리스의 치킨" in html and "운영정책에 따라 숨겨진 모집글이에요" in html
    html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "운영정책에 따라 숨겨진 모집글이에요" in html
    # A member keeps their order (money, items, room); staff see everything.
    assert client_for(member).get(f"/api/groupbuys/{order.pk}/").status_code == 200
    staff = UserFactory(is_staff=True)
    assert "앨리스의 치킨" in api_titles(staff)
    assert client_for(staff).get(f"/api/post/detail/{order.pk}/").status_code == 200


def test_recommendations_skip_hidden_and_blocked_hosts(alice, bob, order):
    from mealbuddy.recommend.selectors import open_orders_nearby

    assert [o.id for o in open_orders_nearby(user=bob)] == [order.pk]
    Block.objects.create(blocker=bob, blocked=alice)
    assert open_orders_nearby(user=bob) == ()


def test_board_and_feeds_keep_their_query_budget_with_blocks(
    client, bob, django_assert_max_num_queries, settings
):
    # This process's own cache: with -n 2 on Redis another worker's cache.clear() could
    # empty the warmed neighbour cache between the two requests below.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    hosts = [UserFactory() for _ in range(12)]
    for n, host in enumerate(hosts):
        make_order(host, title=f"모집 {n}")
    for host in hosts[:4]:
        Block.objects.create(blocker=bob, blocked=host)
    Block.objects.create(blocker=hosts[5], blocked=bob)
    page_client(client, bob)
    client.get("/")
    with django_assert_max_num_queries(8):
        html = client.get("/").content.decode()
    assert html.count('class="gb-card-link"') == 7
    api = client_for(bob)
    with django_assert_max_num_queries(3):  # user, page, my memberships
        assert len(api.get("/api/groupbuys/").json()["results"]) == 7
    with django_assert_max_num_queries(3):  # user, bounded count, page
        assert len(api.get("/api/post/").json()["posts"]) == 7
