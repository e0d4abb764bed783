"""Demo data for `make run` (idempotent): trust's part, after the accounts and group orders."""

from __future__ import annotations

from mealbuddy.accounts.models import User
from mealbuddy.groupbuys.models import GroupOrder

# --- 후기 (reviews.py) ---

REVIEWED_TITLE = "지난주 족발 같이 먹었어요"
# (reviewer, reviewee, 👍?, tags, text): scores other than 36.5 on the board and profiles.
DEMO_REVIEWS = [
    (
        "neighbour@mealbuddy.kr",
        "demo@mealbuddy.kr",
        True,
        ["on_time", "kind"],
        "덕분에 잘 먹었어요!",
    ),
    ("hapjeong@mealbuddy.kr", "demo@mealbuddy.kr", True, ["quick_settle"], ""),
    ("demo@mealbuddy.kr", "neighbour@mealbuddy.kr", True, ["kind"], ""),
    ("hapjeong@mealbuddy.kr", "neighbour@mealbuddy.kr", False, ["unreachable"], "답이 늦었어요."),
]


def _seed_reviews() -> str:
    from mealbuddy.groupbuys import services as groupbuys
    from mealbuddy.trust.reviews import review_create

    users = {u.email: u for u in User.objects.filter(email__endswith="@mealbuddy.kr")}
    host = users.get("demo@mealbuddy.kr")
    members = [users.get("neighbour@mealbuddy.kr"), users.get("hapjeong@mealbuddy.kr")]
    if host is None or None in members:
        return ""
    if GroupOrder.objects.filter(host=host, title=REVIEWED_TITLE).exists():
        return "0 demo reviews created"
    order = groupbuys.groupbuy_create(
        host=host,
        title=REVIEWED_TITLE,
        category="족발,보쌈",
        restaurant="원할머니보쌈 홍대점",
        min_order_amount=30000,
        delivery_fee=4000,
        target_count=3,
        pickup_spot="서교동 주민센터 앞",
    )
    for member in members:
        groupbuys.groupbuy_join(group_order_id=order.pk, user=member)
    groupbuys.groupbuy_close(group_order_id=order.pk, user=host)  # a no-op when already full
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="delivered")
    order.refresh_from_db()
    for reviewer, reviewee, positive, tags, text in DEMO_REVIEWS:
        review_create(
            reviewer=users[reviewer],
            group_order=order,
            reviewee=users[reviewee],
            positive=positive,
            tags=tags,
            text=text,
        )
    return f"{len(DEMO_REVIEWS)} demo reviews created"


def seed() -> str:
    return _seed_reviews()
