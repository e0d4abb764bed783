"""Demo residents of 서교동 and 합정동 (password for all: see DEMO_PASSWORD)."""

from __future__ import annotations

from mealbuddy.accounts.models import Profile, User
from mealbuddy.regions.models import Region

DEMO_PASSWORD = "mealbuddy-demo-1"
DEMO_USERS = [
    ("demo@mealbuddy.kr", "밀버디", "11440120", "서울특별시 마포구 서교동 395-166"),
    ("neighbour@mealbuddy.kr", "옆집이웃", "11440120", "서울특별시 마포구 서교동"),
    ("hapjeong@mealbuddy.kr", "합정주민", "11440122", "서울특별시 마포구 합정동"),
]


def seed() -> str:
    created = 0
    for email, username, code, address in DEMO_USERS:
        region = Region.objects.get(code=code)
        user, was_created = User.objects.get_or_create(
            email=email,
            defaults={
                "username": username,
                "region": region,
                "address": address,
                "lat": region.lat,
                "lon": region.lon,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
        Profile.objects.get_or_create(user=user)
    return f"{created} demo users created (password {DEMO_PASSWORD})"
