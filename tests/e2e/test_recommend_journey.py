"""뭐 먹지?: the board's weather card (from a local fake Open-Meteo), a free-text wish,
five cards with reasons, and "이 메뉴로 모집하기" into the write form."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mealbuddy.recommend.engine import time_slot
from tests.conftest import ensure_regions
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.recommend.fakes import JSON, FakeServer, open_meteo_body
from tests.servers import LiveServer


@pytest.fixture
def weather_server():
    body = open_meteo_body(temperature=4.0, humidity=92, code=63, precipitation=3.5, wind=3.2)

    def respond(method, path, query, request_body):
        return 200, JSON, body, 0

    with FakeServer(respond) as server:
        yield server


@pytest.fixture
def site(regions_tx, weather_server):
    ensure_regions()
    env = {"WEATHER_PROVIDERS": "openmeteo", "OPEN_METEO_URL": f"{weather_server.url}/v1/forecast"}
    with LiveServer(env=env, log_name="e2e-recommend") as server:
        yield server.url


@pytest.fixture
def page(browser, site):
    context = browser.new_context(
        base_url=site, locale="ko-KR", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_recommend_journey(page, weather_server):
    UserFactory(email="hungry@example.com", username="배고픈이웃")

    page.goto("/accounts/login/?next=/")
    page.get_by_label("이메일").fill("hungry@example.com")
    page.get_by_label("비밀번호").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # The board's 날씨 and 뭐 먹지? chips open sheets that load the card and the panel (htmx).
    page.goto("/")
    page.locator("#weather-sheet summary").click()
    card = page.locator("#weather-card")
    expect(card).to_contain_text("서교동 지금 날씨")
    expect(card).to_contain_text("4℃")
    expect(card).to_contain_text("92%")
    expect(card).to_contain_text("비")
    assert weather_server.count == 1

    page.locator("#recommend-sheet summary").click()
    panel = page.locator("#recommend-panel")
    panel.get_by_label("먹고 싶은 것").fill("국물 있는 거")
    panel.get_by_role("button", name="추천 받기").click()
    expect(page.locator("#recommend-panel .context-chips")).to_contain_text("국물 있는")
    cards = page.locator("#recommend-panel .rec-card")
    expect(cards).to_have_count(5)
    for index in range(5):
        expect(cards.nth(index).locator(".rec-reason")).to_contain_text("국물 있는")
    # The rain from the fake provider is an input the page names. Late at night (KST) the
    # 야식 phrase outranks it in a card's reason, so the reason is checked at the other hours.
    expect(page.locator("#recommend-panel .context-chips")).to_contain_text("비")
    if time_slot(timezone.localtime()) != "야식":
        expect(cards.first.locator(".rec-reason")).to_contain_text("비가 와서 따뜻한 국물 요리")
    first_names = cards.locator(".rec-name").all_inner_texts()

    # 다시 추천 gives another set for the same wish.
    page.locator("#recommend-panel").get_by_role("button", name="다시 추천").click()
    expect(cards).to_have_count(5)
    page.wait_for_function(
        "names => [...document.querySelectorAll('#recommend-panel .rec-name')]"
        ".map(e => e.textContent).join() !== names.join()",
        arg=first_names,
    )
    expect(page).to_have_url(re.compile(r"/$"))

    category = cards.first.get_attribute("data-category")
    cards.first.get_by_role("link", name="이 메뉴로 모집하기").click()
    page.wait_for_url(re.compile(r"/groupbuys/new/\?category="))
    expect(page.locator('select[name="category"]')).to_have_value(category)
