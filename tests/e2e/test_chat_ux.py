"""Issue 11, chat: a room as a person sees it on a phone and on a laptop.

The header leads back to the order and says its status; the members open as a modal sheet
(keyboard in, keyboard out); no tab bar; the placeholder fits; each author's photo (or first
letter) sits beside their messages, live ones included. Contrast and names: axe-core."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from mealbuddy.accounts.models import Profile
from mealbuddy.chat.models import ChatRoom
from mealbuddy.chat.services import message_post
from mealbuddy.groupbuys.services import groupbuy_create, groupbuy_join
from tests.conftest import ensure_regions
from tests.e2e.test_chat_journey import login
from tests.factories import UserFactory
from tests.servers import LiveServer

VIEWPORTS = [pytest.param((390, 844), id="390x844"), pytest.param((1366, 900), id="1366x900")]


@pytest.fixture
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def live_server_url(regions_tx, media_root, settings):
    """The usual production-settings server, also serving the uploaded photos (the reverse
    proxy's job in production) from a media folder this test writes to."""
    ensure_regions()
    settings.MEDIA_ROOT = media_root
    with LiveServer(
        log_name="e2e-chat-ux", env={"SERVE_MEDIA": "1", "MEDIA_ROOT": str(media_root)}
    ) as server:
        yield server.url


def give_avatar(user) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 110, 60)).save(buffer, "PNG")
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.avatar.save("host.png", SimpleUploadedFile("host.png", buffer.getvalue()), save=True)
    return profile.avatar.url


@pytest.fixture
def room_setup(live_server_url):
    host = UserFactory(username="방장님")
    guest = UserFactory(username="손님")
    third = UserFactory(username="다온")
    order = groupbuy_create(host=host, title="야식 치킨", category="치킨", target_count=4)
    for user in (guest, third):
        groupbuy_join(group_order_id=order.pk, user=user)
    room = ChatRoom.objects.get(group_order=order)
    avatar = give_avatar(host)
    message_post(room_id=room.pk, user=host, text="7시에 주문할게요. 메뉴 담아 주세요!")
    message_post(room_id=room.pk, user=third, text="저는 양념 반 후라이드 반이요")
    message_post(room_id=room.pk, user=guest, text="좋아요")
    return order, room, host, guest, third, avatar


def sized(page, width: int, height: int):
    # tests/e2e/conftest.py's new_page() fixes the viewport at 390×844 (passing viewport= to
    # it collides): resize the page instead.
    page.set_viewport_size({"width": width, "height": height})
    return page


def fits_without_truncation(page, selector: str) -> bool:
    """The placeholder's text, in the field's own font, fits its content box on one line."""
    return page.evaluate(
        """(selector) => {
          const field = document.querySelector(selector);
          const style = getComputedStyle(field);
          const canvas = document.createElement("canvas").getContext("2d");
          canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const text = canvas.measureText(field.placeholder).width;
          const box = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          return text <= box;
        }""",
        selector,
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_chat_room_at_a_glance(
    new_page, live_server_url, room_setup, viewport, assert_accessible, screenshot
):
    order, room, host, guest, third, avatar = room_setup
    width, height = viewport
    page = sized(new_page(), width, height)
    login(page, live_server_url, guest)
    page.goto(f"/chats/{room.pk}/")
    chat = page.locator("[data-chat-room]")
    expect(chat).to_have_attribute("data-connected", "true")

    # The header leads back to the order and says where it stands (the model's label).
    back = page.get_by_role("link", name=re.compile("야식 치킨"))
    expect(back).to_have_attribute("href", f"/groupbuys/{order.pk}/")
    expect(back).to_contain_text(order.status_label)
    expect(back).to_contain_text("3/4명")
    expect(back).to_be_in_viewport()

    # No tab bar inside a room; the composer sits at the bottom of the first screen.
    expect(page.locator("nav.tabbar")).to_have_count(0)
    box = page.get_by_role("textbox", name="메시지")
    expect(box).to_have_attribute("placeholder", "메시지 보내기")
    expect(box).to_be_in_viewport()
    assert fits_without_truncation(page, "#chat-input")
    assert page.evaluate("document.documentElement.scrollHeight") <= height + 1

    # Photos beside messages: the host's picture, the first letter for someone without one.
    host_line = page.locator(".msg-other", has_text="7시에 주문할게요")
    photo = host_line.locator(".avatar-sm img")
    expect(photo).to_have_attribute("src", avatar)
    expect(photo).to_be_visible()
    photo.evaluate("img => img.decode()")
    assert photo.evaluate("img => img.naturalWidth") > 0
    letter = page.locator(".msg-other", has_text="양념 반").locator(".avatar-letter")
    expect(letter).to_have_text("다")
    # Beside: the photo is left of the bubble, on the same row.
    photo_box, bubble_box = photo.bounding_box(), host_line.locator(".msg-text").bounding_box()
    assert photo_box["x"] + photo_box["width"] <= bubble_box["x"]
    assert photo_box["y"] < bubble_box["y"] + bubble_box["height"]
    # My own messages need no photo.
    expect(page.locator(".msg-mine .avatar-sm")).to_have_count(0)

    # A live message arrives with its author's photo.
    host_page = sized(new_page(), width, height)
    login(host_page, live_server_url, host)
    host_page.goto(f"/chats/{room.pk}/")
    expect(host_page.locator("[data-chat-room]")).to_have_attribute("data-connected", "true")
    host_box = host_page.get_by_role("textbox", name="메시지")
    host_box.fill("지금 주문 넣을게요")
    host_box.press("Enter")
    live = page.locator(".msg-other", has_text="지금 주문 넣을게요")
    expect(live.locator(".avatar-sm img")).to_have_attribute("src", avatar)
    expect(live.locator(".msg-author")).to_have_text("방장님")

    assert_accessible(page)
    screenshot(page, "chat")

    # The members sheet: opened and closed from the keyboard, focus in and back out.
    members = page.get_by_role("button", name="참여자")
    members.focus()
    page.keyboard.press("Enter")
    sheet = page.get_by_role("dialog", name="참여자")
    expect(sheet).to_be_visible()
    expect(sheet.locator(".member")).to_have_count(3)
    expect(sheet.locator(".member").first).to_contain_text("방장님 (방장)")
    expect(sheet.locator(".member").first.locator("img")).to_have_attribute("src", avatar)
    assert page.evaluate("document.getElementById('chat-members').contains(document.activeElement)")
    expect(sheet).to_be_in_viewport()
    assert_accessible(page)
    screenshot(page, "chat-members")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    expect(members).to_be_focused()
    # Again, closed with its own button (Tab lands in the sheet, Enter on "닫기").
    page.keyboard.press("Enter")
    expect(sheet).to_be_visible()
    expect(page.get_by_role("button", name="닫기")).to_be_focused()
    page.keyboard.press("Enter")
    expect(sheet).to_be_hidden()
    expect(members).to_be_focused()

    # The host closes recruiting (from their browser, through the server): the guest's
    # header shows the new status without a reload (the server's label, asked again).
    status = host_page.evaluate(
        """async (url) => {
          const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const response = await fetch(url, {
            method: "POST", credentials: "same-origin",
            headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"},
            body: JSON.stringify({status: "closed"}),
          });
          return response.status;
        }""",
        f"/api/groupbuys/{order.pk}/status/",
    )
    assert status == 200
    order.refresh_from_db()
    assert order.status_label != "모집중"
    expect(back).to_contain_text(order.status_label)

    back.click()
    page.wait_for_url(f"**/groupbuys/{order.pk}/")
