"""allauth's adapters, set up so that nothing of allauth's own flow replaces ours.

socialaccount needs allauth's ``account`` app installed; its pages are never routed, and
should anything of allauth ask where to send a person, it is to our pages. Provider log-ins
run through ``social_views`` / ``social_api``, which use allauth's providers and models.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import resolve_url

# Naver lets people put any address in their profile without confirming it: never trusted.
EMAIL_TRUSTED_PROVIDERS = frozenset({"kakao", "google"})


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # sign-up is ours (accounts:signup, accounts:social-signup)

    def get_login_redirect_url(self, request):
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_logout_redirect_url(self, request):
        return resolve_url(settings.LOGOUT_REDIRECT_URL)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False

    def is_auto_signup_allowed(self, request, sociallogin):
        return False

    def is_email_verified(self, provider, email):
        return False  # decided per provider in social_providers.identity_from_login
