"""The board (issue 11): the feed's "closing" sort, the neighbourhood default, distances,
category labels, the cards' facts and money, the chips and the 필터 sheet without JavaScript,
and a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.accounts.models import Profile
from mealbuddy.groupbuys import selectors
from mealbuddy.groupbuys.models import (
    CATEGORIES,
    CATEGORY_LABELS,
    GroupOrder,
    OrderItem,
    category_label,
)
from mealbuddy.groupbuys.services import (
    groupbuy_ban,
    groupbuy_close,
    groupbuy_join,
    groupbuy_status_change,
)
from mealbuddy.groupbuys.templatetags.groupbuys_tags import clock, metres
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    client.user = user
    return client


def in_minutes(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def titles(html: str) -> list[str]:
    return re.findall(r'class="gb-card-link"[^>]*>([^<]+)</a>', html)


def fill(order: GroupOrder, members: int) -> None:
    for _ in range(members):
        groupbuy_join(group_order_id=order.pk, user=UserFactory())


# --- the "closing" sort ---------------------------------------------------------------------


def test_closing_sort_puts_closing_soon_and_nearly_full_first(user):
    host = UserFactory()
    # score = quarter-hours left (0-based, capped at 9) + seats left; ties: earlier deadline.
    far_nearly_full = make_order(host, title="far", target_count=4, deadline=in_minutes(200))
    fill(far_nearly_full, 2)  # 9 + 1 = 10
    soon_empty = make_order(host, title="soon", target_count=4, deadline=in_minutes(20))  # 1+3
    mid_full_ish = make_order(host, title="mid", target_count=3, deadline=in_minutes(50))
    fill(mid_full_ish, 1)  # 3 + 1 = 4, later deadline than "soon"
    later = make_order(host, title="later", target_count=10, deadline=in_minutes(100))  # 6+9
    done = make_order(host, title="done")
    groupbuy_close(group_order_id=done.pk, user=host)
    feed = selectors.group_order_feed(user=user, sort="closing")
    assert [o.title for o in feed] == ["soon", "mid", "far", "later", "done"]
    scores = {o.title: o.closing for o in feed}
    assert scores == {"soon": 4, "mid": 4, "far": 10, "later": 15, "done": 0}
    assert {soon_empty.pk, later.pk} <= {o.pk for o in feed}


def test_finished_orders_follow_newest_first_under_closing(user):
    host = UserFactory()
    old = make_order(host, title="old")
    new = make_order(host, title="new")
    for order in (old, new):
        groupbuy_close(group_order_id=order.pk, user=host)
    make_order(host, title="open")
    assert [o.title for o in selectors.group_order_feed(user=user, sort="closing")] == [
        "open",
        "new",
        "old",
    ]


def test_newest_and_deadline_sorts_unchanged(user):
    host = UserFactory()
    make_order(host, title="a", deadline=in_minutes(90))
    make_order(host, title="b", deadline=in_minutes(30))
    assert [o.title for o in selectors.group_order_feed(user=user)] == ["b", "a"]
    assert [o.title for o in selectors.group_order_feed(user=user, sort="deadline")] == [
        "b",
        "a",
    ]
    make_order(host, title="c", deadline=in_minutes(60))
    assert [o.title for o in selectors.group_order_feed(user=user, sort="newest")] == [
        "c",
        "b",
        "a",
    ]


def test_the_api_keeps_newest_and_its_own_neighbourhood_by_default(auth_client, hapjeong):
    host = UserFactory()
    make_order(host, title="soon", deadline=in_minutes(15))
    make_order(host, title="later", deadline=in_minutes(120))
    make_order(UserFactory(region=hapjeong), title="합정")

    def api_titles(**query):
        response = auth_client.get("/api/groupbuys/", query)
        assert response.status_code == 200
        return [r["title"] for r in response.json()["results"]]

    assert api_titles() == ["later", "soon"]
    assert api_titles(sort="deadline") == ["soon", "later"]
    assert api_titles(sort="closing") == ["soon", "later"]
    assert api_titles(sort="nonsense") == ["later", "soon"]
    assert set(api_titles(neighbours="1")) == {"soon", "later", "합정"}


def test_board_defaults_to_closing_and_newest_stays_an_option(browser):
    host = UserFactory()
    make_order(host, title="soon", deadline=in_minutes(15))
    make_order(host, title="later", deadline=in_minutes(120))
    assert titles(browser.get("/").content.decode()) == ["soon", "later"]
    assert titles(browser.get("/", {"sort": "newest"}).content.decode()) == ["later", "soon"]
    assert titles(browser.get("/", {"sort": "bogus"}).content.decode()) == ["soon", "later"]


# --- neighbourhood default ------------------------------------------------------------------


def test_board_shows_bordering_dong_by_default_and_the_switch_leaves_them_out(
    browser, hapjeong, far_region
):
    make_order(UserFactory(), title="서교 치킨")
    make_order(UserFactory(region=hapjeong), title="합정 피자")
    make_order(UserFactory(region=far_region), title="부산 국밥")
    html = browser.get("/").content.decode()
    assert set(titles(html)) == {"서교 치킨", "합정 피자"}
    assert 'role="switch" aria-checked="true"' in html
    assert 'href="/?neighbours=0"' in html
    mine_only = browser.get("/", {"neighbours": "0"}).content.decode()
    assert titles(mine_only) == ["서교 치킨"]
    assert 'role="switch" aria-checked="false"' in mine_only
    assert 'href="/"' in mine_only
    # The sheet sends a hidden "0" then, when ticked, "1": the last one wins.
    both = browser.get("/?neighbours=0&neighbours=1").content.decode()
    assert set(titles(both)) == {"서교 치킨", "합정 피자"}


# --- distance -------------------------------------------------------------------------------


def test_walk_is_rounded_and_needs_both_points(user):
    order = make_order(UserFactory())
    assert selectors.Walk.between(user, order) == selectors.Walk(metres=100, minutes=1)
    # ~0.0045° of latitude is ~500 m.
    user.lat = order.lat + 0.0045
    walk = selectors.Walk.between(user, order)
    assert walk.metres == 500 and walk.minutes == round(500.4 / 67)
    user.lat = None
    assert selectors.Walk.between(user, order) is None
    user.lat = order.lat
    order.lon = None
    assert selectors.Walk.between(user, order) is None


def test_distance_matches_a_known_pair():
    # 서울시청 → 광화문: about 0.68 km.
    metres_apart = selectors.distance_m(37.5663, 126.9779, 37.5721, 126.9769)
    assert 620 < metres_apart < 700
    assert selectors.distance_m(None, 1, 2, 3) is None


def test_card_shows_the_walk_only_when_both_points_are_known(browser):
    order = make_order(UserFactory(), title="걸어서")
    html = browser.get("/").content.decode()
    assert 'data-testid="walk">도보 1분 (100m)</span>' in html
    GroupOrder.objects.filter(pk=order.pk).update(lat=None, lon=None)
    assert 'data-testid="walk"' not in browser.get("/").content.decode()


def test_metres_and_clock_filters():
    assert metres(300) == "300m"
    assert metres(1400) == "1.4km"
    assert metres(2000) == "2km"
    assert metres("x") == ""
    now = timezone.localtime()
    assert clock(now) == f"{now.hour:02d}:{now.minute:02d}"
    tomorrow = now + timedelta(days=1)
    assert clock(tomorrow) == f"내일 {tomorrow.hour:02d}:{tomorrow.minute:02d}"
    assert clock(None) == ""


# --- category labels ------------------------------------------------------------------------


def test_every_category_has_a_label_and_stored_values_stay():
    assert set(CATEGORY_LABELS) <= set(CATEGORIES)
    assert category_label("페스트푸드") == "패스트푸드"
    assert category_label("찜,탕,찌개") == "찜·탕·찌개"
    assert category_label("족발,보쌈") == "족발·보쌈"
    assert category_label("치킨") == "치킨"
    assert all("," not in category_label(c) for c in CATEGORIES)


def test_board_shows_labels_and_keeps_the_stored_value(browser, auth_client):
    order = make_order(UserFactory(), title="햄버거", category="페스트푸드")
    html = browser.get("/").content.decode()
    assert '<span class="chip">패스트푸드</span>' in html
    assert ">패스트푸드</a>" in html  # the category chip
    assert "페스트푸드" not in re.sub(r'href="[^"]*"|hx-get="[^"]*"', "", html)
    order.refresh_from_db()
    assert order.category == "페스트푸드"
    assert auth_client.get(f"/api/groupbuys/{order.pk}/").json()["category"] == "페스트푸드"
    chip = browser.get("/", {"category": "페스트푸드"}).content.decode()
    assert 'aria-current="true"><span aria-hidden="true">✓ </span>패스트푸드</a>' in chip
    assert '<input type="hidden" name="category" value="페스트푸드">' in chip


# --- cards ----------------------------------------------------------------------------------


def test_card_facts_progress_and_expected_share(browser):
    host = UserFactory(username="방장")
    order = make_order(
        host, title="교촌", delivery_fee=3000, min_order_amount=20000, target_count=4
    )
    member = groupbuy_join(group_order_id=order.pk, user=UserFactory())
    OrderItem.objects.create(participation=member, name="허니콤보", unit_price=12000)
    order.refresh_from_db()
    (card,) = selectors.group_order_cards(
        user=browser.user, group_orders=list(selectors.group_order_feed(user=browser.user))
    )
    assert card.can_join and not card.joined
    assert card.expected == selectors.would_be_share(order).now == 1000
    assert card.breakdown.missing_amount == 8000 and card.progress_percent == 60
    html = browser.get("/").content.decode()
    assert '<progress max="100" value="60"' in html
    assert "최소주문까지 <strong>8,000원</strong>" in html
    assert "내 예상 부담액 <strong>1,000원</strong>" in html
    assert "2/4명" in html
    assert f'방장 <a class="gb-host-link" href="/u/{host.pk}/">방장</a>' in html
    assert html.count('class="gb-card-link"') == 1


def test_card_when_joined_shows_my_total_instead(browser):
    order = make_order(UserFactory(), delivery_fee=3000)
    mine = groupbuy_join(group_order_id=order.pk, user=browser.user)
    OrderItem.objects.create(participation=mine, name="치킨", unit_price=18000)
    html = browser.get("/").content.decode()
    assert "<strong>참여 중</strong> · 지금 내 부담 19,500원" in html
    assert "내 예상 부담액" not in html


def test_prepaid_card_takes_the_join_hold(browser):
    order = make_order(
        UserFactory(),
        delivery_fee=3000,
        payment="prepaid",
        noshow_deposit=1000,
        fee_split=GroupOrder.FeeSplit.PROPORTIONAL,
    )
    neighbour = UserFactory()
    fund(neighbour, 10_000)
    member = groupbuy_join(group_order_id=order.pk, user=neighbour)
    OrderItem.objects.create(participation=member, name="치킨", unit_price=18000)
    order.refresh_from_db()
    (card,) = selectors.group_order_cards(
        user=browser.user, group_orders=list(selectors.group_order_feed(user=browser.user))
    )
    hold = selectors.join_hold(order, selectors.fee_breakdown(order))
    assert card.hold == hold and card.expected == hold.fee
    html = browser.get("/").content.decode()
    assert 'data-testid="prepaid-badge"' in html
    assert f"참여하면 배달비 {hold.fee:,}원 + 보증금 1,000원이 보관돼요" in html


def test_no_expected_share_when_the_viewer_cannot_join(browser):
    full = make_order(UserFactory(), title="다 참", target_count=2, delivery_fee=2000)
    fill(full, 1)
    host = UserFactory()
    banned = make_order(host, title="강퇴", delivery_fee=2000)
    groupbuy_join(group_order_id=banned.pk, user=browser.user)
    groupbuy_ban(group_order_id=banned.pk, host=host, target_user_id=browser.user.pk)
    cards = selectors.group_order_cards(
        user=browser.user,
        group_orders=list(selectors.group_order_feed(user=browser.user, for_cards=True)),
    )
    assert [(c.order.title, c.can_join, c.expected) for c in cards] == [
        ("강퇴", False, None),
        ("다 참", False, None),
    ]
    assert "내 예상 부담액" not in browser.get("/").content.decode()


def test_cards_read_bans_without_the_annotation_too(user):
    host = UserFactory()
    order = make_order(host)
    groupbuy_join(group_order_id=order.pk, user=user)
    groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=user.pk)
    (card,) = selectors.group_order_cards(user=user, group_orders=[order])
    assert not card.can_join


@pytest.mark.parametrize(
    ("move", "status", "outcome"),
    [
        ("host_close", "모집마감", "방장이 모집을 마감했어요"),
        ("full", "모집마감", "인원이 다 차서 마감됐어요"),
        ("deadline", "모집마감", "마감 시각이 지나 마감됐어요"),
        ("ordered", "주문완료", "주문했어요. 배달을 기다려요"),
        ("cancelled", "취소", "취소된 주문이에요"),
    ],
)
def test_finished_cards_say_what_happened(browser, move, status, outcome):
    host = UserFactory()
    order = make_order(host, target_count=2)
    if move == "host_close":
        groupbuy_close(group_order_id=order.pk, user=host)
    elif move == "full":
        fill(order, 1)
    elif move == "deadline":
        GroupOrder.objects.filter(pk=order.pk).update(deadline=in_minutes(-5))
    else:
        groupbuy_close(group_order_id=order.pk, user=host)
        groupbuy_status_change(group_order_id=order.pk, user=host, status=move)
    html = browser.get("/").content.decode()
    assert f'data-testid="status">{status}</span>' in html
    assert f'data-testid="outcome">{outcome}</span>' in html
    assert "data-countdown" not in html
    assert "opacity" not in html


def test_host_avatar_is_shown_from_the_same_query(browser, django_assert_max_num_queries):
    host = UserFactory(username="사진있음")
    Profile.objects.create(user=host, avatar="avatars/2026/12/host.jpg")
    make_order(host)
    browser.get("/")
    with django_assert_max_num_queries(8):
        html = browser.get("/").content.decode()
    assert '<img class="avatar-img avatar-sm" src="/media/avatars/2026/12/host.jpg" alt=""' in html


def test_board_queries_stay_fixed_with_avatars_distances_and_members(
    browser, hapjeong, django_assert_max_num_queries
):
    for n in range(12):
        host = UserFactory(region=hapjeong if n % 2 else browser.user.region)
        Profile.objects.create(user=host, avatar=f"avatars/2026/12/{n}.jpg")
        order = make_order(host, title=f"모집 {n}", min_order_amount=10000)
        member = groupbuy_join(group_order_id=order.pk, user=UserFactory())
        OrderItem.objects.create(participation=member, name="메뉴", unit_price=5000)
    groupbuy_join(group_order_id=order.pk, user=browser.user)
    browser.get("/")  # warm the neighbour caches
    # session, user, region, the page (host, profile, region, bans), members, items, badges
    with django_assert_max_num_queries(8):
        html = browser.get("/").content.decode()
    assert html.count('class="gb-card-link"') == 10
    assert html.count('data-testid="walk"') == 10
    assert html.count('<img class="avatar-img avatar-sm"') == 10
    with django_assert_max_num_queries(8):
        browser.get("/", {"page": 2}, **HTMX)


# --- chips and the 필터 sheet without JavaScript --------------------------------------------


def test_filters_work_as_plain_links_and_a_get_form(browser):
    host = UserFactory()
    make_order(host, title="교촌 치킨", category="치킨", restaurant="교촌")
    make_order(host, title="피자 한 판", category="피자")
    done = make_order(host, title="끝난 치킨", category="치킨")
    groupbuy_close(group_order_id=done.pk, user=host)
    groupbuy_status_change(group_order_id=done.pk, user=host, status="ordered")
    html = browser.get("/").content.decode()
    # The sheet is a GET form with real fields and a submit button.
    assert '<form class="board-sheet-body card board-filter-form" method="get" action="/"' in html
    assert 'type="submit" class="btn">적용하기</button>' in html
    assert titles(browser.get("/", {"category": "치킨"}).content.decode()) == [
        "교촌 치킨",
        "끝난 치킨",
    ]
    assert titles(browser.get("/", {"status": "ordered"}).content.decode()) == ["끝난 치킨"]
    assert titles(browser.get("/", {"q": "교촌"}).content.decode()) == ["교촌 치킨"]
    # Each chip keeps the other filters; defaults stay out of the address.
    sorted_page = browser.get("/", {"sort": "newest", "q": "치킨"}).content.decode()
    assert 'href="/?category=%ED%94%BC%EC%9E%90&amp;q=%EC%B9%98%ED%82%A8&amp;sort=newest"' in (
        sorted_page
    )
    assert "필터: ‘치킨’ 검색 · 최신순" in sorted_page
    assert 'class="board-chip-count">2<' in sorted_page
    assert 'href="/?q=' not in html


def test_htmx_swaps_the_board_or_appends_a_page(browser):
    host = UserFactory()
    for n in range(12):
        make_order(host, title=f"모집 {n:02d}", category="치킨")
    board = browser.get("/", {"category": "치킨", "sort": "newest"}, HTTP_HX_TARGET="board", **HTMX)
    body = board.content.decode()
    assert body.lstrip().startswith('<div id="board" class="board">')
    assert "<html" not in body and body.count('class="gb-card-link"') == 10
    assert board["HX-Push-Url"] == "/?category=%EC%B9%98%ED%82%A8&sort=newest"
    assert "HX-Target" in board["Vary"] and "HX-Request" in board["Vary"]
    more = browser.get("/", {"category": "치킨", "page": 2}, **HTMX).content.decode()
    assert more.count('class="gb-card-link"') == 2 and "더 보기" not in more
    assert not more.lstrip().startswith("<div id=")
    restore = browser.get("/", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in restore.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"sort": "'; drop table"},
        {"status": "nope"},
        {"category": "없는 카테고리"},
        {"neighbours": "maybe"},
        {"q": "가" * 500},
        {"q": "\x00"},
    ],
)
def test_bad_board_input_never_fails(browser, query):
    assert browser.get("/", query).status_code in (200, 400)


def test_the_search_echo_is_escaped(browser):
    html = browser.get("/", {"q": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in html
    assert "필터: ‘&lt;b&gt;x&lt;/b&gt;’ 검색" in html
