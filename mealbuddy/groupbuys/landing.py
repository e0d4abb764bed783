"""``/`` for a first visit: what 밀버디 is, with the demo neighbourhood's board, read only.

Signed-in people get the board itself (``views.board``) at the same address; a visitor sees
only what any neighbour may see from the street: title, restaurant, category, how many have
joined and the deadline. No host, no email, no pickup spot, no coordinates: the query
loads none of them. Every link that would act goes to the login page with ``next``.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from mealbuddy.accounts.demo import DEMO_USERS
from mealbuddy.groupbuys import views
from mealbuddy.groupbuys.models import GroupOrder, recruiting_q
from mealbuddy.regions.models import Region
from mealbuddy.regions.selectors import region_neighbour_ids

# The demo residents' 동 (서교동): where ``manage.py seed_demo`` puts the sample orders.
SHOWCASE_REGION_CODE = DEMO_USERS[0][2]
SHOWCASE_SIZE = 4
RECENT = timedelta(days=7)  # older orders say nothing about the neighbourhood today

# What a visitor's card may show; nothing else is read from the table.
PUBLIC_FIELDS = (
    "id",
    "title",
    "category",
    "restaurant",
    "member_count",
    "target_count",
    "deadline",
    "status",
    "region__name",
)


def showcase_orders(*, region: Region, limit: int = SHOWCASE_SIZE) -> QuerySet[GroupOrder]:
    """Orders of ``region`` and the 동 bordering it from the last week: still recruiting
    first (closing soonest), then the rest (newest first). One query; only
    ``PUBLIC_FIELDS`` are loaded."""
    now = timezone.now()
    region_ids = [region.pk, *region_neighbour_ids(region=region)]
    is_open = recruiting_q(now)
    return (
        GroupOrder.objects.filter(
            region_id__in=region_ids, deadline__gte=now - RECENT, hidden_at__isnull=True
        )
        .select_related("region")
        .only(*PUBLIC_FIELDS)
        .annotate(
            open_rank=Case(
                When(is_open, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            open_deadline=Case(When(is_open, then=F("deadline")), default=None),
        )
        .order_by("open_rank", "open_deadline", "-created_at", "-id")[:limit]
    )


def login_url(next_path: str) -> str:
    return f"{reverse('accounts:login')}?{urlencode({'next': next_path})}"


def landing(request):
    region = Region.objects.filter(code=SHOWCASE_REGION_CODE).only("id", "code", "name").first()
    orders = list(showcase_orders(region=region)) if region else []
    cards = [
        {"order": o, "url": login_url(reverse("groupbuys:detail", kwargs={"pk": o.pk}))}
        for o in orders
    ]
    context = {
        "region_name": region.name if region else "",
        "cards": cards,
        "signup_url": reverse("accounts:signup"),
        "login_url": login_url(reverse("groupbuys:board")),
        "write_url": login_url(reverse("groupbuys:write")),
    }
    return render(request, "groupbuys/landing.html", context)


def home(request):
    """``/``: the board for signed-in people, the landing page for everyone else."""
    if request.user.is_authenticated:
        return views.board(request)
    if request.htmx:
        # A board filter sent after the session ended: show the landing page whole.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("groupbuys:board")
        return response
    return landing(request)
