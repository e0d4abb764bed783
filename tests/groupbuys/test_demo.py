import pytest

from mealbuddy.accounts import demo as accounts_demo
from mealbuddy.groupbuys import demo
from mealbuddy.groupbuys.models import GroupOrder, OrderItem


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    accounts_demo.seed()
    assert demo.seed() == "3 demo group orders created"
    assert demo.seed() == "0 demo group orders created"
    assert GroupOrder.objects.count() == 3
    assert OrderItem.objects.count() == 5
    kyochon = GroupOrder.objects.get(title="교촌 허니콤보 같이 시켜요")
    assert kyochon.member_count == 2
