"""Account writes: sign-up, log-in (with throttling), edits, password, deactivation, tokens,
sessions (log out, log out everywhere) and flushing used tokens.

Every function here is used by the original client's API (compat), our REST API and the
web pages alike, so the rules live in one place.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from mealbuddy.accounts.diet import DIETARY_CHOICES
from mealbuddy.accounts.errors import InvalidInput, Unauthenticated
from mealbuddy.accounts.models import DEACTIVATED_NAME, Profile, TokenSession, User
from mealbuddy.accounts.tokens import (
    PASSWORD_CLAIM,
    SESSION_CLAIM,
    password_fingerprint,
    session_id,
    tokens_rotate,
)
from mealbuddy.core.errors import ApplicationError, RateLimited
from mealbuddy.core.forms import particle
from mealbuddy.core.images import ImageRejected, image_reencode, image_square
from mealbuddy.core.realtime import account_sockets_close
from mealbuddy.groupbuys.models import CATEGORIES
from mealbuddy.groupbuys.services import groupbuys_departure_refusal, groupbuys_member_departing
from mealbuddy.regions.models import Region
from mealbuddy.wallet.selectors import wallet_departure_refusal

USERNAME_RE = re.compile(r"^[0-9A-Za-z가-힣_.\-]{2,20}$")
USERNAME_RULE = "닉네임은 2~20자의 한글, 영문, 숫자와 _ . - 만 쓸 수 있어요."
ADDRESS_REQUIRED = (
    "주소를 입력해 주세요. 동(읍·면·동)까지 적어 주세요. 예: 서울특별시 마포구 서교동"
)
WRONG_CREDENTIALS = "이메일 또는 비밀번호가 올바르지 않아요."
WRONG_PASSWORD = "비밀번호가 올바르지 않아요."
WRONG_NICKNAME = "닉네임이 일치하지 않아요. 탈퇴하려면 닉네임을 그대로 입력해 주세요."

AVATAR_SIZE = 512
# Square copies of the avatar (px): lists, cards and chat; the public profile page.
AVATAR_THUMB = 96
AVATAR_LARGE = 256

logger = logging.getLogger(__name__)


# --- Field rules ------------------------------------------------------------------------------


def _clean_email(email: str, errors: dict, *, exclude_pk: int | None = None) -> str:
    email = (email or "").strip().lower()
    if not email:
        errors.setdefault("email", []).append("이메일을 입력해 주세요.")
        return email
    try:
        EmailValidator(message="올바른 이메일 주소를 입력해 주세요.")(email)
    except ValidationError as exc:
        errors.setdefault("email", []).extend(exc.messages)
        return email
    if len(email) > 254:
        errors.setdefault("email", []).append("이메일 주소가 너무 길어요.")
    elif email.endswith(".invalid"):
        # Reserved for the tombstones of deleted accounts.
        errors.setdefault("email", []).append("사용할 수 없는 이메일 주소예요.")
    elif User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists():
        errors.setdefault("email", []).append("이미 가입된 이메일이에요.")
    return email


def _clean_username(username: str, errors: dict, *, exclude_pk: int | None = None) -> str:
    username = (username or "").strip()
    if not username:
        errors.setdefault("username", []).append("닉네임을 입력해 주세요.")
    elif not USERNAME_RE.match(username):
        errors.setdefault("username", []).append(USERNAME_RULE)
    elif User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists():
        errors.setdefault("username", []).append("이미 사용 중인 닉네임이에요.")
    return username


def _clean_new_password(password: str, user: User, errors: dict, field: str) -> None:
    if not password:
        errors.setdefault(field, []).append("비밀번호를 입력해 주세요.")
        return
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(_password_message(error) for error in exc.error_list)


def _password_message(error: ValidationError) -> str:
    """Django's password validators speak 합쇼체; say the same in our own 해요체."""
    params = error.params or {}
    if error.code == "password_too_short":
        return f"비밀번호가 너무 짧아요. {params.get('min_length', 8)}자 이상 입력해 주세요."
    if error.code == "password_too_common":
        return "너무 흔한 비밀번호예요. 남이 짐작하기 어려운 비밀번호를 입력해 주세요."
    if error.code == "password_entirely_numeric":
        return "비밀번호가 숫자로만 되어 있어요. 문자를 섞어 주세요."
    if error.code == "password_too_similar":
        name = str(params.get("verbose_name") or "개인정보")
        return (
            f"비밀번호가 {particle(name, '과', '와')} 너무 비슷해요. 다른 비밀번호를 입력해 주세요."
        )
    return error.messages[0]


