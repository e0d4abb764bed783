"""Pages: "뭐 먹지?" and the two htmx partials the board loads (weather card, panel)."""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from mealbuddy.recommend.forms import WishForm
from mealbuddy.recommend.selectors import recommendation_for_user, user_weather
from mealbuddy.recommend.serializers import pick_payload
from mealbuddy.recommend.weather import UNAVAILABLE_MESSAGE


def _results(recommendation) -> dict:
    return {
        "picks": [pick_payload(pick) for pick in recommendation.picks],
        "context_chips": recommendation.context.describe(),
        "seed": recommendation.seed,
        "weather_missing": recommendation.context.weather is None,
    }


def _panel_context(request, form: WishForm, *, again: bool = False) -> dict:
    context: dict = {"form": form}
    if form.is_bound and not form.is_valid():
        return context
    data = form.cleaned_data if form.is_bound else {}
    seed = data.get("seed")
    if again:
        seed = secrets.randbelow(2**31)
    recommendation = recommendation_for_user(
        user=request.user, wish=data.get("wish", ""), seed=seed
    )
    context.update(_results(recommendation))
    context["form"] = WishForm(initial={"wish": data.get("wish", ""), "seed": recommendation.seed})
    context["asked"] = form.is_bound
    return context


@login_required
@require_GET
def home(request):
    context = _panel_context(request, WishForm())
    return render(request, "recommend/home.html", context)


@login_required
@require_GET
def weather_card(request):
    weather = user_weather(user=request.user)
    region = request.user.region
    return render(
        request,
        "recommend/_weather_card.html",
        {
            "weather": weather,
            "region_name": region.name if region else "",
            "unavailable_message": UNAVAILABLE_MESSAGE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def panel(request):
    if request.method == "POST":
        form = WishForm(request.POST)
        context = _panel_context(request, form, again=bool(request.POST.get("again")))
        status = 400 if form.errors and not request.htmx else 200
    elif request.htmx:
        # On the board the panel starts as just the question, so the feed stays in view;
        # the picks come when the person asks.
        context = {"form": WishForm()}
        status = 200
    else:
        context = _panel_context(request, WishForm())
        status = 200
    template = "recommend/_panel.html" if request.htmx else "recommend/home.html"
    return render(request, template, context, status=status)
