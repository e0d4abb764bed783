"""Turning the address a person typed into one 읍면동.

People (and the Daum postcode widget) write the same place many ways: "서울특별시 마포구
서교동 123-4", "서울 마포구 서교동 395-166", "서울시 마포구 서교동", "마포구서교동", "경기
성남시 분당구 정자동", "강원도 …" or "강원특별자치도 …". The parser works on the address
with every space removed, reads an optional 시도 (any of its written forms), an optional
시군구, then the 읍면동 name, and ignores whatever follows (lot number, building name).
Every reading that works is kept; the most specific one wins, so "광주시 오포읍" is read as
경기도 광주시 even though "광주" alone also names 광주광역시.

The gazetteer (names and codes only, a few hundred kB) is read from the database once per
process; codes are stable across reloads, so it stays valid when tests reload the table.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from mealbuddy.regions.errors import RegionAddressError
from mealbuddy.regions.hangjeong import dong_reading, ga_family, irregular_targets
from mealbuddy.regions.models import Region

# Every way a 시도 is written, official name first. The short forms are the Daum postcode
# widget's (`sido` of its result); 강원/전북 also keep their pre-2023/2024 names.
SIDO_ALIASES: dict[str, tuple[str, ...]] = {
    "11": ("서울특별시", "서울시", "서울"),
    "26": ("부산광역시", "부산시", "부산"),
    "27": ("대구광역시", "대구시", "대구"),
    "28": ("인천광역시", "인천시", "인천"),
    "29": ("광주광역시", "광주시", "광주"),
    "30": ("대전광역시", "대전시", "대전"),
    "31": ("울산광역시", "울산시", "울산"),
    "36": ("세종특별자치시", "세종시", "세종"),
    "41": ("경기도", "경기"),
    "42": ("강원특별자치도", "강원도", "강원"),
    "43": ("충청북도", "충북"),
    "44": ("충청남도", "충남"),
    "45": ("전북특별자치도", "전라북도", "전북"),
    "46": ("전라남도", "전남"),
    "47": ("경상북도", "경북"),
    "48": ("경상남도", "경남"),
    "50": ("제주특별자치도", "제주도", "제주"),
}
# Old or alternative names of a 시군구, by code.
_SIGUNGU_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "28170": ("남구",),  # 인천 미추홀구 before 2018
    "41730": ("여주군",),
    "43710": ("청원구",),  # 청원군 became 청주시 청원구 in 2014
}
# 시군구 that moved to another 시도 after the bundle was made: also accept them there.
SIGUNGU_EXTRA_SIDO: dict[str, str] = {"47720": "27"}  # 군위군 joined 대구 in 2023

_DONG_SUFFIXES = ("동", "읍", "면", "가")
_SPACES = re.compile(r"\s+")
_PARENS = re.compile(r"[(\[（]([^)\]）]*)[)\]）]")
_ROAD = re.compile(r"[가-힣0-9]+(?:대로|로|길)\s*\d")
# A segment like "청원구" that names a 시군구 the bundle does not know; skipped once.
_UNKNOWN_SIGUNGU = re.compile(r"[가-힣]{1,6}?[시군구]")
# A 행정동 name at the start of the rest of an address: "망원1동", "상계3·4동", "보라매동".
_DONG_TOKEN = re.compile(r"[가-힣]+(?:\d{1,2}(?:[·.,]\d{1,2})*가?)*동")
_MAX_DONG_LENGTH = 12
_MAX_ADDRESS_LENGTH = 200
_AFTER_STEM = re.compile(r"[읍면]?(?:$|\d|산\d)")


def compact(text: str) -> str:
    return _SPACES.sub("", text or "")


@dataclass
class Gazetteer:
    sido_aliases: list[tuple[str, str]]  # (written form, sido code), longest first
    sigungu_aliases: dict[str, set[str]]  # written form (no spaces) -> 시군구 codes
    sigungu_sidos: dict[str, set[str]]  # 시군구 code -> 시도 codes it may be written under
    dongs: dict[str, list[tuple[str, str]]]  # dong name -> [(emd code, 시군구 code)]
    emds_by_sigungu: dict[str, list[tuple[str, str]]]  # 시군구 code -> [(name, emd code)]
    stems: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # "서교" -> 서교동
    families: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # "문래동" -> 문래동N가

    @classmethod
    def from_database(cls) -> Gazetteer:
        sido_aliases = [
            (alias, code) for code, aliases in SIDO_ALIASES.items() for alias in aliases
        ]
        sido_aliases.sort(key=lambda item: -len(item[0]))
        sigungu_aliases: dict[str, set[str]] = {}
        sigungu_sidos: dict[str, set[str]] = {}
        rows = Region.objects.filter(level=Region.Level.SIGUNGU).values_list("code", "name")
        for code, name in rows:
            written = {compact(name), *_SIGUNGU_EXTRA_ALIASES.get(code, ())}
            parts = name.split()
            if len(parts) > 1:  # "성남시 분당구": also "성남시" (all its 구) and "분당구"
                written.update(parts)
            for alias in written:
                sigungu_aliases.setdefault(alias, set()).add(code)
            sigungu_sidos[code] = {code[:2]} | (
                {SIGUNGU_EXTRA_SIDO[code]} if code in SIGUNGU_EXTRA_SIDO else set()
            )
        dongs: dict[str, list[tuple[str, str]]] = {}
        stems: dict[str, list[tuple[str, str]]] = {}
        families: dict[str, list[tuple[str, str]]] = {}
        by_sigungu: dict[str, list[tuple[str, str]]] = {}
        rows = Region.objects.filter(level=Region.Level.EMD).values_list(
            "code", "name", "parent__code"
        )
        for code, name, parent_code in rows:
            sigungu = parent_code or code[:5]
            sigungu_sidos.setdefault(sigungu, {code[:2]})
            dongs.setdefault(name, []).append((code, sigungu))
            if name.endswith(("동", "읍", "면")) and len(name) >= 3:
                stems.setdefault(name[:-1], []).append((code, sigungu))
            if family := ga_family(name):
                families.setdefault(family, []).append((code, sigungu))
            by_sigungu.setdefault(sigungu, []).append((name, code))
        for members in by_sigungu.values():
            members.sort()
        return cls(sido_aliases, sigungu_aliases, sigungu_sidos, dongs, by_sigungu, stems, families)

    def sido_code(self, written: str) -> str | None:
        return next((code for alias, code in self.sido_aliases if alias == written), None)

    def sigungu_codes_in(self, sido_code: str) -> set[str]:
        return {code for code, sidos in self.sigungu_sidos.items() if sido_code in sidos}


_gazetteer: Gazetteer | None = None
_gazetteer_lock = threading.Lock()


def gazetteer() -> Gazetteer:
    global _gazetteer
    if _gazetteer is None:
        with _gazetteer_lock:
            if _gazetteer is None:
                built = Gazetteer.from_database()
                if not built.dongs:  # regions not loaded yet: do not remember an empty table
                    return built
                _gazetteer = built
    return _gazetteer


@dataclass(frozen=True)
class _Reading:
    codes: frozenset[str]
    # (2 when a 시군구 was read + 1 when a 시도 was read, where the dong starts): the
    # longest 시군구 wins, so "고양시 일산동구 장항동" is not also read as 고양시 + 일산동.
    score: tuple[int, int]
    via: str | None = None  # the 행정동 name the dong was read from ("망원1동")


@dataclass
class _Context:
    """What was recognised, for the error message and its suggestions."""

    sido: str | None = None
    sigungu: set[str] = field(default_factory=set)
    rest: str = ""
    _rank: tuple[int, int] = (-1, 0)

    def consider(self, sido: str | None, sigungu: set[str], rest: str) -> None:
        """Keep the most specific 시군구 reading: with a 시도 first, then the fewest codes."""
        rank = (1 if sido else 0, -len(sigungu))
        if rank > self._rank:
            self._rank, self.sigungu, self.rest = rank, sigungu, rest


def _sido_options(text: str, g: Gazetteer) -> list[tuple[str | None, int]]:
    options: list[tuple[str | None, int]] = [
        (code, len(alias)) for alias, code in g.sido_aliases if text.startswith(alias)
    ]
    options.append((None, 0))
    return options


def _sigungu_options(
    text: str, pos: int, sido: str | None, g: Gazetteer
) -> list[tuple[set[str] | None, int]]:
    allowed = g.sigungu_codes_in(sido) if sido else None
    options: list[tuple[set[str] | None, int]] = []
    for length in range(min(len(text) - pos, 10), 1, -1):
        codes = g.sigungu_aliases.get(text[pos : pos + length])
        if codes and allowed is not None:
            codes = codes & allowed
        if codes:
            options.append((set(codes), pos + length))
    options.append((None, pos))
    return options


def _in_scope(
    entries: list[tuple[str, str]], sido: str | None, sigungu: set[str] | None, g: Gazetteer
) -> set[str]:
    out = set()
    for code, sigungu_code in entries:
        if sigungu is not None and sigungu_code not in sigungu:
            continue
        if sido is not None and sido not in g.sigungu_sidos.get(sigungu_code, {code[:2]}):
            continue
        out.add(code)
    return out


def _hangjeong_codes(
    token: str, sido: str | None, sigungu: set[str] | None, g: Gazetteer
) -> set[str]:
    """Codes of the 법정동 holding the 행정동 ``token``, within the scope.

    The table of irregular names and the regular rule's names come first (망원1동 →
    망원동, 보라매동 → 봉천동); the 가 family only when they find nothing (문래동 →
    문래동1가…6가: the caller then asks which).
    """
    reading = dong_reading(token)
    codes: set[str] = set()
    for sigungu_code, legal in irregular_targets(token, reading):
        entries = [entry for entry in g.dongs.get(legal, []) if entry[1] == sigungu_code]
        codes |= _in_scope(entries, sido, sigungu, g)
    if reading is None:
        return codes
    for name in reading.names:
        if name != token:
            codes |= _in_scope(g.dongs.get(name, []), sido, sigungu, g)
    if codes:
        return codes
    for family in reading.families:
        codes |= _in_scope(g.families.get(family, []), sido, sigungu, g)
    return codes


def _dong_at(
    text: str, pos: int, sido: str | None, sigungu: set[str] | None, g: Gazetteer
) -> tuple[set[str], str | None]:
    """Codes of the dong named at ``text[pos:]`` (longest name first), within the scope,
    and the 행정동 name it was read from (None when the 법정동's own name was written)."""
    tail = text[pos:]
    for length in range(min(len(tail), _MAX_DONG_LENGTH), 1, -1):
        name = tail[:length]
        entries = g.dongs.get(name)
        if not entries:
            continue
        after = tail[length:]
        if after.startswith(("로", "길", "대로")):  # "망원동길 12" is a road, not 망원동
            continue
        codes = _in_scope(entries, sido, sigungu, g)
        if codes:
            return codes, None
    # Not a 법정동 here: maybe a 행정동 ("망원1동 123", "보라매동", "상계3·4동").
    for length in range(min(len(tail), _MAX_DONG_LENGTH + 4), 1, -1):
        token = tail[:length]
        if not token.endswith("동") or tail[length:].startswith(("로", "길", "대로")):
            continue
        if not _DONG_TOKEN.fullmatch(token):
            continue
        codes = _hangjeong_codes(token, sido, sigungu, g)
        if codes:
            return codes, token
    # "서교 123": the dong written without its 동, only when a number or nothing follows;
    # "가남읍" for 가남면 too (면 that became 읍 after the bundle was made, and back).
    for length in range(min(len(tail), _MAX_DONG_LENGTH), 1, -1):
        entries = g.stems.get(tail[:length])
        if entries and _AFTER_STEM.match(tail, length):
            codes = _in_scope(entries, sido, sigungu, g)
            if codes:
                return codes, None
    return set(), None


def _readings(text: str, g: Gazetteer, context: _Context) -> list[_Reading]:
    readings: list[_Reading] = []
    for sido, pos in _sido_options(text, g):
        if sido and context.sido is None:
            context.sido = sido
        for sigungu, pos2 in _sigungu_options(text, pos, sido, g):
            if sigungu:
                context.consider(sido, sigungu, text[pos2:])
            score = ((2 if sigungu else 0) + (1 if sido else 0), pos2)
            codes, via = _dong_at(text, pos2, sido, sigungu, g)
            if not codes:
                # "청주시 청원구 오창읍": a 구 the bundle does not know sits before the dong;
                # skip it and look for the dong in the 시군구 read so far, then the 시도.
                skipped = _UNKNOWN_SIGUNGU.match(text, pos2)
                if skipped:
                    codes, via = _dong_at(text, skipped.end(), sido, sigungu, g)
                    if not codes and sigungu and sido:
                        codes, via = _dong_at(text, skipped.end(), sido, None, g)
                        score = (1, pos)
            if codes:
                readings.append(_Reading(frozenset(codes), score, via))
    return readings


def _best(readings: list[_Reading]) -> tuple[set[str], str | None]:
    """The codes of the most specific readings, and the 행정동 they were read from."""
    if not readings:
        return set(), None
    top = max(r.score for r in readings)
    best = [r for r in readings if r.score == top]
    via = next((r.via for r in best if r.via), None)
    return set().union(*(r.codes for r in best)), via


def _suggestions_for(context: _Context, g: Gazetteer) -> list[str]:
    """Dongs of the recognised 시군구, closest to what was typed after it first."""
    members = [m for code in sorted(context.sigungu) for m in g.emds_by_sigungu.get(code, [])]

    def shared_prefix(name: str) -> int:
        n = 0
        for a, b in zip(name, context.rest, strict=False):
            if a != b:
                break
            n += 1
        return n

    members.sort(key=lambda m: (-shared_prefix(m[0]), m[0]))
    return [code for _, code in members[:10]]


def _regions(codes: list[str]) -> list[Region]:
    """Regions for ``codes``, in that order, in one query."""
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def region_resolve_address(*, address: str) -> Region:
    """The 읍면동 an address names; raises ``RegionAddressError`` (field "address")."""
    g = gazetteer()
    raw = (address or "").strip()[:_MAX_ADDRESS_LENGTH]
    if not raw:
        raise RegionAddressError("주소를 입력해 주세요.", code="required")
    hints = [part for inner in _PARENS.findall(raw) for part in re.split(r"[,，]", inner)]
    text = compact(_PARENS.sub(" ", raw).replace(",", " "))
    context = _Context()
    codes, via = _best(_readings(text, g, context))
    if not codes and hints:
        # Daum's road address carries the 법정동 in brackets: "양화로 45 (서교동)".
        sigungu = context.sigungu or None
        for hint in hints:
            codes, via = _dong_at(compact(hint), 0, context.sido, sigungu, g)
            if codes:
                break
    if len(codes) == 1:
        return Region.objects.get(code=next(iter(codes)))
    if codes:
        choices = sorted(_regions(list(codes)), key=lambda r: r.full_name)[:10]
        if via and len({r.sigungu for r in choices}) == 1:
            # One 행정동 over several 법정동 (청운효자동, 문래동): which one is the address in?
            raise RegionAddressError(
                f"'{via}'은(는) 법정동 여러 곳에 걸쳐 있어요. 아래 목록에서 동(읍·면)을 골라 주세요.",
                code="address_ambiguous",
                suggestions=choices,
            )
        name = via or (choices[0].name if choices else "")
        raise RegionAddressError(
            f"'{name}'은(는) 여러 곳에 있어요. 시·군·구를 함께 적거나 아래 목록에서 골라 주세요.",
            code="address_ambiguous",
            suggestions=choices,
        )
    if context.sigungu:
        suggestions = _regions(_suggestions_for(context, g))
        sigungu_name = suggestions[0].sigungu if suggestions else ""
        example = f"{sigungu_name} {suggestions[0].name}" if suggestions else "마포구 서교동"
        if _ROAD.search(raw):
            message = (
                "도로명 주소로는 동네를 정할 수 없어요. "
                f"'{example}'처럼 동(읍·면) 이름을 넣어 입력하거나 아래 목록에서 골라 주세요."
            )
        else:
            message = (
                "주소에서 동(읍·면) 이름을 찾지 못했어요. "
                f"'{example}'처럼 동(읍·면) 이름을 넣어 입력하거나 아래 목록에서 골라 주세요."
            )
        raise RegionAddressError(message, code="address_no_dong", suggestions=suggestions)
    raise RegionAddressError(
        "주소를 찾지 못했어요. '서울 마포구 서교동'처럼 시·군·구와 동(읍·면)을 함께 입력해 주세요.",
        code="address_unknown",
    )
