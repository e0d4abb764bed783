"""A suspended or banned person cannot post, join, add items, chat or review — through REST,
the pages, the original client's API or the socket — but can still leave, settle up and log
out; the pages say why and until when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mealbuddy.chat.models import Message
from mealbuddy.groupbuys import services
from mealbuddy.groupbuys.models import GroupOrder, OrderItem, Participation
from mealbuddy.trust.errors import AccountRestricted
from mealbuddy.trust.models import ModerationAction, Standing
from mealbuddy.trust.moderation import moderation_act
from mealbuddy.trust.selectors import restriction_check
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db

RESTRICTED = "글쓰기·참여·채팅·후기를 할 수 없어요"


def suspend(user, days: int = 3) -> None:
    staff = UserFactory(is_staff=True)
    moderation_act(staff=staff, kind="suspend", target_user=user, reason="욕설 반복", days=days)


def ban(user) -> None:
    staff = UserFactory(is_staff=True)
    moderation_act(staff=staff, kind="ban", target_user=user, reason="사기")


@pytest.fixture
def host(db):
    return UserFactory(username="방장")


@pytest.fixture
def order(host):
    return make_order(host, delivery_fee=3000, min_order_amount=20000)


@pytest.fixture
def member(order):
    guest = UserFactory(username="손님")
    services.groupbuy_join(group_order_id=order.pk, user=guest)
    return guest


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the one check -------------------------------------------------------------------------


def test_restriction_check_names_the_end_of_a_suspension_and_says_so_for_a_ban(user):
    restriction_check(user=user)  # nothing recorded: free
    suspend(user, days=3)
    with pytest.raises(AccountRestricted) as caught:
        restriction_check(user=user)
    until = timezone.localtime(Standing.objects.get(user=user).restricted_until)
    assert f"{until.month}월 {until.day}일" in caught.value.message
    assert caught.value.status_code == 403 and caught.value.code == "account_restricted"
    other = UserFactory()
    ban(other)
    with pytest.raises(AccountRestricted, match="영구 정지"):
        restriction_check(user=other)


def test_a_suspension_past_its_end_no_longer_bites_even_before_the_job_runs(user):
    Standing.objects.create(
        user=user,
        restriction=Standing.Restriction.SUSPENDED,
        restricted_until=timezone.now() - timedelta(minutes=1),
    )
    restriction_check(user=user)  # no raise


def test_the_review_contract_is_the_same_check(user):
    # The review service is another part's; it calls restriction_check like every write.
    suspend(user)
    with pytest.raises(AccountRestricted):
        restriction_check(user=user)


# --- REST -----------------------------------------------------------------------------------


def test_rest_create_join_item_and_chat_are_refused_with_403(order, member):
    outsider = UserFactory()
    suspend(outsider)
    suspend(member)
    api = client_for(outsider)
    created = api.post(
        "/api/groupbuys/",
        {"title": "피자 같이", "category": "피자", "target_count": 3},
        format="json",
    )
    assert created.status_code == 403
    assert created.json()["code"] == "account_restricted"
    assert RESTRICTED in created.json()["errors"]["error"][0]
    joined = api.post(f"/api/groupbuys/{order.pk}/join/")
    assert joined.status_code == 403 and joined.json()["code"] == "account_restricted"

    guest_api = client_for(member)
    item = guest_api.post(
        f"/api/groupbuys/{order.pk}/items/",
        {"name": "치킨", "unit_price": 18000, "quantity": 1},
        format="json",
    )
    assert item.status_code == 403 and item.json()["code"] == "account_restricted"
    chat = guest_api.post(
        f"/api/chats/{order.chat_room.pk}/messages/", {"message": "안녕"}, format="json"
    )
    assert chat.status_code == 403 and chat.json()["code"] == "account_restricted"

    assert GroupOrder.objects.count() == 1
    assert not Participation.objects.filter(user=outsider).exists()
    assert not OrderItem.objects.exists()
    assert not Message.objects.filter(kind="text").exists()


def test_rest_edit_of_own_order_and_item_change_are_refused(order, host, member):
    line = services.item_add(group_order_id=order.pk, user=member, name="치킨", unit_price=18000)
    suspend(host)
    suspend(member)
    edit = client_for(host).patch(f"/api/groupbuys/{order.pk}/", {"title": "바꿔요"}, format="json")
    assert edit.status_code == 403
    change = client_for(member).patch(
        f"/api/groupbuys/items/{line.pk}/", {"quantity": 3}, format="json"
    )
    assert change.status_code == 403
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.title == "치킨 같이 시켜요" and line.quantity == 1


def test_a_lifted_suspension_lets_them_join_again(order):
    guest = UserFactory()
    suspend(guest)
    assert client_for(guest).post(f"/api/groupbuys/{order.pk}/join/").status_code == 403
    staff = UserFactory(is_staff=True)
    moderation_act(staff=staff, kind="lift", target_user=guest, reason="소명 확인")
    assert client_for(guest).post(f"/api/groupbuys/{order.pk}/join/").status_code in (200, 201)


# --- what stays possible ------------------------------------------------------------------


def test_leaving_settling_and_logging_out_still_work(host, order, member):
    other = UserFactory()
    services.groupbuy_join(group_order_id=order.pk, user=other)
    suspend(other)
    assert client_for(other).post(f"/api/groupbuys/{order.pk}/leave/").status_code < 300
    assert not Participation.objects.filter(group_order=order, user=other).exists()

    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="closed")
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    suspend(member)
    suspend(host)
    sent = client_for(member).post(f"/api/groupbuys/{order.pk}/settlement/sent/")
    assert sent.status_code == 200, sent.json()
    paid = client_for(host).post(
        f"/api/groupbuys/{order.pk}/settlement/paid/",
        {"target_user_id": member.pk, "paid": True},
        format="json",
    )
    assert paid.status_code == 200, paid.json()
    assert Participation.objects.get(group_order=order, user=member).paid_at is not None

    page = browser(member)
    assert page.post("/accounts/logout/").status_code == 302


# --- pages ----------------------------------------------------------------------------------


def test_page_forms_show_the_refusal_and_change_nothing(order, member):
    outsider = UserFactory()
    suspend(outsider)
    page = browser(outsider)
    deadline = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    write = page.post(
        "/groupbuys/new/",
        {
            "title": "피자 같이",
            "category": "피자",
            "min_order_amount": 0,
            "delivery_fee": 0,
            "target_count": 3,
            "deadline": deadline,
            "fee_split": "equal",
            "payment": "direct",
            "noshow_deposit": 0,
        },
    )
    assert write.status_code == 400
    assert RESTRICTED in write.content.decode()
    join = page.post(f"/groupbuys/{order.pk}/join/")
    assert join.status_code == 403 and RESTRICTED in join.content.decode()

    suspend(member)
    item = browser(member).post(
        f"/groupbuys/{order.pk}/items/", {"name": "치킨", "unit_price": 18000, "quantity": 1}
    )
    assert item.status_code == 400 and RESTRICTED in item.content.decode()
    assert GroupOrder.objects.count() == 1 and not OrderItem.objects.exists()
    assert not Participation.objects.filter(user=outsider).exists()


def test_every_page_shows_the_banner_while_restricted_and_not_after(order, user):
    page = browser(user)
    assert "data-restriction-banner" not in page.get("/").content.decode()
    suspend(user)
    board = page.get("/").content.decode()
    assert "data-restriction-banner" in board and "이용이 제한된 계정이에요" in board
    assert "data-restriction-banner" in page.get(f"/groupbuys/{order.pk}/").content.decode()
    Standing.objects.filter(user=user).update(restricted_until=timezone.now())
    assert "data-restriction-banner" not in page.get("/").content.decode()


def test_the_banner_costs_no_query(user, django_assert_num_queries):
    from mealbuddy.accounts.backends import EmailBackend

    suspend(user)
    loaded = EmailBackend().get_user(user.pk)
    from mealbuddy.trust.templatetags.trust_moderation import restriction_notice

    with django_assert_num_queries(0):
        assert RESTRICTED in restriction_notice(loaded)


# --- the original client's API -------------------------------------------------------------


def test_compat_write_and_join_answer_in_the_contracts_error_shapes(order):
    guest = UserFactory()
    suspend(guest)
    api = client_for(guest)
    write = api.post(
        "/api/post/write/",
        {"title": "피자", "category": "피자", "target_number": 3, "content": "같이요"},
        format="json",
    )
    assert write.status_code == 403
    assert RESTRICTED in write.json()["errors"]["error"][0]
    join = api.post(f"/api/chat/{order.chat_room.pk}/")
    # The contract: a 400 whose body is a JSON string the client shows in alert().
    assert join.status_code == 400
    assert isinstance(join.json(), str) and RESTRICTED in join.json()
    assert GroupOrder.objects.count() == 1
    assert not Participation.objects.filter(user=guest).exists()


def test_compat_edit_of_own_post_is_refused(order, host):
    ban(host)
    response = client_for(host).post(
        f"/api/post/detail/{order.pk}/edit/", {"title": "바꿔요"}, format="json"
    )
    assert response.status_code == 403
    assert "영구 정지" in response.json()["errors"]["error"][0]


def test_audit_rows_for_the_sanctions_above(user):
    suspend(user, days=7)
    row = ModerationAction.objects.get(kind="suspend")
    assert row.target_user == user and row.days == 7 and row.reason == "욕설 반복"


def test_the_order_offers_no_join_items_or_edit_while_restricted_and_says_why(order, member, host):
    outsider = UserFactory()
    suspend(outsider)
    suspend(member)
    suspend(host)
    seen = client_for(outsider).get(f"/api/groupbuys/{order.pk}/").json()["actions"]
    assert seen["join"]["allowed"] is False and seen["join"]["code"] == "account_restricted"
    mine = client_for(member).get(f"/api/groupbuys/{order.pk}/").json()["actions"]
    assert mine["items"]["code"] == "account_restricted"
    assert mine["leave"]["allowed"] is True  # leaving stays possible
    hosting = client_for(host).get(f"/api/groupbuys/{order.pk}/").json()["actions"]
    assert hosting["edit"]["code"] == "account_restricted"
    # The original client's payload carries the same answer; the page says why.
    compat = client_for(outsider).get(f"/api/post/detail/{order.pk}/").json()
    assert compat["permissions"]["join"]["code"] == "account_restricted"
    page = browser(outsider).get(f"/groupbuys/{order.pk}/").content.decode()
    assert RESTRICTED in page
