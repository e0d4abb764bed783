"""DRF glue: every error under /api/ is JSON ``{"errors": {field: [messages]}}``.

Views that must answer in another shape (the original client reads a few bodies
unwrapped or as a bare string) build those responses themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mealbuddy.core.errors import ApplicationError

MESSAGES = {
    exceptions.NotAuthenticated: "로그인이 필요해요.",
    exceptions.AuthenticationFailed: "인증 정보가 올바르지 않아요. 다시 로그인해 주세요.",
    exceptions.PermissionDenied: "권한이 없어요.",
    exceptions.NotFound: "찾을 수 없어요.",
    exceptions.MethodNotAllowed: "허용되지 않은 요청 방식이에요.",
    exceptions.ParseError: "요청 본문을 해석할 수 없어요.",
    exceptions.UnsupportedMediaType: "지원하지 않는 형식이에요.",
    exceptions.Throttled: "요청이 너무 많아요. 잠시 후 다시 시도해 주세요.",
}


# DRF's stock field messages speak 합쇼체 ("이 필드는 필수 항목입니다."); every API error is keyed
# by its field, so ours say what to do, in 해요체. A message a serializer sets itself is kept.
FIELD_MESSAGES = {
    "Field": {"required": "이 항목을 입력해 주세요.", "null": "이 항목을 비워 둘 수 없어요."},
    "CharField": {
        "invalid": "글자로 입력해 주세요.",
        "blank": "이 항목을 입력해 주세요.",
        "max_length": "{max_length}자 이내로 입력해 주세요.",
        "min_length": "{min_length}자 이상 입력해 주세요.",
    },
    "BooleanField": {"invalid": "true 또는 false로 보내 주세요."},
    "ChoiceField": {"invalid_choice": '"{input}"은(는) 고를 수 있는 값이 아니에요.'},
    "MultipleChoiceField": {
        "invalid_choice": '"{input}"은(는) 고를 수 있는 값이 아니에요.',
        "not_a_list": "목록으로 보내 주세요.",
        "empty": "하나 이상 골라 주세요.",
    },
    "IntegerField": {
        "invalid": "숫자로 입력해 주세요.",
        "max_value": "{max_value} 이하로 입력해 주세요.",
        "min_value": "{min_value} 이상으로 입력해 주세요.",
        "max_string_length": "숫자가 너무 길어요.",
    },
    "FloatField": {
        "invalid": "숫자로 입력해 주세요.",
        "max_value": "{max_value} 이하로 입력해 주세요.",
        "min_value": "{min_value} 이상으로 입력해 주세요.",
        "max_string_length": "숫자가 너무 길어요.",
        "overflow": "숫자가 너무 커요.",
    },
    "DecimalField": {
        "invalid": "숫자로 입력해 주세요.",
        "max_value": "{max_value} 이하로 입력해 주세요.",
        "min_value": "{min_value} 이상으로 입력해 주세요.",
        "max_digits": "숫자는 {max_digits}자리까지 쓸 수 있어요.",
        "max_decimal_places": "소수점 아래는 {max_decimal_places}자리까지 쓸 수 있어요.",
        "max_whole_digits": "소수점 앞은 {max_whole_digits}자리까지 쓸 수 있어요.",
        "max_string_length": "숫자가 너무 길어요.",
    },
    "DateTimeField": {
        "invalid": "날짜와 시각을 2026-12-01T18:30+09:00 형식으로 보내 주세요.",
        "date": "날짜만 말고 시각까지 보내 주세요.",
        "make_aware": '"{timezone}" 시간대에 없는 시각이에요.',
        "overflow": "날짜와 시각이 범위를 벗어났어요.",
    },
    "DateField": {
        "invalid": "날짜를 2026-12-01 형식으로 보내 주세요.",
        "datetime": "시각 없이 날짜만 보내 주세요.",
    },
    "TimeField": {"invalid": "시각을 18:30 형식으로 보내 주세요."},
    "EmailField": {"invalid": "올바른 이메일 주소를 입력해 주세요."},
    "URLField": {"invalid": "올바른 주소(URL)를 입력해 주세요."},
    "RegexField": {"invalid": "형식이 올바르지 않아요."},
    "UUIDField": {"invalid": "올바른 UUID가 아니에요."},
    "JSONField": {"invalid": "올바른 JSON 값이 아니에요."},
    "FileField": {
        "required": "파일을 골라 주세요.",
        "invalid": "파일이 아니에요. multipart/form-data로 보내 주세요.",
        "no_name": "파일 이름을 알 수 없어요.",
        "empty": "빈 파일이에요. 다른 파일을 골라 주세요.",
        "max_length": "파일 이름은 {max_length}자까지 쓸 수 있어요. (지금 {length}자)",
    },
    "ImageField": {"invalid_image": "이미지 파일이 아니거나 손상된 파일이에요."},
    "ListField": {
        "not_a_list": "목록으로 보내 주세요.",
        "empty": "비워 둘 수 없어요.",
        "min_length": "{min_length}개 이상 보내 주세요.",
        "max_length": "{max_length}개까지 보낼 수 있어요.",
    },
    "DictField": {"not_a_dict": "객체(JSON)로 보내 주세요.", "empty": "비워 둘 수 없어요."},
    "PrimaryKeyRelatedField": {
        "required": "이 항목을 입력해 주세요.",
        "does_not_exist": '"{pk_value}"번 항목이 없어요.',
        "incorrect_type": "번호(숫자)로 보내 주세요.",
    },
    "ListSerializer": {
        "not_a_list": "목록으로 보내 주세요.",
        "empty": "비워 둘 수 없어요.",
        "min_length": "{min_length}개 이상 보내 주세요.",
        "max_length": "{max_length}개까지 보낼 수 있어요.",
    },
    "Serializer": {"invalid": "객체(JSON)로 보내 주세요."},
}


def drf_messages_install() -> None:
    """Put ``FIELD_MESSAGES`` in place of DRF's defaults (fields copied per request see them)."""
    from rest_framework import fields, relations, serializers

    for name, messages in FIELD_MESSAGES.items():
        cls = next(
            getattr(module, name)
            for module in (fields, relations, serializers)
            if hasattr(module, name)
        )
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **messages}


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        out: list[str] = []
        for item in detail:
            out.extend(_flatten(item))
        return out
    if isinstance(detail, dict):
        out = []
        for value in detail.values():
            out.extend(_flatten(value))
        return out
    return [str(detail)]


