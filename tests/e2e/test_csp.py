"""The Content-Security-Policy holds in a real browser, and the journeys would notice a breach.

Every browser test fails on a CSP violation (tests/e2e/conftest.py); this one proves that
listener sees one, so a journey passing means its pages really ran under the policy.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.allow_csp_violations
def test_injected_inline_script_and_handler_are_blocked_and_reported(new_page, csp_violations):
    page = new_page()
    response = page.goto("/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("button", name="로그인")).to_be_visible()
    assert csp_violations == []  # the page itself, htmx included, runs clean

    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__injected = true";
          document.head.append(script);
          const button = document.createElement("button");
          button.setAttribute("onclick", "window.__clicked = true");
          button.id = "injected";
          button.textContent = "x";
          document.body.append(button);
        }"""
    )
    page.locator("#injected").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__injected") is None
    assert page.evaluate("window.__clicked") is None
    assert any("script-src" in violation for violation in csp_violations), csp_violations


def test_offline_page_retry_button_works_without_an_inline_handler(new_page):
    page = new_page()
    page.goto("/offline/")
    page.evaluate("window.__marker = 1")
    with page.expect_navigation():
        page.get_by_role("button", name="다시 시도").click()
    assert page.evaluate("window.__marker") is None  # the page really reloaded
