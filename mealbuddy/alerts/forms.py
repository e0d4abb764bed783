"""The alert form of the "모집 알림" page: it parses types; the service checks the rules."""

from __future__ import annotations

from django import forms

from mealbuddy.alerts.models import MAX_FEE_SHARE, MAX_KEYWORD_LENGTH
from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.groupbuys.models import CATEGORIES, category_label


class AlertForm(NamedErrorsMixin, forms.Form):
    category = forms.ChoiceField(
        label="카테고리",
        required=False,
        choices=[("", "모든 카테고리"), *[(c, category_label(c)) for c in CATEGORIES]],
    )
    keyword = forms.CharField(
        label="가게 이름·제목에 들어갈 말",
        required=False,
        max_length=MAX_KEYWORD_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "예: 교촌, 허니콤보"}),
    )
    max_fee_share = forms.IntegerField(
        label="1인당 배달비 최대 (원)",
        required=False,
        min_value=0,
        max_value=MAX_FEE_SHARE,
        help_text="배달비를 모집 인원으로 나눈 금액이 이보다 크면 알리지 않아요. 비워 두면 상관없어요.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 500}),
    )
    include_neighbours = forms.BooleanField(label="이웃 동네 모집도 알려 주세요", required=False)
    quiet_start = forms.TimeField(
        label="방해 금지 시작",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label="방해 금지 끝",
        required=False,
        help_text="이 시간에 열린 모집은 끝나는 시각에 아직 모집 중이면 그때 알려 드려요.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class NudgeForm(forms.Form):
    nudges = forms.BooleanField(label="날씨에 맞는 메뉴 추천 받기", required=False)
