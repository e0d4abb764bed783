"""Provider log-in pages: start, callback, the one-page sign-up, linking and unlinking.

The browser flow: a POST from a "카카오로 시작하기" button stores a random ``state`` (and, for
providers that take PKCE, a ``code_verifier`` whose S256 challenge goes along) in the
session and sends the browser to the provider; the provider sends it back to ``callback``
with a code (or an error) and the same state; the code is traded for the person's identity
(social_providers) and social_services decides: log in, sign up, or link with the password.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_POST

from mealbuddy.accounts import services, social_services
from mealbuddy.accounts.social_forms import SocialLinkForm, SocialSignupForm
from mealbuddy.accounts.social_providers import (
    PROVIDER_NAMES,
    SocialIdentity,
    SocialProviderError,
    authorize_url,
    identity_from_code,
    pkce_pair,
    provider_name,
    provider_require,
)
from mealbuddy.accounts.social_selectors import social_connections_for
from mealbuddy.accounts.throttling import write_throttle_check
from mealbuddy.core.errors import ApplicationError, NotFound, RateLimited
from mealbuddy.core.forms import add_service_errors

STATE_KEY = "social_state"
PENDING_KEY = "social_pending"
CONNECT = "connect"
LOGIN = "login"


def _enabled_or_404(provider: str) -> str:
    try:
        return provider_require(provider)
    except NotFound:
        raise Http404 from None


def _callback_url(request, provider: str) -> str:
    return request.build_absolute_uri(reverse("social:callback", args=[provider]))


def _login(request, user) -> None:
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])


def _error(request, message: str, *, status: int = 400, connect: bool = False):
    return render(
        request,
        "accounts/social_error.html",
        {"message": message, "connect": connect},
        status=status,
    )


@require_POST
def social_start(request, provider: str):
    """Send the browser to the provider, remembering a one-time ``state`` for the way back."""
    _enabled_or_404(provider)
    process = CONNECT if request.POST.get("process") == CONNECT else LOGIN
    if process == CONNECT and not request.user.is_authenticated:
        back = reverse("social:connections")
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={back}")
    state = secrets.token_urlsafe(24)
    verifier, challenge = pkce_pair(request=request, provider=provider)
    request.session[STATE_KEY] = {
        "state": state,
        "provider": provider,
        "process": process,
        "code_verifier": verifier,
    }
    return redirect(
        authorize_url(
            request=request,
            provider=provider,
            redirect_uri=_callback_url(request, provider),
            state=state,
            code_challenge=challenge,
        )
    )


def social_callback(request, provider: str):
    _enabled_or_404(provider)
    name = provider_name(provider)
    expected = request.session.pop(STATE_KEY, None)
    state = request.GET.get("state", "")
    if (
        not isinstance(expected, dict)
        or expected.get("provider") != provider
        or not state
        or not constant_time_compare(state, str(expected.get("state", "")))
    ):
        # Not a reply to a log-in this browser started (forged, replayed, or a stale tab).
        return _error(
            request,
            "로그인 요청을 확인할 수 없어요. 만료됐거나 다른 창에서 시작한 요청이에요. "
            "처음부터 다시 시도해 주세요.",
        )
    connect = expected.get("process") == CONNECT and request.user.is_authenticated
    error = request.GET.get("error", "")
    if error:
        if error in ("access_denied", "consent_required", "user_cancelled"):
            messages.info(request, f"{name} 로그인을 취소했어요. 다른 방법으로도 시작할 수 있어요.")
            return redirect("social:connections" if connect else settings.LOGIN_URL)
        return _error(request, f"{name} 로그인에 실패했어요. 다시 시도해 주세요.", connect=connect)
    code = request.GET.get("code", "")
    if not code or len(code) > 2048:
        return _error(request, f"{name} 로그인에 실패했어요. 다시 시도해 주세요.", connect=connect)
    try:
        identity = identity_from_code(
            request=request,
            provider=provider,
            code=code,
            redirect_uri=_callback_url(request, provider),
            code_verifier=str(expected.get("code_verifier") or ""),
        )
        outcome = social_services.social_identity_resolve(
            identity=identity, current_user=request.user if connect else None
        )
    except SocialProviderError as exc:
        return _error(request, exc.message, status=exc.status_code, connect=connect)
    except ApplicationError as exc:
        return _error(request, exc.message, status=exc.status_code, connect=connect)
    if isinstance(outcome, social_services.Linked):
        messages.success(request, f"{name} 계정을 연결했어요.")
        return redirect("social:connections")
    if isinstance(outcome, social_services.LoggedIn):
        _login(request, outcome.user)
        return redirect(settings.LOGIN_REDIRECT_URL)
    if isinstance(outcome, social_services.NeedsPassword):
        request.session[PENDING_KEY] = {
            "kind": "link",
            "identity": identity.as_dict(),
            "user": outcome.user.pk,
        }
        return redirect("social:link")
    request.session[PENDING_KEY] = {"kind": "signup", "identity": identity.as_dict()}
    return redirect("social:signup")


def _pending(request, kind: str) -> dict | None:
    pending = request.session.get(PENDING_KEY)
    if isinstance(pending, dict) and pending.get("kind") == kind:
        return pending
    return None


def social_signup(request):
    """One page: what the provider did not give (nickname, 동, maybe the e-mail)."""
    pending = _pending(request, "signup")
    if pending is None or request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    identity = SocialIdentity.from_dict(pending["identity"])
    ask_email = not identity.email
    status = 200
    if request.method == "POST":
        form = SocialSignupForm(request.POST, ask_email=ask_email)
        if form.is_valid():
            data = form.cleaned_data
            try:
                write_throttle_check(request, scope="signup")
                user = social_services.social_user_register(
                    identity=identity,
                    username=data["username"],
                    address=data["address"],
                    region_id=data["region"],
                    email=data.get("email"),
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                request.session.pop(PENDING_KEY, None)
                _login(request, user)
                messages.success(request, f"{user.username} 님, 밀버디에 오신 걸 환영해요!")
                return redirect(settings.LOGIN_REDIRECT_URL)
        if form.errors and status == 200:
            status = 400
    else:
        nickname = identity.nickname.strip()
        initial = {"username": nickname} if services.USERNAME_RE.match(nickname) else {}
        form = SocialSignupForm(initial=initial, ask_email=ask_email)
    context = {
        "form": form,
        "provider_name": provider_name(identity.provider),
        "email": identity.email,
    }
    return render(request, "accounts/social_signup.html", context, status=status)


def social_link(request):
    """The e-mail's owner logs in with the password; only then is the provider linked."""
    pending = _pending(request, "link")
    if pending is None:
        return redirect(settings.LOGIN_URL)
    identity = SocialIdentity.from_dict(pending["identity"])
    status = 200
    if request.method == "POST":
        form = SocialLinkForm(request.POST)
        if form.is_valid():
            try:
                user = social_services.social_link_with_password(
                    identity=identity,
                    user_id=pending["user"],
                    password=form.cleaned_data["password"],
                    ip=services.client_ip(request),
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                request.session.pop(PENDING_KEY, None)
                _login(request, user)
                messages.success(
                    request,
                    f"{provider_name(identity.provider)} 계정을 연결했어요. "
                    "다음부터는 버튼 하나로 로그인할 수 있어요.",
                )
                return redirect(settings.LOGIN_REDIRECT_URL)
        if form.errors and status == 200:
            status = 400
    else:
        form = SocialLinkForm()
    context = {
        "form": form,
        "provider_name": provider_name(identity.provider),
        "email": identity.email,
        "message": social_services.LINK_NEEDS_PASSWORD,
    }
    response = render(request, "accounts/social_link.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW)
    return response


@login_required
def social_connections(request):
    context = {
        "connections": social_connections_for(user=request.user),
        "provider_names": PROVIDER_NAMES,
    }
    return render(request, "accounts/social_connections.html", context)


@require_POST
@login_required
def social_unlink(request, provider: str):
    if provider not in PROVIDER_NAMES:
        raise Http404
    try:
        social_services.social_account_unlink(user=request.user, provider=provider)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{provider_name(provider)} 연결을 해제했어요.")
    return redirect("social:connections")
