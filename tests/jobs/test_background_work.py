"""Slow work out of requests: member fan-outs and weather warming run as tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.jobs.models import TaskOnce
from mealbuddy.jobs.services import jobs_prune, jobs_requeue_stale
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_send
from mealbuddy.recommend.tasks import warm_weather
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.jobs.conftest import run_worker
from tests.recommend.fakes import JSON, FakeServer, open_meteo_body

pytestmark = pytest.mark.django_db


def test_the_join_that_fills_an_order_queues_the_members_notice_then_the_worker_sends_it(
    db_tasks, host
):
    order = make_order(host, target_count=3)
    first = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=first)
    last = UserFactory()
    response = client_for(last).post(f"/api/groupbuys/{order.pk}/join/")
    assert response.status_code in (200, 201), response.content
    # The request answered without writing the fan-out: it is a queued task.
    assert not Notification.objects.filter(kind=Notification.Kind.FILLED).exists()
    assert DBTaskResult.objects.filter(
        status="READY", task_path="mealbuddy.notifications.tasks.send_notifications"
    ).exists()
    run_worker()
    filled = Notification.objects.filter(kind=Notification.Kind.FILLED)
    assert sorted(filled.values_list("user_id", flat=True)) == sorted([host.pk, first.pk, last.pk])
    assert {n.group_order_id for n in filled} == {order.pk}


def test_a_fan_out_run_again_after_a_crash_notifies_nobody_twice(db_tasks, host):
    members = [UserFactory() for _ in range(3)]
    notifications_send(users=[*members, members[0]], kind="status", text="주문 완료")
    run_worker()
    assert Notification.objects.count() == 3
    # The worker died after committing but before marking the task done: it runs again.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(hours=1))
    assert jobs_requeue_stale() == 1
    run_worker()
    assert Notification.objects.count() == 3
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_fan_out_whose_change_rolls_back_is_never_sent(db_tasks, host):
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications_send(users=[host], kind="status", text="없던 일")
        raise RuntimeError("the request failed")
    run_worker()
    assert not Notification.objects.exists() and not DBTaskResult.objects.exists()


def test_a_fan_out_for_an_order_deleted_meanwhile_still_notifies(db_tasks, host):
    order = make_order(host)
    notifications_send(users=[host], kind="status", text="주문 완료", group_order=order)
    GroupOrder.objects.filter(pk=order.pk).delete()
    run_worker()
    assert Notification.objects.get().group_order_id is None


def test_requeue_leaves_tasks_that_are_running_recently_alone(db_tasks, host):
    notifications_send(users=[host], kind="status", text="x")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    assert jobs_requeue_stale() == 0


def test_prune_deletes_old_finished_tasks_and_keys_but_keeps_recent_and_queued(db_tasks, host):
    notifications_send(users=[host], kind="status", text="old")
    run_worker()
    notifications_send(users=[host], kind="status", text="queued")
    old = timezone.now() - timedelta(days=30)
    DBTaskResult.objects.filter(status="SUCCESSFUL").update(finished_at=old)
    TaskOnce.objects.update(created_at=old)
    assert jobs_prune() == 2
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["READY"]


@pytest.fixture
def weather_server(settings):
    def respond(method, path, query, body):
        return 200, JSON, open_meteo_body(), 0

    with FakeServer(respond) as server:
        settings.WEATHER_PROVIDERS = ["openmeteo"]
        settings.OPEN_METEO_URL = f"{server.url}/v1/forecast"
        settings.WEATHER_WARM = True
        yield server


def test_weather_is_warmed_once_per_cell_for_regions_with_recruiting_orders(
    weather_server, seogyo, hapjeong, far_region
):
    make_order(UserFactory(region=seogyo))
    make_order(UserFactory(region=seogyo))
    make_order(UserFactory(region=far_region))
    expired = make_order(UserFactory(region=hapjeong))
    GroupOrder.objects.filter(pk=expired.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert warm_weather.call() == 2
    assert len(weather_server.requests) == 2  # 서교동 and 해운대 우동, not the expired 합정동
    lats = sorted(round(float(r["query"]["latitude"]), 2) for r in weather_server.requests)
    assert lats == sorted([round(seogyo.lat, 2), round(far_region.lat, 2)])
    assert warm_weather.call() == 2
    assert len(weather_server.requests) == 2  # the same hour: answered from the cache


def test_weather_warming_is_off_without_a_shared_cache(weather_server, settings, seogyo):
    settings.WEATHER_WARM = False
    make_order(UserFactory(region=seogyo))
    assert warm_weather.call() == 0
    assert weather_server.requests == []
