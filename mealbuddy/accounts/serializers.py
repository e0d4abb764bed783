"""What accounts look like on the wire (the original ``U`` object and our own shapes)."""

from __future__ import annotations

from rest_framework import serializers

from mealbuddy.accounts.diet import DIETARY_CHOICES
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.models import Profile, User
from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.core.input import MAX_BIGINT
from mealbuddy.groupbuys.models import CATEGORIES


def user_payload(user: User, *, tokens: dict[str, str] | None = None) -> dict:
    """The original client's ``U``: id, email, username, address, token (+ our refresh).

    Pass ``tokens`` to reuse a pair already issued; otherwise a fresh pair is issued.
    """
    tokens = tokens or tokens_for_user(user)
    return {
        "id": user.pk,
        "email": user.email,
        "username": user.username,
        "address": user.address,
        "token": tokens["token"],
        "refresh": tokens["refresh"],
    }


def text(data, key: str, *, numbers: bool = False) -> str | None:
    """A text field of a JSON or multipart body; None when the key is absent.

    A list, an object or a boolean is a field error (it was once saved as its repr); a JSON
    number only where ``numbers`` says the field is an id (``region``)."""
    if key not in data:
        return None
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InvalidInput({key: ["글자로 보내 주세요."]})


# --- OpenAPI shapes (the views build these dicts; the serializers document them) ------------


class UserObjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    username = serializers.CharField()
    address = serializers.CharField()
    token = serializers.CharField(help_text="액세스 토큰 (Authorization: token <jwt>)")
    refresh = serializers.CharField(help_text="리프레시 토큰 (/api/auth/refresh/)")


class UserEnvelopeSerializer(serializers.Serializer):
    user = UserObjectSerializer()


class TokenPairSerializer(serializers.Serializer):
    token = serializers.CharField()
    refresh = serializers.CharField()


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class RegionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    full_name = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer(allow_null=True)
    has_password = serializers.SerializerMethodField(
        help_text="false: 간편 로그인으로 가입해 비밀번호가 없어요 (비밀번호 만들기는 현재 "
        "비밀번호 없이, 탈퇴는 닉네임으로 확인해요)"
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "username",
            "address",
            "region",
            "lat",
            "lon",
            "date_joined",
            "has_password",
        ]
        read_only_fields = fields

    def get_has_password(self, user: User) -> bool:
        return user.has_usable_password()


class MeUpdateSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    region = serializers.IntegerField(
        max_value=MAX_BIGINT,
        required=False,
        allow_null=True,
        help_text="동네 검색에서 고른 동(읍면동)의 id",
    )


class ProfileSerializer(serializers.ModelSerializer):
    avatar = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = [
            "gender",
            "age_band",
            "spicy_tolerance",
            "dietary_restrictions",
            "favourite_categories",
            "avatar",
        ]
        read_only_fields = fields

    def get_avatar(self, profile: Profile) -> str | None:
        if not profile.avatar:
            return None
        request = self.context.get("request")
        url = profile.avatar.url
        return request.build_absolute_uri(url) if request else url


class ProfileUpdateSerializer(serializers.Serializer):
    gender = serializers.ChoiceField(choices=Profile.Gender.choices, required=False)
    age_band = serializers.ChoiceField(choices=Profile.AgeBand.choices, required=False)
    spicy_tolerance = serializers.IntegerField(
        required=False, min_value=0, max_value=3, help_text="0 못 먹음 · 1 조금 · 2 보통 · 3 좋아함"
    )
    dietary_restrictions = serializers.ListField(
        child=serializers.ChoiceField(choices=DIETARY_CHOICES), required=False
    )
    favourite_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=CATEGORIES), required=False
    )
    avatar = serializers.FileField(
        required=False, help_text="JPEG/PNG/WEBP/GIF, 5MB 이하 (다시 인코딩되어 저장)"
    )
    remove_avatar = serializers.BooleanField(required=False, default=False)


def _secret(label: str, *, required: bool = True) -> serializers.CharField:
    return serializers.CharField(
        required=required,
        allow_blank=not required,
        trim_whitespace=False,
        max_length=4096,
        style={"input_type": "password"},
        help_text=label,
    )


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = _secret(
        "현재 비밀번호 (비밀번호 없이 가입한 계정은 보내지 않아요)", required=False
    )
    new_password1 = _secret("새 비밀번호")
    new_password2 = _secret("새 비밀번호 확인")


class PasswordChangeOutputSerializer(serializers.Serializer):
    message = serializers.CharField()
    token = serializers.CharField(help_text="새 액세스 토큰 (이 요청에 쓴 토큰은 끝나요)")
    refresh = serializers.CharField()


class AccountDeleteInputSerializer(serializers.Serializer):
    password = _secret("비밀번호 (비밀번호가 있는 계정)", required=False)
    username = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="닉네임 (비밀번호 없이 가입한 계정: has_password가 false)",
    )
