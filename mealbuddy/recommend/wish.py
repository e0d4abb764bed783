"""A free-text wish in Korean ("국물 있는 매운 거", "안 매운 걸로", "2만원 이하") → preferences.

Keyword spotting with negation: a keyword is negated when the word before it is 안/덜/노 (or
it is glued to 안, "안매운"), or when the next two words say 없는/빼고/말고/제외/싫어/않은/
아닌 ("국물 없는", "매운 거 말고", "맵지 않은"). Questions such as "매운 거 없나?" are not
negations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mealbuddy.recommend.catalogue import Dish

MAX_WISH_LENGTH = 100

# (regex, concept); longer alternatives first so "고기구이" wins over "고기".
_CONCEPTS: list[tuple[str, str]] = [
    (r"순한|순하게", "mild"),
    (r"매운|매콤|맵게|맵고|맵지|맵달|얼큰|칼칼|화끈|맵", "spicy"),
    (r"국물|찌개|국밥|전골|뜨끈|탕\b", "soup"),
    (r"가볍게|가벼운|가볍|간단하게|간단한|간단히|담백|산뜻|깔끔|건강", "light"),
    (r"든든|배고파|배고픈|푸짐|배부르게|배부른|양 많은|헤비", "heavy"),
    (r"느끼|기름진|기름지", "greasy"),
    (r"시원한|시원하게|차가운|차갑|냉", "cold"),
    (r"따뜻한|따뜻하게|따끈|뜨거운", "hot"),
    (r"야식|밤참|출출", "tag:야식"),
    (r"해장|숙취|술 마신|술마신", "tag:해장"),
    (r"다이어트|살 빼|살빼|저칼로리", "tag:다이어트"),
    (r"비 오는 날|비오는 날|비 와서|비와서", "tag:비 오는 날"),
    (r"보양|몸보신|기운", "tag:보양"),
    (r"혼밥|혼자", "tag:혼밥"),
    (r"달달|달콤|단 거|단거|디저트", "tag:달달"),
    (r"튀김|바삭", "tag:튀김"),
    (r"해산물|해물|생선", "tag:해산물"),
    (r"면 요리|면요리|면류|국수", "tag:면"),
    (r"아침", "tag:아침"),
    (r"족발|보쌈", "cat:족발,보쌈"),
    (r"찜|찌개|전골", "cat:찜,탕,찌개"),
    (r"돈까스|돈가스|일식|초밥|스시|라멘|우동", "cat:돈까스,회,일식"),
    (r"피자", "cat:피자"),
    (r"고기구이|삼겹살|구워|구이|갈비", "cat:고기구이"),
    (r"고기", "tag:고기"),
    (r"양식|파스타|스테이크|리조또", "cat:양식"),
    (r"치킨|통닭", "cat:치킨"),
    (r"중식|중국집|중국 음식|짜장|짬뽕|탕수육|마라", "cat:중식"),
    (r"아시안|쌀국수|베트남|태국|인도 음식|커리", "cat:아시안"),
    (r"백반|국수|국밥|냉면|(?<![가-힣])죽(?![겠을])", "cat:백반,죽,국수"),
    (r"도시락|덮밥", "cat:도시락"),
    (r"분식|떡볶이|김밥|라면", "cat:분식"),
    (r"카페|디저트|커피|케이크|빙수|빵", "cat:카페,디저트"),
    (r"패스트푸드|페스트푸드|햄버거|버거", "cat:페스트푸드"),
]
_CONCEPT_RES = [(re.compile(pattern), concept) for pattern, concept in _CONCEPTS]

_NEG_BEFORE = {"안", "덜", "노", "no", "No", "NO"}
_NEG_AFTER = re.compile(r"없(?!나|을까|니|어\?|어요\?)|빼|말고|말구|제외|싫|별로|않|아닌|아니")
_PRICE_RES = [
    # 2만원, 2만 5천원, 1.5만원
    (re.compile(r"(\d+(?:\.\d+)?)\s*만\s*(?:(\d)\s*천)?\s*원?"), "man"),
    (re.compile(r"([일이삼사오육칠팔구])\s*만\s*원"), "hangul"),
    (re.compile(r"(?<![\d일이삼사오육칠팔구])만\s*원"), "one_man"),
    (re.compile(r"(\d+)\s*천\s*원"), "cheon"),
    (re.compile(r"(\d{4,6})\s*원"), "won"),
]
_HANGUL_DIGITS = {c: i for i, c in enumerate("영일이삼사오육칠팔구")}
_PRICE_LIMIT = re.compile(r"^\s*(대|이하|미만|까지|안쪽|아래|이내|내로|안으로|밑으로|선|정도)?")


@dataclass(frozen=True)
class Wish:
    text: str = ""
    soup: bool | None = None
    spicy: str | None = None  # "want" / "avoid" / "less"
    weight: str | None = None  # "light" / "heavy"
    avoid_heavy: bool = False
    temperature: str | None = None  # "hot" / "cold"
    max_price: int | None = None
    price_phrase: str = ""
    tags: frozenset[str] = frozenset()
    avoid_tags: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    avoid_categories: frozenset[str] = frozenset()
    dishes: frozenset[str] = frozenset()
    avoid_dishes: frozenset[str] = frozenset()
    # Korean phrases for what was understood, in order: used in reasons and shown as chips.
    understood: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.understood


def _negated(text: str, start: int, end: int) -> bool:
    before = text[:start].split()
    if before and before[-1] in _NEG_BEFORE:
        return True
    if start > 0 and text[start - 1] == "안" and (start < 2 or text[start - 2].isspace()):
        return True
    after_words = text[end:].split()
    # The rest of this word and the next two words.
    tail = " ".join(after_words[:3]) if text[end : end + 1].strip() else " ".join(after_words[:2])
    return bool(_NEG_AFTER.search(tail))


def _less(text: str, start: int) -> bool:
    before = text[:start].split()
    return bool(before) and before[-1] == "덜"


def won_text(value: int) -> str:
    """25000 → "2만 5천원", 20000 → "2만원", 8000 → "8천원", 12345 → "12,345원"."""
    man, rest = divmod(value, 10000)
    if rest % 1000 == 0:
        parts = ([f"{man}만"] if man else []) + ([f"{rest // 1000}천"] if rest else [])
        return " ".join(parts) + "원"
    return f"{value:,}원"


def _parse_price(text: str) -> tuple[int | None, str | None]:
    for regex, kind in _PRICE_RES:
        match = regex.search(text)
        if not match:
            continue
        if kind == "man":
            value = int(float(match.group(1)) * 10000) + int(match.group(2) or 0) * 1000
        elif kind == "hangul":
            value = _HANGUL_DIGITS[match.group(1)] * 10000
        elif kind == "one_man":
            value = 10000
        elif kind == "cheon":
            value = int(match.group(1)) * 1000
        else:
            value = int(match.group(1))
        limit = _PRICE_LIMIT.match(text[match.end() :])
        word = limit.group(1) if limit else None
        if word == "대":
            return value + 9999, f"{value // 10000}만원대"
        if word == "미만":
            return value - 1, f"{won_text(value)} 미만"
        if value <= 0:
            return None, None
        return value, f"{won_text(value)} 이하"
    return None, None


def wish_parse(text: str, *, dishes: tuple[Dish, ...] = ()) -> Wish:
    text = " ".join((text or "").split())[:MAX_WISH_LENGTH]
    if not text:
        return Wish()
    soup = spicy = weight = temperature = None
    avoid_heavy = False
    tags: set[str] = set()
    avoid_tags: set[str] = set()
    categories: set[str] = set()
    avoid_categories: set[str] = set()
    understood: list[str] = []

    def note(phrase: str) -> None:
        if phrase not in understood:
            understood.append(phrase)

    taken: list[tuple[int, int, str]] = []
    for regex, concept in _CONCEPT_RES:
        for match in regex.finditer(text):
            start, end = match.span()
            kind = concept.split(":", 1)[0]
            overlaps = any(s < end and start < e and k == kind for s, e, k in taken)
            if overlaps:
                continue
            taken.append((start, end, kind))
            negated = _negated(text, start, end)
            if concept == "mild":
                spicy = "avoid"
                note("순한 맛")
            elif concept == "spicy":
                if _less(text, start):
                    spicy = spicy or "less"
                    note("덜 매운")
                elif negated:
                    spicy = "avoid"
                    note("맵지 않은")
                elif spicy is None:
                    spicy = "want"
                    note("매운")
            elif concept == "soup":
                soup = not negated if soup is None else soup
                note("국물 있는" if soup else "국물 없는")
            elif concept == "light" and not negated:
                weight = "light"
                note("가벼운")
            elif concept == "heavy" and not negated:
                weight = weight or "heavy"
                note("든든한")
            elif concept == "greasy":
                if negated:
                    avoid_heavy = True
                    note("느끼하지 않은")
                else:
                    weight = weight or "heavy"
                    note("기름진")
            elif concept == "cold" and not negated:
                temperature = "cold"
                note("시원한")
            elif concept == "hot" and not negated:
                temperature = temperature or "hot"
                note("따뜻한")
            elif kind == "tag":
                tag = concept[4:]
                (avoid_tags if negated else tags).add(tag)
                note(f"{tag} 빼고" if negated else tag)
            elif kind == "cat":
                category = concept[4:]
                (avoid_categories if negated else categories).add(category)
                note(f"{category} 말고" if negated else category)

    wanted_dishes: set[str] = set()
    avoided_dishes: set[str] = set()
    for dish in dishes:
        index = text.find(dish.name)
        if index < 0:
            compact = dish.name.replace(" ", "")
            index = text.find(compact)
            length = len(compact)
        else:
            length = len(dish.name)
        if index < 0 or length < 2:
            continue
        if _negated(text, index, index + length):
            avoided_dishes.add(dish.name)
        else:
            wanted_dishes.add(dish.name)
            note(dish.name)

    max_price, price_phrase = _parse_price(text)
    if price_phrase:
        note(price_phrase)
    return Wish(
        text=text,
        soup=soup,
        spicy=spicy,
        weight=weight,
        avoid_heavy=avoid_heavy,
        temperature=temperature,
        max_price=max_price,
        price_phrase=price_phrase or "",
        tags=frozenset(tags),
        avoid_tags=frozenset(avoid_tags),
        categories=frozenset(categories - avoid_categories),
        avoid_categories=frozenset(avoid_categories),
        dishes=frozenset(wanted_dishes),
        avoid_dishes=frozenset(avoided_dishes),
        understood=tuple(understood),
    )
