from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder, OrderItem, Participation
from mealbuddy.groupbuys.services import groupbuy_close, groupbuy_join, groupbuy_status_change
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    client.user = user
    return client


def test_board_needs_login(client):
    # Logged out, ``/`` is the landing page (tests/test_landing.py), not the board.
    response = client.get("/")
    assert response.status_code == 200
    assert 'id="feed"' not in response.content.decode()


def test_board_cards_show_headcount_countdown_and_my_share(browser):
    order = make_order(UserFactory(), title="교촌 허니콤보", delivery_fee=4000, restaurant="교촌")
    groupbuy_join(group_order_id=order.pk, user=UserFactory())
    html = browser.get("/").content.decode()
    assert "교촌 허니콤보" in html
    assert "2/4명" in html
    assert "내 예상 부담액 <strong>1,333원</strong>" in html
    assert "참여하면 배달비 1,333원, 다 모이면 1,000원" in html
    assert "분 남음" in html
    # 날씨 and 뭐 먹지? are chips whose sheets load these partials when first opened.
    assert 'hx-get="/recommend/weather-card/" hx-trigger="toggle once"' in html
    assert 'hx-get="/recommend/panel/" hx-trigger="toggle once"' in html


def test_board_recruiting_first_and_filters(browser, far_region):
    host = UserFactory()
    done = make_order(host, title="끝난 피자", category="피자")
    groupbuy_close(group_order_id=done.pk, user=host)
    make_order(host, title="열린 치킨", category="치킨")
    make_order(UserFactory(region=far_region), title="부산 치킨")
    html = browser.get("/").content.decode()
    assert html.index("열린 치킨") < html.index("끝난 피자")
    assert "부산 치킨" not in html
    partial = browser.get("/", {"category": "피자"}, **HTMX).content.decode()
    assert "끝난 피자" in partial and "열린 치킨" not in partial
    assert "<html" not in partial
    assert "열린 치킨" not in browser.get("/", {"status": "closed"}).content.decode()
    assert "끝난 피자" not in browser.get("/", {"q": "치킨"}).content.decode()


def test_board_pages_with_more_button(browser):
    host = UserFactory()
    for n in range(12):
        make_order(host, title=f"모집 {n:02d}")
    html = browser.get("/").content.decode()
    assert html.count('class="card gb-card') == 10 and "더 보기" in html
    more = browser.get("/", {"page": 2}, **HTMX).content.decode()
    assert more.count('class="card gb-card') == 2 and "더 보기" not in more


def test_board_costs_the_same_queries_whatever_the_size(browser):
    def queries_for_board():
        browser.get("/")  # warm caches (neighbours, session)
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get("/").status_code == 200
        return len(ctx.captured_queries)

    host = UserFactory()
    make_order(host)
    few = queries_for_board()
    for _ in range(12):
        order = make_order(UserFactory())
        groupbuy_join(group_order_id=order.pk, user=UserFactory())
    groupbuy_join(group_order_id=order.pk, user=browser.user)
    assert queries_for_board() == few
    # session, user, region, the page (bans included), members, items, 2 nav badges
    assert few <= 8


def test_write_prefills_category_and_creates(browser):
    page = browser.get("/groupbuys/new/?category=족발,보쌈").content.decode()
    assert '<option value="족발,보쌈" selected>' in page
    deadline = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = browser.post(
        "/groupbuys/new/",
        {
            "title": "족발 반반",
            "category": "족발,보쌈",
            "restaurant": "가장맛있는족발",
            "min_order_amount": 30000,
            "delivery_fee": 5000,
            "target_count": 3,
            "deadline": deadline,
            "pickup_spot": "서교동 주민센터",
            "fee_split": "equal",
            "description": "",
        },
    )
    order = GroupOrder.objects.get(title="족발 반반")
    assert response.status_code == 302 and response["Location"] == f"/groupbuys/{order.pk}/"
    assert order.member_count == 1 and order.delivery_fee == 5000


