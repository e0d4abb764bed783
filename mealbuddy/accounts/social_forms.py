"""Forms of the provider log-in pages: they only parse; the rules live in social_services."""

from __future__ import annotations

from django import forms

from mealbuddy.accounts.forms import _password
from mealbuddy.core.forms import NamedErrorsMixin


class SocialSignupForm(NamedErrorsMixin, forms.Form):
    """Only what the provider did not give: the e-mail field is dropped when it gave one."""

    email = forms.CharField(
        label="이메일",
        max_length=254,
        required=False,
        help_text="알림과 계정 찾기에 쓰여요.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    username = forms.CharField(
        label="닉네임",
        max_length=20,
        required=False,
        help_text="이웃에게 보이는 이름이에요. 2~20자의 한글, 영문, 숫자와 _ . -",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    # Rendered by the regions picker (regions/_picker.html).
    address = forms.CharField(label="동네 주소", max_length=200, required=False)
    region = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ask_email: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not ask_email:
            del self.fields["email"]


class SocialLinkForm(NamedErrorsMixin, forms.Form):
    password = _password("비밀번호", "current-password", missing="비밀번호를 입력해 주세요.")
