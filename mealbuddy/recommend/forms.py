from __future__ import annotations

from django import forms

from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.recommend.wish import MAX_WISH_LENGTH


class WishForm(NamedErrorsMixin, forms.Form):
    wish = forms.CharField(
        label="먹고 싶은 것",
        required=False,
        max_length=MAX_WISH_LENGTH,
        error_messages={"max_length": f"{MAX_WISH_LENGTH}자까지 입력할 수 있어요."},
        widget=forms.TextInput(
            attrs={
                "placeholder": "예: 국물 있는 매운 거, 가볍게, 2만원 이하",
                "autocomplete": "off",
                "enterkeyhint": "send",
            }
        ),
    )
    # The seed of the cards on screen; a tampered or stale one just means a fresh pick.
    seed = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_seed(self) -> int | None:
        raw = self.cleaned_data.get("seed") or ""
        if raw.isdigit() and int(raw) < 2**31:
            return int(raw)
        return None
