"""The neighbourhood feed and a post's detail, as the original client asks for them.

One neighbourhood (경기도 성남시 분당구 정자동, kept apart from the other scenarios) with
20 residents and 5,000 group orders (14 categories, mixed statuses and deadlines). With
16 concurrent clients sending ``Authorization: token <jwt>``:

- ``feed_page1``: ``GET /api/post/?page=1``
- ``category_page3``: ``GET /api/post/?category=치킨&page=3``
- ``detail``: ``GET /api/post/detail/<id>/`` over 500 different posts

The targets are ≥ 400 feed/s and ≥ 800 detail/s with p99 < 100 ms. Every answer is
checked: a feed page must list posts, a detail must be the post asked for. ``BENCH_FEED_WORKERS`` (default "2") lists the uvicorn worker counts to try.
"""

from __future__ import annotations

import os
import random
from datetime import timedelta

from bench.common import expect_json

REGION_CODE = "41135103"  # 정자동
USERS = 20
ORDERS = 5000
TITLE = "bench-feed"
TARGETS = {"feed_rps": 400.0, "detail_rps": 800.0, "p99_ms": 100.0}


def _setup():
    from django.db import transaction
    from django.utils import timezone

    from mealbuddy.accounts.models import User
    from mealbuddy.chat.models import ChatRoom
    from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder, Participation
    from mealbuddy.regions.models import Region

    region = Region.objects.get(code=REGION_CODE)
    users = []
    for n in range(USERS):
        user = User.objects.filter(email=f"bench-feed-{n}@example.com").first()
        if user is None:
            user = User.objects.create_user(
                f"bench-feed-{n}@example.com",
                f"bench-feed-{n}",
                "bench-password-2024",
                region=region,
                address=region.full_name,
            )
        users.append(user)
    existing = GroupOrder.objects.filter(region=region, title__startswith=TITLE)
    if existing.count() != ORDERS:
        existing.delete()
        rng = random.Random(42)
        now = timezone.now()
        statuses = [GroupOrder.Status.RECRUITING] * 6 + [
            GroupOrder.Status.CLOSED,
            GroupOrder.Status.ORDERED,
            GroupOrder.Status.DELIVERED,
            GroupOrder.Status.CANCELLED,
        ]
        with transaction.atomic():
            orders = []
            for n in range(ORDERS):
                target = rng.randint(2, 10)
                orders.append(
                    GroupOrder(
                        host=users[n % USERS],
                        title=f"{TITLE} {n} 같이 시켜요",
                        description="배달비 나눠요. " * rng.randint(1, 8),
                        category=CATEGORIES[n % len(CATEGORIES)],
                        restaurant=f"가게 {n % 300}",
                        min_order_amount=rng.choice([0, 12000, 15000, 20000]),
                        delivery_fee=rng.choice([0, 2000, 3000, 4500]),
                        target_count=target,
                        member_count=rng.randint(1, target),
                        deadline=now + timedelta(minutes=rng.randint(-600, 1400)),
                        region=region,
                        status=rng.choice(statuses),
                    )
                )
            GroupOrder.objects.bulk_create(orders, batch_size=500)
            orders = list(existing.order_by("pk"))
            # Spread creation times so "newest first" has a real order to follow.
            for n, order in enumerate(orders):
                order.created_at = now - timedelta(minutes=ORDERS - n)
            GroupOrder.objects.bulk_update(orders, ["created_at"], batch_size=500)
            ChatRoom.objects.bulk_create([ChatRoom(group_order=o) for o in orders], batch_size=500)
            Participation.objects.bulk_create(
                [Participation(group_order=o, user_id=o.host_id) for o in orders],
                batch_size=500,
            )
    ids = list(existing.order_by("-created_at").values_list("pk", flat=True)[:500])
    return users[0], ids


def _meets(result: dict, rps_target: float) -> bool:
    return result.get("rps", 0) >= rps_target and result.get("p99_ms", 1e9) < TARGETS["p99_ms"]


def checks_and_paths(ids: list[int]) -> tuple[dict, dict]:
    """The three measured paths (each a list to cycle through) and how each answer is checked."""
    paths = {
        "feed_page1": ["/api/post/?page=1"],
        "category_page3": ["/api/post/?category=%EC%B9%98%ED%82%A8&page=3"],
        "detail": [f"/api/post/detail/{pk}/" for pk in ids],
    }
    feed_page = expect_json("posts", "paginator", predicate=lambda path, data: data["posts"])
    checks = {
        "feed_page1": feed_page,
        "category_page3": feed_page,
        "detail": expect_json(
            "id", "title", predicate=lambda path, data: path == f"/api/post/detail/{data['id']}/"
        ),
    }
    return paths, checks


def run(ctx) -> dict:
    reader, ids = _setup()
    authorization = ctx.authorization_for(reader)
    paths, checks = checks_and_paths(ids)
    workers_list = [
        int(w) for w in os.environ.get("BENCH_FEED_WORKERS", "2").split(",") if w.strip()
    ]
    result: dict = {"orders": ORDERS, "users": USERS, "targets": TARGETS}
    for workers in workers_list:
        runs: dict = {}
        with ctx.server(workers=workers) as server:
            for name, path_list in paths.items():
                runs[name] = ctx.http_load(
                    server.url,
                    path_list,
                    authorization=authorization,
                    concurrency=16,
                    check=checks[name],
                )
        runs["meets_targets"] = {
            "feed_page1": _meets(runs["feed_page1"], TARGETS["feed_rps"]),
            "category_page3": _meets(runs["category_page3"], TARGETS["feed_rps"]),
            "detail": _meets(runs["detail"], TARGETS["detail_rps"]),
        }
        result[f"{workers}_workers"] = runs
    return result