def _parse_region_id(region_id) -> int | None:
    try:
        value = int(region_id)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _region_for_address(address: str, region_id) -> Region:
    """The neighbourhood an address names.

    The id the picker chose wins when the address still names that 동 (the picker writes
    the full name; it also settles names shared by several districts, like 신사동). If the
    user typed over it, the typed address is resolved instead.
    """
    from mealbuddy.regions.selectors import region_resolve_address

    if not address:
        raise InvalidInput({"address": [ADDRESS_REQUIRED]})
    region_pk = _parse_region_id(region_id)
    if region_pk is not None:
        region = Region.objects.filter(pk=region_pk, level=Region.Level.EMD).first()
        if region is not None and region.name in address.replace(" ", ""):
            return region
    return region_resolve_address(address=address)


def _resolve_into(address: str, region_id, errors: dict, extra: dict) -> Region | None:
    try:
        return _region_for_address(address, region_id)
    except InvalidInput as exc:
        errors.update(exc.errors)
    except ApplicationError as exc:
        errors.setdefault("address", []).append(exc.message)
        suggestions = getattr(exc, "suggestions", None) or []
        extra["suggestions"] = [getattr(s, "full_name", str(s)) for s in suggestions]
    return None


def _normalise_address(address: str | None) -> str:
    return " ".join((address or "").split())[:200]


# --- Sign-up, edits -----------------------------------------------------------------------------


def user_register(
    *,
    email: str,
    username: str,
    password: str,
    address: str,
    region_id: int | None = None,
    password2: str | None = None,
) -> User:
    """``password2``, when given, must repeat ``password`` (checked with everything else)."""
    errors: dict[str, list[str]] = {}
    extra: dict = {}
    email = _clean_email(email, errors)
    username = _clean_username(username, errors)
    _clean_new_password(password, User(email=email, username=username), errors, "password")
    if password2 is not None and password and password != password2:
        errors["password2"] = ["비밀번호가 서로 일치하지 않아요."]
    address = _normalise_address(address)
    region = _resolve_into(address, region_id, errors, extra)
    if errors:
        raise InvalidInput(errors, extra=extra)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                username=username,
                password=password,
                region=region,
                address=address,
                lat=region.lat,
                lon=region.lon,
            )
            Profile.objects.create(user=user)
    except IntegrityError:
        # Someone took the email or nickname between the check and the insert.
        _clean_email(email, errors)
        _clean_username(username, errors)
        raise InvalidInput(errors or {"error": ["잠시 후 다시 시도해 주세요."]}) from None
    return user


def user_update(
    *,
    user: User,
    username: str | None = None,
    address: str | None = None,
    region_id: int | None = None,
) -> User:
    errors: dict[str, list[str]] = {}
    extra: dict = {}
    fields: list[str] = []
    if username is not None:
        username = _clean_username(username, errors, exclude_pk=user.pk)
        user.username = username
        fields.append("username")
    region = None
    if address is not None or _parse_region_id(region_id) is not None:
        address = _normalise_address(address)
        if not address:
            # Only a region was chosen: the address becomes its full name.
            chosen = Region.objects.filter(
                pk=_parse_region_id(region_id), level=Region.Level.EMD
            ).first()
            address = chosen.full_name if chosen else ""
        region = _resolve_into(address, region_id, errors, extra)
    if errors:
        user.refresh_from_db()
        raise InvalidInput(errors, extra=extra)
    if region is not None:
        user.address = address
        user.region = region
        user.lat, user.lon = region.lat, region.lon
        fields += ["address", "region", "lat", "lon"]
    if fields:
        try:
            with transaction.atomic():
                user.save(update_fields=fields)
        except IntegrityError:
            user.refresh_from_db()
            raise InvalidInput({"username": ["이미 사용 중인 닉네임이에요."]}) from None
    return user


# --- Passwords and deactivation -----------------------------------------------------------------


def _token_sessions_revoke(sessions) -> None:
    """Revoke ``sessions`` (a TokenSession queryset): their tokens stop working at once, in
    every process (authentication reads the row)."""
    sessions.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def account_sessions_end(*, user: User) -> None:
    """End every API session of ``user`` and, after commit, close all their sockets.

    The one rule behind deletion, deactivation (also by staff), password changes and "log out
    everywhere". Web sessions end through the session hash (password or ``session_epoch``).
    """
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    _token_sessions_revoke(TokenSession.objects.filter(user=user))
    account_sockets_close(user_id=user.pk)


