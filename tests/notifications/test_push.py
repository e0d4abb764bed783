"""Web Push against a real push service on 127.0.0.1 (tests/push_service.py) that checks the
VAPID token and decrypts every payload with the subscription's own keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mealbuddy.notifications.models import Notification, PushOptOut, PushSubscription
from mealbuddy.notifications.services import notifications_create, notifications_send
from mealbuddy.notifications.tasks import push_notifications
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.jobs.conftest import run_worker
from tests.push_service import PushService, b64url

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_service(settings):
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    settings.PUSH_TIMEOUT = 0.5
    settings.PUSH_RETRY_SECONDS = 1
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        service.hang_seconds = 2.0
        yield service
    assert not service.rejected, service.rejected


def subscribe(user, sub) -> None:
    response = client_for(user).post("/api/push/subscriptions/", sub.as_json(), format="json")
    assert response.status_code == 201, response.content


def status_notice(user, text="'치킨' 주문이 완료됐어요.") -> Notification:
    (notification,) = notifications_create(
        users=[user], kind=Notification.Kind.STATUS, text=text, url="/chats/7/"
    )
    return notification


# --- delivery -----------------------------------------------------------------------------------


def test_a_notification_reaches_the_browser_once_and_decrypts_to_its_text(push_service, user):
    sub = push_service.subscription()
    subscribe(user, sub)
    notification = status_notice(user)
    assert push_service.received(sub) == [
        {
            "title": "밀버디 · 주문 상태 변경",
            "body": "'치킨' 주문이 완료됐어요.",
            "url": "/chats/7/",
            "tag": f"notification-{notification.pk}",
        }
    ]
    # The task run again (a retry after a crash) pushes nothing twice.
    push_notifications.enqueue(notification_ids=[notification.pk])
    assert len(push_service.received(sub)) == 1
    assert PushSubscription.objects.get().last_success_at is not None


def test_every_browser_of_the_user_gets_it_and_other_users_nothing(push_service, user):
    phone, laptop, stranger = (push_service.subscription() for _ in range(3))
    subscribe(user, phone)
    subscribe(user, laptop)
    subscribe(UserFactory(), stranger)
    status_notice(user)
    assert len(push_service.received(phone)) == 1
    assert len(push_service.received(laptop)) == 1
    assert push_service.received(stranger) == []


def test_a_fan_out_queued_by_a_request_is_pushed_by_the_worker_not_the_request(
    db_tasks, push_service, user
):
    sub = push_service.subscription()
    subscribe(user, sub)
    notifications_send(users=[user], kind="status", text="배달이 출발했어요.")
    assert push_service.attempts(sub) == 0
    run_worker()  # the fan-out task creates the notification and queues the push task
    assert [p["body"] for p in push_service.received(sub)] == ["배달이 출발했어요."]


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_deleted(push_service, user, status):
    sub = push_service.subscription()
    subscribe(user, sub)
    push_service.script(sub, [status])
    status_notice(user)
    assert push_service.attempts(sub) == 1
    assert not PushSubscription.objects.exists()


def test_a_timeout_is_retried_with_growing_back_off_until_it_is_delivered(
    db_tasks, push_service, user
):
    sub = push_service.subscription()
    subscribe(user, sub)
    push_service.script(sub, ["hang", 503, 201])
    status_notice(user, text="늦게라도 도착")
    delays = []
    for _ in range(3):
        run_worker()
        retry = DBTaskResult.objects.filter(
            status="READY", task_path="mealbuddy.notifications.tasks.push_retry"
        ).first()
        if retry is None:
            break
        delays.append((retry.run_after - retry.enqueued_at).total_seconds())
        # Let the back-off pass without sleeping through it.
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert push_service.attempts(sub) == 3
    assert [p["body"] for p in push_service.received(sub)] == ["늦게라도 도착"]
    # PUSH_RETRY_SECONDS=1: about 1 s before the 2nd try, 2 s before the 3rd.
    assert len(delays) == 2
    assert [round(d, 1) for d in delays] == [1.0, 2.0], delays
    assert PushSubscription.objects.get().failures == 0


def test_retries_stop_after_push_max_attempts(db_tasks, push_service, user, settings):
    settings.PUSH_MAX_ATTEMPTS = 3
    sub = push_service.subscription()
    subscribe(user, sub)
    push_service.script(sub, [500] * 10)
    status_notice(user)
    for _ in range(5):
        run_worker()
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    assert push_service.attempts(sub) == 3
    # A push service that is down says nothing about the subscription: it stays.
    assert PushSubscription.objects.filter(failures=0).exists()


def test_other_refusals_count_and_drop_the_subscription_at_the_limit(push_service, user, settings):
    settings.PUSH_MAX_FAILURES = 2
    sub = push_service.subscription()
    subscribe(user, sub)
    push_service.script(sub, [403, 201, 400, 413])
    status_notice(user)
    assert PushSubscription.objects.get().failures == 1
    status_notice(user)  # a success resets the count
    assert PushSubscription.objects.get().failures == 0
    status_notice(user)
    status_notice(user)
    assert not PushSubscription.objects.exists()
    assert push_service.attempts(sub) == 4


# --- per-kind opt-out ----------------------------------------------------------------------------


def test_a_kind_switched_off_is_not_pushed_but_still_listed(push_service, user):
    sub = push_service.subscription()
    subscribe(user, sub)
    response = client_for(user).put(
        "/api/push/preferences/", {"off": ["full", "chat"]}, format="json"
    )
    assert response.status_code == 200, response.content
    states = {k["kind"]: k["on"] for k in response.json()["kinds"]}
    assert states == {
        "joined": True,
        "full": False,
        "deadline": True,
        "status": True,
        "chat": False,
        "community": True,  # 동네생활 comments and replies (issue 13)
        "alert": True,  # 모집 알림 and 날씨 추천 (issue 14)
        "nudge": True,
    }
    notifications_create(users=[user], kind=Notification.Kind.FILLED, text="모집 완료!")
    notifications_create(users=[user], kind=Notification.Kind.CLOSED, text="모집 마감")
    assert [p["body"] for p in push_service.received(sub)] == ["모집 마감"]
    assert Notification.objects.filter(user=user).count() == 2
    # Switched back on: pushed again.
    client_for(user).put("/api/push/preferences/", {"off": []}, format="json")
    assert not PushOptOut.objects.exists()
    notifications_create(users=[user], kind=Notification.Kind.FILLED, text="또 모집 완료!")
    assert [p["body"] for p in push_service.received(sub)][-1] == "또 모집 완료!"


def test_preferences_refuse_an_unknown_kind(user):
    response = client_for(user).put("/api/push/preferences/", {"off": ["spam"]}, format="json")
    assert response.status_code == 400
    assert "off" in response.json()["errors"]


# --- subscribe / unsubscribe ---------------------------------------------------------------------


def test_the_public_key_is_served_to_anyone(api_client, settings):
    response = api_client.get("/api/push/key/")
    assert response.status_code == 200
    assert response.json() == {"public_key": settings.VAPID_PUBLIC_KEY}


def test_subscribing_needs_a_login(api_client, push_service):
    response = api_client.post(
        "/api/push/subscriptions/", push_service.subscription().as_json(), format="json"
    )
    assert response.status_code in (401, 403)
    assert not PushSubscription.objects.exists()


def _with(sub, **changes) -> dict:
    body = sub.as_json()
    keys = {k: changes.pop(k) for k in ("p256dh", "auth") if k in changes}
    body["keys"].update(keys)
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),  # plain http
        ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({"endpoint": "javascript:alert(1)"}, "endpoint"),
        ({"endpoint": "https://10.0.0.5/push/x"}, "endpoint"),  # private network
        ({"endpoint": "https://169.254.169.254/latest/meta-data"}, "endpoint"),  # cloud metadata
        ({"endpoint": "https://[::1]/push"}, "endpoint"),
        ({"endpoint": "https://localhost/push"}, "endpoint"),
        ({"endpoint": "https://user:pw@push.example.com/x"}, "endpoint"),
        ({"endpoint": "https://push.example.com/" + "a" * 1100}, "endpoint"),
        ({"p256dh": "BAAA"}, "p256dh"),  # too short
        ({"p256dh": "A" * 87}, "p256dh"),  # 65 bytes but not an uncompressed point
        ({"p256dh": "B" + "+" * 86}, "p256dh"),  # not base64url
        ({"auth": "c2hvcnQ"}, "auth"),  # 5 bytes
        ({"auth": "A" * 40}, "auth"),
    ],
)
def test_subscriptions_a_browser_could_not_make_are_refused(push_service, user, change, field):
    body = _with(push_service.subscription(), **change)
    response = client_for(user).post("/api/push/subscriptions/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors or "keys" in errors or "endpoint" in errors, errors
    assert not PushSubscription.objects.exists()


def test_plain_http_is_only_for_the_configured_hosts(push_service, user, settings):
    settings.PUSH_HTTP_HOSTS = []
    response = client_for(user).post(
        "/api/push/subscriptions/", push_service.subscription().as_json(), format="json"
    )
    assert response.status_code == 400
    assert "https" in response.json()["errors"]["endpoint"][0]


def test_a_realistic_long_https_endpoint_is_accepted(user):
    # FCM endpoints are ~190 characters, Apple's and Mozilla's longer; 900 fits.
    from tests.push_service import PushService as _  # noqa: F401 - keys helper below
    from tests.push_service import b64url

    endpoint = "https://fcm.googleapis.com/fcm/send/" + "dGVzdA-_" * 100
    body = {"endpoint": endpoint, "keys": {"p256dh": "B" + "A" * 86, "auth": b64url(b"1" * 16)}}
    response = client_for(user).post("/api/push/subscriptions/", body, format="json")
    assert response.status_code == 201, response.content
    assert PushSubscription.objects.get().endpoint == endpoint


def test_the_same_browser_subscribing_again_moves_to_whoever_is_logged_in(push_service, user):
    sub = push_service.subscription()
    subscribe(user, sub)
    other = UserFactory()
    subscribe(other, sub)
    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [other.pk]


def test_unsubscribing_deletes_only_ones_own_subscription(push_service, user):
    sub = push_service.subscription()
    subscribe(user, sub)
    intruder = client_for(UserFactory())
    response = intruder.post("/api/push/unsubscribe/", {"endpoint": sub.endpoint}, format="json")
    assert response.status_code == 204
    assert PushSubscription.objects.count() == 1
    response = client_for(user).post(
        "/api/push/unsubscribe/", {"endpoint": sub.endpoint}, format="json"
    )
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()
    status_notice(user)
    assert push_service.attempts(sub) == 0


def test_the_push_endpoints_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/push/key/",
        "/api/push/subscriptions/",
        "/api/push/unsubscribe/",
        "/api/push/preferences/",
    ):
        assert path in schema


def test_no_push_task_is_queued_for_users_without_a_subscription(db_tasks, user):
    status_notice(user)
    assert not DBTaskResult.objects.filter(
        task_path="mealbuddy.notifications.tasks.push_notifications"
    ).exists()


def test_back_off_doubles(settings):
    from mealbuddy.notifications.services import push_retry_delay

    settings.PUSH_RETRY_SECONDS = 30
    assert [push_retry_delay(attempt=a) for a in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    ]


def test_the_fake_push_service_refuses_a_token_signed_by_another_key(user, settings):
    """The checks above can fail: a push signed with a key other than the published one."""
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        sub = service.subscription()
        subscribe(user, sub)
        other = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        settings.VAPID_PRIVATE_KEY = b64url(other.to_bytes(32, "big"))
        settings.VAPID_PUBLIC_KEY = "not-used-by-the-sender"
        status_notice(user)
        assert service.received(sub) == []
        assert service.rejected == ["not the server's vapid key"]
    assert PushSubscription.objects.get().failures == 1


def test_a_join_request_answers_before_any_push_is_sent(db_tasks, push_service):
    from tests.groupbuys.conftest import make_order

    host = UserFactory(username="방장")
    sub = push_service.subscription()
    subscribe(host, sub)
    order = make_order(host, title="피자 같이")
    response = client_for(UserFactory(username="이웃")).post(f"/api/groupbuys/{order.pk}/join/")
    assert response.status_code in (200, 201), response.content
    assert push_service.attempts(sub) == 0  # the request only queued it
    run_worker()
    (payload,) = push_service.received(sub)
    assert payload["title"] == "밀버디 · 새 참여자" and "이웃" in payload["body"]


def test_the_page_form_keeps_on_only_the_ticked_kinds(client, user):
    client.force_login(user)
    page = client.get("/notifications/")
    assert "푸시 알림 받기" in page.content.decode()
    response = client.post("/notifications/push/", {"on": ["joined", "status"]})
    assert response.status_code == 302
    assert set(PushOptOut.objects.filter(user=user).values_list("kind", flat=True)) == {
        "full",
        "deadline",
        "chat",
        "community",
        "alert",
        "nudge",
    }
    page = client.get("/notifications/").content.decode()
    assert 'value="joined" checked' in page and 'value="full">' in page
    assert "푸시 알림 설정을 저장했어요." in page


def test_the_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "PushKindEnum" in (tmp_path / "schema.yaml").read_text()
