"""동네생활 as two neighbours on phones (390×844) use it: write a question with a photo, find it
by a word, like it and press 궁금해요 (htmx, in place), comment, reply, mark it 해결됨. Every
page passes axe-core's WCAG A/AA checks and the page's CSP; screenshots are kept."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect

from mealbuddy.community.models import Post
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory


def test_community_journey(new_page, tmp_path, assert_accessible, screenshot):
    writer = UserFactory(username="글쓴이")
    neighbour = UserFactory(username="옆집")
    picture = tmp_path / "laundry.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 120, 200)).save(buffer, format="PNG")
    picture.write_bytes(buffer.getvalue())

    page = new_page()
    log_in(page, writer.email)
    page.goto("/community/")
    expect(page.locator("nav.tabbar a[aria-current=page]")).to_contain_text("동네생활")
    page.get_by_role("link", name="+ 글쓰기").click()
    page.get_by_label("질문").check()
    page.get_by_label("제목").fill("늦게까지 하는 세탁소 있을까요?")
    page.get_by_label("내용").fill("퇴근하고 맡기려고요")
    page.get_by_label("사진").set_input_files(str(picture))
    assert_accessible(page)
    page.get_by_role("button", name="글 올리기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("늦게까지 하는 세탁소 있을까요?")
    post = Post.objects.get()
    assert post.photo_count == 1

    other = new_page()
    log_in(other, neighbour.email)
    other.goto("/community/")
    other.get_by_label("검색어").fill("세탁소")
    other.get_by_role("button", name="찾기").click()
    expect(other.locator(".cm-card")).to_have_count(1)
    assert_accessible(other)
    screenshot(other, "board")
    other.reload()
    other.get_by_role("link", name="늦게까지 하는 세탁소 있을까요?").click()
    other.get_by_role("button", name="좋아요 0").click()
    expect(other.get_by_role("button", name="좋아요 1")).to_have_attribute("aria-pressed", "true")
    other.get_by_role("button", name="궁금해요 0").click()
    expect(other.get_by_role("button", name="궁금해요 1")).to_be_visible()
    other.get_by_label("댓글", exact=True).fill("합정역 쪽에 10시까지 하는 곳 있어요")
    other.get_by_role("button", name="댓글 남기기").click()
    expect(other.locator("#cm-comments")).to_contain_text("합정역 쪽에 10시까지")
    expect(other.get_by_role("heading", name="댓글 1")).to_be_visible()

    page.reload()
    page.get_by_text("답글 달기").click()
    page.get_by_label("옆집 님에게 답글").fill("감사해요!")
    page.get_by_role("button", name="답글 남기기").click()
    expect(page.locator(".cm-replies")).to_contain_text("감사해요!")
    page.get_by_role("button", name="해결됐어요").click()
    expect(page.locator("#cm-panel")).to_contain_text("해결 안 됨으로 돌리기")
    page.reload()
    expect(page.locator(".cm-post .cm-solved")).to_have_text("해결됨")
    assert_accessible(page)
    screenshot(page, "post")
