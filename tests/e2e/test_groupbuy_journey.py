"""Host writes a group order; a neighbour (second browser) finds it, joins, adds items; the
host sees the total and the shares, closes recruitment and marks it ordered."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_groupbuy_journey(new_page):
    host = UserFactory(username="방장님")
    neighbour = UserFactory(username="옆집")

    host_page = new_page()
    log_in(host_page, host.email)
    host_page.goto("/groupbuys/new/?category=치킨")
    expect(host_page.get_by_label("카테고리")).to_have_value("치킨")
    host_page.get_by_label("제목").fill("BBQ 황금올리브 같이")
    host_page.get_by_label("가게 이름").fill("BBQ 서교점")
    host_page.get_by_label("최소주문금액 (원)").fill("20000")
    host_page.get_by_label("배달비 (원)").fill("3000")
    host_page.get_by_label("모집 인원").fill("3")
    host_page.get_by_label("수령 장소").fill("서교동 주민센터 앞")
    host_page.get_by_role("button", name="모집글 올리기").click()
    host_page.wait_for_url(re.compile(r"/groupbuys/\d+/$"))
    expect(host_page.get_by_role("heading", name="BBQ 황금올리브 같이")).to_be_visible()

    guest = new_page()
    log_in(guest, neighbour.email)
    guest.goto("/")
    card = guest.locator("article.gb-card", has_text="BBQ 황금올리브 같이")
    expect(card).to_contain_text("1/3")
    expect(card).to_contain_text("참여하면 배달비 1,500원")
    card.get_by_role("link", name="BBQ 황금올리브 같이").click()
    expect(guest.get_by_test_id("would-be-share")).to_contain_text("1,500원")
    guest.get_by_role("button", name=re.compile("참여하기")).click()
    expect(guest.get_by_role("link", name=re.compile("채팅방 가기"))).to_be_visible()
    guest.locator("#id_name").fill("후라이드")
    guest.locator("#id_unit_price").fill("18000")
    guest.locator("#id_quantity").fill("1")
    guest.get_by_role("button", name="메뉴 추가").click()
    expect(guest.get_by_test_id("my-total")).to_have_text("19,500원")

    host_page.reload()
    expect(host_page.get_by_test_id("items-total")).to_have_text("18,000원")
    expect(host_page.get_by_test_id("fee-share")).to_have_text(["1,500원", "1,500원"])
    expect(host_page.locator("#gb-summary")).to_contain_text("최소주문까지 2,000원 남았어요")
    host_page.get_by_role("button", name="모집 마감하기").click()
    expect(host_page.get_by_test_id("status")).to_have_text("모집마감")
    host_page.get_by_role("button", name="주문 완료로 표시").click()
    expect(host_page.get_by_test_id("status")).to_have_text("주문완료")

    guest.reload()
    expect(guest.get_by_test_id("status")).to_have_text("주문완료")
    expect(guest.get_by_role("button", name="메뉴 추가")).to_have_count(0)
