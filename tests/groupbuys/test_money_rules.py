"""Every money rule and job of group orders, through the services: what each step refuses
(code and message), what the jobs move (once), departures, notifications, wallet_check."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from mealbuddy.accounts.services import user_deactivate
from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys import money, services, settlement
from mealbuddy.groupbuys.errors import GroupOrderValidationError, NotEditable
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from mealbuddy.wallet import services as wallet
from mealbuddy.wallet.models import Transfer
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db

Status = GroupOrder.Status


def cash(user) -> int:
    return wallet_summary(user=user)["cash"]


def escrow(order) -> int:
    return wallet.escrow_account(order_ref=order.ledger_ref).balance


def funded(amount: int = 50_000):
    user = UserFactory()
    if amount:
        fund(user, amount)
    return user


def prepaid_order(host, **fields):
    data = dict(
        delivery_fee=3_000,
        min_order_amount=20_000,
        target_count=4,
        payment="prepaid",
        noshow_deposit=1_000,
    )
    data.update(fields)
    return make_order(host, **data)


def join_with(order, user, price: int = 0):
    services.groupbuy_join(group_order_id=order.pk, user=user)
    if price:
        services.item_add(group_order_id=order.pk, user=user, name="메뉴", unit_price=price)


def place(order, host):
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    order.refresh_from_db()
    return order


def refused(call, code: str, text: str = "", field: str | None = None) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    assert text in caught.value.message, caught.value.message
    if field is not None:
        assert caught.value.field == field
    return caught.value


@pytest.fixture
def placed(host):
    """A prepaid order placed with two members (deposit 1,000 each), not yet arrived."""
    order = prepaid_order(host)
    kim, lee = funded(), funded()
    join_with(order, kim, 12_000)
    join_with(order, lee, 9_000)
    place(order, host)
    return order, kim, lee


# --- handoff refusals --------------------------------------------------------------------------


def test_arrived_refusals(host, placed):
    order, kim, _ = placed
    refused(lambda: settlement.groupbuy_arrived(group_order_id=order.pk, user=kim), "not_host")
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    refused(
        lambda: settlement.groupbuy_arrived(group_order_id=order.pk, user=host),
        "not_allowed",
        "이미 도착을 알렸어요",
    )
    recruiting = prepaid_order(host)
    refused(
        lambda: settlement.groupbuy_arrived(group_order_id=recruiting.pk, user=host),
        "not_allowed",
        "주문한 뒤에",
    )


def test_arrived_tells_members_where_to_pick_up(host, placed):
    order, kim, lee = placed
    GroupOrder.objects.filter(pk=order.pk).update(pickup_spot="정문 앞")
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    for member in (kim, lee):
        note = Notification.objects.get(user=member, kind=Notification.Kind.ARRIVED)
        assert "정문 앞" in note.text
    assert not Notification.objects.filter(user=host, kind=Notification.Kind.ARRIVED).exists()


def test_received_refusals(host, placed):
    order, kim, _ = placed
    outsider = funded(0)
    refused(
        lambda: settlement.groupbuy_received(group_order_id=order.pk, user=outsider), "not_member"
    )
    refused(
        lambda: settlement.groupbuy_received(group_order_id=order.pk, user=host),
        "not_allowed",
        "방장은",
    )
    settlement.groupbuy_received(group_order_id=order.pk, user=kim)
    refused(
        lambda: settlement.groupbuy_received(group_order_id=order.pk, user=kim),
        "not_allowed",
        "이미 받았다고",
    )
    recruiting = prepaid_order(host)
    join_with(recruiting, outsider := funded())
    refused(
        lambda: settlement.groupbuy_received(group_order_id=recruiting.pk, user=outsider),
        "not_allowed",
        "주문한 뒤에",
    )


def test_received_refused_after_a_noshow_report(host, placed, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    order, kim, _ = placed
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_noshow(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    refused(
        lambda: settlement.groupbuy_received(group_order_id=order.pk, user=kim),
        "not_allowed",
        "이의 제기",
    )


def test_noshow_refusals_and_timing(host, placed, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 30
    order, kim, lee = placed
    noshow = lambda target: settlement.groupbuy_noshow(  # noqa: E731
        group_order_id=order.pk, user=host, target_user_id=target
    )
    refused(lambda: noshow(kim.pk), "not_allowed", "'도착했어요'를 누른 뒤에")
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    refused(lambda: noshow(kim.pk), "not_allowed", "30분이 지나야")
    refused(lambda: noshow(host.pk), "not_member", field="target_user_id")
    refused(lambda: noshow("x"), "not_member", field="target_user_id")
    refused(
        lambda: settlement.groupbuy_noshow(
            group_order_id=order.pk, user=kim, target_user_id=lee.pk
        ),
        "not_host",
    )
    GroupOrder.objects.filter(pk=order.pk).update(arrived_at=timezone.now() - timedelta(minutes=31))
    settlement.groupbuy_received(group_order_id=order.pk, user=lee)
    refused(lambda: noshow(lee.pk), "not_allowed", "이미 음식을 받은")
    noshow(kim.pk)
    refused(lambda: noshow(kim.pk), "not_allowed", "이미 노쇼로")
    note = Notification.objects.filter(user=kim, kind=Notification.Kind.MONEY).latest("pk")
    assert "이의를 제기하지 않으면" in note.text


def test_a_noshow_that_stood_cannot_be_reported_again(host, settings):
    """The deposit went to the host; a second report must not reopen it (a dispute then
    decided for the member would pay the deposit out of the others' deposits)."""
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    settings.GROUPBUYS_DISPUTE_HOURS = 0
    order = prepaid_order(host)
    kim, lee = funded(), funded()
    join_with(order, kim, 12_000)
    join_with(order, lee, 9_000)
    place(order, host)
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_noshow(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    assert settlement.groupbuys_handoff_due() == 1  # Kim's deposit → host; Lee still waits
    kim_row = Participation.objects.get(group_order=order, user=kim)
    assert kim_row.deposit_state == DepositState.FORFEITED
    refused(
        lambda: settlement.groupbuy_noshow(
            group_order_id=order.pk, user=host, target_user_id=kim.pk
        ),
        "not_allowed",
    )
    assert escrow(order) == 1_000  # Lee's deposit, untouched
    assert ledger_problems() == []


def test_dispute_by_either_side(host, placed, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    order, kim, lee = placed
    dispute = settlement.groupbuy_dispute
    refused(
        lambda: dispute(group_order_id=order.pk, user=kim),
        "not_allowed",
        "노쇼로 신고된 경우에만",
    )
    refused(
        lambda: dispute(group_order_id=order.pk, user=host, target_user_id=kim.pk),
        "not_allowed",
        "'도착했어요'를 누른 뒤에",
    )
    refused(lambda: dispute(group_order_id=order.pk, user=host), "not_member")
    outsider = funded(0)
    refused(lambda: dispute(group_order_id=order.pk, user=outsider), "not_member")
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    # The member against a report.
    settlement.groupbuy_noshow(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    dispute(group_order_id=order.pk, user=kim)
    assert Notification.objects.filter(user=host, text__contains="이의가 제기").exists()
    refused(lambda: dispute(group_order_id=order.pk, user=kim), "not_allowed", "이미 이의를")
    # The host about a member who has not confirmed.
    dispute(group_order_id=order.pk, user=host, target_user_id=lee.pk)
    assert Notification.objects.filter(user=lee, text__contains="이의가 제기").exists()
    # Disputed deposits are left for staff: the handoff job does not touch them.
    GroupOrder.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - timedelta(days=3))
    Participation.objects.filter(group_order=order).update(
        noshow_at=timezone.now() - timedelta(days=3)
    )
    assert settlement.groupbuys_handoff_due() == 0
    assert escrow(order) == 2_000
    # Staff decide: Kim's to the host, Lee's back to Lee; then the order is delivered.
    host_before, lee_before = cash(host), cash(lee)
    kim_row = Participation.objects.get(group_order=order, user=kim)
    lee_row = Participation.objects.get(group_order=order, user=lee)
    settlement.deposit_resolve(participation_id=kim_row.pk, to_host=True)
    refused(
        lambda: settlement.deposit_resolve(participation_id=kim_row.pk, to_host=False),
        "not_allowed",
    )
    settlement.deposit_resolve(participation_id=lee_row.pk, to_host=False)
    assert cash(host) == host_before + 1_000
    assert cash(lee) == lee_before + 1_000
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert escrow(order) == 0
    assert ledger_problems() == []


def test_dispute_needs_a_deposit(host, settings):
    order = prepaid_order(host, noshow_deposit=0)
    kim = funded()
    join_with(order, kim, 25_000)
    place(order, host)
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    refused(
        lambda: settlement.groupbuy_dispute(
            group_order_id=order.pk, user=host, target_user_id=kim.pk
        ),
        "not_allowed",
        "보증금이 없는",
    )


# --- direct settlement -------------------------------------------------------------------------


@pytest.fixture
def direct(host):
    order = make_order(
        host, delivery_fee=3_000, min_order_amount=0, target_count=4, settle_account="국민 123"
    )
    kim, lee = UserFactory(), UserFactory()
    join_with(order, kim, 10_000)
    join_with(order, lee, 8_000)
    return order, kim, lee


def test_sent_and_paid_refusals(host, direct, placed):
    order, kim, lee = direct
    refused(
        lambda: settlement.settlement_sent(group_order_id=order.pk, user=kim),
        "not_allowed",
        "주문한 뒤에",
    )
    refused(
        lambda: settlement.settlement_paid(
            group_order_id=order.pk, user=host, target_user_id=kim.pk
        ),
        "not_allowed",
        "주문한 뒤에",
    )
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    refused(
        lambda: settlement.settlement_sent(group_order_id=order.pk, user=host),
        "not_allowed",
        "방장은",
    )
    refused(
        lambda: settlement.settlement_sent(group_order_id=order.pk, user=UserFactory()),
        "not_member",
    )
    settlement.settlement_sent(group_order_id=order.pk, user=kim)
    assert Notification.objects.filter(user=host, text__contains="보냈다고").count() == 1
    settlement.settlement_sent(group_order_id=order.pk, user=kim)  # again: no second note
    assert Notification.objects.filter(user=host, text__contains="보냈다고").count() == 1
    refused(
        lambda: settlement.settlement_paid(
            group_order_id=order.pk, user=kim, target_user_id=lee.pk
        ),
        "not_host",
    )
    refused(
        lambda: settlement.settlement_paid(
            group_order_id=order.pk, user=host, target_user_id=host.pk
        ),
        "not_member",
        field="target_user_id",
    )
    settlement.settlement_paid(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    refused(
        lambda: settlement.settlement_sent(group_order_id=order.pk, user=kim),
        "not_allowed",
        "이미 입금을 확인",
    )
    settlement.settlement_paid(
        group_order_id=order.pk, user=host, target_user_id=kim.pk, paid=False
    )
    assert Participation.objects.get(group_order=order, user=kim).paid_at is None
    # A prepaid order settles itself.
    prepaid, pkim, _ = placed
    refused(
        lambda: settlement.settlement_sent(group_order_id=prepaid.pk, user=pkim),
        "not_allowed",
        "앱에서 결제한",
    )
    refused(
        lambda: settlement.settlement_paid(
            group_order_id=prepaid.pk, user=prepaid.host, target_user_id=pkim.pk
        ),
        "not_allowed",
        "자동으로",
    )


def test_remind_refusals_and_once_an_hour(host, direct, placed):
    order, kim, lee = direct
    refused(
        lambda: settlement.settlement_remind(group_order_id=order.pk, user=host),
        "not_allowed",
        "주문한 뒤에",
    )
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    refused(lambda: settlement.settlement_remind(group_order_id=order.pk, user=kim), "not_host")
    settlement.settlement_paid(group_order_id=order.pk, user=host, target_user_id=lee.pk)
    assert settlement.settlement_remind(group_order_id=order.pk, user=host) == 1  # Kim only
    note = Notification.objects.filter(user=kim, kind=Notification.Kind.MONEY).latest("pk")
    assert "국민 123" in note.text and "11,000원" in note.text
    assert settlement.settlement_remind(group_order_id=order.pk, user=host) == 0
    prepaid, _, _ = placed
    refused(
        lambda: settlement.settlement_remind(group_order_id=prepaid.pk, user=prepaid.host),
        "not_allowed",
        "앱에서 결제한",
    )


def _image(fmt: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1200), "red").save(buffer, format=fmt)
    return SimpleUploadedFile(f"receipt.{fmt.lower()}", buffer.getvalue())


def test_receipt_is_reencoded_and_a_non_image_refused(host, placed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order, kim, _ = placed
    refused(
        lambda: settlement.receipt_upload(group_order_id=order.pk, user=kim, upload=_image()),
        "not_host",
    )
    junk = SimpleUploadedFile("receipt.jpg", b"not an image at all")
    error = refused(
        lambda: settlement.receipt_upload(group_order_id=order.pk, user=host, upload=junk),
        "invalid_image",
        field="receipt",
    )
    assert error.status_code == 400
    settlement.receipt_upload(group_order_id=order.pk, user=host, upload=_image())
    order.refresh_from_db()
    with Image.open(order.receipt.path) as saved:
        assert max(saved.size) <= settlement.RECEIPT_SIZE
    recruiting = prepaid_order(host)
    refused(
        lambda: settlement.receipt_upload(group_order_id=recruiting.pk, user=host, upload=_image()),
        "not_allowed",
        "주문한 뒤에",
    )


def test_prefs_cap_below_current_share_refused(host):
    order = prepaid_order(host)
    kim = funded()
    join_with(order, kim, 10_000)  # share: 10,000 + 1,500 fee share
    error = refused(
        lambda: services.member_prefs_set(group_order_id=order.pk, user=kim, spending_cap=11_499),
        "invalid",
        "11,500원",
        field="spending_cap",
    )
    assert isinstance(error, GroupOrderValidationError)
    services.member_prefs_set(group_order_id=order.pk, user=kim, spending_cap=11_500)
    refused(
        lambda: services.member_prefs_set(group_order_id=order.pk, user=funded(0), use_points=True),
        "not_member",
    )
    services.item_add(group_order_id=order.pk, user=host, name="호스트", unit_price=10_000)
    place(order, host)
    refused(
        lambda: services.member_prefs_set(group_order_id=order.pk, user=kim, spending_cap=None),
        "not_editable",
    )


# --- jobs --------------------------------------------------------------------------------------


def test_handoff_auto_receives_after_the_window_and_runs_once(host, placed, settings):
    order, kim, lee = placed
    settings.GROUPBUYS_HANDOFF_AUTO_HOURS = 12
    assert settlement.groupbuys_handoff_due() == 0  # just placed
    GroupOrder.objects.filter(pk=order.pk).update(
        ordered_at=timezone.now() - timedelta(hours=11, minutes=59)
    )
    assert settlement.groupbuys_handoff_due() == 0
    GroupOrder.objects.filter(pk=order.pk).update(
        ordered_at=timezone.now() - timedelta(hours=12, minutes=1)
    )
    kim_before, lee_before = cash(kim), cash(lee)
    assert settlement.groupbuys_handoff_due() == 2
    assert settlement.groupbuys_handoff_due() == 0
    assert (cash(kim), cash(lee)) == (kim_before + 1_000, lee_before + 1_000)
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert wallet_summary(user=kim)["points"] == 130  # 1% of 12,000 + 1,000
    assert Notification.objects.filter(user=kim, text__contains="포인트가 적립").exists()
    assert escrow(order) == 0
    assert Transfer.objects.filter(kind="deposit_return", reference=order.ledger_ref).count() == 2
    assert ledger_problems() == []


def test_handoff_forfeits_after_the_dispute_window_only(host, placed, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    settings.GROUPBUYS_DISPUTE_HOURS = 24
    order, kim, lee = placed
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_noshow(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    assert settlement.groupbuys_handoff_due() == 0
    Participation.objects.filter(group_order=order, user=kim).update(
        noshow_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    host_before = cash(host)
    assert settlement.groupbuys_handoff_due() == 1
    assert settlement.groupbuys_handoff_due() == 0
    assert cash(host) == host_before + 1_000
    order.refresh_from_db()
    assert order.status == Status.ORDERED  # Lee has not picked up yet
    settlement.groupbuy_received(group_order_id=order.pk, user=lee)
    order.refresh_from_db()
    assert order.status == Status.DELIVERED
    assert escrow(order) == 0
    assert ledger_problems() == []


@pytest.fixture
def direct_ordered(host, direct):
    order, kim, lee = direct
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    return order, kim, lee


def _reminders(user) -> int:
    return Notification.objects.filter(user=user, text__contains="정산이 남았어요").count()


def test_settlement_reminders_first_then_daily_for_a_week(host, direct_ordered, settings):
    settings.GROUPBUYS_SETTLE_REMIND_MINUTES = 60
    order, kim, lee = direct_ordered
    settlement.settlement_paid(group_order_id=order.pk, user=host, target_user_id=lee.pk)
    assert settlement.groupbuys_settlement_reminders() == 0  # not yet an hour
    GroupOrder.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - timedelta(minutes=61))
    assert settlement.groupbuys_settlement_reminders() == 1
    assert settlement.groupbuys_settlement_reminders() == 0  # not again within a day
    assert (_reminders(kim), _reminders(lee), _reminders(host)) == (1, 0, 0)
    Participation.objects.filter(group_order=order, user=kim).update(
        reminded_at=timezone.now() - timedelta(hours=25)
    )
    assert settlement.groupbuys_settlement_reminders() == 1
    GroupOrder.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - timedelta(days=8))
    Participation.objects.filter(group_order=order, user=kim).update(
        reminded_at=timezone.now() - timedelta(days=2)
    )
    assert settlement.groupbuys_settlement_reminders() == 0  # a week is enough
    assert _reminders(kim) == 2


def test_refunds_due_short_of_minimum_cancels_and_refunds_once(host):
    order = prepaid_order(host)
    kim = funded(30_000)
    join_with(order, kim, 5_000)
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert services.groupbuys_refunds_due() == 1
    assert services.groupbuys_refunds_due() == 0
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert cash(kim) == 30_000
    assert Transfer.objects.filter(kind="refund", reference=order.ledger_ref).count() == 1
    note = Notification.objects.filter(user=kim, kind=Notification.Kind.MONEY).latest("pk")
    assert "돌려드렸어요" in note.text and "7,500원" in note.text  # 5,000 + 1,500 + 1,000


def test_refunds_due_met_minimum_waits_for_the_grace_then_cancels(host, settings):
    settings.GROUPBUYS_PLACE_GRACE_MINUTES = 120
    order = prepaid_order(host)
    kim = funded(30_000)
    join_with(order, kim, 20_000)
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=119))
    assert services.groupbuys_refunds_due() == 0  # met, within the grace: left alone
    order.refresh_from_db()
    assert order.status == Status.RECRUITING
    assert escrow(order) == 22_500
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=121))
    assert services.groupbuys_refunds_due() == 1
    assert services.groupbuys_refunds_due() == 0
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert cash(kim) == 30_000
    assert escrow(order) == 0
    assert ledger_problems() == []


def test_refunds_due_leaves_direct_orders_alone(host):
    order = make_order(host, min_order_amount=50_000)
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(hours=5))
    assert services.groupbuys_refunds_due() == 0
    order.refresh_from_db()
    assert order.status == Status.RECRUITING


