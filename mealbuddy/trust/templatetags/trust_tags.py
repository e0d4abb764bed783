"""A person beside their name, the same everywhere: photo, 동네인증 badge, 매너 점수.

The tags read ``user.profile`` and ``user.standing``; lists load them with
``select_related("…__profile", "…__standing")`` so a page costs no query per person. What
the badge says comes from ``trust.selectors.region_verified``, the one rule.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

from mealbuddy.trust.selectors import region_verified, standing_of

register = template.Library()

# The photo size each use shows (px): the files are squares of 96 and 256.
SIZES = {"sm": 28, "md": 36, "lg": 96}


def avatar_url_of(person, *, large: bool = False) -> str:
    """The square photo made at upload for this use ("" without one, or for someone who
    left); a photo uploaded before the sizes existed shows as is."""
    if person is None or not person.is_active:
        return ""
    try:
        profile = person.profile
    except ObjectDoesNotExist:
        return ""
    image = (profile.avatar_large if large else profile.avatar_thumb) or profile.avatar
    return image.url if image else ""


@register.inclusion_tag("trust/_avatar.html")
def avatar(person, size: str = "sm", alt: str = ""):
    """``{% avatar user "md" %}``: the photo, or the first letter of the name. ``alt`` is
    empty by default: the name is written beside it."""
    name = person.display_name if person is not None else "?"
    return {
        "url": avatar_url_of(person, large=size == "lg"),
        "px": SIZES.get(size, SIZES["sm"]),
        "size": size if size in SIZES else "sm",
        "initial": (name or "?")[:1],
        "alt": alt,
    }


@register.inclusion_tag("trust/_badge.html")
def trust_badge(person, score: bool = True):
    """``{% trust_badge user %}``: "인증" when the 동 is verified now, and the 매너 점수."""
    if person is None or not person.is_active:
        return {"show": False}
    return {
        "show": True,
        "verified": region_verified(user=person),
        "score": standing_of(person).manner_score if score else None,
    }
