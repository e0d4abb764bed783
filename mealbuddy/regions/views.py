"""htmx partials behind the region picker (templates/regions/_picker.html)."""

from __future__ import annotations

import re

from django.shortcuts import render
from django.views.decorators.http import require_GET

from mealbuddy.regions.api import OUTSIDE_KOREA
from mealbuddy.regions.selectors import region_reverse, region_search
from mealbuddy.regions.serializers import (
    SEARCH_QUERY_MAX_LENGTH,
    ReverseQuerySerializer,
)

# The picker's text input name; it is also used to build element ids, so keep it tame.
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,39}$")


def _field_name(request) -> str:
    name = request.GET.get("field", "")
    return name if _FIELD_NAME.match(name) else "address"


@require_GET
def region_search_partial(request):
    """Suggestions for what was typed. The picker's input sends its own value under its
    name (``field`` says which), plain links may send ``q``."""
    field_name = _field_name(request)
    query = request.GET.get("q", request.GET.get(field_name, ""))
    query = query.strip()[:SEARCH_QUERY_MAX_LENGTH]
    regions = region_search(query=query) if query else []
    return render(
        request,
        "regions/_suggestions.html",
        {"regions": regions, "query": query, "field_name": field_name},
    )


@require_GET
def region_reverse_partial(request):
    """The region at the browser's location, as a suggestion the picker selects at once."""
    field_name = _field_name(request)
    params = ReverseQuerySerializer(data=request.GET)
    if not params.is_valid():
        messages = [str(m) for errors in params.errors.values() for m in errors]
        context = {"field_name": field_name, "message": " ".join(messages)}
        return render(request, "regions/_reverse.html", context, status=400)
    region = region_reverse(**params.validated_data)
    context = {"field_name": field_name, "region": region, "message": OUTSIDE_KOREA}
    return render(request, "regions/_reverse.html", context)
