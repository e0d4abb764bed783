"""A recurring order in Chromium (production settings, a real server): a neighbour presses
"매주 참여" on this week's order, the scheduler's job opens the next occurrence, and the
neighbour finds themself already in it: in "내 정기 모집", on the new order page and in their
notifications."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from mealbuddy.groupbuys.services import groupbuy_create
from mealbuddy.series import services
from mealbuddy.series.models import Occurrence, Series
from mealbuddy.series.tasks import tick
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory


def test_series_journey(new_page, assert_accessible):
    host = UserFactory(username="치킨방장")
    neighbour = UserFactory(username="옆집이웃")
    order = groupbuy_create(
        host=host,
        title="금요일 치킨 열차",
        category="치킨",
        restaurant="바삭치킨",
        target_count=4,
        delivery_fee=4000,
        deadline=timezone.now() + timedelta(hours=1),
    )
    # Every day at this order's time, opening three hours ahead.
    series = services.series_create(
        host=host, group_order_id=order.pk, weekdays=list(range(7)), open_before=180
    )

    page = new_page()
    log_in(page, neighbour.email)
    page.goto(f"/groupbuys/{order.pk}/")
    section = page.get_by_test_id("series-panel")
    expect(section.get_by_test_id("series-schedule")).to_contain_text("매일")
    section.get_by_role("button", name="매주 참여").click()
    expect(page.get_by_test_id("series-done")).to_contain_text("매주 참여해요")
    expect(page.get_by_test_id("series-subscribed")).to_be_visible()
    assert_accessible(page)

    # Time passes to tomorrow's opening (the series' clock, not the browser's), and the
    # scheduler's job (run here as the worker would) opens the next occurrence and joins the
    # subscriber through the join service.
    Series.objects.filter(pk=series.pk).update(next_open_at=timezone.now())
    tick.enqueue()
    occurrence = Occurrence.objects.filter(series=series).exclude(group_order=order).get()
    new_order = occurrence.group_order

    page.goto("/series/")
    subscribed = page.get_by_test_id("series-subscribed")
    expect(subscribed).to_contain_text("금요일 치킨 열차")
    assert_accessible(page)
    subscribed.get_by_role("link", name="금요일 치킨 열차 최근 모집 보기").click()
    page.wait_for_url(f"**/groupbuys/{new_order.pk}/")
    expect(page.get_by_test_id("my-total")).to_be_visible()  # a member: "내가 낼 돈"
    page.goto("/notifications/")
    expect(page.get_by_text("정기 모집 '금요일 치킨 열차'에 자동으로 참여했어요.")).to_be_visible()
