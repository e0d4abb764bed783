"""One tone, 해요체: no user-facing string in mealbuddy/, templates/ or static/js/ ends in
합쇼체 (…습니다, …입니다, …십시오, …니까?).

Python is read with ``ast``, so comments and docstrings are skipped, and so are the arguments
of logger calls. The only exceptions are the sentences the original client's contract quotes
verbatim (docs/API_CONTRACT.md): they stay exactly as the client knows them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mealbuddy.accounts.services import _password_message

ROOT = Path(__file__).resolve().parent.parent

FORMAL = re.compile(r"[가-힣]니다|십시오|[가-힣]니까\?")

# Quoted verbatim by the original client's contract; the client depends on them.
CONTRACT_VERBATIM = (
    "님이 입장했습니다.",  # chat.user.join system message
    "님이 퇴장했습니다.",  # chat.user.leave system message
    "유효하지 않은 유저정보 입니다.",  # 401 body of POST /api/user/delete/
)

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


def _formal(text: str) -> bool:
    for allowed in CONTRACT_VERBATIM:
        text = text.replace(allowed, "")
    return bool(FORMAL.search(text))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _log_arguments(tree: ast.AST) -> set[int]:
    """Strings inside ``logger.info(...)``-style calls (developer text)."""
    ids = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS
            and isinstance(node.func.value, ast.Name)
            and "log" in node.func.value.id.lower()
        ):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                ids.update(id(n) for n in ast.walk(arg))
    return ids


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return path.name


def python_offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _docstrings(tree) | _log_arguments(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in skipped:
            # An f-string: judge the literal parts together ("{name} 님이 입장했습니다.").
            text = "{}".join(
                part.value
                for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            if _formal(" " + text):
                found.append(f"{_rel(path)}:{node.lineno}: {text.strip()[:80]}")
            skipped.update(id(part) for part in node.values)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and _formal(node.value)
        ):
            found.append(f"{_rel(path)}:{node.lineno}: {node.value.strip()[:80]}")
    return found


_TEMPLATE_COMMENTS = re.compile(
    r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|<!--.*?-->", re.DOTALL
)
_JS_COMMENTS = re.compile(r"/\*.*?\*/|^\s*//.*?$", re.DOTALL | re.MULTILINE)


def text_offences(path: Path, comments: re.Pattern) -> list[str]:
    source = path.read_text(encoding="utf-8")
    # Blank out comments but keep the line numbers.
    source = comments.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
    return [
        f"{_rel(path)}:{number}: {line.strip()[:80]}"
        for number, line in enumerate(source.splitlines(), start=1)
        if _formal(line)
    ]


def _all_offences() -> list[str]:
    found = []
    for path in sorted((ROOT / "mealbuddy").rglob("*.py")):
        found += python_offences(path)
    templates = [*(ROOT / "mealbuddy").rglob("*.html"), *(ROOT / "templates").rglob("*.html")]
    for path in sorted(templates):
        found += text_offences(path, _TEMPLATE_COMMENTS)
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        found += text_offences(path, _JS_COMMENTS)
    return found


def test_user_facing_text_speaks_haeyoche():
    offences = _all_offences()
    assert not offences, "합쇼체 in user-facing text (use 해요체):\n" + "\n".join(offences)


def test_the_contract_sentences_are_still_verbatim():
    services = (ROOT / "mealbuddy/groupbuys/services.py").read_text(encoding="utf-8")
    assert "{user.display_name} 님이 입장했습니다." in services
    assert "{user.display_name} 님이 퇴장했습니다." in services
    users = (ROOT / "mealbuddy/compat/users.py").read_text(encoding="utf-8")
    assert 'DELETE_REFUSED = "유효하지 않은 유저정보 입니다."' in users


@pytest.mark.parametrize(
    "snippet",
    [
        'MESSAGE = "주문을 찾을 수 없습니다."',
        'raise NotFound(f"{name}은 {n}명입니다")',
        'def f():\n    return "확인하십시오"',
        'QUESTION = "나갈까요? 정말입니까?"',
    ],
)
def test_the_guard_catches_formal_python(tmp_path, snippet):
    path = tmp_path / "probe.py"
    path.write_text(snippet, encoding="utf-8")
    assert python_offences(path)


@pytest.mark.parametrize(
    "snippet",
    [
        '"""모듈 설명입니다."""\n',
        "# 주석입니다\nX = 1\n",
        'logger.info("처리했습니다 %s", 1)\n',
        'TEXT = f"{name} 님이 입장했습니다."\n',
        'MESSAGE = "주문을 찾을 수 없어요."\n',
    ],
)
def test_the_guard_skips_docstrings_comments_logs_and_the_contract(tmp_path, snippet):
    path = tmp_path / "probe.py"
    path.write_text(snippet, encoding="utf-8")
    assert python_offences(path) == []


def test_the_guard_reads_template_text_but_not_comments(tmp_path):
    path = tmp_path / "probe.html"
    path.write_text(
        "{# 설명입니다 #}\n<!-- 메모입니다 -->\n<p>좋아요</p>\n<p>없습니다</p>\n",
        encoding="utf-8",
    )
    assert text_offences(path, _TEMPLATE_COMMENTS) == ["probe.html:4: <p>없습니다</p>"]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("zq7#", "비밀번호가 너무 짧아요. 8자 이상 입력해 주세요."),
        ("password", "너무 흔한 비밀번호예요. 남이 짐작하기 어려운 비밀번호를 입력해 주세요."),
        ("4829175301", "비밀번호가 숫자로만 되어 있어요. 문자를 섞어 주세요."),
        ("gildong.hong", "비밀번호가 이메일과 너무 비슷해요. 다른 비밀번호를 입력해 주세요."),
    ],
)
def test_django_password_messages_are_ours(password, expected):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from mealbuddy.accounts.models import User

    user = User(email="gildong.hong@example.com", username="홍길동")
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=user)
    messages = [_password_message(error) for error in caught.value.error_list]
    assert expected in messages
    assert not any(_formal(message) for message in messages)


def test_drf_stock_field_messages_are_ours(auth_client):
    response = auth_client.post(
        "/api/groupbuys/", {"target_count": "x", "deadline": "bad"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["title"] == ["이 항목을 입력해 주세요."]
    assert errors["target_count"] == ["숫자로 입력해 주세요."]
    assert errors["deadline"] == ["날짜와 시각을 2026-12-01T18:30+09:00 형식으로 보내 주세요."]


def test_every_drf_field_message_we_install_is_haeyoche():
    from rest_framework import fields, serializers

    from mealbuddy.core.api import FIELD_MESSAGES

    for messages in FIELD_MESSAGES.values():
        assert not any(_formal(message) for message in messages.values()), messages
    for field in (
        fields.CharField(),
        fields.IntegerField(),
        fields.DateTimeField(),
        fields.ChoiceField(choices=["a"]),
        fields.BooleanField(),
        serializers.Serializer(),
    ):
        rendered = [str(message) for message in field.error_messages.values()]
        assert not any(_formal(message) for message in rendered), rendered
