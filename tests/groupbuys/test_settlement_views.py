"""The money pages of group orders: the write form's payment fields, the 앱결제 badge, the
prepaid join (what it holds, points first, "충전하기"), the 지갑 page's prefilled top-up, and
the 정산 section with every settlement and handoff action through its page view."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from mealbuddy.groupbuys import services, settlement
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.wallet import services as wallet
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

ACTIONS = ["arrived", "received", "noshow", "dispute", "sent", "paid", "remind", "receipt", "prefs"]


def url(order, action: str) -> str:
    return f"/groupbuys/{order.pk}/settlement/{action}/"


def logged_in(client, user):
    client.force_login(user)
    return client


def section(html: str) -> str:
    """The 정산 section of a page or partial (empty when it is not there)."""
    match = re.search(
        r'<section class="card gb-settlement" id="settlement".*?</section>', html, re.S
    )
    return match.group(0) if match else ""


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def prepaid(host):
    return make_order(
        host,
        delivery_fee=3000,
        min_order_amount=10000,
        target_count=3,
        payment="prepaid",
        noshow_deposit=1000,
    )


@pytest.fixture
def direct(host):
    return make_order(
        host, delivery_fee=3000, target_count=3, settle_account="국민 123-45-6789 김방장"
    )


def member(order, *, cash: int = 50_000, item: int = 0, name: str = ""):
    user = UserFactory(**({"username": name} if name else {}))
    if cash:
        fund(user, cash)
    services.groupbuy_join(group_order_id=order.pk, user=user)
    if item:
        services.item_add(group_order_id=order.pk, user=user, name="치킨", unit_price=item)
    return user


def place(order, host):
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    order.refresh_from_db()
    return order


def png(name: str = "receipt.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 80, 20)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- the write form ---------------------------------------------------------------------------


def deadline_in(hours: int = 2) -> str:
    return timezone.localtime(timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def order_form(**fields) -> dict:
    data = {
        "title": "앱결제 치킨",
        "category": "치킨",
        "min_order_amount": 20000,
        "delivery_fee": 3000,
        "target_count": 3,
        "deadline": deadline_in(),
        "fee_split": "equal",
        "payment": "direct",
        "noshow_deposit": "",
        "settle_account": "",
    }
    data.update(fields)
    return data


def test_form_offers_direct_by_default_with_one_line_explanations(client, user):
    html = logged_in(client, user).get("/groupbuys/new/").content.decode()
    assert re.search(
        r'value="direct" id="id_payment_0" aria-describedby="id_payment_0_help" checked', html
    )
    assert 'value="prepaid" id="id_payment_1" aria-describedby="id_payment_1_help">' in html
    assert "<legend>결제 방식</legend>" in html
    assert '<label for="id_payment_1">앱에서 결제</label>' in html
    assert "참여할 때 부담액이 지갑에 보관되고" in html
    assert '<label for="id_noshow_deposit">노쇼 보증금 (원)</label>' in html
    assert '<label for="id_settle_account">정산 받을 계좌 또는 송금 링크</label>' in html


def test_form_creates_a_prepaid_order_with_a_deposit(client, user):
    response = logged_in(client, user).post(
        "/groupbuys/new/", order_form(payment="prepaid", noshow_deposit=1000)
    )
    order = GroupOrder.objects.get(title="앱결제 치킨")
    assert response.status_code == 302 and response["Location"] == f"/groupbuys/{order.pk}/"
    assert order.payment == "prepaid" and order.noshow_deposit == 1000
    page = client.get(response["Location"]).content.decode()
    assert "앱에서 결제 · 노쇼 보증금 1,000원" in text(page)


def test_form_creates_a_direct_order_with_an_account(client, user):
    logged_in(client, user).post(
        "/groupbuys/new/", order_form(settle_account="https://toss.me/mealbuddy")
    )
    order = GroupOrder.objects.get()
    assert order.payment == "direct" and order.noshow_deposit == 0
    assert order.settle_account == "https://toss.me/mealbuddy"


def test_form_shows_the_services_deposit_errors_next_to_the_field(client, user):
    browser = logged_in(client, user)
    response = browser.post("/groupbuys/new/", order_form(payment="direct", noshow_deposit=1000))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_noshow_deposit_errors"' in html and 'aria-invalid="true"' in html
    assert "노쇼 보증금은 &#x27;앱에서 결제&#x27; 주문에만 받을 수 있어요." in html
    response = browser.post("/groupbuys/new/", order_form(payment="prepaid", noshow_deposit=6000))
    assert response.status_code == 400
    assert "노쇼 보증금은 0~5,000원으로 정해 주세요." in response.content.decode()
    assert not GroupOrder.objects.exists()


def test_edit_refuses_another_payment_once_someone_joined(client, host, prepaid):
    member(prepaid)
    browser = logged_in(client, host)
    initial = browser.get(f"/groupbuys/{prepaid.pk}/edit/").context["form"].initial
    assert initial["payment"] == "prepaid" and initial["noshow_deposit"] == 1000
    data = {k: (v.strftime("%Y-%m-%dT%H:%M") if k == "deadline" else v) for k, v in initial.items()}
    data["payment"] = "direct"
    data["noshow_deposit"] = 0
    response = browser.post(f"/groupbuys/{prepaid.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_payment_errors"' in html
    assert "참여한 사람이 있어 결제 방식과 보증금은 바꿀 수 없어요." in html
    prepaid.refresh_from_db()
    assert prepaid.payment == "prepaid"


# --- the board and the prepaid join ---------------------------------------------------------------


def test_board_shows_an_app_payment_badge_in_words(client, user, prepaid, direct):
    html = logged_in(client, user).get("/").content.decode()
    cards = re.findall(r'<article class="card gb-card.*?</article>', html, re.S)
    assert len(cards) == 2
    badges = ['data-testid="prepaid-badge"' in card and "앱결제" in card for card in cards]
    assert sorted(badges) == [False, True]


def test_visitor_sees_what_joining_holds_now(client, user, prepaid):
    html = logged_in(client, user).get(f"/groupbuys/{prepaid.pk}/").content.decode()
    assert (
        "참여하면 지금 <strong>2,500원</strong>이 보관돼요: 배달비 몫 1,500원 + 보증금 1,000원"
        in html
    )
    assert '<input type="checkbox" id="join-use-points" name="use_points" value="1">' in html
    assert '<label for="join-use-points">포인트 먼저 쓰기</label>' in html
    assert section(html) == ""


def test_direct_order_join_has_no_hold_line(client, user, direct):
    html = logged_in(client, user).get(f"/groupbuys/{direct.pk}/").content.decode()
    assert "보관돼요" not in html and "join-use-points" not in html


def test_join_with_points_first_spends_points(client, user, prepaid):
    fund(user, 10_000)
    wallet.points_award(key="gift", user=user, amount=700)
    panel = logged_in(client, user).post(
        f"/groupbuys/{prepaid.pk}/join/", {"use_points": "1"}, **HTMX
    )
    assert "채팅방 가기" in panel.content.decode()
    participation = Participation.objects.get(group_order=prepaid, user=user)
    assert participation.use_points is True
    assert participation.held_points == 700 and participation.held_cash == 800
    assert participation.deposit_held == 1000
    assert wallet_summary(user=user) == {"cash": 10_000 - 1_800, "points": 0, "payout_pending": 0}


def test_join_short_of_money_shows_a_topup_link(client, user, prepaid):
    fund(user, 1_000)
    browser = logged_in(client, user)
    panel = browser.post(f"/groupbuys/{prepaid.pk}/join/", **HTMX)
    assert panel.status_code == 200
    html = panel.content.decode()
    assert 'data-code="insufficient_funds"' in html
    assert "지갑 잔액이 1,500원 부족해요." in html
    assert '<a class="btn gb-topup" href="/wallet/?amount=1500">충전하기</a>' in html
    assert "참여하기 (" in html  # still a visitor, may try again
    # Without htmx: the page again, with the same message and link, and a 400.
    page = browser.post(f"/groupbuys/{prepaid.pk}/join/")
    assert page.status_code == 400
    assert 'href="/wallet/?amount=1500">충전하기</a>' in page.content.decode()
    assert not Participation.objects.filter(group_order=prepaid, user=user).exists()
    # The link's page offers that amount.
    wallet_page = browser.get("/wallet/?amount=1500").content.decode()
    assert re.search(r'name="amount" value="1500"', wallet_page)
    assert "주문에 필요한 1,500원을 넣어 두었어요." in wallet_page
    # Any whole won may be submitted (a 1,000-won step would make the browser refuse 1,500).
    amount_input = re.search(r'<input[^>]*id="topup_amount"[^>]*>', wallet_page).group(0)
    assert 'step="1"' in amount_input


@pytest.mark.parametrize("raw", ["", "abc", "-5", "0", "1e9", "99999999999999999999999"])
def test_wallet_page_ignores_an_amount_that_is_no_amount(client, user, raw):
    html = logged_in(client, user).get(f"/wallet/?amount={raw}").content.decode()
    assert re.search(r'name="amount" value="10000"', html)
    assert "넣어 두었어요" not in html


# --- who sees the section, who may post -----------------------------------------------------------


def test_non_member_sees_no_section_and_cannot_post_any_action(client, host, prepaid):
    kim = member(prepaid)
    stranger = UserFactory()
    browser = logged_in(client, stranger)
    html = browser.get(f"/groupbuys/{prepaid.pk}/").content.decode()
    assert section(html) == "" and "정산 요청 보내기" not in html
    for action in ACTIONS:
        response = browser.post(url(prepaid, action), {"user_id": kim.pk}, **HTMX)
        assert response.status_code == 403, action
        assert "참여한 사람만 정산할 수 있어요." in response.content.decode()
        assert browser.post(url(GroupOrder(pk=999_999), action)).status_code == 404
    assert browser.get(url(prepaid, "arrived")).status_code == 405
    participation = Participation.objects.get(group_order=prepaid, user=kim)
    assert participation.paid_at is None and participation.deposit_state == DepositState.HELD


def test_anonymous_is_sent_to_login(client, prepaid):
    response = client.post(url(prepaid, "arrived"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- prepaid: holds, placing, handoff ---------------------------------------------------------


def test_prepaid_section_before_placing_shows_holds_and_my_settings(client, host, prepaid):
    kim = member(prepaid, item=12_000, name="김이웃")
    html = section(logged_in(client, kim).get(f"/groupbuys/{prepaid.pk}/").content.decode())
    words = text(html)
    assert "앱에서 결제" in words
    assert "김이웃 (나)" in words
    assert "메뉴 12,000원 + 배달비 1,500원 = 13,500원" in words
    assert "보관 중 13,500원" in words and "보증금 보관 중 1,000원" in words
    assert "각자 부담액은 지갑에서 보관 중이에요." in words
    # Nothing to settle or hand over yet: no such buttons, my settings instead.
    for label in ("도착했어요", "받았어요", "송금했어요", "노쇼 신고", "이의 제기"):
        assert f">{label}<" not in html
    assert '<label for="prefs_spending_cap">내 한도 (원)</label>' in html
    assert '<label for="prefs_use_points">포인트 먼저 쓰기</label>' in html


def test_member_prefs_through_the_page(client, host, prepaid):
    kim = member(prepaid, item=12_000)
    browser = logged_in(client, kim)
    refused = browser.post(url(prepaid, "prefs"), {"spending_cap": "5000"}, **HTMX)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert 'id="prefs_spending_cap_errors"' in html
    assert "지금 부담액(13,500원)보다 낮게 정할 수 없어요." in html
    assert 'id="gb-summary"' in html and 'hx-swap-oob="true"' in html  # summary refreshed too
    bad = browser.post(url(prepaid, "prefs"), {"spending_cap": "많이"}, **HTMX).content.decode()
    assert 'id="prefs_spending_cap_errors"' in bad
    saved = browser.post(
        url(prepaid, "prefs"), {"spending_cap": "20000", "use_points": "on"}, **HTMX
    )
    assert "내 설정을 저장했어요." in saved.content.decode()
    participation = Participation.objects.get(group_order=prepaid, user=kim)
    assert participation.spending_cap == 20_000 and participation.use_points is True
    assert 'value="20000"' in saved.content.decode()
    # Over my own cap: the item is refused (the panel shows the service's message).
    panel = browser.post(
        f"/groupbuys/{prepaid.pk}/items/",
        {"name": "피자", "unit_price": 9000, "quantity": 1},
        **HTMX,
    ).content.decode()
    assert "내가 정한 한도 20,000원을 넘어요" in panel
    # Cleared: no cap.
    browser.post(url(prepaid, "prefs"), {"spending_cap": ""}, **HTMX)
    participation.refresh_from_db()
    assert participation.spending_cap is None and participation.use_points is False


def test_prepaid_handoff_through_the_page(client, host, prepaid):
    kim = member(prepaid, cash=30_000, item=18_000, name="김이웃")
    host_page = logged_in(client, host)
    early = host_page.post(url(prepaid, "arrived"), **HTMX).content.decode()
    assert 'data-testid="settlement-error"' in early
    assert "주문한 뒤에 &#x27;도착했어요&#x27;를 누를 수 있어요." in early

    # The existing status buttons place it (they stay driven by group_order_actions).
    host_page.post(f"/groupbuys/{prepaid.pk}/status/", {"status": "closed"}, **HTMX)
    panel = host_page.post(f"/groupbuys/{prepaid.pk}/status/", {"status": "ordered"}, **HTMX)
    html = section(panel.content.decode())
    assert "앱 결제 완료" in html and "도착했어요" in html
    assert "내 설정" not in html  # the settings are for before placing
    assert wallet_summary(user=host)["cash"] == 19_500

    arrived = host_page.post(url(prepaid, "arrived"), **HTMX).content.decode()
    assert "도착을 알렸어요. 멤버들에게 수령 장소를 보냈어요." in arrived
    assert 'data-testid="arrived-reason">이미 도착을 알렸어요.' in arrived
    again = host_page.post(url(prepaid, "arrived"), **HTMX).content.decode()
    assert "이미 도착을 알렸어요." in text(section(again))
    assert 'role="alert"' in section(again)
    # The host does not tap "받았어요".
    refused = host_page.post(url(prepaid, "received"), **HTMX).content.decode()
    assert "방장은 &#x27;받았어요&#x27;를 누르지 않아요." in refused

    kim_page = logged_in(client, kim)
    page = section(kim_page.get(f"/groupbuys/{prepaid.pk}/").content.decode())
    assert ">받았어요</button>" in page
    received = kim_page.post(url(prepaid, "received"), **HTMX).content.decode()
    assert "받았다고 알렸어요." in received
    assert "모두 음식을 받아 배달이 완료되었어요." in received
    assert 'data-testid="status">배달완료<' in received  # the summary, out of band
    prepaid.refresh_from_db()
    assert prepaid.status == "delivered"
    assert wallet_summary(user=kim) == {"cash": 30_000 - 19_500, "points": 195, "payout_pending": 0}
    assert ledger_problems() == []


def test_noshow_and_disputes_through_the_page(client, host, prepaid, settings):
    kim = member(prepaid, item=6_000, name="김이웃")
    lee = member(prepaid, item=6_000, name="이이웃")
    place(prepaid, host)
    host_page = logged_in(client, host)
    early = host_page.post(url(prepaid, "noshow"), {"user_id": kim.pk}, **HTMX).content.decode()
    assert "&#x27;도착했어요&#x27;를 누른 뒤에 노쇼를 알릴 수 있어요." in early
    settlement.groupbuy_arrived(group_order_id=prepaid.pk, user=host)
    page = section(host_page.get(f"/groupbuys/{prepaid.pk}/").content.decode())
    # Too soon to report: no button, the reason instead (under each member).
    assert ">노쇼 신고<" not in page
    assert "도착을 알리고 30분이 지나야 노쇼로 신고할 수 있어요." in page
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    page = section(host_page.get(f"/groupbuys/{prepaid.pk}/").content.decode())
    assert page.count(">노쇼 신고<") == 2
    reported = host_page.post(url(prepaid, "noshow"), {"user_id": kim.pk}, **HTMX).content.decode()
    assert "노쇼로 신고했어요." in reported and "노쇼 신고됨 1,000원" in text(reported)
    nobody = host_page.post(url(prepaid, "noshow"), {"user_id": "abc"}, **HTMX).content.decode()
    assert "이 주문의 멤버가 아니에요." in nobody

    # Kim cannot tap "받았어요" any more: the reason says what to do; Kim disputes.
    kim_page = logged_in(client, kim)
    page = section(kim_page.get(f"/groupbuys/{prepaid.pk}/").content.decode())
    assert ">받았어요</button>" not in page
    assert "방장이 노쇼로 신고했어요. 받으셨다면 &#x27;이의 제기&#x27;를 해 주세요." in page
    disputed = kim_page.post(url(prepaid, "dispute"), **HTMX).content.decode()
    assert "이의를 제기했어요." in disputed and "이의 제기됨 (운영팀 확인 중)" in disputed
    again = kim_page.post(url(prepaid, "dispute"), **HTMX).content.decode()
    assert "이미 이의를 제기했어요." in again

    # The host disputes Lee's deposit (Lee has not confirmed pickup).
    host_page = logged_in(client, host)
    disputed = host_page.post(url(prepaid, "dispute"), {"user_id": lee.pk}, **HTMX)
    assert "이의를 제기했어요." in disputed.content.decode()
    states = dict(
        Participation.objects.filter(group_order=prepaid).values_list("user_id", "deposit_state")
    )
    assert states[kim.pk] == states[lee.pk] == DepositState.DISPUTED
    # A member cannot report anyone.
    lee_page = logged_in(client, lee)
    refused = lee_page.post(url(prepaid, "noshow"), {"user_id": kim.pk}, **HTMX).content.decode()
    assert "방장만 할 수 있어요." in refused


# --- "직접 정산" ---------------------------------------------------------------------------------


def test_direct_settlement_through_the_page(client, host, direct):
    kim = member(direct, cash=0, item=10_000, name="김이웃")
    lee = member(direct, cash=0, item=8_000, name="이이웃")
    kim_page = logged_in(client, kim)
    page = section(kim_page.get(f"/groupbuys/{direct.pk}/").content.decode())
    assert "국민 123-45-6789 김방장" in page and "직접 정산" in page
    early = kim_page.post(url(direct, "sent"), **HTMX).content.decode()
    assert "주문한 뒤에 정산해요." in early

    place(direct, host)
    page = section(kim_page.get(f"/groupbuys/{direct.pk}/").content.decode())
    assert "정산 전" in page and ">송금했어요</button>" in page
    sent = kim_page.post(url(direct, "sent"), **HTMX).content.decode()
    assert "송금했다고 방장에게 알렸어요." in sent
    assert "송금했다고 알렸어요. 방장이 확인하면" in sent
    refused = kim_page.post(url(direct, "paid"), {"user_id": kim.pk}, **HTMX).content.decode()
    assert "방장만 할 수 있어요." in refused

    host_page = logged_in(client, host)
    page = section(host_page.get(f"/groupbuys/{direct.pk}/").content.decode())
    assert page.count('aria-pressed="false"') == 2
    assert "입금 확인 전 2명이 남았어요." in page
    paid = host_page.post(url(direct, "paid"), {"user_id": kim.pk, "paid": "1"}, **HTMX)
    html = section(paid.content.decode())
    assert "입금을 확인했어요." in html and 'aria-pressed="true"' in html
    assert "입금 확인 전 1명이 남았어요." in html and "받은 돈 11,000원" in text(html)
    reminded = host_page.post(url(direct, "remind"), **HTMX).content.decode()
    assert "1명에게 정산 요청을 보냈어요." in reminded
    again = host_page.post(url(direct, "remind"), **HTMX).content.decode()
    assert "지금 보낼 사람이 없어요." in again
    unpaid = host_page.post(url(direct, "paid"), {"user_id": kim.pk, "paid": "0"}, **HTMX)
    assert "입금 확인을 취소했어요." in unpaid.content.decode()
    assert Participation.objects.get(group_order=direct, user=kim).paid_at is None
    assert Participation.objects.get(group_order=direct, user=lee).reminded_at is not None
    host_paid = host_page.post(url(direct, "paid"), {"user_id": host.pk}, **HTMX)
    assert "이 주문의 멤버가 아니에요." in host_paid.content.decode()


def test_direct_order_without_an_account_says_to_ask(client, host):
    order = make_order(host)
    kim = member(order, cash=0)
    page = section(logged_in(client, kim).get(f"/groupbuys/{order.pk}/").content.decode())
    assert "방장이 아직 적지 않았어요. 채팅방에서 물어봐 주세요." in page


def test_a_pay_link_account_is_a_link(client, host):
    order = make_order(host, settle_account="https://toss.me/mealbuddy")
    kim = member(order, cash=0)
    page = section(logged_in(client, kim).get(f"/groupbuys/{order.pk}/").content.decode())
    assert (
        '<a href="https://toss.me/mealbuddy" rel="nofollow">https://toss.me/mealbuddy</a>' in page
    )


# --- the receipt photo ---------------------------------------------------------------------------


def test_receipt_upload_through_the_page(client, host, direct, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kim = member(direct, cash=0, item=10_000)
    host_page = logged_in(client, host)
    early = host_page.post(url(direct, "receipt"), {"receipt": png()}, **HTMX).content.decode()
    assert "주문한 뒤에 할 수 있어요." in early
    place(direct, host)
    page = section(host_page.get(f"/groupbuys/{direct.pk}/").content.decode())
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="receipt_receipt">영수증 사진</label>' in page
    missing = host_page.post(url(direct, "receipt"), {}, **HTMX).content.decode()
    assert "올릴 사진을 골라 주세요." in missing and 'id="receipt_receipt_errors"' in missing
    bogus = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    bad = host_page.post(url(direct, "receipt"), {"receipt": bogus}, **HTMX).content.decode()
    assert 'id="receipt_receipt_errors"' in bad
    done = host_page.post(url(direct, "receipt"), {"receipt": png()}, **HTMX).content.decode()
    assert "영수증 사진을 올렸어요." in done
    direct.refresh_from_db()
    assert direct.receipt.name.startswith("receipts/")
    assert f'src="{direct.receipt.url}" alt="영수증 사진"' in done
    # Members see it; they cannot upload one.
    kim_page = logged_in(client, kim)
    page = section(kim_page.get(f"/groupbuys/{direct.pk}/").content.decode())
    assert 'alt="영수증 사진"' in page and "영수증 올리기" not in page
    refused = kim_page.post(url(direct, "receipt"), {"receipt": png()}, **HTMX).content.decode()
    assert "방장만 할 수 있어요." in refused


# --- without htmx ----------------------------------------------------------------------------------


def test_without_htmx_actions_redirect_to_the_section_or_show_the_refusal(client, host, direct):
    kim = member(direct, cash=0, item=10_000)
    kim_page = logged_in(client, kim)
    refused = kim_page.post(url(direct, "sent"))
    assert refused.status_code == 400
    assert "주문한 뒤에 정산해요." in section(refused.content.decode())
    place(direct, host)
    done = kim_page.post(url(direct, "sent"))
    assert done.status_code == 302 and done["Location"] == f"/groupbuys/{direct.pk}/#settlement"
    page = kim_page.get(done["Location"]).content.decode()
    assert "송금했다고 방장에게 알렸어요." in page


def test_a_removed_member_posting_is_sent_back(client, host, prepaid):
    kim = member(prepaid)
    services.groupbuy_ban(group_order_id=prepaid.pk, host=host, target_user_id=kim.pk)
    response = logged_in(client, kim).post(url(prepaid, "prefs"), {"spending_cap": ""}, **HTMX)
    assert response.status_code == 403


# --- cost ------------------------------------------------------------------------------------------


def test_order_page_with_the_section_costs_a_fixed_number_of_queries(
    client, host, prepaid, django_assert_max_num_queries
):
    kim = member(prepaid, item=6_000)
    browser = logged_in(client, kim)
    browser.get(f"/groupbuys/{prepaid.pk}/")  # warm caches (neighbours, session)
    with django_assert_max_num_queries(8) as few:
        assert browser.get(f"/groupbuys/{prepaid.pk}/").status_code == 200
    member(prepaid, item=7_000)
    services.item_add(group_order_id=prepaid.pk, user=kim, name="콜라", unit_price=2_000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = browser.get(f"/groupbuys/{prepaid.pk}/").content.decode()
    assert section(html).count('class="gb-settle-row"') == 3
