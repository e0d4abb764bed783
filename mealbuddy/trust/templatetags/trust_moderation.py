"""The banner every page shows to a suspended or banned person (templates/base.html)."""

from __future__ import annotations

from django import template

from mealbuddy.trust.selectors import restriction_active, restriction_message, standing_of

register = template.Library()


@register.simple_tag
def restriction_notice(user) -> str:
    """Why ``user`` may not post, join, chat or review now (and until when), or "".

    Reads the standing the login loaded with the user (``accounts.backends``): no query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    standing = standing_of(user)
    if not restriction_active(standing=standing):
        return ""
    return restriction_message(standing=standing)