def user_change_password(
    *, user: User, current_password: str = "", new_password1: str, new_password2: str
) -> User:
    """Change the password, or set the first one.

    Errors: ``current_password`` (wrong), ``new_password1`` (weak, same), ``new_password2``.
    An account without a usable password (signed up through Kakao, Naver or Google) has no
    current password to give, so none is asked: the signed-in session is all it has, as for
    linking a provider. Whether one is asked is decided on the locked row, never by the caller.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.has_usable_password() and not locked.check_password(current_password or ""):
            raise InvalidInput({"current_password": ["현재 비밀번호가 올바르지 않아요."]})
        errors: dict[str, list[str]] = {}
        if not new_password1:
            errors["new_password1"] = ["새 비밀번호를 입력해 주세요."]
        elif new_password1 != new_password2:
            errors["new_password2"] = ["새 비밀번호가 서로 일치하지 않아요."]
        elif locked.check_password(new_password1):
            errors["new_password1"] = ["현재 비밀번호와 다른 비밀번호를 입력해 주세요."]
        else:
            _clean_new_password(new_password1, locked, errors, "new_password1")
        if errors:
            raise InvalidInput(errors)
        locked.set_password(new_password1)
        locked.save(update_fields=["password"])
        # The password fingerprint already kills old tokens; revoking keeps the record straight
        # and closes the sockets opened with the old password. Setting a first password ends
        # the other sessions too: whoever else held one (a stolen cookie) is logged out.
        account_sessions_end(user=locked)
    user.password = locked.password
    return user


def user_deactivate(*, user: User, password: str = "", username: str | None = None) -> User:
    """Delete = deactivate. The row stays (their posts and messages point at it).

    Confirmed with the password; an account without a usable password (signed up through a
    provider) confirms by typing its nickname (``username``) instead. See
    ``_deletion_confirmed`` for why that is enough, and why a password account never can.

    What identified the person is erased and released: the email and the nickname can be
    used again (by them or anyone), the address and position are cleared, the profile and
    avatar are dropped. Everything they wrote shows as "(탈퇴한 사용자)". Group orders
    they host or joined that were not placed yet are cancelled or left (holds refunded).
    Refused (409) while money is unsettled: cash left in the wallet or a payout pending, a
    share still owed or a deposit pending on a placed order, or members' money received on
    a prepaid order not yet delivered.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise InvalidInput({"password": [WRONG_PASSWORD]})
        _deletion_confirmed(locked, password=password, username=username)
        if (refusal := groupbuys_departure_refusal(user=locked)) is not None:
            raise refusal
        groupbuys_member_departing(user=locked)
        # After leaving open orders: what they held in escrow is back in cash and counts too
        # (the refusal rolls the leaving back with everything else).
        if (refusal := wallet_departure_refusal(user=locked)) is not None:
            raise refusal
        locked.is_active = False
        locked.deactivated_at = timezone.now()
        locked.email = f"deleted-{locked.pk}@deleted.invalid"
        # "(" is not allowed in nicknames, so this cannot collide with a real one.
        locked.username = f"{DEACTIVATED_NAME}#{locked.pk}"[:20]
        locked.address = ""
        locked.lat = locked.lon = None
        locked.set_unusable_password()
        locked.save()
        profile = Profile.objects.filter(user=locked).first()
        if profile is not None:
            names = [
                f.name for f in (profile.avatar, profile.avatar_thumb, profile.avatar_large) if f
            ]
            profile.delete()
            storage = Profile._meta.get_field("avatar").storage
            for name in names:
                transaction.on_commit(lambda name=name: storage.delete(name))
        account_sessions_end(user=locked)
    user.refresh_from_db()
    return user


def _deletion_confirmed(locked: User, *, password: str, username: str | None) -> None:
    """Raise unless the person confirmed the deletion of ``locked`` (a row locked for update).

    A password account: the password, exactly as before; nothing else is looked at, so a
    stolen session of a password user cannot take the no-password path by sending a nickname.
    An account without a usable password: its nickname, typed out. It is a check of intent,
    not of identity, and that is deliberate. Such a session can already set a password with
    no proof (there is none to give: ``user_change_password``) and then delete with it, so a
    fresh provider re-authentication here would add a redirect round trip to the pages and a
    provider SDK step to every API client, while stopping no one holding the session. What
    the nickname does stop is a deletion by mistake or by a forged request without it.
    """
    if locked.has_usable_password():
        if not locked.check_password(password or ""):
            raise InvalidInput({"password": [WRONG_PASSWORD]})
        return
    if not username or username.strip() != locked.username:
        raise InvalidInput({"username": [WRONG_NICKNAME]})


