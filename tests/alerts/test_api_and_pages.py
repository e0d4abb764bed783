"""REST and the 모집 알림 page: owner only (others get 404), field-level errors, the limit,
the nudge switch, the OpenAPI schema, fixed query counts."""

from __future__ import annotations

import pytest

from mealbuddy.alerts import services
from mealbuddy.alerts.models import AlertPreference, SavedAlert
from tests.conftest import client_for
from tests.factories import UserFactory


def test_create_list_update_delete(alice):
    api = client_for(alice)
    response = api.post(
        "/api/alerts/",
        {
            "category": "치킨",
            "keyword": "  교촌 ",
            "max_fee_share": 2000,
            "include_neighbours": True,
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["keyword"] == "교촌" and body["quiet_start"] == "22:00"
    assert "22:00–07:00" in body["summary"]
    pk = body["id"]
    assert [a["id"] for a in api.get("/api/alerts/").json()["results"]] == [pk]
    response = api.patch(f"/api/alerts/{pk}/", {"max_fee_share": None}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["max_fee_share"] is None
    assert response.json()["category"] == "치킨"  # untouched fields stay
    assert api.delete(f"/api/alerts/{pk}/").status_code == 204
    assert not SavedAlert.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"category": "햄버거"}, "category"),
        ({"keyword": "가" * 31}, "keyword"),
        ({"max_fee_share": -1}, "max_fee_share"),
        ({"max_fee_share": "많이"}, "max_fee_share"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "07:00", "quiet_end": "07:00"}, "quiet_end"),
        ({"keyword": "a\x00b"}, "keyword"),
    ],
)
def test_bad_input_is_a_field_error_never_a_500(alice, data, field):
    response = client_for(alice).post("/api/alerts/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not SavedAlert.objects.exists()


def test_at_most_the_limit_per_person(alice, settings):
    settings.ALERTS_MAX_PER_USER = 2
    api = client_for(alice)
    for _ in range(2):
        assert api.post("/api/alerts/", {}, format="json").status_code == 201
    response = api.post("/api/alerts/", {"category": "피자"}, format="json")
    assert response.status_code == 409
    assert "2개까지" in str(response.json())


def test_someone_elses_alert_is_not_found(alice, bob):
    alert = services.alert_create(user=alice, category="치킨")
    api = client_for(bob)
    assert api.get(f"/api/alerts/{alert.pk}/").status_code == 404
    assert api.patch(f"/api/alerts/{alert.pk}/", {"keyword": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/alerts/{alert.pk}/").status_code == 404
    assert api.get("/api/alerts/").json()["results"] == []
    alert.refresh_from_db()
    assert alert.keyword == ""
    assert client_for(alice).get("/api/alerts/99999999999999999999/").status_code == 404


def test_a_login_is_needed(api_client):
    assert api_client.get("/api/alerts/").status_code in (401, 403)


def test_nudge_preference(alice):
    api = client_for(alice)
    assert api.get("/api/alerts/preferences/").json() == {"nudges": True}
    response = api.put("/api/alerts/preferences/", {"nudges": False}, format="json")
    assert response.json() == {"nudges": False}
    assert AlertPreference.objects.get(user=alice).nudges is False
    bad = api.put("/api/alerts/preferences/", {"nudges": "글쎄"}, format="json")
    assert bad.status_code == 400 and "nudges" in bad.json()["errors"]


def test_the_endpoints_are_in_the_openapi_schema(alice):
    schema = client_for(alice).get("/api/schema/?format=json").json()
    assert {"/api/alerts/", "/api/alerts/{id}/", "/api/alerts/preferences/"} <= set(schema["paths"])
    assert "AlertInputRequest" in schema["components"]["schemas"]


def test_the_list_api_costs_the_same_with_many_alerts(alice, django_assert_max_num_queries):
    api = client_for(alice)
    services.alert_create(user=alice)
    with django_assert_max_num_queries(3) as few:
        api.get("/api/alerts/")
    for n in range(8):
        services.alert_create(user=alice, keyword=f"가게{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/alerts/").json()["results"]) == 9


# --- the page ------------------------------------------------------------------------------------


def test_the_page_creates_edits_and_deletes_without_javascript(client, alice):
    client.force_login(alice)
    page = client.get("/alerts/").content.decode()
    assert "모집 알림" in page and "아직 만든 모집 알림이 없어요" in page
    response = client.post(
        "/alerts/",
        {"category": "치킨", "keyword": "", "quiet_start": "23:00", "quiet_end": "06:00"},
    )
    assert response.status_code == 302
    alert = SavedAlert.objects.get(user=alice)
    page = client.get("/alerts/").content.decode()
    assert "치킨 · 우리 동네만 · 23:00–06:00 조용히" in page
    assert "모집 알림을 만들었어요." in page
    edit = client.get(f"/alerts/{alert.pk}/edit/").content.decode()
    assert 'value="23:00"' in edit
    response = client.post(
        f"/alerts/{alert.pk}/edit/", {"category": "피자", "include_neighbours": "on"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.category == "피자" and alert.include_neighbours and alert.quiet_start is None
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 302
    assert not SavedAlert.objects.exists()


def test_the_page_shows_field_errors(client, alice):
    client.force_login(alice)
    response = client.post("/alerts/", {"max_fee_share": "-5"})
    assert response.status_code == 400
    assert 'id="id_max_fee_share_errors"' in response.content.decode()
    # A rule the service checks comes back beside its field too.
    response = client.post("/alerts/", {"quiet_start": "22:00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_quiet_end_errors"' in page
    assert "방해 금지 시간은 시작과 끝을 함께 정해 주세요." in page
    assert not SavedAlert.objects.exists()


def test_htmx_delete_answers_an_empty_row(client, alice):
    alert = services.alert_create(user=alice)
    client.force_login(alice)
    response = client.post(f"/alerts/{alert.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""


def test_the_page_never_touches_someone_elses_alert(client, alice, bob):
    alert = services.alert_create(user=alice, category="치킨")
    client.force_login(bob)
    assert client.get(f"/alerts/{alert.pk}/edit/").status_code == 404
    assert client.post(f"/alerts/{alert.pk}/edit/", {"category": "피자"}).status_code == 404
    assert client.post(f"/alerts/{alert.pk}/delete/").status_code == 404
    assert SavedAlert.objects.get().category == "치킨"


def test_the_nudge_switch_on_the_page(client, alice):
    client.force_login(alice)
    assert client.post("/alerts/nudges/", {}).status_code == 302
    assert AlertPreference.objects.get(user=alice).nudges is False
    page = client.get("/alerts/").content.decode()
    assert "날씨 추천을 보내지 않을게요." in page
    client.post("/alerts/nudges/", {"nudges": "on"})
    assert AlertPreference.objects.get(user=alice).nudges is True


def test_the_page_costs_the_same_with_many_alerts(client, alice, django_assert_max_num_queries):
    client.force_login(alice)
    services.alert_create(user=alice)
    with django_assert_max_num_queries(8) as few:
        client.get("/alerts/")
    for n in range(8):
        services.alert_create(user=alice, keyword=f"가게{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/alerts/").status_code == 200


def test_the_notifications_page_links_here(client, alice):
    client.force_login(alice)
    assert 'href="/alerts/"' in client.get("/notifications/").content.decode()


def test_someone_without_a_neighbourhood_is_told_to_set_it(db):
    person = UserFactory(region=None, address="", lat=None, lon=None)
    response = client_for(person).post("/api/alerts/", {}, format="json")
    assert response.status_code == 400 and "region" in response.json()["errors"]