def errors_body(detail) -> dict:
    """Normalise a DRF error detail into ``{"errors": {field: [str]}}``."""
    if isinstance(detail, dict):
        errors = {}
        for key, value in detail.items():
            name = "error" if key in ("non_field_errors", "detail") else key
            errors.setdefault(name, []).extend(_flatten(value))
        return {"errors": errors}
    return {"errors": {"error": _flatten(detail)}}


def application_error_response(exc: ApplicationError) -> Response:
    body = {"errors": exc.as_errors(), "code": exc.code}
    body.update(exc.extra)
    response = Response(body, status=exc.status_code)
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = errors_body(exc.detail)
    else:
        message = MESSAGES.get(type(exc))
        if message is None:
            message = next(
                (m for cls, m in MESSAGES.items() if isinstance(exc, cls)), str(exc.detail)
            )
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            message = f"{message} ({int(exc.wait)}초 후)"
        response.data = {"errors": {"error": [message]}, "code": exc.default_code}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and not response.has_header(
        "WWW-Authenticate"
    ):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def validated(serializer_class, data, **kwargs) -> dict:
    """``data`` checked by ``serializer_class`` (a 400 with field errors when it is not valid),
    as a plain dict for a service's keyword arguments."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


_ERROR_BODY = inline_serializer(
    "ApiError",
    {
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="필드 이름 → 메시지 목록",
        ),
        "code": serializers.CharField(required=False, help_text="오류 코드"),
    },
)


def error_answer(description: str) -> OpenApiResponse:
    """An error answer in the schema: ``{"errors": {field: [message]}, "code": ...}`` (what
    ``application_error_response`` and the DRF handler above write)."""
    return OpenApiResponse(_ERROR_BODY, description=description)
