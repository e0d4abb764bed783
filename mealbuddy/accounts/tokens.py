"""JWTs for API clients.

Each token carries ``pwd``: a fingerprint of the user's password hash. Changing the password
(or deactivating the account) changes or invalidates it, so every token issued before stops
working, access tokens included, without a per-request blacklist lookup.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac
from rest_framework_simplejwt.tokens import RefreshToken

PASSWORD_CLAIM = "pwd"


def password_fingerprint(user) -> str:
    return salted_hmac("mealbuddy.jwt.pwd", user.password, algorithm="sha256").hexdigest()[:16]


def tokens_for_user(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh[PASSWORD_CLAIM] = password_fingerprint(user)
    access = refresh.access_token
    return {"token": str(access), "refresh": str(refresh)}