def user_suspend(*, user: User) -> User:
    """Staff deactivation (Django admin): the account stays as it is, but cannot log in and
    every session and socket it holds ends. Reactivating it is an ordinary edit."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        account_sessions_end(user=user)
    user.is_active = False
    return user


def user_logout_everywhere(*, user: User) -> None:
    """모든 기기에서 로그아웃: every web session, token and socket of ``user`` ends."""
    with transaction.atomic():
        # The epoch is part of the session hash and of the token fingerprint.
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        account_sessions_end(user=user)
    user.refresh_from_db(fields=["session_epoch"])


# --- Log-in and its throttling ------------------------------------------------------------------


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For as far as trusted proxies go.

    The rule lives in ``mealbuddy.core.net`` (the request logs use it too).
    """
    from mealbuddy.core.net import client_ip as core_client_ip

    return core_client_ip(request)


def _throttle_keys(*, email: str, ip: str) -> tuple[str, str]:
    """Failures are counted per (email, address) and per address.

    Counting per email alone would let anyone lock a victim out from anywhere; counting per
    address alone with a small limit would let a few typos lock everyone behind one NAT or
    proxy. The address keeps a much higher limit (LOGIN_THROTTLE_IP_LIMIT) that still stops
    one address from trying passwords across many accounts.
    """
    pair = f"{email.strip().lower()}\n{ip}".encode()
    pair_hash = hashlib.sha256(pair).hexdigest()[:32]
    ip_hash = hashlib.sha256(ip.encode()).hexdigest()[:32]
    return f"login-fail:pair:{pair_hash}", f"login-fail:ip:{ip_hash}"


