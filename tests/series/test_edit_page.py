"""The host's edit page (/series/<id>/edit/): it changes the series through the API PATCH's
service, so the next occurrence opens with the new template and schedule; bad input comes
back next to its field (never a 500); anyone but the host gets 404; a fixed query count."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from mealbuddy.series import services
from mealbuddy.series.models import Occurrence, Series
from tests.factories import UserFactory
from tests.series.conftest import CHICKEN, kst


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def friday_series(host) -> Series:
    return services.series_create(
        host=host, **CHICKEN, weekdays=[4], deadline_time=time(19, 0), open_before=180
    )


def form_data(series: Series, **changes) -> dict:
    """What the page posts when the host changes only ``changes``."""
    data = {
        "title": series.title,
        "category": series.category,
        "restaurant": series.restaurant,
        "min_order_amount": series.min_order_amount,
        "delivery_fee": series.delivery_fee,
        "target_count": series.target_count,
        "pickup_spot": series.pickup_spot,
        "fee_split": series.fee_split,
        "payment": series.payment,
        "noshow_deposit": series.noshow_deposit,
        "settle_account": series.settle_account,
        "description": series.description,
        "kind": series.kind,
        "weekdays": [4],
        "interval_days": series.interval_days,
        "start_date": series.start_date.isoformat(),
        "deadline_time": series.deadline_time.strftime("%H:%M"),
        "open_before": series.open_before,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_host_edits_and_the_next_occurrence_uses_it(clock, host):
    clock.set(2026, 12, 1, 10)  # Tuesday
    series = friday_series(host)
    client = page_client(host)

    page = client.get(f"/series/{series.pk}/").content.decode()
    assert f'href="/series/{series.pk}/edit/"' in page and "수정하기" in page
    form = client.get(f"/series/{series.pk}/edit/")
    assert form.status_code == 200
    body = form.content.decode()
    assert 'value="바삭치킨 서교점"' in body and 'value="19:00"' in body

    response = client.post(
        f"/series/{series.pk}/edit/",
        form_data(
            series,
            restaurant="맛있는치킨 합정점",
            delivery_fee=3000,
            pickup_spot="합정역 3번 출구",
            weekdays=[3],  # Thursday now
            deadline_time="20:00",
            open_before=120,
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/series/{series.pk}/"
    assert "다음 모집부터" in client.get(response["Location"]).content.decode()

    series.refresh_from_db()
    assert series.next_deadline == kst(2026, 12, 3, 20)
    assert series.next_open_at == kst(2026, 12, 3, 18)
    clock.set(2026, 12, 3, 18, 0)
    assert services.series_tick()["opened"] == 1
    order = Occurrence.objects.get(series=series).group_order
    assert (order.restaurant, order.delivery_fee, order.pickup_spot, order.deadline) == (
        "맛있는치킨 합정점",
        3000,
        "합정역 3번 출구",
        kst(2026, 12, 3, 20),
    )


def test_every_n_days_from_the_page(clock, host):
    clock.set(2026, 12, 1, 10)
    series = friday_series(host)
    response = page_client(host).post(
        f"/series/{series.pk}/edit/",
        form_data(series, kind="days", weekdays=None, interval_days=3, start_date="2026-12-02"),
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert (series.kind, series.interval_days) == ("days", 3)
    assert series.next_deadline == kst(2026, 12, 2, 19)


@pytest.mark.parametrize(
    ("changes", "field_errors"),
    [
        ({"title": "", "target_count": 1}, ["제목을 입력해 주세요.", "모집 인원은 2 이상"]),
        ({"delivery_fee": "많이"}, ["배달비는 숫자로 입력해 주세요."]),
        ({"weekdays": []}, ["모집할 요일을 하루 이상 골라 주세요."]),
        ({"kind": "days", "interval_days": ""}, ["며칠마다 열지 숫자로 입력해 주세요."]),
        ({"kind": "days", "interval_days": 99999}, ["며칠마다는"]),
        ({"deadline_time": "25:99"}, ["마감 시각을 올바르게 입력해 주세요."]),
        ({"open_before": 7}, ["모집 여는 때를 목록에서 골라 주세요."]),
        ({"weekdays": [9]}, ["요일을 목록에서 골라 주세요."]),
        ({"payment": "direct", "noshow_deposit": 1000}, ["보증금"]),
    ],
)
def test_bad_input_comes_back_next_to_its_field(clock, host, changes, field_errors):
    clock.set(2026, 12, 1, 10)
    series = friday_series(host)
    response = page_client(host).post(f"/series/{series.pk}/edit/", form_data(series, **changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="errorlist"' in body
    for message in field_errors:
        assert message in body
    series.refresh_from_db()
    assert (series.restaurant, series.weekdays, series.delivery_fee) == (
        "바삭치킨 서교점",
        16,
        4000,
    )


def test_only_the_host_sees_or_changes_it(clock, host, alice):
    clock.set(2026, 12, 1, 10)
    series = friday_series(host)
    services.subscription_create(user=alice, series_id=series.pk)
    client = page_client(alice)
    assert client.get(f"/series/{series.pk}/edit/").status_code == 404
    response = client.post(f"/series/{series.pk}/edit/", form_data(series, delivery_fee=0))
    assert response.status_code == 404
    assert "수정하기" not in client.get(f"/series/{series.pk}/").content.decode()
    assert page_client(host).get("/series/999999/edit/").status_code == 404
    anonymous = Client().get(f"/series/{series.pk}/edit/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    series.refresh_from_db()
    assert series.delivery_fee == 4000


def test_an_ended_series_cannot_be_edited(clock, host):
    clock.set(2026, 12, 1, 10)
    series = friday_series(host)
    services.series_end(user=host, series_id=series.pk)
    client = page_client(host)
    assert "수정하기" not in client.get(f"/series/{series.pk}/").content.decode()
    response = client.post(f"/series/{series.pk}/edit/", form_data(series, delivery_fee=0))
    assert response.status_code == 400
    assert "끝난 정기 모집이에요." in response.content.decode()


def test_the_edit_page_costs_fixed_queries(clock, host, django_assert_max_num_queries):
    clock.set(2026, 12, 1, 10)
    series = friday_series(host)
    for _ in range(5):
        services.subscription_create(user=UserFactory(region=host.region), series_id=series.pk)
    client = page_client(host)
    client.get(f"/series/{series.pk}/edit/")
    with django_assert_max_num_queries(6):
        assert client.get(f"/series/{series.pk}/edit/").status_code == 200
    with django_assert_max_num_queries(8):
        response = client.post(f"/series/{series.pk}/edit/", form_data(series, delivery_fee=0))
    assert response.status_code == 302
