"""An optional LLM over any OpenAI-compatible chat-completions endpoint.

Off unless ``LLM_BASE_URL`` is set. It gets the same context the engine used and the
engine's picks, and must answer in Korean; anything else (an error status, a timeout, a body
that is not a chat completion, an empty or non-Korean answer) returns ``None`` and the
caller answers with the engine's text instead.
"""

from __future__ import annotations

import logging
import re

import httpx
from django.conf import settings

from mealbuddy.recommend.engine import Recommendation

logger = logging.getLogger(__name__)

HISTORY_TURNS = 20
MAX_ANSWER_CHARS = 2000
_HANGUL = re.compile(r"[가-힣]")

SYSTEM_PROMPT = (
    "너는 동네 배달 공동주문 서비스 '밀버디'의 메뉴 추천 도우미야. 항상 한국어로, "
    "짧고 친근하게 답해. 아래 후보 메뉴 안에서 골라 추천하고, 왜 추천하는지 날씨·시간·"
    "요청을 근거로 한 줄씩 설명해. 근처에 모집 중인 공동주문이 있으면 함께 알려줘. "
    "후보에 없는 메뉴를 지어내지 마."
)


def llm_enabled() -> bool:
    return bool(settings.LLM_BASE_URL)


def _context_message(recommendation: Recommendation) -> str:
    ctx = recommendation.context
    lines = ["지금 상황: " + ", ".join(ctx.describe())]
    if ctx.weather is None:
        lines.append("날씨 정보는 지금 없음.")
    lines.append("후보 메뉴:")
    for pick in recommendation.picks:
        nearby = f", 근처 모집 {len(pick.open_orders)}건" if pick.open_orders else ""
        lines.append(
            f"- {pick.dish.name} ({pick.dish.category}, 1인 약 {pick.dish.price:,}원{nearby}): "
            f"{pick.reason}"
        )
    return "\n".join(lines)


def llm_answer(
    *, recommendation: Recommendation, history: list[dict[str, str]], question: str
) -> str | None:
    if not llm_enabled():
        return None
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "system", "content": _context_message(recommendation)},
        *history[-HISTORY_TURNS:],
        {"role": "user", "content": question},
    ]
    headers = {"Authorization": f"Bearer {settings.LLM_API_KEY}"} if settings.LLM_API_KEY else {}
    url = settings.LLM_BASE_URL.rstrip("/") + "/chat/completions"
    try:
        response = httpx.post(
            url,
            json={"model": settings.LLM_MODEL, "messages": messages, "temperature": 0.7},
            headers=headers,
            timeout=httpx.Timeout(settings.LLM_TIMEOUT),
            trust_env=False,
        )
    except httpx.HTTPError as exc:
        logger.warning("LLM request failed: %s: %s", exc.__class__.__name__, exc)
        return None
    if response.status_code != 200:
        logger.warning("LLM answered HTTP %s", response.status_code)
        return None
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        logger.warning("LLM answer is not a chat completion")
        return None
    if not isinstance(content, str) or not _HANGUL.search(content):
        logger.warning("LLM answer is empty or not Korean")
        return None
    return content.strip()[:MAX_ANSWER_CHARS]
