"""``{% block_state person as blocked %}``: whether the viewer blocked ``person`` (one query),
for the profile's 차단하기 / 차단 풀기 button."""

from __future__ import annotations

from django import template

from mealbuddy.trust.selectors import blocks_made_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def block_state(context, person) -> bool:
    viewer = context.get("user")
    if viewer is None or not viewer.is_authenticated or person is None:
        return False
    return person.pk in blocks_made_ids(user_id=viewer.pk)
