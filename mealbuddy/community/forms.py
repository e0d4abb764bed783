"""Page forms: they parse types only; the rules (lengths, topics, the photo cap) live in the
services, whose errors come back onto these forms."""

from __future__ import annotations

from django import forms

from mealbuddy.community.models import (
    COMMENT_MAX,
    PHOTOS_MAX,
    RESTAURANT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Post,
)
from mealbuddy.core.forms import NamedErrorsMixin


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented recipe); a list, maybe empty."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PostForm(NamedErrorsMixin, forms.Form):
    topic = forms.ChoiceField(label="주제", choices=Post.Topic.choices, widget=forms.RadioSelect)
    title = forms.CharField(
        label="제목",
        help_text=f"{TITLE_MAX}자 이내",
        widget=forms.TextInput(
            attrs={"maxlength": TITLE_MAX, "placeholder": "예: 붕어빵 트럭 왔어요"}
        ),
    )
    text = forms.CharField(
        label="내용",
        help_text=f"{TEXT_MAX:,}자 이내",
        widget=forms.Textarea(attrs={"maxlength": TEXT_MAX, "rows": 8}),
    )
    restaurant = forms.CharField(
        label="가게 이름",
        required=False,
        help_text="맛집 추천이나 가게 이야기라면 적어 주세요 (선택)",
        widget=forms.TextInput(
            attrs={"maxlength": RESTAURANT_MAX, "placeholder": "예: 교촌치킨 홍대점"}
        ),
    )
    group_order = forms.TypedChoiceField(
        label="공동주문 연결",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="내가 모집했거나 참여한 공동주문을 글에 걸 수 있어요 (선택)",
    )
    photos = MultipleFileField(
        label="사진",
        required=False,
        help_text=f"{PHOTOS_MAX}장까지, 한 장에 5MB 이하 (JPEG, PNG, WEBP, GIF)",
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label="지울 사진", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, orders=(), photos=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_order"].choices = [("", "연결 안 함")] + [
            (str(o.pk), o.title) for o in orders
        ]
        self.fields["remove_photos"].choices = [
            (str(p.pk), f"사진 {n}") for n, p in enumerate(photos, 1)
        ]
        self.existing_photos = list(photos)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "topic": data["topic"],
            "title": data["title"],
            "text": data["text"],
            "restaurant": data.get("restaurant", ""),
            "group_order_id": data.get("group_order"),
        }


class CommentForm(NamedErrorsMixin, forms.Form):
    text = forms.CharField(
        label="댓글", widget=forms.Textarea(attrs={"maxlength": COMMENT_MAX, "rows": 2})
    )


def initial_from(post: Post) -> dict:
    return {
        "topic": post.topic,
        "title": post.title,
        "text": post.text,
        "restaurant": post.restaurant,
        "group_order": post.group_order_id,
    }
