"""Two people in one chat room, in real browsers against a real server."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from playwright.sync_api import expect

from mealbuddy.chat.models import ChatRoom
from mealbuddy.groupbuys.services import groupbuy_create, groupbuy_join
from tests.factories import UserFactory


def login(page, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def wait_until_read(page, user, room, timeout: float = 8.0) -> None:
    """Poll the database, waiting through Playwright so its event loop keeps running: the
    guest's socket is routed through this process, and a plain sleep would stall it."""
    from mealbuddy.chat.models import Message, ReadState

    latest = Message.objects.filter(room=room).order_by("-id").first().pk
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ReadState.objects.filter(room=room, user=user, last_read_message_id=latest).exists():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"room {room.pk} not marked read up to {latest}")


@pytest.fixture
def setup(live_server_url):
    host = UserFactory(username="방장님")
    guest = UserFactory(username="손님")
    order = groupbuy_create(host=host, title="야식 치킨", category="치킨", target_count=4)
    groupbuy_join(group_order_id=order.pk, user=guest)
    return host, guest, ChatRoom.objects.get(group_order=order)


def test_two_people_chat_live_survive_a_drop_and_ban(new_page, live_server_url, setup):
    host, guest, room = setup
    room_url = f"/chats/{room.pk}/"

    host_page = new_page()
    login(host_page, live_server_url, host)
    guest_page = new_page()
    login(guest_page, live_server_url, guest)

    # The guest's chat socket goes through a switch the test can open and close.
    switch = {"blocked": False, "sockets": []}

    def route(ws):
        if switch["blocked"]:
            ws.close(code=1001)
            return
        ws.connect_to_server()
        switch["sockets"].append(ws)

    guest_page.route_web_socket(re.compile(r".*/ws/chat/.*"), route)

    host_page.goto(room_url)
    guest_page.goto(room_url)
    for page in (host_page, guest_page):
        expect(page.locator("[data-chat-room]")).to_have_attribute("data-connected", "true")
    expect(guest_page.locator(".msg-system")).to_contain_text(["손님 님이 입장했습니다."])

    # Each sees the other's message live; text stays text.
    box = host_page.get_by_role("textbox", name="메시지")
    box.fill("안녕하세요 <b>굵게</b>")
    box.press("Enter")
    theirs = guest_page.locator(".msg-other .msg-text").last
    expect(theirs).to_have_text("안녕하세요 <b>굵게</b>")
    assert guest_page.locator(".msg-other .msg-text b").count() == 0
    expect(host_page.locator(".msg-mine .msg-text").last).to_have_text("안녕하세요 <b>굵게</b>")

    guest_box = guest_page.get_by_role("textbox", name="메시지")
    guest_box.fill("첫째 줄")
    guest_box.press("Shift+Enter")
    guest_box.type("둘째 줄")
    guest_box.press("Enter")
    expect(host_page.locator(".msg-other .msg-text").last).to_have_text("첫째 줄\n둘째 줄")

    # The guest's connection drops; messages sent meanwhile show up after the reconnect.
    switch["blocked"] = True
    for ws in switch["sockets"]:
        ws.close(code=1001)
    expect(guest_page.locator("[data-chat-room]")).to_have_attribute("data-connected", "false")
    for text in ("놓친 메시지 1", "놓친 메시지 2"):
        box.fill(text)
        box.press("Enter")
        expect(host_page.locator(".msg-mine .msg-text").last).to_have_text(text)
    switch["blocked"] = False
    expect(guest_page.locator(".msg-other .msg-text")).to_have_text(
        ["안녕하세요 <b>굵게</b>", "놓친 메시지 1", "놓친 메시지 2"], timeout=20_000
    )

    # Reading in the open room marks it read (the page tells the server over the socket).
    wait_until_read(guest_page, guest, room)

    # "내 채팅": the unread badge and the room's row update live.
    guest_page.goto("/chats/")
    badge = guest_page.locator('[data-badge="chats"]')
    expect(badge).to_be_hidden()
    box.fill("배지 확인")
    box.press("Enter")
    expect(badge).to_have_text("1")
    expect(guest_page.locator(f'[data-room-unread="{room.pk}"]')).to_have_text("1")
    expect(guest_page.locator(f'[data-room-last="{room.pk}"]')).to_contain_text("배지 확인")

    # Back in the room (read again), the host bans the guest, whose page leaves the room.
    guest_page.goto(room_url)
    expect(guest_page.locator("[data-chat-room]")).to_have_attribute("data-connected", "true")
    expect(guest_page.locator('[data-badge="chats"]')).to_be_hidden()
    host_page.on("dialog", lambda dialog: dialog.accept())
    host_page.get_by_role("button", name="참여자").click()
    host_page.get_by_role("button", name="손님 내보내기").click()
    expect(guest_page.locator("[data-status]")).to_have_text("채팅방에서 나왔어요.")
    guest_page.wait_for_url("**/chats/")
    expect(guest_page.get_by_text("야식 치킨")).to_have_count(0)
    expect(host_page.locator(".msg-system").last).to_contain_text("손님")


def test_logging_out_everywhere_sends_an_open_chat_page_to_the_login_page(
    new_page, live_server_url, setup
):
    host, guest, room = setup
    chat = new_page()
    login(chat, live_server_url, guest)
    chat.goto(f"/chats/{room.pk}/")
    expect(chat.locator("[data-connected='true']")).to_have_count(1)

    # The same person, in another browser: 내 정보 → 모든 기기에서 로그아웃.
    other = new_page()
    login(other, live_server_url, guest)
    other.goto("/accounts/me/")
    other.locator("form.logout-everywhere button").click()

    # The open chat hears it at once (socket closed with 4001), says why, and asks to log in.
    expect(chat.get_by_text("로그인 정보가 바뀌었어요. 다시 로그인해 주세요.")).to_be_visible()
    expect(chat).to_have_url(re.compile(r"/accounts/login/\?next=%2Fchats%2F"))
