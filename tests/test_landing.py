"""``/`` for a first visit: what 밀버디 is, with the demo neighbourhood's board, read only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.accounts import demo as accounts_demo
from mealbuddy.groupbuys import demo as groupbuys_demo
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_create
from mealbuddy.regions.models import Region
from tests.conftest import HAEUNDAE_U
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def demo_board():
    accounts_demo.seed()
    groupbuys_demo.seed()
    return GroupOrder.objects.all()


def test_anonymous_visitor_sees_what_mealbuddy_is_and_the_demo_board(client, demo_board):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "이웃과 배달 주문을 합쳐요" in html
    assert "배달비는 나눠 내고" in html and "최소주문금액은 함께 채워요" in html
    assert "채팅" in html and "정산" in html
    assert 'href="/accounts/signup/"' in html and ">가입하기<" in html
    assert 'href="/accounts/login/?next=%2F"' in html and ">로그인<" in html
    assert "서교동 근처 공동주문" in html
    # The demo orders: title, restaurant, category, members, deadline.
    kyochon = GroupOrder.objects.get(title="교촌 허니콤보 같이 시켜요")
    assert "교촌 허니콤보 같이 시켜요" in html
    assert "교촌치킨 홍대점" in html
    assert '<span class="chip">치킨</span>' in html
    assert "2/3명 참여" in html
    local = timezone.localtime(kyochon.deadline).strftime("%H:%M")
    assert f">{local}</time> 마감" in html
    assert "남음" in html
    # Read only: every order links to the login page, coming back to it after.
    assert f'href="/accounts/login/?next=%2Fgroupbuys%2F{kyochon.pk}%2F"' in html
    assert "/join/" not in html and "참여하기" not in html
    assert "<form" not in html


def test_landing_leaks_no_email_address_or_pickup_spot(client, demo_board):
    html = client.get("/").content.decode()
    assert not EMAIL.findall(html)
    for order in demo_board:
        if order.pickup_spot:
            assert order.pickup_spot not in html
        if order.description:
            assert order.description not in html
        assert order.host.address not in html
    assert "옆집이웃" not in html and "합정주민" not in html  # hosts are not shown either
    assert "주민센터" not in html and "출구" not in html and "395-166" not in html
    assert "lat" not in html.lower().replace("latest", "")
    demo_user = demo_board[0].host
    for coordinate in (demo_user.lat, demo_user.lon):
        assert str(coordinate) not in html
        assert f"{coordinate:.4f}" not in html


def test_landing_shows_recruiting_orders_first_and_only_the_demo_neighbourhood(client, demo_board):
    far_host = UserFactory(region=Region.objects.get(code=HAEUNDAE_U))
    groupbuy_create(host=far_host, title="해운대 돼지국밥", category="백반,죽,국수", target_count=3)
    html = client.get("/").content.decode()
    assert "해운대 돼지국밥" not in html
    # The 합정동 order borders 서교동: shown, with its 동.
    assert "마라탕 최소주문 채워요" in html and "합정동" in html


def test_finished_orders_say_what_happened(client, demo_board):
    GroupOrder.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    html = client.get("/").content.decode()
    assert "모집마감" in html
    assert "남음" not in html


def test_empty_database_shows_a_friendly_empty_state(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "이웃과 배달 주문을 합쳐요" in html
    assert 'data-testid="landing-empty"' in html
    assert "아직 모집 중인 공동주문이 없어요" in html


def test_without_regions_loaded_the_page_still_answers(client):
    Region.objects.filter(code=accounts_demo.DEMO_USERS[0][2]).delete()
    response = client.get("/")
    assert response.status_code == 200
    assert "우리 동네 공동주문" in response.content.decode()


def test_landing_costs_a_fixed_number_of_queries(client, demo_board, django_assert_max_num_queries):
    client.get("/")  # the 동's neighbours are cached after the first page
    with django_assert_max_num_queries(2):
        assert client.get("/").status_code == 200
    for index in range(6):
        groupbuy_create(
            host=demo_board[0].host, title=f"더 시켜요 {index}", category="피자", target_count=3
        )
    with django_assert_max_num_queries(2):
        assert client.get("/").status_code == 200


def test_signed_in_people_still_get_the_board(client, demo_board):
    user = UserFactory()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "이웃과 배달 주문을 합쳐요" not in html
    assert 'id="feed"' in html
    assert "교촌 허니콤보 같이 시켜요" in html


def test_a_board_request_after_the_session_ended_reloads_the_page(client):
    response = client.get("/", {"category": "치킨"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/"


def test_hostile_query_parameters_on_the_landing_page_are_ignored(client, demo_board):
    response = client.get("/", {"category": "<script>", "page": "-1", "sort": "'--"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().replace('<script type="module"', "")
    # A NUL byte is refused before any view runs: a 4xx, never a 500.
    assert client.get("/", {"q": "\x00"}).status_code == 400


def test_recruiting_orders_come_first_closing_soonest_then_the_newest_others(client, demo_board):
    user = demo_board[0].host
    soon = groupbuy_create(host=user, title="곧 마감", category="피자", target_count=3)
    GroupOrder.objects.filter(pk=soon.pk).update(deadline=timezone.now() + timedelta(minutes=15))
    done = groupbuy_create(host=user, title="방금 끝난", category="피자", target_count=3)
    GroupOrder.objects.filter(pk=done.pk).update(status="cancelled")
    old = groupbuy_create(host=user, title="지난달 주문", category="피자", target_count=3)
    GroupOrder.objects.filter(pk=old.pk).update(deadline=timezone.now() - timedelta(days=30))
    html = client.get("/").content.decode()
    assert html.index("곧 마감") < html.index("마라탕 최소주문 채워요")
    assert "지난달 주문" not in html
    GroupOrder.objects.exclude(pk__in=[done.pk, old.pk]).update(status="delivered")
    html = client.get("/").content.decode()
    assert "방금 끝난" in html and "지난달 주문" not in html
