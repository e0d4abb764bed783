import pytest

from mealbuddy.accounts import demo as accounts_demo
from mealbuddy.groupbuys import demo
from mealbuddy.groupbuys.models import GroupOrder, OrderItem


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    accounts_demo.seed()
    assert demo.seed() == "4 demo group orders created"
    assert demo.seed() == "0 demo group orders created"
    assert GroupOrder.objects.count() == 4
    assert OrderItem.objects.count() == 6
    kyochon = GroupOrder.objects.get(title="교촌 허니콤보 같이 시켜요")
    assert kyochon.member_count == 2


@pytest.mark.django_db
def test_demo_residents_can_try_a_prepaid_order():
    from mealbuddy.accounts.models import User
    from mealbuddy.wallet.selectors import ledger_problems, wallet_summary

    accounts_demo.seed()
    demo.seed()
    demo.seed()
    prepaid = GroupOrder.objects.get(payment=GroupOrder.Payment.PREPAID)
    assert prepaid.member_count == 2
    neighbour = User.objects.get(email="neighbour@mealbuddy.kr")
    # 30,000 once; 10,000 items + 1,500 fee share + 1,000 deposit held.
    assert wallet_summary(user=neighbour)["cash"] == demo.DEMO_WALLET - 12_500
    host = User.objects.get(email="demo@mealbuddy.kr")
    assert wallet_summary(user=host)["cash"] == demo.DEMO_WALLET
    assert ledger_problems() == []
