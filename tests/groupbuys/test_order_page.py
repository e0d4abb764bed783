"""The order page (issue 11): the one primary action per viewer (status × viewer kind), the
previews that never contradict the join, the timeline after "주문완료", the page's pieces
(sticky bar, sheets, "참여했어요") and what the page costs in queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.groupbuys import selectors, services, settlement
from mealbuddy.groupbuys.models import GroupOrder, Participation
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
Status = GroupOrder.Status


# --- helpers ---------------------------------------------------------------------------------


def primary_for(order: GroupOrder, user) -> selectors.PrimaryAction:
    """What the page computes for ``user``, through the same selectors as the view."""
    order = GroupOrder.objects.select_related("host", "region").get(pk=order.pk)
    members = selectors.group_order_members(group_order=order)
    breakdown = selectors.fee_breakdown(order, members=members)
    mine = breakdown.share_for(user.pk)
    actions = selectors.group_order_actions(
        group_order=order, user=user, is_member=mine is not None, items_total=breakdown.items_total
    )
    summary = None
    if mine is not None:
        summary = selectors.group_order_settlement(group_order=order, user=user, members=members)
    return selectors.group_order_primary_action(
        group_order=order, actions=actions, breakdown=breakdown, settlement=summary
    )


def join(order, *, item: int = 0, cash: int = 0, name: str = ""):
    user = UserFactory(**({"username": name} if name else {}))
    if cash:
        fund(user, cash)
    services.groupbuy_join(group_order_id=order.pk, user=user)
    if item:
        services.item_add(group_order_id=order.pk, user=user, name="치킨", unit_price=item)
    return user


def place(order, host):
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status=Status.ORDERED)
    order.refresh_from_db()
    return order


def bar(html: str) -> str:
    match = re.search(r'<section class="gb-bar".*?</section>', html, re.S)
    return match.group(0) if match else ""


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def direct(host):
    return make_order(host, delivery_fee=3000, min_order_amount=20000, target_count=4)


@pytest.fixture
def prepaid(host):
    return make_order(
        host,
        delivery_fee=3000,
        min_order_amount=10000,
        target_count=3,
        payment="prepaid",
        noshow_deposit=1000,
    )


# --- the primary action: each status × viewer kind -------------------------------------------


def test_recruiting_primary_action_for_each_viewer(host, direct, far_region):
    kim = join(direct)  # no items yet
    lee = join(direct, item=12_000)
    # A neighbour who may join: the exact preview (equal split, 3 → 4 members).
    visitor = UserFactory()
    primary = primary_for(direct, visitor)
    assert (primary.kind, primary.label, primary.sheet) == ("join", "참여하고 메뉴 담기", "gb-join")
    assert primary.amount == 750 and "배달비 몫 750원" in primary.note
    assert "메뉴값 별도" in primary.note
    # Too far away, banned, no neighbourhood: the service's reason, never a share.
    far = primary_for(direct, UserFactory(region=far_region))
    assert far.kind == "board" and far.amount is None
    assert far.note == "같은 동네나 바로 옆 동네의 주문에만 참여할 수 있어요."
    nowhere = primary_for(direct, UserFactory(region=None, address="", lat=None, lon=None))
    assert (nowhere.kind, nowhere.note) == ("region", "내 동네를 먼저 설정해 주세요.")
    banned = join(direct)
    services.groupbuy_ban(group_order_id=direct.pk, host=host, target_user_id=banned.pk)
    refused = primary_for(direct, banned)
    assert refused.kind == "board" and "다시 참여할 수 없어요" in refused.note
    # Members: "메뉴 담기" until they have items, then the room (adding more stays second).
    assert (primary_for(direct, kim).kind, primary_for(direct, kim).sheet) == (
        "items",
        "gb-add-item",
    )
    with_items = primary_for(direct, lee)
    assert with_items.kind == "chat" and with_items.secondary.kind == "items"
    assert with_items.note == "내 부담 13,000원" and with_items.amount == 13_000  # 3 members
    # The host: their own items first, then the room while recruiting.
    assert primary_for(direct, host).kind == "items"
    services.item_add(group_order_id=direct.pk, user=host, name="피자", unit_price=9_000)
    hosting = primary_for(direct, host)
    assert hosting.kind == "chat" and "마감하면 주문할 수 있어요" in hosting.note


def test_closed_primary_action(host, direct, prepaid):
    kim = join(direct)
    services.groupbuy_close(group_order_id=direct.pk, user=host)
    assert primary_for(direct, host).status == Status.ORDERED
    assert primary_for(direct, host).label == "주문 완료로 표시"
    assert primary_for(direct, kim).kind == "items"  # items stay open until it is placed
    closed = primary_for(direct, UserFactory())
    assert (closed.kind, closed.note) == ("board", "모집이 마감된 주문이에요.")
    # A prepaid order short of its minimum: placing is refused, the bar says why.
    join(prepaid, cash=50_000, item=4_000)
    services.groupbuy_close(group_order_id=prepaid.pk, user=host)
    short = primary_for(prepaid, host)
    assert short.kind == "items" and short.note.startswith("최소주문금액까지 6,000원이 남았어요")


def test_deadline_passed_reads_as_closed(host, direct):
    GroupOrder.objects.filter(pk=direct.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert primary_for(direct, UserFactory()).note == "모집 마감 시각이 지났어요."
    assert primary_for(direct, host).label == "주문 완료로 표시"


def test_ordered_direct_primary_action_follows_the_handoff_and_settlement(host, direct):
    kim = join(direct, item=10_000)
    lee = join(direct, item=8_000)
    place(direct, host)
    assert primary_for(direct, UserFactory()).kind == "board"
    assert primary_for(direct, host).kind == "arrived"
    # Before the food arrives a member can already pay.
    first = primary_for(direct, kim)
    assert (first.kind, first.label) == ("settle", "정산하기")
    assert first.note == "방장에게 11,000원을 보내 주세요." and first.amount == 11_000
    settlement.settlement_sent(group_order_id=direct.pk, user=kim)
    assert primary_for(direct, kim).kind == "chat"
    assert "방장이 확인하면" in primary_for(direct, kim).note
    settlement.groupbuy_arrived(group_order_id=direct.pk, user=host)
    # Once it arrived, picking up comes first.
    arrived = primary_for(direct, lee)
    assert arrived.kind == "received" and "수령 장소" in arrived.note
    settlement.groupbuy_received(group_order_id=direct.pk, user=lee)
    assert primary_for(direct, lee).kind == "settle"
    # The host: 입금 확인 while someone has not paid, then "배달 완료로 표시".
    hosting = primary_for(direct, host)
    assert hosting.kind == "settle" and hosting.note == "입금 확인 전 2명이 남았어요."
    for person in (kim, lee):
        settlement.settlement_paid(group_order_id=direct.pk, user=host, target_user_id=person.pk)
    done = primary_for(direct, host)
    assert (done.kind, done.status) == ("status", Status.DELIVERED)


def test_delivered_and_cancelled_primary_action(host, direct):
    kim = join(direct, item=10_000)
    lee = join(direct, item=8_000)
    place(direct, host)
    settlement.settlement_paid(group_order_id=direct.pk, user=host, target_user_id=kim.pk)
    services.groupbuy_status_change(group_order_id=direct.pk, user=host, status=Status.DELIVERED)
    assert primary_for(direct, lee).kind == "settle"  # still owes the host
    assert (primary_for(direct, kim).kind, primary_for(direct, kim).note) == (
        "chat",
        "배달이 끝났어요.",
    )
    assert primary_for(direct, host).kind == "settle"
    other = make_order(host)
    member = join(other)
    services.groupbuy_status_change(group_order_id=other.pk, user=host, status=Status.CANCELLED)
    for viewer in (host, member):
        cancelled = primary_for(other, viewer)
        assert (cancelled.kind, cancelled.note) == ("board", "취소된 주문이에요.")
    assert primary_for(other, UserFactory()).kind == "board"


def test_prepaid_handoff_primary_action(host, prepaid, settings):
    kim = join(prepaid, cash=50_000, item=6_000)
    lee = join(prepaid, cash=50_000, item=6_000)
    place(prepaid, host)
    # Paid in the app already: nothing to settle, the room until the food arrives.
    assert primary_for(prepaid, kim).kind == "chat"
    assert primary_for(prepaid, host).kind == "arrived"
    settlement.groupbuy_arrived(group_order_id=prepaid.pk, user=host)
    assert primary_for(prepaid, kim).kind == "received"
    assert primary_for(prepaid, host).kind == "chat"  # waiting for pickups
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    settlement.groupbuy_noshow(group_order_id=prepaid.pk, user=host, target_user_id=lee.pk)
    reported = primary_for(prepaid, lee)
    assert reported.kind == "settle" and "이의 제기" in reported.note


# --- previews never contradict ---------------------------------------------------------------


def test_a_visitor_who_cannot_join_sees_why_not_a_share(client, direct):
    for _ in range(3):
        join(direct)
    visitor = UserFactory()
    client.force_login(visitor)
    html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    assert "모집 인원이 다 찼어요." in text(
        re.search(r'id="gb-summary".*?</section>', html, re.S)[0]
    )
    assert "지금 참여하면" not in html and "다 모이면" not in html
    assert "예상" not in bar(html) and "모집 인원이 다 찼어요." in bar(html)
    assert 'id="gb-join"' not in html


def test_proportional_preview_is_what_the_join_holds(client, host):
    order = make_order(
        host,
        delivery_fee=3000,
        min_order_amount=10000,
        target_count=4,
        payment="prepaid",
        fee_split="proportional",
    )
    services.item_add(group_order_id=order.pk, user=host, name="족발", unit_price=20_000)
    visitor = UserFactory()
    fund(visitor, 50_000)
    members = selectors.group_order_members(group_order=order)
    preview = selectors.join_preview(order, selectors.fee_breakdown(order, members=members))
    # With items on the order, a newcomer without items owes no fee share yet.
    assert (preview.fee, preview.proportional, preview.when_full) == (0, True, None)
    client.force_login(visitor)
    html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "지금 참여하면 배달비 <strong>0원</strong>" in html and "다 모이면" not in html
    assert "예상 0원" in bar(html)
    services.groupbuy_join(group_order_id=order.pk, user=visitor)
    held = Participation.objects.get(group_order=order, user=visitor)
    assert held.held == preview.fee and held.deposit_held == preview.deposit


def test_equal_preview_is_what_the_join_holds_and_direct_orders_get_one(client, host, prepaid):
    join(prepaid, cash=50_000, item=4_000)
    members = selectors.group_order_members(group_order=prepaid)
    breakdown = selectors.fee_breakdown(prepaid, members=members)
    preview = selectors.join_preview(prepaid, breakdown)
    hold = selectors.join_hold(prepaid, breakdown)
    assert (preview.fee, preview.deposit, preview.total) == (hold.fee, hold.deposit, hold.total)
    assert (preview.fee, preview.when_full) == (1000, 1000)
    newcomer = UserFactory()
    fund(newcomer, 50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=newcomer)
    held = Participation.objects.get(group_order=prepaid, user=newcomer)
    assert held.held + held.deposit_held == preview.total == 2000
    # A direct order holds nothing, yet its visitors see the same fee-share preview.
    direct = make_order(host, delivery_fee=3000, target_count=4)
    breakdown = selectors.fee_breakdown(direct)
    assert selectors.join_hold(direct, breakdown) is None
    preview = selectors.join_preview(direct, breakdown)
    assert (preview.fee, preview.deposit, preview.when_full) == (1500, 0, 750)
    client.force_login(UserFactory())
    html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    assert "참여하고 메뉴 담기 · 예상 1,500원" in bar(html)
    assert 'data-testid="join-preview"' in html and "보관돼요" not in html


# --- the timeline ----------------------------------------------------------------------------


def test_no_timeline_before_the_order_is_placed(host, direct):
    assert selectors.group_order_timeline(group_order=direct) is None


def test_timeline_after_ordered_with_times_and_everyones_next_step(host, direct, client):
    kim = join(direct, item=10_000, name="김이웃")
    lee = join(direct, item=8_000, name="이이웃")
    place(direct, host)
    settlement.settlement_sent(group_order_id=direct.pk, user=kim)
    settlement.groupbuy_arrived(group_order_id=direct.pk, user=host)
    settlement.groupbuy_received(group_order_id=direct.pk, user=kim)
    direct.refresh_from_db()
    summary = selectors.group_order_settlement(group_order=direct, user=kim)
    timeline = selectors.group_order_timeline(group_order=direct, settlement=summary)
    steps = {step.key: step for step in timeline.steps}
    assert [s.label for s in timeline.steps] == ["모집", "마감", "주문", "도착", "수령"]
    assert steps["recruiting"].at == direct.created_at
    assert steps["closed"].at is None  # closed by the host, then placed: the time is not kept
    assert steps["ordered"].at == direct.ordered_at and steps["arrived"].at == direct.arrived_at
    assert [s.done for s in timeline.steps] == [True, True, True, True, False]
    assert steps["arrived"].current and steps["received"].note == "2명 중 1명 받았어요"
    people = {p.user.pk: p for p in timeline.people}
    assert people[host.pk].todo == "입금 2건을 확인해요."
    assert people[kim.pk].received_at is not None and people[kim.pk].paid is False
    assert people[kim.pk].todo == "방장이 입금을 확인하기를 기다려요."
    assert people[lee.pk].todo == "수령 장소에서 받고 '받았어요'를 눌러요."
    # On the page: the steps with their times, and the list for members only.
    client.force_login(kim)
    html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    section = re.search(r'<section class="card gb-timeline".*?</section>', html, re.S)[0]
    assert 'aria-current="step"' in section and section.count("<time") >= 4
    assert "다음에 할 일" in section and "김이웃" in section
    client.force_login(UserFactory())
    visitor_html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    assert 'data-testid="timeline"' in visitor_html and "다음에 할 일" not in visitor_html


def test_timeline_dates_a_close_by_deadline_or_full_house_and_delivery(host):
    order = make_order(host, target_count=2)
    kim = join(order)  # fills the last place: closed "full" at Kim's join
    place_at = Participation.objects.get(group_order=order, user=kim).joined_at
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status=Status.ORDERED)
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_received(group_order_id=order.pk, user=kim)
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    members = selectors.group_order_members(group_order=order)
    timeline = selectors.group_order_timeline(group_order=order, members=members)
    steps = {step.key: step for step in timeline.steps}
    assert steps["closed"].at == place_at
    assert steps["received"].at == order.status_changed_at and steps["received"].current
    assert all(step.done for step in timeline.steps) and timeline.people == []
    late = make_order(host)
    GroupOrder.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    services.groupbuy_status_change(group_order_id=late.pk, user=host, status=Status.ORDERED)
    late.refresh_from_db()
    steps = {s.key: s for s in selectors.group_order_timeline(group_order=late).steps}
    assert steps["closed"].at == late.deadline


def test_cancelled_timeline(host, direct):
    services.groupbuy_status_change(group_order_id=direct.pk, user=host, status=Status.CANCELLED)
    direct.refresh_from_db()
    timeline = selectors.group_order_timeline(group_order=direct)
    assert timeline.cancelled and [s.label for s in timeline.steps] == ["모집", "취소"]
    assert timeline.steps[-1].at == direct.status_changed_at


# --- the page: sticky bar, sheets, "참여했어요", the live summary ---------------------------------


def test_join_moves_to_my_items_and_says_so(client, direct):
    visitor = UserFactory()
    client.force_login(visitor)
    html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    # The bar opens the join card (a sheet with JavaScript, a plain anchor without).
    assert 'href="#gb-join" data-sheet-open="gb-join"' in bar(html)
    assert '<section class="card gb-sheet" id="gb-join"' in html
    panel = client.post(f"/groupbuys/{direct.pk}/join/", **HTMX).content.decode()
    assert 'id="my-items"' in panel
    joined = re.search(r'<p class="gb-done[^>]*data-testid="joined"[^>]*>([^<]+)', panel)
    assert joined and "참여했어요" in joined[1] and "data-after-action" in joined[0]
    # Now a member: "메뉴 담기" opens the add-item sheet inside 내 메뉴.
    assert 'href="#gb-add-item" data-sheet-open="gb-add-item"' in bar(panel)
    assert 'id="gb-add-item"' in panel
    # Without JavaScript: back to the page at 내 메뉴, with the same message there.
    other = make_order(UserFactory())
    response = client.post(f"/groupbuys/{other.pk}/join/")
    assert response.status_code == 302
    assert response["Location"] == f"/groupbuys/{other.pk}/?joined=1#my-items"
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert 'data-testid="joined"' in page


def test_adding_an_item_says_what_I_now_owe(client, direct):
    kim = join(direct)
    client.force_login(kim)
    panel = client.post(
        f"/groupbuys/{direct.pk}/items/",
        {"name": "양념치킨", "unit_price": 18000, "quantity": 1},
        **HTMX,
    ).content.decode()
    assert "메뉴를 담았어요. 내가 낼 돈은 19,500원이에요." in panel
    response = client.post(
        f"/groupbuys/{direct.pk}/items/", {"name": "콜라", "unit_price": 2000, "quantity": 1}
    )
    assert response["Location"] == f"/groupbuys/{direct.pk}/#my-items"


def test_host_bar_posts_the_next_move(client, host, direct):
    join(direct, item=20_000)
    services.groupbuy_close(group_order_id=direct.pk, user=host)
    client.force_login(host)
    html = bar(client.get(f"/groupbuys/{direct.pk}/").content.decode())
    assert f'action="/groupbuys/{direct.pk}/status/"' in html
    assert 'name="status" value="ordered"' in html and "주문 완료로 표시" in html


def test_the_summary_is_live_not_polled(client, direct):
    client.force_login(UserFactory())
    html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    assert "every 10s" not in html
    assert 'hx-trigger="gb-changed from:body delay:300ms"' in html
    assert f'data-socket-follow=\'{{"type": "groupbuy.follow", "id": {direct.pk}}}\'' in html
    assert "js/groupbuys-live.js" in html and "js/groupbuys-sheet.js" in html
    # The refresh answers the summary, and out of band the bar and the timeline.
    part = client.get(f"/groupbuys/{direct.pk}/?part=summary", **HTMX).content.decode()
    assert part.lstrip().startswith('<section class="card" id="gb-summary"')
    assert 'id="gb-bar"' in part and 'id="gb-timeline"' in part
    assert part.count('hx-swap-oob="true"') == 2
    assert "<form" not in part.split('id="gb-bar"')[0]  # nothing someone may be typing in


def test_settlement_swap_refreshes_the_bar_and_timeline(client, host, direct):
    join(direct, item=10_000)
    place(direct, host)
    client.force_login(host)
    swap = client.post(f"/groupbuys/{direct.pk}/settlement/arrived/", **HTMX).content.decode()
    assert 'id="gb-bar"' in swap and 'id="gb-timeline"' in swap
    assert 'data-step="arrived"' in swap and 'data-kind="settle"' in swap


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["visitor", "member", "host"])
def test_order_page_costs_a_fixed_number_of_queries(
    client, host, direct, viewer, django_assert_max_num_queries
):
    kim = join(direct, item=10_000)
    user = {"visitor": UserFactory(), "member": kim, "host": host}[viewer]
    client.force_login(user)
    client.get(f"/groupbuys/{direct.pk}/")  # warm caches (neighbours, session)
    # session, user, order, members, items, (visitor) ban, the top bar's region, the nav
    # badges' two counts: as before issue 11; the bar, previews and timeline cost nothing.
    with django_assert_max_num_queries(9) as few:
        assert client.get(f"/groupbuys/{direct.pk}/").status_code == 200
    for _ in range(2):
        join(direct, item=5_000)
    place(direct, host)
    settlement.groupbuy_arrived(group_order_id=direct.pk, user=host)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(f"/groupbuys/{direct.pk}/").content.decode()
    assert 'data-testid="timeline"' in html
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/groupbuys/{direct.pk}/?part=summary", **HTMX).status_code == 200