def test_write_errors_are_field_level_and_accessible(browser):
    deadline = timezone.localtime(timezone.now() + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M")
    response = browser.post(
        "/groupbuys/new/",
        {
            "title": "",
            "category": "치킨",
            "min_order_amount": 0,
            "delivery_fee": 0,
            "target_count": 3,
            "deadline": deadline,
            "fee_split": "equal",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "id_title_errors" in html
    assert not GroupOrder.objects.exists()
    # The form passes, the service refuses the deadline: the error lands on that field.
    response = browser.post(
        "/groupbuys/new/",
        {
            "title": "제목",
            "category": "치킨",
            "min_order_amount": 0,
            "delivery_fee": 0,
            "target_count": 3,
            "deadline": deadline,
            "fee_split": "equal",
        },
    )
    assert "id_deadline_errors" in response.content.decode()
    assert "10분" in response.content.decode()


def test_edit_only_by_host_and_not_after_ordering(browser, user):
    other = make_order(UserFactory())
    assert browser.get(f"/groupbuys/{other.pk}/edit/").status_code == 403
    assert browser.post(f"/groupbuys/{other.pk}/edit/", {"title": "x"}).status_code == 403
    mine = make_order(user)
    page = browser.get(f"/groupbuys/{mine.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"].initial
    data = {k: (v.strftime("%Y-%m-%dT%H:%M") if k == "deadline" else v) for k, v in form.items()}
    data["title"] = "고친 제목"
    assert browser.post(f"/groupbuys/{mine.pk}/edit/", data).status_code == 302
    mine.refresh_from_db()
    assert mine.title == "고친 제목"
    groupbuy_close(group_order_id=mine.pk, user=user)
    groupbuy_status_change(group_order_id=mine.pk, user=user, status="ordered")
    assert "주문이 완료된 뒤" in browser.get(f"/groupbuys/{mine.pk}/edit/").content.decode()


def test_detail_visitor_sees_share_then_joins_and_adds_items(browser, user):
    order = make_order(UserFactory(), delivery_fee=3000, min_order_amount=20000)
    html = browser.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "지금 참여하면 배달비 <strong>1,500원</strong>" in html
    panel = browser.post(f"/groupbuys/{order.pk}/join/", **HTMX).content.decode()
    assert "채팅방 가기" in panel and f"/chats/{order.chat_room.pk}/" in panel
    panel = browser.post(
        f"/groupbuys/{order.pk}/items/",
        {"name": "양념치킨", "unit_price": 18000, "quantity": 1},
        **HTMX,
    ).content.decode()
    assert "18,000원" in panel and "최소주문까지 2,000원 남았어요" in panel
    bad = browser.post(
        f"/groupbuys/{order.pk}/items/", {"name": "", "unit_price": "x", "quantity": 1}, **HTMX
    ).content.decode()
    assert 'aria-invalid="true"' in bad
    item = OrderItem.objects.get()
    browser.post(
        f"/groupbuys/items/{item.pk}/", {"name": "양념치킨", "unit_price": 18000, "quantity": 2}
    )
    assert OrderItem.objects.get().quantity == 2
    browser.post(f"/groupbuys/items/{item.pk}/delete/")
    assert not OrderItem.objects.exists()
    browser.post(f"/groupbuys/{order.pk}/leave/")
    assert not Participation.objects.filter(group_order=order, user=user).exists()


def test_join_refusal_shows_in_the_panel(browser):
    order = make_order(UserFactory(), target_count=2)
    groupbuy_join(group_order_id=order.pk, user=UserFactory())
    panel = browser.post(f"/groupbuys/{order.pk}/join/", **HTMX)
    assert panel.status_code == 200
    assert "모집 인원이 다 찼어요." in panel.content.decode()
    page = browser.post(f"/groupbuys/{order.pk}/join/", follow=True).content.decode()
    assert "모집 인원이 다 찼어요." in page


def test_host_controls(browser, user):
    order = make_order(user)
    member = UserFactory(username="손님")
    groupbuy_join(group_order_id=order.pk, user=member)
    html = browser.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "모집 마감하기" in html and "손님 내보내기" in html
    browser.post(f"/groupbuys/{order.pk}/status/", {"status": "closed"}, **HTMX)
    panel = browser.post(f"/groupbuys/{order.pk}/status/", {"status": "ordered"}, **HTMX)
    assert "주문 완료로 표시" not in panel.content.decode()
    assert GroupOrder.objects.get(pk=order.pk).status == "ordered"
    refused = browser.post(f"/groupbuys/{order.pk}/status/", {"status": "cancelled"}, **HTMX)
    assert "주문한 뒤에는 취소할 수 없어요." in refused.content.decode()


def test_others_cannot_use_host_controls(client, user):
    order = make_order(user)
    intruder = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=intruder)
    client.force_login(intruder)
    html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "방장 메뉴" not in html
    client.post(f"/groupbuys/{order.pk}/status/", {"status": "cancelled"})
    client.post(f"/groupbuys/{order.pk}/ban/", {"user_id": user.pk})
    assert client.post(f"/groupbuys/{order.pk}/delete/").status_code == 403
    order.refresh_from_db()
    assert order.status == "recruiting" and order.member_count == 2


def test_missing_order_page_is_404(browser):
    assert browser.get("/groupbuys/999999/").status_code == 404


def test_detail_tells_a_far_away_visitor_why_they_cannot_join(client, far_region):
    order = make_order(UserFactory(), title="서교동 치킨")
    visitor = UserFactory(region=far_region)
    client.force_login(visitor)
    html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    # The reason is the one the join service would answer (the panel shows the selector's).
    assert "같은 동네나 바로 옆 동네의 주문에만 참여할 수 있어요." in html
    assert "참여하기 (" not in html
