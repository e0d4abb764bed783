"""Demo group orders around 서교동 for `make run` (idempotent: matched by host and title)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mealbuddy.accounts.models import User
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_create, groupbuy_join, item_add
from mealbuddy.wallet.services import topup_credit

DEMO_ORDERS = [
    {
        "host": "demo@mealbuddy.kr",
        "title": "교촌 허니콤보 같이 시켜요",
        "category": "치킨",
        "restaurant": "교촌치킨 홍대점",
        "min_order_amount": 20000,
        "delivery_fee": 4000,
        "target_count": 3,
        "hours": 2,
        "pickup_spot": "서교동 주민센터 앞",
        "description": "7시쯤 주문할게요. 반반도 괜찮아요!",
        "members": ["neighbour@mealbuddy.kr"],
        "items": {
            "demo@mealbuddy.kr": [("허니콤보", 23000, 1)],
            "neighbour@mealbuddy.kr": [("레드윙", 21000, 1), ("콜라 1.25L", 2500, 1)],
        },
    },
    {
        "host": "neighbour@mealbuddy.kr",
        "title": "엽떡 오리지널 나눠 먹어요",
        "category": "분식",
        "restaurant": "동대문엽기떡볶이 합정점",
        "min_order_amount": 16000,
        "delivery_fee": 3000,
        "target_count": 4,
        "hours": 3,
        "pickup_spot": "합정역 7번 출구",
        "fee_split": GroupOrder.FeeSplit.PROPORTIONAL,
        "members": ["hapjeong@mealbuddy.kr"],
        "items": {"hapjeong@mealbuddy.kr": [("주먹김밥", 3000, 2)]},
    },
    {
        "host": "hapjeong@mealbuddy.kr",
        "title": "마라탕 최소주문 채워요",
        "category": "아시안",
        "restaurant": "라화쿵부 합정점",
        "min_order_amount": 25000,
        "delivery_fee": 3500,
        "target_count": 2,
        "hours": 1,
        "members": [],
        "items": {"hapjeong@mealbuddy.kr": [("마라탕", 12000, 1)]},
    },
    {
        "host": "demo@mealbuddy.kr",
        "title": "뿌링클 앱결제로 모여요",
        "category": "치킨",
        "restaurant": "BHC 서교점",
        "min_order_amount": 18000,
        "delivery_fee": 3000,
        "target_count": 3,
        "hours": 3,
        "pickup_spot": "서교동 주민센터 앞",
        "description": "앱에서 결제해요. 참여하면 부담액이 지갑에서 보관되고 주문할 때 정산돼요.",
        "payment": GroupOrder.Payment.PREPAID,
        "noshow_deposit": 1000,
        "settle_account": "",
        "members": ["neighbour@mealbuddy.kr"],
        "items": {"neighbour@mealbuddy.kr": [("뿌링클 반마리", 10000, 1)]},
    },
]

# Every demo resident starts with this much in the 지갑 (a top-up through the test provider,
# once: the key is fixed), so a prepaid order can be tried at once.
DEMO_WALLET = 30_000


def seed() -> str:
    users = {u.email: u for u in User.objects.filter(email__endswith="@mealbuddy.kr")}
    for email, user in sorted(users.items()):
        topup_credit(key=f"demo-topup:{email}", user=user, provider="test", amount=DEMO_WALLET)
    created = 0
    for spec in DEMO_ORDERS:
        host = users.get(spec["host"])
        if host is None or GroupOrder.objects.filter(host=host, title=spec["title"]).exists():
            continue
        order = groupbuy_create(
            host=host,
            title=spec["title"],
            category=spec["category"],
            restaurant=spec["restaurant"],
            min_order_amount=spec["min_order_amount"],
            delivery_fee=spec["delivery_fee"],
            target_count=spec["target_count"],
            deadline=timezone.now() + timedelta(hours=spec["hours"]),
            pickup_spot=spec.get("pickup_spot", ""),
            description=spec.get("description", ""),
            fee_split=spec.get("fee_split", GroupOrder.FeeSplit.EQUAL),
            payment=spec.get("payment", GroupOrder.Payment.DIRECT),
            noshow_deposit=spec.get("noshow_deposit", 0),
        )
        for email in spec["members"]:
            groupbuy_join(group_order_id=order.pk, user=users[email])
        for email, lines in spec["items"].items():
            for name, price, quantity in lines:
                item_add(
                    group_order_id=order.pk,
                    user=users[email],
                    name=name,
                    unit_price=price,
                    quantity=quantity,
                )
        created += 1
    return f"{created} demo group orders created"
