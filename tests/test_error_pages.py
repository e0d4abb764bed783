"""Korean error pages, and JSON errors under /api/ whatever went wrong."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.urls("tests.error_urls")


def assert_api_error(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body["errors"]) == ["error"]
    (message,) = body["errors"]["error"]
    assert any("가" <= ch <= "힣" for ch in message), message


def test_unknown_api_urls_answer_json_404(client, db):
    assert_api_error(client.get("/api/no-such-endpoint/"), 404)
    assert_api_error(client.post("/api/no/such/thing", {"a": 1}), 404)


def test_unknown_pages_answer_the_korean_404_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "페이지를 찾을 수 없어요" in html
    assert 'lang="ko"' in html


def test_an_exception_under_api_answers_json_500(db):
    client = Client(raise_request_exception=False)
    assert_api_error(client.get("/api/boom/"), 500)


def test_the_500_page_is_korean_and_needs_no_database(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "서버에 문제가 생겼어요" in html
    assert "Traceback" not in html and "RuntimeError" not in html
    # Even for a logged-in user (whose badges the page context would count), nothing queried.
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_the_500_page_survives_a_broken_template(db, monkeypatch):
    from django.template import loader

    def broken(name, *args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'css/app.css'")

    monkeypatch.setattr(loader, "get_template", broken)
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "서버에 문제가 생겼어요" in response.content.decode()


def test_csrf_failures_answer_json_under_api_and_a_korean_page_elsewhere(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert_api_error(client.post("/api/form/", {"a": 1}), 403)
    page = client.post("/form/", {"a": 1})
    assert page.status_code == 403
    assert "보안 확인에 실패했어요" in page.content.decode()
    # A real form of ours, posted without its token.
    login = Client(enforce_csrf_checks=True).post("/accounts/login/", {"email": "a@b.c"})
    assert login.status_code == 403
    assert "보안 확인에 실패했어요" in login.content.decode()


def test_bad_requests_answer_json_under_api_and_a_korean_page_elsewhere(client, db):
    # A Host header outside ALLOWED_HOSTS is a 400 (SuspiciousOperation).
    assert_api_error(client.get("/api/regions/search/", HTTP_HOST="evil.example"), 400)
    page = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    assert "요청을 처리할 수 없어요" in page.content.decode()


def test_permission_denied_outside_drf_answers_json_under_api(client, db):
    assert_api_error(client.get("/api/denied/"), 403)
    page = client.get("/denied/")
    assert page.status_code == 403
    assert "권한이 없어요" in page.content.decode()
