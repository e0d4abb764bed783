"""The public profile card: what neighbours may know about a person, and nothing more.

Nickname, photo, 동 (never the address or position), the 동네인증 badge, 매너 점수, how many
orders they completed and the tags others gave them most. Never the email. Someone who left
shows as "(탈퇴한 사용자)" with no photo, 동 or badge.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q

from mealbuddy.core.errors import NotFound
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.trust.models import Review, ReviewTag
from mealbuddy.trust.selectors import region_verified, standing_of
from mealbuddy.trust.templatetags.trust_tags import avatar_url_of

TOP_TAGS = 3
# Tags are counted over the newest received reviews (enough to say what people say now).
TAG_WINDOW = 500
NOT_FOUND = "사용자를 찾을 수 없어요."


@dataclass(frozen=True)
class PublicProfile:
    person: object
    active: bool
    name: str
    photo_url: str
    region_name: str
    region_full_name: str
    verified: bool
    manner_score: Decimal
    reviews_received: int
    completed_orders: int
    top_tags: list[tuple[str, str, int]]  # (code, label, count)

    def as_dict(self) -> dict:
        return {
            "id": self.person.pk,
            "nickname": self.name,
            "active": self.active,
            "photo": self.photo_url or None,
            "region": (
                {"name": self.region_name, "full_name": self.region_full_name}
                if self.region_name
                else None
            ),
            "verified": self.verified,
            "manner_score": float(self.manner_score),
            "reviews_received": self.reviews_received,
            "completed_orders": self.completed_orders,
            "top_tags": [
                {"tag": code, "label": label, "count": count}
                for code, label, count in self.top_tags
            ],
        }


def _person(user_id) -> object:
    User = get_user_model()
    if not isinstance(user_id, int) or not 0 < user_id <= 2**31 - 1:
        raise NotFound(NOT_FOUND, code="user_not_found")
    try:
        return User.objects.select_related("profile", "standing", "region").get(pk=user_id)
    except User.DoesNotExist:
        raise NotFound(NOT_FOUND, code="user_not_found") from None


def completed_orders_count(*, user_id: int) -> int:
    """Delivered orders the person hosted or was a member of."""
    return (
        GroupOrder.objects.filter(status=GroupOrder.Status.DELIVERED)
        .filter(Q(host_id=user_id) | Q(participations__user_id=user_id))
        .values("pk")
        .distinct()
        .count()
    )


def top_tags_received(*, user_id: int, limit: int = TOP_TAGS) -> list[tuple[str, str, int]]:
    """The tags most given to the person, most first (ties: the order of ``ReviewTag``)."""
    counts: Counter[str] = Counter()
    rows = (
        Review.objects.filter(reviewee_id=user_id)
        .order_by("-created_at")
        .values_list("tags", flat=True)[:TAG_WINDOW]
    )
    for tags in rows:
        if isinstance(tags, list):
            counts.update({t for t in tags if t in ReviewTag.values})
    order = {code: i for i, code in enumerate(ReviewTag.values)}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0]]))
    return [(code, ReviewTag(code).label, n) for code, n in ranked[:limit]]


def public_profile(*, user_id) -> PublicProfile:
    """The card for ``user_id``; ``NotFound`` (404) when there is no such person.

    Four queries: the person with profile, standing and 동; completed orders; tags.
    """
    person = _person(user_id)
    standing = standing_of(person)
    if not person.is_active:
        return PublicProfile(
            person=person,
            active=False,
            name=person.display_name,
            photo_url="",
            region_name="",
            region_full_name="",
            verified=False,
            manner_score=standing.manner_score,
            reviews_received=standing.reviews_received,
            completed_orders=completed_orders_count(user_id=person.pk),
            top_tags=[],
        )
    region = person.region
    return PublicProfile(
        person=person,
        active=True,
        name=person.display_name,
        photo_url=avatar_url_of(person, large=True),
        region_name=region.name if region else "",
        region_full_name=region.full_name if region else "",
        verified=region_verified(user=person),
        manner_score=standing.manner_score,
        reviews_received=standing.reviews_received,
        completed_orders=completed_orders_count(user_id=person.pk),
        top_tags=top_tags_received(user_id=person.pk),
    )
