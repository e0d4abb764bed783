"""The 나눔 1:1 chat in real browsers: a neighbour taps "채팅하기" on a 나눔 post, the author
finds the chat on the post's page, and the two talk live."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from mealbuddy.chat.models import ChatRoom
from tests.community.conftest import make_post
from tests.e2e.test_chat_journey import login
from tests.factories import UserFactory


def test_chat_with_the_author_of_a_share_post(new_page, live_server_url, assert_accessible):
    author = UserFactory(username="나눔이")
    reader = UserFactory(username="받는이")
    post = make_post(author, topic="share", title="유아 카시트 나눔해요")

    reader_page = new_page()
    login(reader_page, live_server_url, reader)
    reader_page.goto(f"/community/{post.pk}/")
    reader_page.get_by_role("button", name="채팅하기").click()
    room = ChatRoom.objects.get(post=post, starter=reader)
    expect(reader_page).to_have_url(re.compile(rf"/chats/{room.pk}/$"))
    root = reader_page.locator("[data-chat-room]")
    expect(root).to_have_attribute("data-connected", "true")
    # The post and its state on top, leading back to it.
    expect(reader_page.get_by_role("heading", level=1)).to_have_text("유아 카시트 나눔해요")
    expect(reader_page.locator("[data-order-meta]")).to_contain_text("나눔중")
    assert_accessible(reader_page)

    box = reader_page.get_by_role("textbox", name="메시지")
    box.fill("아직 나눔하세요?")
    box.press("Enter")
    expect(reader_page.locator(".msg-mine .msg-text").last).to_have_text("아직 나눔하세요?")

    # The author finds the chat on the post's page and answers.
    author_page = new_page()
    login(author_page, live_server_url, author)
    author_page.goto(f"/community/{post.pk}/")
    expect(author_page.get_by_role("button", name="채팅하기")).to_have_count(0)
    author_page.get_by_role("link", name=re.compile("받는이 님과의 채팅")).click()
    expect(author_page).to_have_url(re.compile(rf"/chats/{room.pk}/$"))
    expect(author_page.locator("[data-chat-room]")).to_have_attribute("data-connected", "true")
    expect(author_page.locator(".msg-other .msg-text").last).to_have_text("아직 나눔하세요?")
    answer = author_page.get_by_role("textbox", name="메시지")
    answer.fill("네, 저녁 7시에 오세요")
    answer.press("Enter")
    expect(reader_page.locator(".msg-other .msg-text").last).to_have_text("네, 저녁 7시에 오세요")

    # Two people, the author named as such; nobody to ban, nothing to leave.
    reader_page.get_by_role("button", name="대화 상대").click()
    members = reader_page.locator("[data-members-list] .member-name")
    expect(members).to_have_text(["나눔이 (글쓴이)", "받는이"])
    expect(reader_page.get_by_role("button", name=re.compile("내보내기|나가기"))).to_have_count(0)
    reader_page.get_by_role("button", name="닫기").click()

    # Back to the post from the header; "채팅 이어가기" returns to the same room.
    reader_page.locator("[data-post-link]").click()
    expect(reader_page).to_have_url(re.compile(rf"/community/{post.pk}/$"))
    reader_page.get_by_role("link", name="채팅 이어가기").click()
    expect(reader_page).to_have_url(re.compile(rf"/chats/{room.pk}/$"))
    assert ChatRoom.objects.filter(post=post).count() == 1
