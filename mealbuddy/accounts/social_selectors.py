"""Reads for the provider log-ins: which providers a user has linked, and what they may do."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount

from mealbuddy.accounts.models import User
from mealbuddy.accounts.social_providers import PROVIDERS, provider_name, social_providers_enabled


def social_connections_for(*, user: User) -> list[dict]:
    """One row per provider that is switched on or linked: linked or not, and whether this
    user may unlink it (never their last way to log in)."""
    linked = set(SocialAccount.objects.filter(user=user).values_list("provider", flat=True))
    enabled = set(social_providers_enabled())
    last_way = not user.has_usable_password() and len(linked) <= 1
    return [
        {
            "id": provider,
            "name": provider_name(provider),
            "linked": provider in linked,
            "can_link": provider in enabled and provider not in linked,
            "can_unlink": provider in linked and not last_way,
        }
        for provider in PROVIDERS
        if provider in linked or provider in enabled
    ]


def social_buttons() -> list[dict]:
    """The "…로 시작하기" buttons of the log-in and sign-up pages: switched-on providers only."""
    return [{"id": p, "name": provider_name(p)} for p in social_providers_enabled()]
