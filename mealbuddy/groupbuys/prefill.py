"""What a new group order's form starts with: values passed in the address (from "이 메뉴로
모집하기" and the category links) and the host's usual pickup spot.

Values from the address are checked by the same form fields a POST goes through; a value
that would not pass is left out (the form starts without it), so a hand-made link never
breaks the page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import QueryDict

from mealbuddy.groupbuys.forms import GroupOrderForm
from mealbuddy.groupbuys.models import GroupOrder

PREFILL_FIELDS = ("title", "category", "restaurant", "pickup_spot", "description")


def usual_pickup_spot(*, user) -> str:
    """The pickup spot of the user's most recent order as host that named one (one query)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return (
        GroupOrder.objects.filter(host=user)
        .exclude(pickup_spot="")
        .order_by("-created_at", "-id")
        .values_list("pickup_spot", flat=True)
        .first()
        or ""
    )


def write_initial(*, query: QueryDict, user) -> dict:
    """The write form's initial values: the address's valid ones, then the usual spot."""
    initial: dict = {}
    for name in PREFILL_FIELDS:
        raw = query.get(name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            value = GroupOrderForm.base_fields[name].clean(raw)
        except ValidationError:
            continue
        if value:
            initial[name] = value
    if "pickup_spot" not in initial:
        spot = usual_pickup_spot(user=user)
        if spot:
            initial["pickup_spot"] = spot
    return initial
