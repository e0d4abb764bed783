"""The region picker finds a 법정동 by the 행정동 people type, and says so (issue 11)."""

import re

import pytest
from django.template import Context, Template
from playwright.sync_api import expect

from mealbuddy.regions.models import Region

pytestmark = pytest.mark.e2e
SLOW = 15_000  # ms, for the first answers of a fresh server on a busy machine

# As in test_region_picker.py, with a title so that axe checks the picker, not the host.
HOST_PAGE = Template(
    """{% load django_htmx %}<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>동네 고르기</title><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/css/app.css">{% htmx_script %}</head>
<body><main><h1>동네 고르기</h1><form method="post" action="/nowhere">
{% include "regions/_picker.html" with field_name="address" value="" region_id="" %}
</form></main></body></html>"""
)


@pytest.fixture
def open_picker(live_server_url, new_page):
    html = HOST_PAGE.render(Context({}))

    def open_page(viewport):
        page = new_page()
        # new_page(viewport=...) clashes with its own default viewport: resize instead.
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        page.route(
            f"{live_server_url}/__picker__",
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        page.goto("/__picker__")
        return page

    return open_page


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["390", "1366"])
def test_typing_a_hangjeong_offers_its_legal_dong(
    open_picker, viewport, assert_accessible, screenshot
):
    mangwon = Region.objects.get(full_name="서울특별시 마포구 망원동")
    page = open_picker(viewport)
    field = page.get_by_label("동네", exact=True)
    field.press_sequentially("망원1동", delay=30)
    choice = page.locator('[data-region-choice][data-region-name="서울특별시 마포구 망원동"]')
    expect(choice).to_be_visible(timeout=SLOW)
    # What was matched is on the button: "망원1동 → 망원동 서울특별시 마포구".
    expect(choice.locator("[data-region-via]")).to_contain_text("망원1동 →")
    # A screen reader hears "망원1동은(는) 망원동 서울특별시 마포구", not an arrow.
    expect(choice).to_have_accessible_name(
        re.compile(r"^망원1동\s*은\(는\)\s*망원동 서울특별시 마포구$")
    )
    assert_accessible(page)
    screenshot(page, "hangjeong-suggestions")
    choice.click()
    expect(field).to_have_value("서울특별시 마포구 망원동")
    expect(page.locator('input[name="region"]')).to_have_value(str(mangwon.pk))

    page = open_picker(viewport)
    page.locator("#id_address").press_sequentially("보라매", delay=30)
    bongcheon = page.locator('[data-region-choice][data-region-name="서울특별시 관악구 봉천동"]')
    expect(bongcheon).to_be_visible(timeout=SLOW)
    expect(bongcheon.locator("[data-region-via]")).to_contain_text("보라매동")
    screenshot(page, "hangjeong-irregular")