def login_throttle_check(*, email: str, ip: str) -> None:
    """Refuse once an (email, address) pair or an address has failed too often."""
    pair_key, ip_key = _throttle_keys(email=email, ip=ip)
    try:
        counts = cache.get_many([pair_key, ip_key])
    except Exception:  # noqa: BLE001 - the cache (Redis) is down
        # Fail open like every other limit (core/limits.py): an outage of the cache must not
        # lock everyone out. Each guess still costs a full password hash; the outage is logged.
        logger.warning("login throttle skipped: cache unavailable", exc_info=True)
        return
    if (
        counts.get(pair_key, 0) >= settings.LOGIN_THROTTLE_LIMIT
        or counts.get(ip_key, 0) >= settings.LOGIN_THROTTLE_IP_LIMIT
    ):
        minutes = max(1, settings.LOGIN_THROTTLE_WINDOW // 60)
        raise RateLimited(
            f"로그인 시도가 너무 많아요. {minutes}분 후에 다시 시도해 주세요.",
            extra={"retry_after": settings.LOGIN_THROTTLE_WINDOW},
        )


def login_failure_record(*, email: str, ip: str) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW
    try:
        for key in _throttle_keys(email=email, ip=ip):
            cache.add(key, 0, timeout=window)  # the window starts at the first failure
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: see login_throttle_check
        logger.warning("login failure not counted: cache unavailable", exc_info=True)


def login_success_record(*, email: str, ip: str) -> None:
    pair_key, _ = _throttle_keys(email=email, ip=ip)
    try:
        cache.delete(pair_key)
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: see login_throttle_check
        logger.warning("login counter not cleared: cache unavailable", exc_info=True)


EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


def user_login(*, email: str, password: str, ip: str) -> User:
    """Check the throttle, then the credentials. Deactivated accounts never log in."""
    email = (email or "").strip()
    if len(email) > EMAIL_MAX_LENGTH:  # no account has it; never build a query from it
        raise InvalidInput({"email": [f"이메일은 {EMAIL_MAX_LENGTH}자까지 입력할 수 있어요."]})
    login_throttle_check(email=email, ip=ip)
    user = authenticate(None, email=email, password=password or "")
    if user is None:
        login_failure_record(email=email, ip=ip)
        raise InvalidInput({"error": [WRONG_CREDENTIALS]})
    login_success_record(email=email, ip=ip)
    return user


# --- Tokens -------------------------------------------------------------------------------------

INVALID_REFRESH = "유효하지 않거나 만료된 토큰이에요. 다시 로그인해 주세요."


def _refresh_token(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # signature, expiry, type and blacklist
    except TokenError:
        raise Unauthenticated(INVALID_REFRESH, field="refresh", code="token_not_valid") from None


def auth_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token within its session: the old one is blacklisted, exactly one
    caller wins, and a token of a revoked session is refused."""
    token = _refresh_token(refresh)
    user = User.objects.filter(pk=token.payload.get(jwt_settings.USER_ID_CLAIM)).first()
    sid = session_id(token.payload.get(SESSION_CLAIM))
    if (
        user is None
        or not user.is_active
        or token.payload.get(PASSWORD_CLAIM) != password_fingerprint(user)
        or sid is None
    ):
        raise Unauthenticated(INVALID_REFRESH, field="refresh", code="token_not_valid")
    jti = token.payload[jwt_settings.JTI_CLAIM]
    with transaction.atomic():
        outstanding = OutstandingToken.objects.filter(jti=jti).first()
        if outstanding is None:
            raise Unauthenticated(INVALID_REFRESH, field="refresh", code="token_not_valid")
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        if not created:  # a concurrent refresh used it first
            raise Unauthenticated(INVALID_REFRESH, field="refresh", code="token_not_valid")
        session = (
            TokenSession.objects.select_for_update()
            .filter(sid=sid, user=user, revoked_at__isnull=True)
            .first()
        )
        if session is None:
            raise Unauthenticated(INVALID_REFRESH, field="refresh", code="token_not_valid")
        return tokens_rotate(user=user, session=session)


def auth_logout(*, refresh: str) -> None:
    """Log out one session: its refresh token is blacklisted and its ``sid`` revoked, so the
    access tokens minted from it stop working too. Logging out twice is fine."""
    try:
        token = UntypedToken(refresh)  # signature and expiry, whatever the blacklist says
    except TokenError:
        raise InvalidInput({"refresh": [INVALID_REFRESH]}) from None
    if token.payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
        raise InvalidInput({"refresh": [INVALID_REFRESH]})
    with transaction.atomic():
        outstanding = OutstandingToken.objects.filter(
            jti=token.payload.get(jwt_settings.JTI_CLAIM)
        ).first()
        if outstanding is not None:
            BlacklistedToken.objects.get_or_create(token=outstanding)
        sid = session_id(token.payload.get(SESSION_CLAIM))
        if sid is not None:
            _token_sessions_revoke(TokenSession.objects.filter(sid=sid))


def token_session_end(*, user: User, sid: str | None) -> None:
    """End one API session of ``user`` (a web page's, when its cookie session logs out)."""
    sid = session_id(sid)
    if sid is not None:
        _token_sessions_revoke(TokenSession.objects.filter(sid=sid, user=user))


def tokens_flush() -> dict[str, int]:
    """Delete expired or used refresh-token rows and ended sessions (a periodic job).

    A deleted row never revives a token: refresh needs its outstanding row, and a session
    that no longer exists counts as revoked.
    """
    now = timezone.now()
    with transaction.atomic():
        sessions, _ = TokenSession.objects.filter(
            Q(expires_at__lte=now) | Q(revoked_at__isnull=False)
        ).delete()
        dead = OutstandingToken.objects.filter(
            Q(expires_at__lte=now) | Q(blacklistedtoken__isnull=False)
        )
        _, deleted = dead.delete()  # their blacklist rows go with them
    return {"sessions": sessions, "tokens": deleted.get(OutstandingToken._meta.label, 0)}


# --- Profile ------------------------------------------------------------------------------------


def profile_ensure(*, user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def avatar_process(*, upload) -> ContentFile:
    """Check an uploaded image with Pillow and re-encode it (drops metadata, bounds size)."""
    try:
        return image_reencode(upload=upload, field="avatar", max_side=AVATAR_SIZE)
    except ImageRejected as exc:
        raise InvalidInput({"avatar": [exc.message]}) from None


def profile_update(
    *,
    user: User,
    gender: str | None = None,
    age_band: str | None = None,
    spicy_tolerance: int | None = None,
    dietary_restrictions: list[str] | None = None,
    favourite_categories: list[str] | None = None,
    avatar=None,
    remove_avatar: bool = False,
) -> Profile:
    errors: dict[str, list[str]] = {}
    if gender is not None and gender not in Profile.Gender.values:
        errors["gender"] = ["성별을 목록에서 골라 주세요."]
    if age_band is not None and age_band not in Profile.AgeBand.values:
        errors["age_band"] = ["나이대를 목록에서 골라 주세요."]
    if spicy_tolerance is not None and spicy_tolerance not in (0, 1, 2, 3):
        errors["spicy_tolerance"] = ["매운맛 정도는 0~3 중에서 골라 주세요."]
    allowed_diet = {code for code, _ in DIETARY_CHOICES}
    if dietary_restrictions is not None and not set(dietary_restrictions) <= allowed_diet:
        errors["dietary_restrictions"] = ["식이 제한을 목록에서 골라 주세요."]
    if favourite_categories is not None and not set(favourite_categories) <= set(CATEGORIES):
        errors["favourite_categories"] = ["좋아하는 음식 종류를 목록에서 골라 주세요."]
    image = None
    if avatar is not None:
        try:
            image = avatar_process(upload=avatar)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)

    profile = profile_ensure(user=user)
    if gender is not None:
        profile.gender = gender
    if age_band is not None:
        profile.age_band = age_band
    if spicy_tolerance is not None:
        profile.spicy_tolerance = spicy_tolerance
    if dietary_restrictions is not None:
        profile.dietary_restrictions = [c for c, _ in DIETARY_CHOICES if c in dietary_restrictions]
    if favourite_categories is not None:
        profile.favourite_categories = [c for c in CATEGORIES if c in favourite_categories]
    changing = image is not None or remove_avatar
    # The photo and its sizes go together (see avatar_sizes): replaced or removed at once.
    old_files = (
        [f.name for f in (profile.avatar, profile.avatar_thumb, profile.avatar_large) if f]
        if changing
        else []
    )
    storage = profile.avatar.storage
    if image is not None:
        thumb, large = avatar_sizes(image=image)
        profile.avatar.save(image.name, image, save=False)
        profile.avatar_thumb.save(thumb.name, thumb, save=False)
        profile.avatar_large.save(large.name, large, save=False)
    elif remove_avatar:
        profile.avatar = profile.avatar_thumb = profile.avatar_large = ""
    with transaction.atomic():
        profile.save()
        for name in old_files:
            transaction.on_commit(lambda name=name: storage.delete(name))
    return profile


def avatar_sizes(*, image: ContentFile) -> tuple[ContentFile, ContentFile]:
    """The square copies made once, at upload: ``AVATAR_THUMB`` for lists, cards and chat,
    ``AVATAR_LARGE`` for the profile page. One size per use, so no page scales a photo."""
    return (
        image_square(source=image, side=AVATAR_THUMB),
        image_square(source=image, side=AVATAR_LARGE),
    )


def avatar_sizes_backfill(*, batch_size: int = 200) -> dict[str, int]:
    """Make the missing square copies of avatars uploaded before ``avatar_sizes`` existed.

    Idempotent: only profiles with a photo and a missing copy are looked at, and a second run
    finds none. A photo that cannot be read (gone from storage, or not an image) is skipped
    with a log line and stays as it is; the pages fall back to the photo itself. A photo
    replaced or removed while its copies were being made keeps what its upload made: the
    copies are written only if the row still names the same photo (a conditional UPDATE), and
    deleted otherwise.
    """
    counts = {"made": 0, "skipped": 0}
    missing = (
        Profile.objects.exclude(avatar="")
        .filter(Q(avatar_thumb="") | Q(avatar_large=""))
        .only("pk", "avatar", "avatar_thumb", "avatar_large")
        .order_by("pk")
    )
    storage = Profile._meta.get_field("avatar").storage
    for profile in missing.iterator(chunk_size=batch_size):
        name = profile.avatar.name
        try:
            with storage.open(name, "rb") as stored:
                source = ContentFile(stored.read(), name=name)
            thumb, large = avatar_sizes(image=source)
        except Exception:  # noqa: BLE001 - any unreadable file is skipped, never fatal
            logger.warning(
                "avatar_thumbnails: skipped profile %s, cannot read %s",
                profile.pk,
                name,
                exc_info=True,
            )
            counts["skipped"] += 1
            continue
        made: dict[str, str] = {}
        for field, copy in (("avatar_thumb", thumb), ("avatar_large", large)):
            if not getattr(profile, field):
                made[field] = storage.save(
                    Profile._meta.get_field(field).generate_filename(profile, copy.name), copy
                )
        updated = Profile.objects.filter(pk=profile.pk, avatar=name).update(**made)
        if updated:
            counts["made"] += 1
        else:  # replaced or removed meanwhile: its own upload made its copies
            for stored_name in made.values():
                storage.delete(stored_name)
    return counts