# --- departures --------------------------------------------------------------------------------


def _departure_refused(user, code: str, text: str) -> None:
    error = refused(lambda: user_deactivate(user=user, password=DEFAULT_PASSWORD), code, text)
    assert error.status_code == 409
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(DEFAULT_PASSWORD)


def test_departure_refused_while_owing_a_direct_share(host, direct_ordered):
    _, kim, _ = direct_ordered
    _departure_refused(kim, "settlement_pending", "정산이나 수령")


def test_departure_refused_with_a_held_deposit(placed):
    order, kim, _ = placed
    kim_cash = cash(kim)
    row = Participation.objects.get(group_order=order, user=kim)
    assert row.deposit_state == DepositState.HELD
    _departure_refused(kim, "settlement_pending", "정산이나 수령")
    assert cash(kim) == kim_cash


def test_departure_refused_for_the_host_of_a_placed_prepaid_order(host, placed):
    _departure_refused(host, "settlement_pending", "모두 음식을 받은 뒤에")


def test_departure_refused_with_cash_left(host):
    kim = funded(5_000)
    _departure_refused(kim, "wallet_not_empty", "5,000원")


def test_departure_refused_with_money_held_on_an_open_order(host):
    """Leaving on the way out would refund the hold into a wallet about to be closed."""
    order = prepaid_order(host)
    kim = funded(0)
    fund(kim, 2_500)
    join_with(order, kim)  # 1,500 fee share + 1,000 deposit: cash 0, all of it held
    assert cash(kim) == 0
    _departure_refused(kim, "settlement_pending", "2,500원")
    assert escrow(order) == 2_500
    assert ledger_problems() == []


