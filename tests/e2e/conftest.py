"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ensure_regions
from tests.servers import LiveServer

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (installs it) or set CHROMIUM_PATH"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server_url(regions_tx):
    ensure_regions()
    with LiveServer(log_name="e2e") as server:
        yield server.url


# Chromium reports a blocked resource or script both on the console and as a DOM event; the
# event is re-logged with a marker so one console listener sees every violation.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || location.href}:${event.lineNumber}`);
});
"""


def is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or "Content Security Policy" in text


@pytest.fixture
def csp_violations():
    """Every CSP violation seen by the test's pages; a test that expects none fails on any."""
    return []


@pytest.fixture
def new_page(browser, live_server_url, csp_violations, request):
    """``page = new_page()`` opens a fresh context (a separate person) on the live server.

    Every page fails its test on a Content-Security-Policy violation (a blocked script,
    style, handler or socket), unless the test marks itself ``allow_csp_violations``.
    """
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 390, "height": 844})
        context = browser.new_context(base_url=live_server_url, locale="ko-KR", **kwargs)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp_violations.append(f"{page.url}: {message.text}")
                if is_csp_violation(message.text)
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    if csp_violations and request.node.get_closest_marker("allow_csp_violations") is None:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(csp_violations))


# --- What a person sees: accessibility checks and screenshots ----------------------------------

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# axe-core rules run on every checked page: WCAG 2.1 A/AA (contrast, labels, names, landmarks
# that matter on a phone). Best-practice rules are left out on purpose.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page, *, options: dict | None = None) -> list[str]:
    """axe-core's WCAG A/AA violations on ``page`` now, one readable line per failing node."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=options or AXE_OPTIONS)
    # axe leaves empty style="" attributes on the nodes it measured; an htmx swap would copy
    # them onto new elements, which the page's CSP (rightly) blocks.
    page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))"
    )
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"{violation['id']} at {target}: {summary[:200]}")
    return lines


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page)`` fails the test with every WCAG A/AA violation axe finds
    (contrast included) on the page as it is now."""

    def check(page, *, options: dict | None = None) -> None:
        found = axe_violations(page, options=options)
        assert not found, f"accessibility violations on {page.url}:\n" + "\n".join(found)

    return check


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "board")`` keeps a full-page PNG in test-artifacts/screenshots/,
    named after the test and the viewport, for people to look at after the run."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size or {"width": 0, "height": 0}
        test = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        path = ARTIFACTS / f"{test}-{name}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
