"""Web Push in Chromium: the notifications page subscribes through the real page script, the
real service worker and the real API; the server's push task reaches a push service that
checks the VAPID token and decrypts the payload.

What is faked, and why: headless Chromium has no push service to talk to, so
``PushManager.prototype.subscribe``/``getSubscription`` are replaced (Playwright init script)
by ones that return a subscription whose endpoint is the test's push service on 127.0.0.1 and
whose keys the test generated (so the test, standing in for the browser, can decrypt). The
service worker's ``push`` handler is driven with a synthetic ``PushEvent`` carrying the
payload the push service decrypted, and what it shows is read back with ``getNotifications``.
The ``notificationclick`` handler is not driven: a synthetic click event may not open or
focus windows (Chromium requires a real user gesture), so only a person can try that part.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from django.conf import settings
from playwright.sync_api import expect

from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.notifications.models import PushOptOut, PushSubscription
from tests.conftest import ensure_regions
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.push_service import PushService
from tests.servers import LiveServer

FAKE_PUSH_MANAGER = """
(() => {
  const fake = %s;
  const KEY = "mb-fake-push-subscription";
  const make = () => ({
    endpoint: fake.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    toJSON: () => ({ endpoint: fake.endpoint, expirationTime: null, keys: fake.keys }),
    getKey: () => null,
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__applicationServerKey = btoa(String.fromCharCode(...key))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    localStorage.setItem(KEY, "1");
    return make();
  };
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem(KEY) ? make() : null;
  };
})();
"""


@pytest.fixture
def push_service():
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        yield service


@pytest.fixture
def live_server_url(regions_tx):
    """The page tests' server, allowed to push over plain http to 127.0.0.1."""
    ensure_regions()
    with LiveServer(log_name="e2e-push", env={"PUSH_HTTP_HOSTS": "127.0.0.1"}) as server:
        yield server.url


def wait_until(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def test_subscribe_receive_a_push_and_switch_it_off(new_page, push_service, live_server_url):
    host = UserFactory(username="방장님")
    neighbour = UserFactory(username="옆집")
    order = make_order(host, title="BBQ 같이 시켜요", target_count=4)
    sub = push_service.subscription()

    page = new_page(permissions=["notifications"])
    page.context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(sub.as_json()))
    log_in(page, host.email)
    page.goto("/notifications/")
    toggle = page.get_by_role("button", name="푸시 알림 받기")
    toggle.click()
    expect(page.get_by_role("button", name="푸시 알림 끄기")).to_be_visible()
    expect(page.locator("[data-push-status]")).to_have_text("이 브라우저에서 푸시 알림을 받아요.")
    # The page subscribed with the server's VAPID key and handed the subscription over.
    assert page.evaluate("window.__applicationServerKey") == settings.VAPID_PUBLIC_KEY
    saved = wait_until(lambda: PushSubscription.objects.filter(user=host).first())
    assert saved is not None and saved.endpoint == sub.endpoint and saved.auth == sub.auth

    # A neighbour joins through the API: the server notifies the host, and its task pushes.
    token = tokens_for_user(neighbour)["token"]
    response = httpx.post(
        f"{live_server_url}/api/groupbuys/{order.pk}/join/",
        headers={"Authorization": f"token {token}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    (payload,) = push_service.wait_for(sub)
    assert not push_service.rejected, push_service.rejected
    assert payload["title"] == "밀버디 · 새 참여자"
    assert "옆집" in payload["body"]
    assert payload["url"].startswith("/")

    # The service worker shows what the push service delivered.
    worker = page.context.service_workers[0] if page.context.service_workers else None
    worker = worker or page.context.wait_for_event("serviceworker")
    shown = worker.evaluate(
        """async (payload) => {
          const event = new PushEvent("push", { data: JSON.stringify(payload) });
          self.dispatchEvent(event);
          for (let i = 0; i < 50; i++) {
            const list = await self.registration.getNotifications();
            if (list.length) return list.map((n) => ({ title: n.title, body: n.body, url: n.data.url }));
            await new Promise((r) => setTimeout(r, 100));
          }
          return [];
        }""",
        payload,
    )
    assert shown == [{"title": payload["title"], "body": payload["body"], "url": payload["url"]}]

    # A kind switched off on the page's form is stored for the user.
    page.get_by_label("마감 임박").uncheck()
    page.get_by_role("button", name="설정 저장").click()
    expect(page.get_by_text("푸시 알림 설정을 저장했어요.")).to_be_visible()
    assert list(PushOptOut.objects.filter(user=host).values_list("kind", flat=True)) == ["deadline"]
    expect(page.get_by_label("마감 임박")).not_to_be_checked()

    # "끄기": the subscription is gone from the server and the browser.
    page.get_by_role("button", name="푸시 알림 끄기").click()
    expect(page.get_by_role("button", name="푸시 알림 받기")).to_be_visible()
    assert wait_until(lambda: not PushSubscription.objects.filter(user=host).exists())