def test_departure_with_nothing_owed_leaves_open_orders_with_refunds(host):
    order = prepaid_order(host, noshow_deposit=0, delivery_fee=0)
    kim = funded(0)
    join_with(order, kim)  # nothing to hold
    user_deactivate(user=kim, password=DEFAULT_PASSWORD)
    kim.refresh_from_db()
    assert not kim.is_active
    assert not Participation.objects.filter(group_order=order, user=kim).exists()


# --- orders that cannot change -----------------------------------------------------------------


def test_a_placed_prepaid_order_cannot_be_deleted(host, placed):
    order, _, _ = placed
    refused(
        lambda: services.groupbuy_delete(group_order_id=order.pk, user=host),
        "not_editable",
        "지울 수 없어요",
    )
    assert GroupOrder.objects.filter(pk=order.pk).exists()


def test_deleting_an_open_prepaid_order_refunds_everyone(host):
    order = prepaid_order(host)
    kim = funded(30_000)
    join_with(order, kim, 4_000)
    services.groupbuy_delete(group_order_id=order.pk, user=host)
    assert cash(kim) == 30_000
    assert escrow(order) == 0
    assert ledger_problems() == []


def test_payment_and_deposit_fixed_once_someone_joined(host):
    order = prepaid_order(host)
    services.groupbuy_update(group_order_id=order.pk, user=host, noshow_deposit=2_000)
    join_with(order, funded())
    for change in ({"payment": "direct", "noshow_deposit": 0}, {"noshow_deposit": 3_000}):
        with pytest.raises(GroupOrderValidationError) as caught:
            services.groupbuy_update(group_order_id=order.pk, user=host, **change)
        errors = caught.value.as_errors()
        assert any("결제 방식과 보증금" in m for ms in errors.values() for m in ms), errors
    order.refresh_from_db()
    assert (order.payment, order.noshow_deposit) == ("prepaid", 2_000)
    # Other details still change.
    services.groupbuy_update(group_order_id=order.pk, user=host, title="새 제목")


