"""Provider log-ins: who a provider's identity is here, sign-up, linking and unlinking.

The rules, in one place for the pages and the API:

- an identity already linked logs its user in;
- a new identity whose e-mail belongs to an account is linked only after that account's
  password is given (``social_link_with_password``), and only when Kakao or Google vouch for
  the address; anything else with a taken e-mail is refused, never merged silently;
- otherwise the person signs up, giving only what the provider did not (nickname, 동, and
  the e-mail when the provider shared none); the account has no usable password;
- a user never unlinks their last way to log in.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.socialaccount.models import SocialAccount
from django.core import signing
from django.db import IntegrityError, transaction

from mealbuddy.accounts import services
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.models import Profile, User
from mealbuddy.accounts.services import (
    _clean_email,
    _clean_username,
    _normalise_address,
    _resolve_into,
)
from mealbuddy.accounts.social_providers import SocialIdentity, provider_name
from mealbuddy.core.errors import ApplicationError, Conflict, PermissionDenied

# What the pages and the API say when a verified e-mail meets an existing account.
LINK_NEEDS_PASSWORD = "이미 가입한 이메일이에요. 비밀번호로 로그인하면 연결돼요."
# A signed identity handed to API clients between two calls lives this long (seconds).
TOKEN_MAX_AGE = 600
_SIGNUP_SALT = "mealbuddy.social.signup"
_LINK_SALT = "mealbuddy.social.link"


@dataclass
class LoggedIn:
    user: User


@dataclass
class NeedsSignup:
    identity: SocialIdentity


@dataclass
class NeedsPassword:
    identity: SocialIdentity
    user: User


@dataclass
class Linked:
    user: User


def _email_taken_message(identity: SocialIdentity) -> str:
    return (
        "이 이메일로 가입한 계정이 있어요. 비밀번호로 로그인한 뒤 "
        f"'내 정보 → 연결된 계정'에서 {provider_name(identity.provider)} 계정을 연결해 주세요."
    )


def social_identity_resolve(*, identity: SocialIdentity, current_user: User | None = None):
    """What a provider's identity means here (no change is made, except a link asked for by a
    signed-in ``current_user``)."""
    account = (
        SocialAccount.objects.select_related("user")
        .filter(provider=identity.provider, uid=identity.uid)
        .first()
    )
    name = provider_name(identity.provider)
    if account is not None and account.user.deactivated_at is not None:
        # The account was deleted (탈퇴): its identity is free again, like its e-mail.
        SocialAccount.objects.filter(pk=account.pk).delete()
        account = None
    if current_user is not None:
        if account is not None:
            if account.user_id == current_user.pk:
                return Linked(user=current_user)
            raise Conflict(f"다른 밀버디 계정에 연결된 {name} 계정이에요.")
        social_account_link(user=current_user, identity=identity)
        return Linked(user=current_user)
    if account is not None:
        if not account.user.is_active:
            raise PermissionDenied("이용할 수 없는 계정이에요.")
        return LoggedIn(user=account.user)
    owner = (
        User.objects.filter(email__iexact=identity.email, is_active=True).first()
        if identity.email
        else None
    )
    if owner is not None:
        if identity.email_verified:
            return NeedsPassword(identity=identity, user=owner)
        raise Conflict(_email_taken_message(identity))
    return NeedsSignup(identity=identity)


def social_account_link(*, user: User, identity: SocialIdentity) -> SocialAccount:
    """Link ``identity`` to ``user`` (a signed-in user, or one who just gave their password)."""
    name = provider_name(identity.provider)
    try:
        with transaction.atomic():
            User.objects.select_for_update().only("pk").get(pk=user.pk)
            if SocialAccount.objects.filter(user=user, provider=identity.provider).exists():
                raise Conflict(f"이미 다른 {name} 계정이 연결돼 있어요. 먼저 연결을 해제해 주세요.")
            return SocialAccount.objects.create(
                user=user,
                provider=identity.provider,
                uid=identity.uid,
                extra_data=identity.extra_data,
            )
    except IntegrityError:  # linked elsewhere between the check and the insert
        raise Conflict(f"다른 밀버디 계정에 연결된 {name} 계정이에요.") from None


def social_link_with_password(
    *, identity: SocialIdentity, user_id: int, password: str, ip: str
) -> User:
    """The owner of the e-mail proves it with the password (throttled like every log-in);
    only then is the provider linked."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidInput({"error": ["계정을 찾을 수 없어요. 처음부터 다시 시도해 주세요."]})
    checked = services.user_login(email=user.email, password=password, ip=ip)
    if checked.pk != user.pk:  # cannot happen: e-mails are unique
        raise InvalidInput({"error": [services.WRONG_CREDENTIALS]})
    social_account_link(user=checked, identity=identity)
    return checked


