"""Alert notices reach the browser (and follow the "모집 알림" push switch); weather nudges go
to neighbours who ordered a fitting category lately, once per KST day, unless switched off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.alerts import services
from mealbuddy.alerts.models import Nudge, RegionWeather
from mealbuddy.alerts.selectors import nudge_categories
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from mealbuddy.recommend.weather import Weather
from mealbuddy.trust.models import Block
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.push_service import PushService


@pytest.fixture
def push_service(settings):
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    settings.PUSH_TIMEOUT = 0.5
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        yield service
    assert not service.rejected, service.rejected


def test_an_alert_is_pushed_unless_its_switch_is_off(push_service, host, alice, open_order):
    sub = push_service.subscription()
    response = client_for(alice).post("/api/push/subscriptions/", sub.as_json(), format="json")
    assert response.status_code == 201
    services.alert_create(user=alice, category="치킨")
    order = open_order(host)
    [push] = push_service.received(sub)
    assert push["title"] == "밀버디 · 모집 알림" and order.title in push["body"]
    assert push["url"] == f"/groupbuys/{order.pk}/"
    client_for(alice).put("/api/push/preferences/", {"off": ["alert"]}, format="json")
    open_order(host)
    assert len(push_service.received(sub)) == 1
    assert Notification.objects.filter(user=alice, kind="alert").count() == 2


# --- weather nudges ------------------------------------------------------------------------------


def weather(**kw) -> Weather:
    base = dict(
        provider="test",
        temperature=18.0,
        humidity=55,
        wind_speed=2.0,
        precipitation="none",
        sky="clear",
        precipitation_mm=0.0,
        precipitation_text="강수없음",
        pop=10,
    )
    return Weather(**{**base, **kw})


@pytest.fixture
def sky(monkeypatch):
    """The weather cache's answer, per test: ``sky.now = weather(...)``."""

    class Sky:
        now: Weather | None = weather()

    state = Sky()
    monkeypatch.setattr(services, "weather_at", lambda **kw: state.now)
    return state


def ordered(user, category: str, *, days_ago: int = 3):
    """``user`` took part in a past order of ``category`` in their 동."""
    order = GroupOrder.objects.create(
        host=user,
        title="지난 주문",
        category=category,
        target_count=2,
        deadline=timezone.now() - timedelta(days=days_ago),
        region=user.region,
        status=GroupOrder.Status.DELIVERED,
    )
    GroupOrder.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    Participation.objects.create(group_order=order, user=user)
    return order


def nudges_of(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=Notification.Kind.NUDGE))


def test_the_mapping_comes_from_the_menu_catalogue():
    assert "찜,탕,찌개" in nudge_categories("rain") and "분식" in nudge_categories("rain")
    assert "카페,디저트" not in nudge_categories("rain")
    assert nudge_categories("heat") and nudge_categories("cold") and nudge_categories("snow")


def test_rain_nudges_to_an_open_order_nearby_once_a_day(sky, host, alice, bob, open_order):
    ordered(alice, "찜,탕,찌개")
    services.nudges_send()  # first look: clear, nothing
    assert nudges_of(alice) == []
    nearby = open_order(host, hook=False, title="부대찌개 같이", category="찜,탕,찌개")
    sky.now = weather(precipitation="rain", precipitation_mm=2.0)
    assert services.nudges_send() == 1
    [nudge] = nudges_of(alice)
    assert nudge.url == f"/groupbuys/{nearby.pk}/" and "비가 와요" in nudge.text
    assert RegionWeather.objects.get(region=alice.region).condition == "rain"
    # Still raining, and the job runs again: nothing more.
    assert services.nudges_send() == 0
    # It stops, then rains again the same day: still one nudge that day.
    sky.now = weather()
    services.nudges_send()
    sky.now = weather(precipitation="rain", precipitation_mm=2.0)
    services.nudges_send()
    assert len(nudges_of(alice)) == 1
    assert nudges_of(bob) == []  # ordered nothing lately


def test_without_an_open_order_the_nudge_prefills_the_new_order_form(sky, alice):
    ordered(alice, "분식")
    sky.now = weather(precipitation="snow", temperature=-2.0)
    services.nudges_send()
    [nudge] = nudges_of(alice)
    assert nudge.url == "/groupbuys/new/?category=%EB%B6%84%EC%8B%9D"
    assert "눈이 와요" in nudge.text


def test_the_form_accepts_the_prefilled_category(client, alice):
    client.force_login(alice)
    page = client.get("/groupbuys/new/?category=분식").content.decode()
    assert 'value="분식" checked' in page or '<option value="분식" selected' in page


def test_nudges_skip_unfitting_categories_old_orders_opt_outs_and_blocked_hosts(
    sky, host, alice, open_order
):
    carol = UserFactory(region=alice.region)
    dave = UserFactory(region=alice.region)
    ordered(alice, "카페,디저트")  # not a rainy-day category
    ordered(carol, "찜,탕,찌개", days_ago=60)  # too long ago
    ordered(dave, "찜,탕,찌개")
    services.nudges_set(user=dave, enabled=False)
    sky.now = weather(precipitation="rain")
    assert services.nudges_send() == 0
    # Dave switches them back on; the order nearby is by someone he blocked: the form instead.
    services.nudges_set(user=dave, enabled=True)
    open_order(host, hook=False, category="찜,탕,찌개")
    Block.objects.create(blocker=dave, blocked=host)
    RegionWeather.objects.all().delete()
    assert services.nudges_send() == 1
    [nudge] = nudges_of(dave)
    assert nudge.url.startswith("/groupbuys/new/?category=")


def test_heat_and_cold_turns_nudge_their_own_categories(sky, alice):
    cool = nudge_categories("heat")[0]
    ordered(alice, cool)
    sky.now = weather(temperature=31.0)
    services.nudges_send()
    [nudge] = nudges_of(alice)
    assert "더워요" in nudge.text
    assert Nudge.objects.get(user=alice).condition == "heat"
    assert RegionWeather.objects.get(region=alice.region).condition == "heat"
    bob = UserFactory(region=alice.region)
    ordered(bob, nudge_categories("cold")[0])
    sky.now = weather(temperature=-5.0)
    services.nudges_send()
    assert RegionWeather.objects.get(region=alice.region).condition == "cold"
    assert "추워요" in nudges_of(bob)[0].text
    assert len(nudges_of(alice)) == 1  # one a day
