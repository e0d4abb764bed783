"""Page forms: they only parse input; the rules live in services (errors come back from there)."""

from __future__ import annotations

from django import forms

from mealbuddy.accounts.diet import DIETARY_CHOICES
from mealbuddy.accounts.models import SPICY_CHOICES, Profile
from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.groupbuys.models import CATEGORY_CHOICES


def _password(
    label: str, autocomplete: str, *, required: bool = True, missing: str = ""
) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        required=required,
        error_messages={"required": missing} if missing else None,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}, render_value=False),
    )


class SignupForm(NamedErrorsMixin, forms.Form):
    """Nothing is required here: the service checks every field at once, so a person sees
    all that is wrong (the 동 of the address included) after one submit."""

    email = forms.CharField(
        label="이메일",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    username = forms.CharField(
        label="닉네임",
        max_length=20,
        required=False,
        help_text="이웃에게 보이는 이름이에요. 2~20자의 한글, 영문, 숫자와 _ . -",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = _password("비밀번호", "new-password", required=False)
    password2 = _password("비밀번호 확인", "new-password", required=False)
    # Rendered by the regions picker (regions/_picker.html), not by these widgets.
    address = forms.CharField(label="동네 주소", max_length=200, required=False)
    region = forms.IntegerField(required=False, widget=forms.HiddenInput)

    password1.help_text = "8자 이상, 너무 흔하거나 숫자로만 된 비밀번호는 쓸 수 없어요."


class LoginForm(NamedErrorsMixin, forms.Form):
    email = forms.EmailField(
        label="이메일",
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "username", "inputmode": "email", "autofocus": True}
        ),
    )
    password = _password("비밀번호", "current-password")


class MeForm(NamedErrorsMixin, forms.Form):
    username = forms.CharField(
        label="닉네임",
        max_length=20,
        help_text="2~20자의 한글, 영문, 숫자와 _ . -",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    address = forms.CharField(label="동네 주소", max_length=200, required=False)
    region = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PasswordForm(NamedErrorsMixin, forms.Form):
    """``has_password=False`` (an account made through a provider): setting a first password,
    with no current one to ask for."""

    current_password = _password("현재 비밀번호", "current-password")
    new_password1 = _password("새 비밀번호", "new-password")
    new_password2 = _password(
        "새 비밀번호 확인", "new-password", missing="새 비밀번호를 한 번 더 입력해 주세요."
    )

    def __init__(self, *args, has_password: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_password:
            del self.fields["current_password"]


class DeleteForm(NamedErrorsMixin, forms.Form):
    """Confirmed with the password, or, for an account without one, by typing the nickname
    (``username``; the service decides which counts: ``services.user_deactivate``)."""

    password = _password("비밀번호 확인", "current-password", missing="비밀번호를 입력해 주세요.")
    username = forms.CharField(
        label="닉네임 확인",
        max_length=20,
        error_messages={"required": "닉네임을 입력해 주세요."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, has_password: bool = True, nickname: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if has_password:
            del self.fields["username"]
        else:
            del self.fields["password"]
            self.fields[
                "username"
            ].help_text = f"비밀번호 없이 가입한 계정이에요. 확인을 위해 닉네임을 그대로 입력해 주세요: {nickname}"


class ProfileForm(NamedErrorsMixin, forms.Form):
    gender = forms.ChoiceField(label="성별", choices=Profile.Gender.choices, required=False)
    age_band = forms.ChoiceField(label="나이대", choices=Profile.AgeBand.choices, required=False)
    spicy_tolerance = forms.TypedChoiceField(
        label="매운맛",
        choices=SPICY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    dietary_restrictions = forms.MultipleChoiceField(
        label="못 먹는 음식",
        choices=DIETARY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    favourite_categories = forms.MultipleChoiceField(
        label="좋아하는 음식 종류",
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    avatar = forms.FileField(
        label="프로필 사진",
        required=False,
        help_text="JPEG, PNG, WEBP, GIF · 5MB 이하",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_avatar = forms.BooleanField(label="사진 지우기", required=False)