def social_user_register(
    *,
    identity: SocialIdentity,
    username: str,
    address: str,
    region_id=None,
    email: str | None = None,
) -> User:
    """A new account from a provider's identity: nickname and 동 from the person, e-mail from
    the provider (or the person, when the provider shared none), no usable password."""
    errors: dict[str, list[str]] = {}
    extra: dict = {}
    email = _clean_email(identity.email or email or "", errors)
    if identity.email and errors.get("email"):
        # The provider's address is taken or unusable: the person cannot fix that here.
        errors["error"] = [_email_taken_message(identity)]
        del errors["email"]
    username = _clean_username(username, errors)
    address = _normalise_address(address)
    region = _resolve_into(address, region_id, errors, extra)
    if SocialAccount.objects.filter(provider=identity.provider, uid=identity.uid).exists():
        errors.setdefault("error", []).append(
            "이미 가입한 계정이에요. 처음부터 다시 로그인해 주세요."
        )
    if errors:
        raise InvalidInput(errors, extra=extra)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                username=username,
                password=None,  # unusable: this account logs in through the provider
                region=region,
                address=address,
                lat=region.lat,
                lon=region.lon,
            )
            Profile.objects.create(user=user)
            SocialAccount.objects.create(
                user=user,
                provider=identity.provider,
                uid=identity.uid,
                extra_data=identity.extra_data,
            )
    except IntegrityError:
        _clean_email(email, errors)
        _clean_username(username, errors)
        raise InvalidInput(errors or {"error": ["잠시 후 다시 시도해 주세요."]}) from None
    return user


def social_account_unlink(*, user: User, provider: str) -> None:
    """Unlink one provider, unless it is the last way this user can log in."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        accounts = list(
            SocialAccount.objects.filter(user=locked).values_list("provider", flat=True)
        )
        if provider not in accounts:
            raise ApplicationError("연결되지 않은 계정이에요.", code="not_linked")
        if not locked.has_usable_password() and len(accounts) <= 1:
            raise ApplicationError(
                f"{provider_name(provider)} 연결을 해제하면 로그인할 방법이 없어져요. "
                "다른 계정을 먼저 연결해 주세요.",
                code="last_login_method",
            )
        SocialAccount.objects.filter(user=locked, provider=provider).delete()


# --- Signed identities for API clients (between the two calls of a sign-up or a link) ------


def social_token_make(*, identity: SocialIdentity, user: User | None = None) -> str:
    if user is None:
        return signing.dumps(identity.as_dict(), salt=_SIGNUP_SALT, compress=True)
    return signing.dumps(
        {"identity": identity.as_dict(), "user": user.pk}, salt=_LINK_SALT, compress=True
    )


def _expired() -> InvalidInput:
    return InvalidInput({"error": ["시간이 지났어요. 처음부터 다시 로그인해 주세요."]})


def social_signup_token_read(*, token: str, provider: str) -> SocialIdentity:
    try:
        identity = SocialIdentity.from_dict(
            signing.loads(token, salt=_SIGNUP_SALT, max_age=TOKEN_MAX_AGE)
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise _expired() from None
    if identity.provider != provider:
        raise _expired()
    return identity


def social_link_token_read(*, token: str, provider: str) -> tuple[SocialIdentity, int]:
    try:
        data = signing.loads(token, salt=_LINK_SALT, max_age=TOKEN_MAX_AGE)
        identity = SocialIdentity.from_dict(data["identity"])
        user_id = int(data["user"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise _expired() from None
    if identity.provider != provider:
        raise _expired()
    return identity, user_id
