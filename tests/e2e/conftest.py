"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server."""

from __future__ import annotations

import os
import shutil

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


@pytest.fixture
def new_page(browser, live_server_url):
    """``page = new_page()`` opens a fresh context (a separate person) on the live server."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(
            base_url=live_server_url,
            locale="ko-KR",
            viewport={"width": 390, "height": 844},
            **kwargs,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