# --- notifications -----------------------------------------------------------------------------


def test_leave_ban_cancel_notify_the_refund(host):
    order = prepaid_order(host)
    kim, lee, park = funded(), funded(), funded()
    for user in (kim, lee, park):
        join_with(order, user)
    services.groupbuy_leave(group_order_id=order.pk, user=kim)
    services.groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=lee.pk)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="cancelled")
    for user, why in ((kim, "나가서"), (lee, "내보내서"), (park, "취소되어")):
        note = Notification.objects.filter(user=user, kind=Notification.Kind.MONEY).latest("pk")
        assert why in note.text and "돌려드렸어요" in note.text, note.text
        assert cash(user) == 50_000
    assert ledger_problems() == []


# --- wallet_check and a placing that breaks half-way ------------------------------------------


def test_wallet_check_passes_after_a_journey_and_fails_on_a_cancelled_order_holding(
    host, placed, capsys
):
    order, kim, lee = placed
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_received(group_order_id=order.pk, user=kim)
    settlement.groupbuy_received(group_order_id=order.pk, user=lee)
    call_command("wallet_check")
    assert "장부 이상 없음" in capsys.readouterr().out

    cancelled = prepaid_order(host)
    join_with(cancelled, kim)
    services.groupbuy_status_change(group_order_id=cancelled.pk, user=host, status="cancelled")
    call_command("wallet_check")
    # A bug (or a hand edit) leaves money in the cancelled order's escrow.
    wallet.transfer_execute(
        key="stray",
        kind="hold",
        reference=cancelled.ledger_ref,
        legs=[
            (wallet.user_cash_account(user=kim), -700),
            (wallet.escrow_account(order_ref=cancelled.ledger_ref), 700),
        ],
    )
    with pytest.raises(CommandError) as caught:
        call_command("wallet_check")
    assert caught.value.returncode == 1
    assert f"보관금 {cancelled.ledger_ref}" in str(caught.value)


