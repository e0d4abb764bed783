from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

# How a departed (deactivated) user is shown everywhere: pages, APIs, sockets, plain-SQL rows.
DEACTIVATED_NAME = "(탈퇴한 사용자)"


def display_name_of(*, username: str, is_active) -> str:
    """The name neighbours see, from a user's row (plain-SQL reads use it directly)."""
    return username if is_active else DEACTIVATED_NAME


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, username, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, username, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, username, password, **extra)


SPICY_CHOICES = [(0, "못 먹어요"), (1, "조금"), (2, "보통"), (3, "매운 맛 좋아해요")]


class User(AbstractBaseUser, PermissionsMixin):
    """A resident. Logs in with email; shown to neighbours by ``username`` (nickname)."""

    email = models.EmailField("이메일", max_length=254, unique=True)
    username = models.CharField("닉네임", max_length=20, unique=True)
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name="동네",
    )
    address = models.CharField("주소", max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Raised by "log out everywhere": mixed into the session hash and the JWT fingerprint,
    # so every web session and token issued before stops working at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name_of(username=self.username, is_active=self.is_active)

    def _get_session_auth_hash(self, secret=None):
        # Epoch 0 keeps Django's own hash, so sessions opened before this field existed last.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class TokenSession(models.Model):
    """One API log-in. Every token pair minted from it carries its id as the ``sid`` claim.

    Refresh rotation and ``/api/user/current/`` keep the ``sid``; logging out revokes it, and
    from then on every access or refresh token of that log-in is refused. ``refresh`` is the
    session's newest refresh token, which ``current/`` hands back instead of minting a row
    per call.
    """

    sid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    # When the newest refresh token expires: past it, no token of this session is alive.
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh = models.ForeignKey(
        "token_blacklist.OutstandingToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"]), models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} session {self.sid}"


class Profile(models.Model):
    """What the recommender may use about a person; all optional."""

    class Gender(models.TextChoices):
        UNSPECIFIED = "", "선택 안 함"
        FEMALE = "female", "여성"
        MALE = "male", "남성"
        OTHER = "other", "기타"

    class AgeBand(models.TextChoices):
        UNSPECIFIED = "", "선택 안 함"
        TEENS = "10s", "10대"
        TWENTIES = "20s", "20대"
        THIRTIES = "30s", "30대"
        FORTIES = "40s", "40대"
        FIFTIES_UP = "50s+", "50대 이상"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True, default="")
    age_band = models.CharField(max_length=4, choices=AgeBand.choices, blank=True, default="")
    # 0 못 먹음 · 1 조금 · 2 보통 · 3 매운 맛 좋아함
    spicy_tolerance = models.PositiveSmallIntegerField(default=2)
    dietary_restrictions = models.JSONField(default=list, blank=True)
    favourite_categories = models.JSONField(default=list, blank=True)
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    # Made from ``avatar`` when it is uploaded, one size per use: lists and chat, profile page.
    avatar_thumb = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    avatar_large = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} profile"
