"""Untrusted input at the edges: one place that decides what may reach a view or a service.

Everything a client can send passes through here before any database sees it:
- path ids through the ``<id:...>`` converter (registered in ``CoreConfig.ready``): a number
  beyond a 64-bit key reads as a missing id, instead of overflowing the driver;
- query integers through ``query_int`` (a field error) or ``page_number`` (lenient, clamped);
- every string of a query, a form, a JSON body or a socket frame through ``bad_character``:
  PostgreSQL refuses NUL and no driver can encode a lone surrogate, so both are refused
  here with a field error instead of failing deep inside a query;
- JSON (bodies and socket frames) through ``json_parse``: bounded size and depth, no
  ``NaN``/``Infinity``, no ``RecursionError``.

``InputGuardMiddleware`` applies the checks to paths, queries and forms of every request;
``JSONBodyParser`` to API bodies; ``frame_parse`` to socket frames.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape
from rest_framework.parsers import JSONParser

from mealbuddy.core.errors import ApplicationError

MAX_BIGINT = 2**63 - 1  # the largest BigAutoField / BigIntegerField value
# No legitimate body or frame nests deeper than a handful of levels; a cap far below the
# interpreter's recursion limit keeps every later recursive walk (serializers, renderers) safe.
MAX_JSON_DEPTH = 32
# The original client's feed reads at most (page + 10) * 10 ids: keep that a small number.
MAX_PAGE = 10_000
# Socket frames carry one chat line (at most 1,000 characters) and a few keys.
MAX_FRAME_BYTES = 16 * 1024

INVALID_CHARACTER = "허용되지 않는 문자(NUL 또는 깨진 유니코드)가 들어 있어요."
TOO_BIG = "숫자가 너무 커요."
TOO_DEEP = "JSON이 너무 깊게 중첩되어 있어요."
NOT_JSON = "JSON 형식이 아니에요."
NOT_AN_OBJECT = '요청 본문은 {"이름": 값, ...} 형식의 JSON 객체로 보내 주세요.'
_BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class InvalidCharacters(ApplicationError):
    code = "invalid_characters"


class TooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


def too_large() -> TooLarge:
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return TooLarge(f"요청 본문이 너무 커요. {limit_mb:g}MB 이하로 보내 주세요.")


# --- Integers -------------------------------------------------------------------------------


class IdConverter:
    """``<id:pk>``: a database id. A number no 64-bit key can hold reads as 0, an id no row
    has, so the view answers exactly as for any other missing id (its own 404 or error
    shape) and no query ever carries the oversized number."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_BIGINT)):  # int() of 5,000 digits is itself an error
            return 0
        number = int(value)
        return number if number <= MAX_BIGINT else 0

    def to_url(self, value) -> str:
        return str(int(value))


