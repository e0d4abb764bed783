"""The money side of group orders over the REST API (issue 10): payment fields, joining with a
hold, /api/groupbuys/<id>/settlement/ and its steps, and the staff admin for deposits."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from mealbuddy.accounts.models import User
from mealbuddy.groupbuys import services, settlement
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.wallet.selectors import ledger_problems
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db


def url(order_or_id, step: str = "") -> str:
    pk = getattr(order_or_id, "pk", order_or_id)
    return f"/api/groupbuys/{pk}/settlement/" + (f"{step}/" if step else "")


def row(body: dict, user) -> dict:
    return next(m for m in body["members"] if m["user"]["id"] == user.pk)


def wallet(user) -> dict:
    response = client_for(user).get("/api/wallet/")
    assert response.status_code == 200
    return response.json()


def post(user, path: str, data=None, **kwargs):
    return client_for(user).post(path, data or {}, format=kwargs.pop("format", "json"), **kwargs)


def neighbour(amount: int = 0):
    user = UserFactory()
    if amount:
        fund(user, amount)
    return user


@pytest.fixture
def prepaid(host):
    return make_order(
        host,
        delivery_fee=3000,
        min_order_amount=20000,
        target_count=3,
        payment="prepaid",
        noshow_deposit=1000,
    )


@pytest.fixture
def placed(prepaid, host):
    """A prepaid order with Kim (13,000) and Lee (10,000), placed by the host."""
    kim, lee = neighbour(50_000), neighbour(50_000)
    for user, price in ((kim, 12_000), (lee, 9_000)):
        services.groupbuy_join(group_order_id=prepaid.pk, user=user)
        services.item_add(group_order_id=prepaid.pk, user=user, name="메뉴", unit_price=price)
    services.groupbuy_status_change(group_order_id=prepaid.pk, user=host, status="ordered")
    return prepaid, kim, lee


@pytest.fixture
def direct(host):
    """A "직접 정산" order with Kim and Lee, placed."""
    order = make_order(
        host, delivery_fee=3000, target_count=4, settle_account="카카오뱅크 3333-01-2345678"
    )
    kim, lee = UserFactory(), UserFactory()
    for user, price in ((kim, 12_000), (lee, 9_000)):
        services.groupbuy_join(group_order_id=order.pk, user=user)
        services.item_add(group_order_id=order.pk, user=user, name="메뉴", unit_price=price)
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    return order, kim, lee


# --- the whole prepaid journey -------------------------------------------------------------------


def test_prepaid_journey_over_the_api(host):
    kim, lee = neighbour(50_000), neighbour(50_000)
    response = post(
        host,
        "/api/groupbuys/",
        {
            "title": "BBQ 같이",
            "category": "치킨",
            "target_count": 3,
            "min_order_amount": 20000,
            "delivery_fee": 3000,
            "payment": "prepaid",
            "noshow_deposit": 1000,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["payment"], body["noshow_deposit"]) == ("prepaid", 1000)
    order_id = body["id"]

    joined = post(kim, f"/api/groupbuys/{order_id}/join/", {"use_points": True})
    assert joined.status_code == 200, joined.json()
    assert Participation.objects.get(group_order_id=order_id, user=kim).use_points is True
    assert post(lee, f"/api/groupbuys/{order_id}/join/").status_code == 200
    for user, price in ((kim, 12_000), (lee, 9_000)):
        item = post(
            user, f"/api/groupbuys/{order_id}/items/", {"name": "치킨", "unit_price": price}
        )
        assert item.status_code == 201, item.json()
    # Held so far: items + fee share (1,000 at three members) + the 1,000 deposit.
    assert wallet(kim)["cash"] == 50_000 - 14_000
    mine = client_for(kim).get(url(order_id)).json()
    assert row(mine, kim)["held"] == 13_000 and row(mine, kim)["deposit"] == 1000
    assert mine["prefs"] == {"spending_cap": None, "use_points": True}

    placed = post(host, f"/api/groupbuys/{order_id}/status/", {"status": "ordered"})
    assert placed.status_code == 200, placed.json()
    assert wallet(host)["cash"] == 23_000
    board = client_for(host).get(url(order_id)).json()
    assert board["status"] == "ordered" and board["is_host"] is True
    assert [m["captured"] for m in board["members"]] == [0, 13_000, 10_000]
    assert all(m["paid"] for m in board["members"])
    assert board["totals"]["unpaid_count"] == 0 and board["totals"]["paid_total"] == 23_000
    assert board["actions"]["arrived"]["allowed"] is True
    assert board["actions"]["received"]["allowed"] is False

    arrived = post(host, url(order_id, "arrived"))
    assert arrived.status_code == 200 and arrived.json()["arrived_at"]
    assert arrived.json()["actions"]["arrived"]["allowed"] is False
    received = post(kim, url(order_id, "received"))
    assert received.status_code == 200, received.json()
    assert row(received.json(), kim)["received"] is True
    assert row(received.json(), kim)["deposit_state"] == DepositState.RETURNED
    assert wallet(kim)["cash"] == 50_000 - 13_000
    last = post(lee, url(order_id, "received")).json()
    assert last["status"] == "delivered"
    assert (wallet(kim)["points"], wallet(lee)["points"]) == (130, 100)
    assert wallet(lee)["cash"] == 50_000 - 10_000
    assert ledger_problems() == []
    call_command("wallet_check")


def test_join_short_of_money_answers_insufficient_funds_with_topup_link(prepaid):
    poor = neighbour(2_000)
    response = post(poor, f"/api/groupbuys/{prepaid.pk}/join/")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "insufficient_funds"
    assert body["missing"] == 500 and body["topup_url"] == "/wallet/?amount=1000"
    assert "충전" in body["errors"]["error"][0]
    assert not Participation.objects.filter(group_order=prepaid, user=poor).exists()


def test_join_use_points_must_be_a_boolean(prepaid):
    response = post(neighbour(50_000), f"/api/groupbuys/{prepaid.pk}/join/", {"use_points": "가"})
    assert response.status_code == 400 and "use_points" in response.json()["errors"]


# --- payment fields on create, update, list and detail --------------------------------------


def test_payment_fields_are_validated_per_field(host):
    response = post(
        host,
        "/api/groupbuys/",
        {
            "title": "피자",
            "category": "피자",
            "target_count": 3,
            "payment": "cash",
            "noshow_deposit": 9000,
            "settle_account": "가" * 101,
        },
    )
    assert response.status_code == 400
    assert {"payment", "noshow_deposit", "settle_account"} <= set(response.json()["errors"])
    direct_deposit = post(
        host,
        "/api/groupbuys/",
        {"title": "피자", "category": "피자", "target_count": 3, "noshow_deposit": 1000},
    )
    assert direct_deposit.status_code == 400
    assert "noshow_deposit" in direct_deposit.json()["errors"]
    bad_type = post(
        host,
        "/api/groupbuys/",
        {"title": "피자", "category": "피자", "target_count": 3, "noshow_deposit": "많이"},
    )
    assert bad_type.status_code == 400 and "noshow_deposit" in bad_type.json()["errors"]


def test_settle_account_only_for_members_and_payment_fixed_once_joined(host):
    order = make_order(host, settle_account="토스뱅크 1000-0000-0000")
    kim, stranger = UserFactory(), UserFactory()
    services.groupbuy_join(group_order_id=order.pk, user=kim)
    detail = f"/api/groupbuys/{order.pk}/"
    assert client_for(kim).get(detail).json()["settle_account"] == "토스뱅크 1000-0000-0000"
    outside = client_for(stranger).get(detail).json()
    assert outside["settle_account"] == "" and outside["payment"] == "direct"
    feed = client_for(stranger).get("/api/groupbuys/").json()["results"]
    card = next(c for c in feed if c["id"] == order.pk)
    assert card["settle_account"] == "" and card["noshow_deposit"] == 0
    feed = client_for(kim).get("/api/groupbuys/").json()["results"]
    mine = next(c for c in feed if c["id"] == order.pk)
    assert mine["settle_account"] == "토스뱅크 1000-0000-0000"

    changed = client_for(host).patch(detail, {"settle_account": "새 계좌"}, format="json")
    assert changed.status_code == 200 and changed.json()["settle_account"] == "새 계좌"
    refused = client_for(host).patch(detail, {"payment": "prepaid"}, format="json")
    assert refused.status_code == 400 and "payment" in refused.json()["errors"]


# --- 직접 정산 -----------------------------------------------------------------------------------


def test_direct_settlement_sent_paid_toggle_and_remind(direct, host):
    order, kim, lee = direct
    kim_view = client_for(kim).get(url(order)).json()
    assert kim_view["settle_account"] == "카카오뱅크 3333-01-2345678"
    assert kim_view["actions"]["sent"]["allowed"] is True
    assert row(kim_view, kim)["total"] == 13_000
    assert row(kim_view, lee)["actions"]["mark_paid"]["code"] == "not_host"

    sent = post(kim, url(order, "sent"))
    assert sent.status_code == 200 and row(sent.json(), kim)["sent"] is True
    assert row(sent.json(), kim)["paid"] is False

    paid = post(host, url(order, "paid"), {"target_user_id": kim.pk})
    assert paid.status_code == 200, paid.json()
    assert row(paid.json(), kim)["paid"] is True
    totals = paid.json()["totals"]
    assert (totals["paid_total"], totals["unpaid_count"]) == (13_000, 1)
    unpaid = post(host, url(order, "paid"), {"target_user_id": kim.pk, "paid": False})
    assert row(unpaid.json(), kim)["paid"] is False
    post(host, url(order, "paid"), {"target_user_id": kim.pk, "paid": "true"})

    reminded = post(host, url(order, "remind"))
    assert reminded.status_code == 200
    assert reminded.json()["reminded"] == 1 and "members" in reminded.json()
    assert post(host, url(order, "remind")).json()["reminded"] == 0  # once an hour each


def test_a_member_cannot_mark_paid_nor_remind(direct):
    order, kim, lee = direct
    response = post(kim, url(order, "paid"), {"target_user_id": lee.pk})
    assert response.status_code == 403 and response.json()["code"] == "not_host"
    assert post(kim, url(order, "remind")).json()["code"] == "not_host"
    assert post(kim, url(order, "arrived")).status_code == 403


def test_prepaid_steps_that_do_not_apply_are_refused(placed, host):
    order, kim, _ = placed
    response = post(kim, url(order, "sent"))
    assert response.status_code == 400 and response.json()["code"] == "not_allowed"
    assert post(host, url(order, "remind")).json()["code"] == "not_allowed"
    too_early = post(kim, url(order, "received"))
    assert too_early.status_code == 200  # received before "도착했어요" is allowed


# --- strangers, unknown ids ----------------------------------------------------------------------


def test_strangers_get_403_and_unknown_orders_404(direct):
    order, kim, _ = direct
    stranger = UserFactory()
    response = client_for(stranger).get(url(order))
    assert response.status_code == 403 and response.json()["code"] == "not_member"
    for step, data in (
        ("paid", {"target_user_id": kim.pk}),
        ("noshow", {"target_user_id": kim.pk}),
        ("received", {}),
        ("sent", {}),
        ("dispute", {}),
        ("prefs", {"use_points": True}),
    ):
        refused = post(stranger, url(order, step), data)
        assert refused.status_code == 403, (step, refused.json())
    assert client_for(stranger).get(url(987654)).status_code == 404
    assert post(stranger, url(987654, "arrived")).status_code == 404
    assert client_for(stranger).get(url(order)).status_code == 403
    assert api_anonymous_status(url(order)) == 401


def api_anonymous_status(path: str) -> int:
    from rest_framework.test import APIClient

    return APIClient().get(path).status_code


def test_a_member_naming_a_stranger_keeps_a_field_error(direct, host):
    order, _, _ = direct
    response = post(host, url(order, "paid"), {"target_user_id": UserFactory().pk})
    assert response.status_code == 400
    assert "target_user_id" in response.json()["errors"]


# --- no-show and disputes ------------------------------------------------------------------------


def test_noshow_and_dispute_rules(placed, host, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    order, kim, lee = placed
    early = post(host, url(order, "noshow"), {"target_user_id": kim.pk})
    assert early.status_code == 400 and early.json()["code"] == "not_allowed"
    assert post(host, url(order, "arrived")).status_code == 200

    no_target = post(host, url(order, "dispute"))
    assert no_target.status_code == 400 and "target_user_id" in no_target.json()["errors"]
    not_reported = post(lee, url(order, "dispute"))
    assert not_reported.status_code == 400 and not_reported.json()["code"] == "not_allowed"

    reported = post(host, url(order, "noshow"), {"target_user_id": lee.pk})
    assert reported.status_code == 200, reported.json()
    assert row(reported.json(), lee)["deposit_state"] == DepositState.NOSHOW
    lee_view = client_for(lee).get(url(order)).json()
    assert lee_view["actions"]["received"]["allowed"] is False
    assert row(lee_view, lee)["actions"]["dispute"]["allowed"] is True
    disputed = post(lee, url(order, "dispute"))
    assert disputed.status_code == 200
    assert row(disputed.json(), lee)["deposit_state"] == DepositState.DISPUTED
    assert row(disputed.json(), lee)["deposit_label"].startswith("이의 제기됨")

    by_host = post(host, url(order, "dispute"), {"target_user_id": kim.pk})
    assert by_host.status_code == 200
    assert row(by_host.json(), kim)["deposit_state"] == DepositState.DISPUTED
    again = post(host, url(order, "dispute"), {"target_user_id": kim.pk})
    assert again.status_code == 400 and again.json()["code"] == "not_allowed"
    assert post(kim, url(order, "noshow"), {"target_user_id": lee.pk}).status_code == 403


# --- bad input is a field error, never a 500 -----------------------------------------------------


@pytest.mark.parametrize(
    ("step", "data", "field"),
    [
        ("noshow", {"target_user_id": "abc"}, "target_user_id"),
        ("noshow", {}, "target_user_id"),
        ("noshow", {"target_user_id": 10**30}, "target_user_id"),
        ("paid", {"target_user_id": "abc"}, "target_user_id"),
        ("paid", {"target_user_id": 1, "paid": "아마"}, "paid"),
        ("dispute", {"target_user_id": "x"}, "target_user_id"),
        ("prefs", {"spending_cap": -1}, "spending_cap"),
        ("prefs", {"spending_cap": "많이"}, "spending_cap"),
        ("prefs", {"spending_cap": 10**30}, "spending_cap"),
        ("prefs", {"use_points": "아마"}, "use_points"),
        ("receipt", {"receipt": "not a file"}, "receipt"),
        ("receipt", {}, "receipt"),
    ],
)
def test_bad_input_is_a_field_error(prepaid, host, step, data, field):
    response = post(host, url(prepaid, step), data)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]


def test_prefs_set_cap_and_points_before_placing(prepaid):
    kim = neighbour(50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    response = post(kim, url(prepaid, "prefs"), {"spending_cap": 15_000})
    assert response.status_code == 200, response.json()
    assert response.json()["prefs"] == {"spending_cap": 15_000, "use_points": False}
    points_only = post(kim, url(prepaid, "prefs"), {"use_points": True}, format="multipart")
    assert points_only.json()["prefs"] == {"spending_cap": 15_000, "use_points": True}
    too_low = post(kim, url(prepaid, "prefs"), {"spending_cap": 100})
    assert too_low.status_code == 400 and "spending_cap" in too_low.json()["errors"]
    cleared = post(kim, url(prepaid, "prefs"), {"spending_cap": None})
    assert cleared.json()["prefs"]["spending_cap"] is None
    capped = post(kim, url(prepaid, "prefs"), {"spending_cap": 5_000})
    assert capped.status_code == 200
    over = post(kim, f"/api/groupbuys/{prepaid.pk}/items/", {"name": "족발", "unit_price": 9_000})
    assert over.status_code == 400 and over.json()["code"] == "spending_cap"


# --- receipt photo ------------------------------------------------------------------------------


def png_upload(name: str = "receipt.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1200), (240, 240, 230)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_receipt_upload_is_reencoded_and_returned(placed, host, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    order, kim, _ = placed
    assert client_for(kim).get(url(order)).json()["receipt_url"] == ""
    response = client_for(host).post(
        url(order, "receipt"), {"receipt": png_upload()}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    receipt_url = response.json()["receipt_url"]
    assert receipt_url.startswith("/media/receipts/") and receipt_url.endswith(".jpg")
    order.refresh_from_db()
    with Image.open(order.receipt.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 1600
    assert client_for(kim).get(url(order)).json()["receipt_url"] == receipt_url
    by_member = client_for(kim).post(
        url(order, "receipt"), {"receipt": png_upload()}, format="multipart"
    )
    assert by_member.status_code == 403


def test_receipt_that_is_not_an_image_is_a_field_error(placed, host, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    order, _, _ = placed
    text = SimpleUploadedFile("receipt.png", b"this is not a photo", content_type="image/png")
    response = client_for(host).post(url(order, "receipt"), {"receipt": text}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_image"
    assert list(response.json()["errors"]) == ["receipt"]
    order.refresh_from_db()
    assert not order.receipt


# --- cost and schema ----------------------------------------------------------------------------


def test_settlement_read_costs_a_fixed_number_of_queries(
    placed, host, django_assert_max_num_queries
):
    order, _, _ = placed
    for _ in range(4):
        extra = neighbour(50_000)
        GroupOrder.objects.filter(pk=order.pk).update(target_count=10)
        Participation.objects.create(group_order=order, user=extra)
    client = client_for(host)
    with django_assert_max_num_queries(4):  # user, order, members, items
        body = client.get(url(order)).json()
    assert len(body["members"]) == 7


def test_settlement_endpoints_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    base = "/api/groupbuys/{id}/settlement/"
    assert schema["paths"][base]["get"]["tags"] == ["공동주문"]
    for step in ("arrived", "received", "noshow", "dispute", "sent", "paid", "remind"):
        operation = schema["paths"][f"{base}{step}/"]["post"]
        assert operation["tags"] == ["공동주문"]
        assert set(operation["responses"]) >= {"200", "400", "403", "404"}
    receipt = schema["paths"][f"{base}receipt/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in receipt
    components = schema["components"]["schemas"]
    assert {"deposit_state", "actions", "paid", "sent"} <= set(
        components["SettlementMemberOut"]["properties"]
    )
    assert "reminded" in components["SettlementRemindOut"]["properties"]
    assert {"payment", "noshow_deposit", "settle_account"} <= set(
        components["GroupOrderOut"]["properties"]
    )
    join = schema["paths"]["/api/groupbuys/{id}/join/"]["post"]
    assert join["requestBody"].get("required") is not True  # the body is optional
    assert "use_points" in components["GroupOrderJoinInputRequest"]["properties"]
    assert {"missing", "topup_url"} <= set(components["GroupOrderJoinRefusedOut"]["properties"])


# --- staff: disputed deposits -------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    staff = User.objects.create_superuser("boss@example.com", "운영자", "관리자-비번-2024")
    client.force_login(staff)
    return client


@pytest.fixture
def disputed(placed, host, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    order, kim, lee = placed
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_dispute(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    settlement.groupbuy_noshow(group_order_id=order.pk, user=host, target_user_id=lee.pk)
    settlement.groupbuy_dispute(group_order_id=order.pk, user=lee)
    return order, kim, lee


def _changelist_action(staff_client, action: str, ids: list[int]):
    return staff_client.post(
        "/admin/groupbuys/participation/",
        {"action": action, "_selected_action": [str(i) for i in ids]},
        follow=True,
    )


def test_admin_lists_orders_and_filters_deposits(staff_client, disputed):
    order, kim, _ = disputed
    orders = staff_client.get("/admin/groupbuys/grouporder/", {"q": order.title})
    assert orders.status_code == 200 and order.title in orders.content.decode()
    page = staff_client.get(f"/admin/groupbuys/grouporder/{order.pk}/change/")
    assert page.status_code == 200
    assert 'name="noshow_deposit"' not in page.content.decode()  # read-only
    rows = staff_client.get("/admin/groupbuys/participation/", {"deposit_state": "disputed"})
    assert rows.status_code == 200
    assert rows.context["cl"].result_count == 2
    assert (
        staff_client.get(
            f"/admin/groupbuys/participation/{Participation.objects.get(user=kim).pk}/change/"
        ).status_code
        == 200
    )


def test_admin_actions_resolve_disputed_deposits(staff_client, disputed, host):
    order, kim, lee = disputed
    host_cash = wallet(host)["cash"]
    kim_part = Participation.objects.get(group_order=order, user=kim)
    lee_part = Participation.objects.get(group_order=order, user=lee)
    host_part = Participation.objects.get(group_order=order, user=host)

    response = _changelist_action(staff_client, "deposit_to_host", [kim_part.pk, host_part.pk])
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("1건" in m for m in messages)
    assert any("이의가 제기된 보증금만" in m for m in messages)  # the host's row is refused
    kim_part.refresh_from_db()
    assert kim_part.deposit_state == DepositState.FORFEITED
    assert wallet(host)["cash"] == host_cash + 1000

    _changelist_action(staff_client, "deposit_to_member", [lee_part.pk])
    lee_part.refresh_from_db()
    assert lee_part.deposit_state == DepositState.RETURNED
    assert wallet(lee)["cash"] == 50_000 - 10_000
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.DELIVERED
    assert ledger_problems() == []


def test_admin_actions_need_staff(client, disputed):
    order, kim, _ = disputed
    client.force_login(kim)
    kim_part = Participation.objects.get(group_order=order, user=kim)
    response = _changelist_action(client, "deposit_to_host", [kim_part.pk])
    kim_part.refresh_from_db()
    assert kim_part.deposit_state == DepositState.DISPUTED
    assert response.redirect_chain and "/admin/login/" in response.redirect_chain[-1][0]


def test_host_disputing_for_a_stranger_is_a_field_error(placed, host):
    order, _, _ = placed
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    response = post(host, url(order, "dispute"), {"target_user_id": UserFactory().pk})
    assert response.status_code == 400
    assert response.json()["code"] == "not_member"
    assert "target_user_id" in response.json()["errors"]
