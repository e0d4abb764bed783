"""신뢰 (issue 12) in a real browser (mobile viewport, CSP enforced, production settings): two
neighbours in 서교동 verify their 동 with a granted geolocation, share a "동네인증한 이웃만"
order (the unverified one is sent to verify first), rate each other after delivery; one posts
a rude chat message, the other reports it; a staff user suspends the author from the
moderation queue; the suspended person's open page is refused everywhere it writes."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from mealbuddy.groupbuys import services as groupbuys
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.trust.models import ModerationAction, Report, Standing
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

# Inside 서교동 (11440120, the factories' default region): see tests/trust/test_verification.py.
SEOGYO = {"latitude": 37.553434, "longitude": 126.919538}
RESTRICTED = "이용이 제한된 계정이에요"
REFUSAL = "글쓰기·참여·채팅·후기를 할 수 없어요"


def located_page(new_page):
    """A person whose browser has granted this site their position (in 서교동)."""
    return new_page(geolocation=SEOGYO, permissions=["geolocation"])


def verify_here(page) -> None:
    """On "동네 인증하기": tap the button, the browser gives its position, the page says so."""
    expect(page.get_by_role("heading", name="동네 인증하기")).to_be_visible()
    page.get_by_role("button", name="현재 위치로 인증하기").click()
    success = page.get_by_test_id("verify-success")
    expect(success).to_contain_text("서교동")
    expect(success).to_be_focused()
    expect(page.get_by_test_id("verify-state")).to_contain_text("서교동 인증이")


def write_verified_only_order(page, *, title: str) -> GroupOrder:
    page.goto("/groupbuys/new/?category=치킨")
    page.get_by_label("제목").fill(title)
    page.get_by_label("가게 이름").fill("BBQ 서교점")
    page.get_by_label("최소주문금액 (원)").fill("15000")
    page.get_by_label("배달비 (원)").fill("3000")
    page.get_by_label("모집 인원").fill("3")
    page.get_by_label("수령 장소").fill("서교동 주민센터 앞")
    page.get_by_label("동네인증한 이웃만 참여할 수 있어요").check()
    page.get_by_role("button", name="모집글 올리기").click()
    page.wait_for_url(re.compile(r"/groupbuys/\d+/$"))
    expect(page.get_by_test_id("verified-only")).to_be_visible()
    return GroupOrder.objects.get(title=title)


def rate(page, *, order: GroupOrder, other, tag: str, text: str) -> None:
    """From the order page: "후기 남기기", then 👍 + one tag + a few words for ``other``."""
    page.goto(f"/groupbuys/{order.pk}/")
    page.get_by_role("link", name="후기 남기기").click()
    page.wait_for_url(f"**/groupbuys/{order.pk}/reviews/")
    card = page.locator(f'[data-testid="review-card"][data-user="{other.pk}"]')
    card.get_by_label("좋았어요").check()
    card.get_by_label(tag).check()
    card.get_by_label("하고 싶은 말").fill(text)
    card.get_by_role("button", name=f"{other.display_name} 님에게 후기 보내기").click()
    given = card.get_by_test_id("review-given")
    expect(given).to_contain_text("후기를 보냈어요.")
    expect(given).to_contain_text("좋았어요라고 남겼어요.")


def test_verify_order_review_report_suspend(new_page, assert_accessible, screenshot):
    host = UserFactory(username="방장님")
    neighbour = UserFactory(username="옆집")
    staff = UserFactory(username="운영팀", is_staff=True)
    assert host.region.code == neighbour.region.code == "11440120"

    # 1. The host verifies 서교동 with the browser's position; the badge is beside their name.
    host_page = located_page(new_page)
    log_in(host_page, host.email)
    host_page.goto("/trust/verify/")
    assert_accessible(host_page)
    verify_here(host_page)
    assert_accessible(host_page)
    screenshot(host_page, "verified")

    # 2. A "동네인증한 이웃만" order: the badge on the order page and on the board card.
    order = write_verified_only_order(host_page, title="인증 이웃 치킨")
    assert order.verified_only
    expect(
        host_page.locator("dd", has_text=host.display_name).get_by_test_id("verified-badge")
    ).to_be_visible()
    host_page.goto("/")
    card = host_page.locator("article.gb-card", has_text="인증 이웃 치킨")
    expect(card.get_by_test_id("verified-badge")).to_be_visible()
    expect(card.get_by_test_id("verified-only")).to_be_visible()

    # The unverified neighbour is refused, with the way to verify (and back to the order).
    guest = located_page(new_page)
    log_in(guest, neighbour.email)
    guest.goto(f"/groupbuys/{order.pk}/")
    # The page knows before any tap: no join button, the reason and the way to verify.
    expect(guest.get_by_test_id("join-reason")).to_contain_text("동네인증한 이웃만")
    expect(guest.get_by_test_id("join-refused")).to_have_attribute("data-code", "not_verified")
    expect(guest.get_by_role("button", name=re.compile("참여하기"))).to_have_count(0)
    screenshot(guest, "join-refused-unverified")
    guest.get_by_test_id("verify-link").click()
    guest.wait_for_url(re.compile(r"/trust/verify/\?next="))
    verify_here(guest)
    guest.get_by_role("link", name="주문으로 돌아가기").click()
    guest.wait_for_url(f"**/groupbuys/{order.pk}/")
    guest.get_by_role("button", name=re.compile("참여하기")).click()
    expect(guest.get_by_role("link", name=re.compile("채팅방 가기"))).to_be_visible()
    assert Standing.objects.get(user=neighbour).verified_region_id == neighbour.region_id

    # To delivered: the host's buttons are covered by the order journeys; services here.
    groupbuys.groupbuy_close(group_order_id=order.pk, user=host)
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="delivered")

    # 3. They rate each other; the 매너 점수 moves off 36.5; the words only reach the rated.
    rate(host_page, order=order, other=neighbour, tag="정산이 빨라요", text="정산 빨라서 좋았어요")
    assert_accessible(host_page)
    screenshot(host_page, "reviewed")
    rate(guest, order=order, other=host, tag="친절해요", text="수령 장소 안내가 친절했어요")

    for page, person in ((host_page, neighbour), (guest, host)):
        page.goto(f"/u/{person.pk}/")
        score = page.get_by_test_id("manner-score")
        expect(score).to_have_text(re.compile(r"^\d+\.\d°$"))
        expect(score).not_to_have_text("36.5°")
        expect(page.get_by_test_id("public-profile")).not_to_contain_text("친절했어요")
        expect(page.get_by_test_id("public-profile")).not_to_contain_text("정산 빨라서")
    assert_accessible(host_page)
    screenshot(host_page, "profile")

    guest.goto("/reviews/received/")
    received = guest.get_by_test_id("review-received")
    expect(received).to_have_count(1)
    expect(received).to_contain_text("정산 빨라서 좋았어요")
    expect(guest.locator("main")).not_to_contain_text("수령 장소 안내가 친절했어요")
    assert_accessible(guest)
    host_page.goto("/reviews/received/")
    expect(host_page.get_by_test_id("review-received")).to_contain_text(
        "수령 장소 안내가 친절했어요"
    )

    # Before the sanction: another open order (plain) the neighbour will try to join.
    other = groupbuys.groupbuy_create(
        host=host, title="떡볶이 같이", category="분식", target_count=3
    )

    # 4. The neighbour is rude in the chat; the host reports the message.
    guest.goto(f"/groupbuys/{order.pk}/")
    guest.get_by_role("link", name=re.compile("채팅방 가기")).click()
    guest.wait_for_url(re.compile(r"/chats/\d+/$"))
    guest_room = guest.locator("[data-chat-room]")
    expect(guest_room).to_have_attribute("data-connected", "true")
    rude = "이 바보 멍청이야 다신 같이 안 시켜"
    guest.get_by_label("메시지", exact=True).fill(rude)
    guest.get_by_label("메시지", exact=True).press("Enter")
    expect(guest.locator(".chat-messages li", has_text=rude)).to_be_visible()

    host_page.goto(urlparse(guest.url).path)
    bubble = host_page.locator(".chat-messages li", has_text=rude)
    bubble.get_by_role("link", name=f"{neighbour.username} 님의 메시지 신고하기").click()
    host_page.wait_for_url(re.compile(r"/reports/new/\?message=\d+"))
    expect(host_page.get_by_test_id("report-target")).to_be_visible()
    host_page.get_by_label("욕설").check()
    host_page.get_by_label("자세한 내용 (선택)").fill("채팅에서 욕을 했어요.")
    assert_accessible(host_page)
    host_page.get_by_role("button", name="신고하기").click()
    expect(host_page.get_by_role("status")).to_contain_text("신고")
    screenshot(host_page, "reported")
    report = Report.objects.get(target_user=neighbour)
    assert report.reason == "abuse" and report.snapshot.get("text") == rude

    # 5. Staff: the queue shows the message, the report page suspends for 3 days.
    staff_page = new_page()
    log_in(staff_page, staff.email)
    staff_page.goto("/staff/moderation/")
    entry = staff_page.locator(f'[data-report="{report.pk}"]')
    expect(entry).to_contain_text(rude)
    expect(entry).to_contain_text("욕설")
    assert_accessible(staff_page)
    screenshot(staff_page, "moderation-queue")
    entry.get_by_role("link", name=re.compile(neighbour.display_name)).click()
    staff_page.wait_for_url(f"**/staff/moderation/{report.pk}/")
    expect(staff_page.locator(".moderation-reported")).to_contain_text(rude)
    assert_accessible(staff_page)
    act = staff_page.locator(
        "section.card", has=staff_page.get_by_role("heading", name="이 신고 처리하기")
    )
    act.get_by_label("조치", exact=True).select_option(label="이용 정지")
    act.get_by_label("사유", exact=True).fill("채팅 욕설 (신고 확인)")
    act.get_by_label("정지 기간 (일)").fill("3")
    act.get_by_role("button", name="조치하기").click()
    staff_page.wait_for_url("**/staff/moderation/")
    expect(staff_page.get_by_text("조치를 기록했어요.")).to_be_visible()
    staff_page.goto("/staff/moderation/log/")
    expect(staff_page.locator("main")).to_contain_text("이용 정지")
    expect(staff_page.locator("main")).to_contain_text("채팅 욕설 (신고 확인)")
    screenshot(staff_page, "moderation-log")
    action = ModerationAction.objects.get(kind="suspend", target_user=neighbour)
    assert action.days == 3 and action.staff_id == staff.pk

    # 6. The neighbour's open chat page: the socket is closed and the page says why; sending
    # is refused with the same words.
    status = guest_room.locator("[data-status]")
    expect(status).to_have_text("이용이 제한된 계정이라 지금은 채팅할 수 없어요.")
    expect(guest_room).to_have_attribute("data-connected", "false")
    guest.get_by_label("메시지", exact=True).fill("왜 안 돼")
    guest.get_by_label("메시지", exact=True).press("Enter")
    expect(guest_room.locator("[data-error]")).to_contain_text("이용이 제한된 계정")
    screenshot(guest, "chat-suspended")

    # Any page: the banner; joining another order and writing one are refused.
    guest.goto(f"/groupbuys/{other.pk}/")
    expect(guest.locator("[data-restriction-banner]")).to_contain_text(RESTRICTED)
    join_refused = guest.get_by_test_id("join-refused")
    expect(join_refused).to_have_attribute("data-code", "account_restricted")
    expect(join_refused).to_contain_text(REFUSAL)
    expect(guest.get_by_role("button", name=re.compile("참여하기"))).to_have_count(0)
    screenshot(guest, "join-refused-suspended")
    guest.goto("/groupbuys/new/?category=치킨")
    guest.get_by_label("제목").fill("정지 중에 쓰는 글")
    guest.get_by_label("가게 이름").fill("BBQ 서교점")
    guest.get_by_label("최소주문금액 (원)").fill("15000")
    guest.get_by_label("배달비 (원)").fill("3000")
    guest.get_by_label("모집 인원").fill("3")
    guest.get_by_label("수령 장소").fill("서교동 주민센터 앞")
    guest.get_by_role("button", name="모집글 올리기").click()
    expect(guest.locator("main")).to_contain_text(REFUSAL)
    assert not GroupOrder.objects.filter(title="정지 중에 쓰는 글").exists()
    assert not Participation.objects.filter(group_order=other, user=neighbour).exists()
