"""Account pages: parse a form, call one service, render (errors go back into the form)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST

from mealbuddy.accounts import services
from mealbuddy.accounts.forms import (
    DeleteForm,
    LoginForm,
    MeForm,
    PasswordForm,
    ProfileForm,
    SignupForm,
)
from mealbuddy.accounts.throttling import write_throttle_check
from mealbuddy.accounts.tokens import WEB_API_SESSION_KEY
from mealbuddy.core.errors import ApplicationError, RateLimited
from mealbuddy.core.forms import add_service_errors
from mealbuddy.core.navigation import next_path


def _render(request, template: str, context: dict, form, status: int = 200):
    if form.errors and status == 200:
        status = 400
    return render(request, template, context, status=status)


def _posted(request):
    """The POST data (even when empty, so an empty submit still shows errors), else None."""
    return request.POST if request.method == "POST" else None


def _next_url(request) -> str:
    return next_path(request, resolve_url(settings.LOGIN_REDIRECT_URL))


def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            write_throttle_check(request, scope="signup")
            user = services.user_register(
                email=data["email"],
                username=data["username"],
                password=data["password1"],
                password2=data["password2"],
                address=data["address"],
                region_id=data["region"],
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            response = _render(request, "accounts/signup.html", {"form": form}, form, 429)
            response["Retry-After"] = str(exc.extra["retry_after"])
            return response
        except ApplicationError as exc:
            add_service_errors(form, exc, rename={"password": "password1"})
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, f"{user.username} 님, 밀버디에 오신 걸 환영해요!")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return _render(request, "accounts/signup.html", {"form": form}, form)


def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(_posted(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_login(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=services.client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, user)
            return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    response = _render(request, "accounts/login.html", context, form, status)
    if status == 429:
        response["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW)
    return response


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        # Tokens this page got from /api/user/current/ end with it.
        services.token_session_end(user=request.user, sid=request.session.get(WEB_API_SESSION_KEY))
    logout(request)
    messages.success(request, "로그아웃했어요.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@require_POST
@login_required
def logout_everywhere(request):
    services.user_logout_everywhere(user=request.user)
    logout(request)
    messages.success(request, "모든 기기에서 로그아웃했어요.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def me(request):
    user = request.user
    if request.method == "POST":
        form = MeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            address = data["address"]
            changed_address = address.strip() != user.address or data["region"] not in (
                None,
                user.region_id,
            )
            try:
                services.user_update(
                    user=user,
                    username=data["username"],
                    address=address if changed_address else None,
                    region_id=data["region"] if changed_address else None,
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "내 정보를 저장했어요.")
                return redirect("accounts:me")
    else:
        form = MeForm(
            initial={"username": user.username, "address": user.address, "region": user.region_id}
        )
    context = {"form": form, "has_password": user.has_usable_password()}
    return _render(request, "accounts/me.html", context, form)


@login_required
def password_change(request):
    """Change the password, or set a first one (an account made through a provider)."""
    has_password = request.user.has_usable_password()
    form = PasswordForm(_posted(request), has_password=has_password)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_change_password(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays logged in
            messages.success(
                request, "비밀번호를 바꿨어요." if has_password else "비밀번호를 만들었어요."
            )
            return redirect("accounts:me")
    context = {"form": form, "has_password": has_password}
    return _render(request, "accounts/password.html", context, form)


@login_required
def delete(request):
    has_password = request.user.has_usable_password()
    form = DeleteForm(_posted(request), has_password=has_password, nickname=request.user.username)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_deactivate(
                user=request.user,
                password=form.cleaned_data.get("password", ""),
                username=form.cleaned_data.get("username"),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            logout(request)
            messages.success(request, "탈퇴했어요. 그동안 밀버디를 써 주셔서 고마워요.")
            return redirect(settings.LOGOUT_REDIRECT_URL)
    context = {"form": form, "has_password": has_password}
    return _render(request, "accounts/delete.html", context, form)


@login_required
def profile(request):
    current = services.profile_ensure(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.profile_update(
                    user=request.user,
                    gender=data["gender"],
                    age_band=data["age_band"],
                    spicy_tolerance=data["spicy_tolerance"],
                    dietary_restrictions=data["dietary_restrictions"],
                    favourite_categories=data["favourite_categories"],
                    avatar=data["avatar"],
                    remove_avatar=data["remove_avatar"],
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "프로필을 저장했어요.")
                return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "gender": current.gender,
                "age_band": current.age_band,
                "spicy_tolerance": current.spicy_tolerance,
                "dietary_restrictions": current.dietary_restrictions,
                "favourite_categories": current.favourite_categories,
            }
        )
    return _render(request, "accounts/profile.html", {"form": form, "profile": current}, form)
