"""Kakao, Naver and Google: allauth's providers, with endpoints from settings.

allauth's OAuth2 adapters name the providers' real URLs in class attributes; the subclasses
here read them from ``SOCIAL_PROVIDER_URLS`` (the real ones by default, a fake on 127.0.0.1
in tests), and Google's ID token is always checked against the provider's signing keys.

Everything a provider answers is turned into one ``SocialIdentity``; every failure (a
refused or expired code, a provider that is down or answers nonsense) into
``SocialProviderError`` with a Korean message, never an exception that becomes a 500.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

import requests
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialToken
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from allauth.socialaccount.providers.kakao.views import KakaoOAuth2Adapter
from allauth.socialaccount.providers.naver.views import NaverOAuth2Adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from django.conf import settings
from django.core.exceptions import ValidationError

from mealbuddy.accounts.social_adapters import EMAIL_TRUSTED_PROVIDERS
from mealbuddy.core.errors import ApplicationError, NotFound

logger = logging.getLogger(__name__)

PROVIDER_NAMES = {"kakao": "카카오", "naver": "네이버", "google": "구글"}
# The order the buttons appear in.
PROVIDERS = ("kakao", "naver", "google")


class SocialProviderError(ApplicationError):
    code = "social_failed"


def provider_name(provider: str) -> str:
    return PROVIDER_NAMES.get(provider, provider)


def social_providers_enabled() -> list[str]:
    """The providers whose keys are set (settings.SOCIALACCOUNT_PROVIDERS), in button order."""
    configured = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {})
    return [
        name for name in PROVIDERS if (configured.get(name) or {}).get("APP", {}).get("client_id")
    ]


def provider_require(provider: str) -> str:
    """``provider`` if it is switched on; otherwise a 404 (no keys: as if it did not exist)."""
    if provider not in social_providers_enabled():
        raise NotFound("지원하지 않는 로그인 방법이에요.")
    return provider


def provider_url(provider: str, endpoint: str) -> str:
    return settings.SOCIAL_PROVIDER_URLS[provider][endpoint]


@dataclass
class SocialIdentity:
    """Who the provider says this person is."""

    provider: str
    uid: str
    email: str = ""
    # Only Kakao's and Google's own "verified" flags count; Naver's never do.
    email_verified: bool = False
    nickname: str = ""
    extra_data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SocialIdentity:
        return cls(
            provider=str(data["provider"]),
            uid=str(data["uid"]),
            email=str(data.get("email") or ""),
            email_verified=bool(data.get("email_verified")),
            nickname=str(data.get("nickname") or ""),
            extra_data=dict(data.get("extra_data") or {}),
        )


# --- Adapters with configurable endpoints ---------------------------------------------------


class _Endpoints:
    provider_id: str

    @property
    def authorize_url(self) -> str:
        return provider_url(self.provider_id, "authorize")

    @property
    def access_token_url(self) -> str:
        return provider_url(self.provider_id, "token")

    @property
    def profile_url(self) -> str:
        return provider_url(self.provider_id, "profile")


class KakaoAdapter(_Endpoints, KakaoOAuth2Adapter):
    pass


class NaverAdapter(_Endpoints, NaverOAuth2Adapter):
    pass


class GoogleAdapter(_Endpoints, GoogleOAuth2Adapter):
    fetch_userinfo = False

    @property
    def identity_url(self) -> str:
        return provider_url("google", "profile")

    def _decode_id_token(self, app, id_token):
        # allauth skips the signature when the token came straight from the token endpoint
        # (allowed by OIDC); checking it anyway costs one cached-able GET and guards a
        # misdirected token endpoint too.
        return google_id_token_decode(app=app, id_token=id_token)


ADAPTERS = {"kakao": KakaoAdapter, "naver": NaverAdapter, "google": GoogleAdapter}


def google_id_token_decode(*, app, id_token: str) -> dict:
    return jwtkit.verify_and_decode(
        credential=id_token,
        keys_url=provider_url("google", "jwks"),
        issuer=provider_url("google", "issuer"),
        audience=app.client_id,
        lookup_kid=jwtkit.lookup_kid_jwk,
    )


# Providers whose authorization endpoint takes a PKCE challenge (RFC 7636, S256): Kakao and
# Google do; Naver's does not, so it gets none. allauth's providers leave PKCE off by default
# (``pkce_enabled_default``); its switches still win, read the way allauth reads them: the
# SocialApp's ``settings["oauth_pkce_enabled"]``, then the provider's ``OAUTH_PKCE_ENABLED``
# in SOCIALACCOUNT_PROVIDERS.
PKCE_PROVIDERS = frozenset({"kakao", "google"})


def pkce_enabled(*, request, provider: str) -> bool:
    allauth_provider = ADAPTERS[provider](request).get_provider()
    enabled = (allauth_provider.app.settings or {}).get("oauth_pkce_enabled")
    if enabled is None:
        enabled = allauth_provider.get_settings().get(
            "OAUTH_PKCE_ENABLED", provider in PKCE_PROVIDERS
        )
    return bool(enabled)


def pkce_pair(*, request, provider: str) -> tuple[str, str]:
    """``(code_verifier, code_challenge)`` for one browser log-in (S256), or ``("", "")``
    for a provider without PKCE. The verifier stays in our session, the challenge goes to
    the provider: a code stolen on its way back is useless without the verifier."""
    if not pkce_enabled(request=request, provider=provider):
        return "", ""
    pair = generate_code_challenge()
    return pair["code_verifier"], pair["code_challenge"]


def authorize_url(
    *, request, provider: str, redirect_uri: str, state: str, code_challenge: str = ""
) -> str:
    """Where the browser goes to ask the provider for consent (Naver takes no scope), with
    the PKCE challenge when there is one."""
    app = ADAPTERS[provider](request).get_provider().app
    params = {
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
    }
    if code_challenge:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"
    scope = settings.SOCIALACCOUNT_PROVIDERS[provider].get("SCOPE") or []
    if scope:
        params["scope"] = " ".join(scope)
    return f"{provider_url(provider, 'authorize')}?{urlencode(params)}"


# --- Asking the provider who this is ---------------------------------------------------------

_FAILURES = (
    OAuth2Error,
    ProviderException,
    requests.RequestException,
    ValidationError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
)


def _failed(provider: str, *, expired: bool = False) -> SocialProviderError:
    name = provider_name(provider)
    if expired:
        return SocialProviderError(
            f"{name} 로그인을 마치지 못했어요. 인증이 만료됐거나 올바르지 않아요. "
            "처음부터 다시 시도해 주세요.",
            code="social_invalid_grant",
        )
    return SocialProviderError(
        f"{name}에서 정보를 받아오지 못했어요. 잠시 후 다시 시도해 주세요.",
        code="social_failed",
        status_code=502,
    )


def _identity(provider: str, sociallogin) -> SocialIdentity:
    data = sociallogin.account.extra_data or {}
    emails = list(sociallogin.email_addresses or [])
    email = str((emails[0].email if emails else "") or "").strip().lower()
    if len(email) > 254:  # longer than any address here: as if none was shared, never cut
        email, emails = "", []
    verified = bool(emails and emails[0].verified) and provider in EMAIL_TRUSTED_PROVIDERS
    if provider == "kakao" and (data.get("kakao_account") or {}).get("is_email_valid") is False:
        verified = False  # an address Kakao marks as no longer valid (expired, reassigned)
    if provider == "kakao":
        nickname = ((data.get("kakao_account") or {}).get("profile") or {}).get("nickname")
        nickname = nickname or (data.get("properties") or {}).get("nickname")
    elif provider == "naver":
        nickname = data.get("nickname")
    else:
        nickname = data.get("name") or data.get("given_name")
    uid = str(sociallogin.account.uid or "")
    if not uid:
        raise KeyError("uid")
    return SocialIdentity(
        provider=provider,
        uid=uid,
        email=email,
        email_verified=verified,
        nickname=str(nickname or "")[:40],
        extra_data=data,
    )


def identity_from_code(
    *, request, provider: str, code: str, redirect_uri: str, code_verifier: str = ""
) -> SocialIdentity:
    """Trade an authorization code for a token, then ask who it belongs to."""
    adapter = ADAPTERS[provider](request)
    try:
        app = adapter.get_provider().app
        client = OAuth2Client(
            request,
            app.client_id,
            app.secret,
            adapter.access_token_method,
            adapter.access_token_url,
            redirect_uri,
            scope_delimiter=adapter.scope_delimiter,
        )
        try:
            response = client.get_access_token(code, pkce_code_verifier=code_verifier or None)
        except OAuth2Error:
            # The token endpoint answered without a token: invalid_grant (expired, used or
            # forged code), a wrong redirect_uri, ... all the same to the person.
            raise _failed(provider, expired=True) from None
        adapter.did_fetch_access_token = True
        token = adapter.parse_token(response)
        sociallogin = adapter.complete_login(request, app, token, response=response)
    except SocialProviderError:
        raise
    except _FAILURES:
        logger.warning("social login with %s failed", provider, exc_info=True)
        raise _failed(provider) from None
    try:
        return _identity(provider, sociallogin)
    except _FAILURES:
        raise _failed(provider) from None


def identity_from_token(
    *, request, provider: str, access_token: str = "", id_token: str = ""
) -> SocialIdentity:
    """A native app that did the provider's SDK log-in itself sends its token; we ask the
    provider (or check Google's signature) who it belongs to."""
    adapter = ADAPTERS[provider](request)
    try:
        app = adapter.get_provider().app
        if provider == "google" and id_token:
            data = google_id_token_decode(app=app, id_token=id_token)
            sociallogin = adapter.get_provider().sociallogin_from_response(request, data)
        elif access_token:
            token = SocialToken(token=access_token)
            sociallogin = adapter.complete_login(request, app, token, response={})
        else:
            raise _failed(provider, expired=True)
    except SocialProviderError:
        raise
    except OAuth2Error:
        raise _failed(provider, expired=True) from None
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code in (400, 401, 403):
            raise _failed(provider, expired=True) from None
        raise _failed(provider) from None
    except _FAILURES:
        logger.warning("social token check with %s failed", provider, exc_info=True)
        raise _failed(provider) from None
    try:
        return _identity(provider, sociallogin)
    except _FAILURES:
        raise _failed(provider) from None