def test_a_failure_after_the_first_capture_rolls_the_whole_placing_back(host, monkeypatch):
    order = prepaid_order(host)
    kim, lee = funded(), funded()
    join_with(order, kim, 12_000)
    join_with(order, lee, 9_000)
    services.groupbuy_close(group_order_id=order.pk, user=host)
    before = {u.pk: cash(u) for u in (host, kim, lee)}
    transfers = Transfer.objects.count()
    real = wallet.transfer_execute
    captures = []

    def flaky(**kwargs):
        result = real(**kwargs)
        if kwargs["kind"] == "capture":
            captures.append(kwargs["key"])
            raise RuntimeError("the database went away")
        return result

    monkeypatch.setattr(money.wallet, "transfer_execute", flaky)
    with pytest.raises(RuntimeError):
        services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    assert len(captures) == 1
    monkeypatch.undo()
    assert {u.pk: cash(u) for u in (host, kim, lee)} == before
    assert Transfer.objects.count() == transfers
    order.refresh_from_db()
    assert (order.status, order.ordered_at) == (Status.CLOSED, None)
    assert Participation.objects.filter(group_order=order, captured__gt=0).count() == 0
    assert escrow(order) == sum(
        p.held_cash + p.held_points + p.deposit_held
        for p in Participation.objects.filter(group_order=order)
    )
    assert ledger_problems() == []
    # And it can be placed afterwards.
    place(order, host)
    assert order.status == Status.ORDERED


def test_not_editable_once_placed(host, placed):
    order, kim, _ = placed
    with pytest.raises(NotEditable):
        services.item_add(group_order_id=order.pk, user=kim, name="추가", unit_price=1_000)
    with pytest.raises(NotEditable):
        services.groupbuy_leave(group_order_id=order.pk, user=kim)
