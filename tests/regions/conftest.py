# The browser fixtures (Chromium, a live uvicorn server on the test database, new_page).
from tests.e2e.conftest import browser, live_server_url, new_page  # noqa: F401
