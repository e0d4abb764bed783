"""Form error words in one tone: every stock Django message a page form can show says which
field it is about, in 해요체 ("제목을 입력해 주세요.", not "필수 항목입니다.").

A form class opts in with ``NamedErrorsMixin``; a message a field sets itself is kept.
"""

from __future__ import annotations

import re

from django import forms

_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")  # "최소주문금액 (원)" → "최소주문금액"

# Fields a person picks from rather than types into.
_PICKED = (
    forms.ChoiceField,
    forms.ModelChoiceField,
    forms.FileField,
    forms.MultipleChoiceField,
)


def _has_final_consonant(word: str) -> bool | None:
    """Whether the last syllable has a 받침 (None when it is not Hangul)."""
    if not word:
        return None
    code = ord(word[-1]) - 0xAC00
    if 0 <= code <= 11171:
        return code % 28 != 0
    if word[-1].isdigit():
        return word[-1] in "013678"  # 영, 일, 삼, 육, 칠, 팔
    return None


def particle(word: str, with_consonant: str, without: str) -> str:
    """``word`` followed by the right particle: 제목+을, 카테고리+를, ID+을(를)."""
    final = _has_final_consonant(word)
    if final is None:
        return f"{word}{with_consonant}({without})"
    return f"{word}{with_consonant if final else without}"


def field_name(label) -> str:
    """The label as a noun in a sentence (units in brackets dropped)."""
    return _SUFFIX.sub("", str(label or "")).strip() or "이 항목"


def named_messages(field: forms.Field, label) -> dict[str, str]:
    name = field_name(label)
    object_ = particle(name, "을", "를")
    topic = particle(name, "은", "는")
    if isinstance(field, forms.BooleanField):
        required = f"{particle(name, '을', '를')} 확인해 주세요."
    elif isinstance(field, _PICKED):
        required = f"{object_} 골라 주세요."
    else:
        required = f"{object_} 입력해 주세요."
    messages = {
        "required": required,
        "max_length": f"{topic} %(limit_value)d자 이내로 입력해 주세요. (지금 %(show_value)d자)",
        "min_length": f"{topic} %(limit_value)d자 이상 입력해 주세요. (지금 %(show_value)d자)",
        "invalid_choice": f"{object_} 목록에서 골라 주세요.",
    }
    if isinstance(field, forms.IntegerField):
        messages.update(
            invalid=f"{topic} 숫자로 입력해 주세요.",
            min_value=f"{topic} %(limit_value)s 이상으로 입력해 주세요.",
            max_value=f"{topic} %(limit_value)s 이하로 입력해 주세요.",
            step_size=f"{topic} %(limit_value)s 단위로 입력해 주세요.",
        )
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = "올바른 이메일 주소를 입력해 주세요."
    elif isinstance(field, (forms.DateTimeField, forms.DateField, forms.TimeField)):
        messages["invalid"] = f"{object_} 올바르게 입력해 주세요."
    elif isinstance(field, forms.FileField):
        messages.update(
            invalid="파일을 올리지 못했어요. 다시 골라 주세요.",
            empty="빈 파일이에요. 다른 파일을 골라 주세요.",
        )
    if isinstance(field, forms.MultipleChoiceField):
        messages["invalid_list"] = f"{object_} 목록에서 골라 주세요."
    return messages


def _stock_messages(field: forms.Field) -> dict[str, str]:
    """The messages Django gives this field's class (what a field did not set itself)."""
    stock: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        stock.update(getattr(cls, "default_error_messages", {}))
    return stock


def name_errors(form: forms.BaseForm) -> None:
    """Replace each field's stock messages with ones naming the field (own ones stay)."""
    for name, field in form.fields.items():
        stock = _stock_messages(field)
        for code, message in named_messages(field, field.label or name).items():
            current = field.error_messages.get(code)
            if current is None or current == stock.get(code):
                field.error_messages[code] = message


class NamedErrorsMixin:
    """For page forms: stock error messages name their field, in 해요체.

    ``form.fields`` is a deep copy per instance, so changing its messages here touches
    neither the class nor other forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_errors(self)


def add_service_errors(form: forms.Form, exc, rename: dict | None = None) -> None:
    """Show a service's errors (an ``ApplicationError``: one field or many) next to the form's
    fields, under the form's own names (``rename``); unknown fields go on top."""
    rename = rename or {}
    for field, messages in exc.as_errors().items():
        name = rename.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