def int_or_none(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    # Digits only (an optional sign): "1e20", "1_000" and 10,000-digit strings are not ids.
    if not re.fullmatch(r"[+-]?[0-9]{1,20}", raw):
        return None
    return int(raw)


def id_or_none(raw: Any) -> int | None:
    """A database id from a form or a query (text or int), or None for anything else."""
    value = int_or_none(raw)
    return value if value is not None and 0 < value <= MAX_BIGINT else None


def query_int(
    params: Mapping,
    key: str,
    *,
    label: str,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_BIGINT,
) -> int | None:
    """An integer query parameter, or a Korean field error (400) naming ``key``."""
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    value = int_or_none(raw)
    if value is None or not minimum <= value <= maximum:
        raise ApplicationError(
            f"{label}은(는) {minimum}부터 {maximum}까지의 정수로 보내 주세요.",
            code="invalid_number",
            field=key,
        )
    return value


def page_number(raw: Any, *, maximum: int = MAX_PAGE) -> int:
    """A page number the lenient way pages have always read it: anything unreadable is
    page 1, anything past ``maximum`` is ``maximum`` (the caller clamps to the last page)."""
    value = int_or_none(raw)
    if value is None:
        return 1
    return min(max(value, 1), maximum)


# --- Strings and structures -----------------------------------------------------------------


def bad_character(value: str) -> bool:
    """True if ``value`` holds NUL or a lone surrogate (no database can store either)."""
    return _BAD_CHARACTERS.search(value) is not None


def _field_error(field: str | None, message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, field=field or "error")


def structure_check(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse a decoded JSON value nested deeper than ``max_depth`` or holding a bad string.

    Walked with an explicit stack (no recursion); the error names the top-level key."""
    stack: list[tuple[Any, int, str | None]] = [(data, 0, None)]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            if bad_character(value):
                raise _field_error(field, INVALID_CHARACTER, InvalidCharacters.code)
        elif isinstance(value, int) and not -MAX_BIGINT - 1 <= value <= MAX_BIGINT:
            # No column holds it; SQLite's driver would overflow and PostgreSQL refuse it.
            raise _field_error(field, TOO_BIG, "number_out_of_range")
        elif isinstance(value, float) and not math.isfinite(value):
            raise _field_error(field, TOO_BIG, "number_out_of_range")  # 1e999 decodes as inf
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                raise _field_error(field, TOO_DEEP, "too_deep")
            if isinstance(value, dict):
                for key, item in value.items():
                    name = field if field is not None else str(key)
                    if bad_character(key):
                        raise _field_error(field, INVALID_CHARACTER, InvalidCharacters.code)
                    stack.append((item, depth + 1, name))
            else:
                stack.extend((item, depth + 1, field) for item in value)


def pairs_check(pairs: Iterable[tuple[str, str]]) -> None:
    """Refuse NUL or a lone surrogate in a query string's or a form's names and values."""
    for key, value in pairs:
        if bad_character(key):
            raise InvalidCharacters(INVALID_CHARACTER, field="error")
        if isinstance(value, str) and bad_character(value):
            raise InvalidCharacters(INVALID_CHARACTER, field=key)


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def json_parse(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode JSON text from a client: a 400-class ``ApplicationError`` for anything that is
    not plain JSON (``NaN``, invalid UTF-8, nested past ``max_depth``, NUL, lone surrogates)."""
    try:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        data = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise ApplicationError(TOO_DEEP, code="too_deep") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ApplicationError(NOT_JSON, code="invalid_json") from None
    structure_check(data, max_depth=max_depth)
    return data


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, bounded: DRF reads the stream itself, which bypasses Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; here the same limit holds (413), and the decoded body
    goes through ``json_parse``'s checks."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if request is not None and limit is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise too_large()
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise ApplicationError(NOT_JSON, code="invalid_json") from None
        data = json_parse(text)
        if not isinstance(data, dict):
            # Every view reads named fields: a bare list, string or null is no request.
            raise ApplicationError(NOT_AN_OBJECT, code="invalid_json")
        return data


# --- Socket frames --------------------------------------------------------------------------


def frame_parse(text_data: str | None = None, bytes_data: bytes | None = None) -> dict:
    """A client's socket frame as a JSON object, or an ``ApplicationError`` whose ``code`` and
    ``message`` the consumer sends back as ``{"type": "error", ...}``."""
    if text_data is None:
        raise ApplicationError("JSON 텍스트로 보내 주세요.", code="invalid_frame")
    if len(text_data) > MAX_FRAME_BYTES:
        raise ApplicationError(
            f"한 번에 {MAX_FRAME_BYTES // 1024}KB까지 보낼 수 있어요.", code="frame_too_large"
        )
    content = json_parse(text_data)
    if not isinstance(content, dict):
        raise ApplicationError(
            '{"type": ..., ...} 형식의 객체로 보내 주세요.', code="invalid_frame"
        )
    return content


def frame_int(content: Mapping, key: str, *, message: str, code: str) -> int:
    """A non-negative id inside a frame (JSON integer, never a bool or beyond 64 bits)."""
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BIGINT:
        raise ApplicationError(message, code=code, field=key)
    return value


# --- Requests -------------------------------------------------------------------------------

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def error_response(request, exc: ApplicationError):
    """The error as the API's JSON (under /api/) or a short Korean page."""
    if _is_api(request):
        return JsonResponse(
            {"errors": exc.as_errors(), "code": exc.code},
            status=exc.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
    messages = "".join(f"<li>{escape(m)}</li>" for ms in exc.as_errors().values() for m in ms)
    page = (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>잘못된 요청 - 밀버디</title></head><body><h1>잘못된 요청이에요</h1>"
        f'<ul>{messages}</ul><p><a href="/">처음으로</a></p></body></html>'
    )
    return HttpResponse(page, status=exc.status_code, content_type="text/html; charset=utf-8")


class InputGuardMiddleware:
    """Refuse what no view can handle before any view runs: NUL or a broken surrogate in the
    path, the query or a form field (400, naming the field), and form bodies over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413). JSON bodies are checked by ``JSONBodyParser``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            self.check(request)
        except ApplicationError as exc:
            return error_response(request, exc)
        return self.get_response(request)

    @staticmethod
    def check(request) -> None:
        if bad_character(request.path_info):
            raise InvalidCharacters(INVALID_CHARACTER, field="path")
        try:
            pairs_check(_flat(request.GET))
            if request.method in ("POST", "PUT", "PATCH") and (request.content_type in _FORM_TYPES):
                pairs_check(_flat(request.POST))
                for name, upload in request.FILES.items():
                    if bad_character(name) or bad_character(upload.name or ""):
                        raise InvalidCharacters(INVALID_CHARACTER, field=name)
        except RequestDataTooBig:
            raise too_large() from None
        except (TooManyFieldsSent, TooManyFilesSent):
            raise ApplicationError("보낸 항목이 너무 많아요.", code="too_many_fields") from None
        except MultiPartParserError:
            raise ApplicationError("요청 본문을 해석할 수 없어요.", code="invalid_form") from None


def _flat(query_dict) -> Iterable[tuple[str, str]]:
    for key, values in query_dict.lists():
        for value in values:
            yield key, value
