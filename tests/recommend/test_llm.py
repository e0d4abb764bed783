"""The conversation: LLM against a local chat-completions server, fallback, quota, reset."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mealbuddy.core.errors import RateLimited
from mealbuddy.recommend.models import ConversationTurn
from mealbuddy.recommend.services import conversation_ask, conversation_reset
from tests.recommend.fakes import JSON, FakeServer

KST = ZoneInfo("Asia/Seoul")
URL = "/api/openAPI/foodchoicer/"


def completion(content) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764100000,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
    }


@pytest.fixture
def llm(settings, no_weather):
    state = {"status": 200, "body": completion("오늘은 비가 오니 칼국수 어때요?"), "delay": 0}

    def respond(method, path, query, body):
        assert (method, path) == ("POST", "/v1/chat/completions")
        return state["status"], JSON, state["body"], state["delay"]

    with FakeServer(respond) as server:
        server.state = state
        settings.LLM_BASE_URL = f"{server.url}/v1"
        settings.LLM_API_KEY = "sk-test"
        settings.LLM_MODEL = "test-model"
        settings.LLM_TIMEOUT = 0.5
        yield server


def test_llm_answers_with_context_and_candidates(llm, auth_client):
    response = auth_client.post(
        URL, {"message": "국물 있는 거", "lat": 37.55, "lon": 126.92}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == [
        {"role": "user", "content": "국물 있는 거"},
        {"role": "assistant", "content": "오늘은 비가 오니 칼국수 어때요?"},
    ]
    sent = json.loads(llm.requests[0]["body"])
    assert llm.requests[0]["headers"]["Authorization"] == "Bearer sk-test"
    assert sent["model"] == "test-model"
    assert sent["messages"][0]["role"] == "system"
    assert "후보 메뉴" in sent["messages"][1]["content"]
    assert "국물 있는" in sent["messages"][1]["content"]
    assert sent["messages"][-1] == {"role": "user", "content": "국물 있는 거"}

    # The day's history goes with the next question.
    llm.state["body"] = completion("그럼 우동은 어때요?")
    second = auth_client.post(URL, {"message": "다른 거"}, format="json").json()
    assert [t["content"] for t in second] == [
        "국물 있는 거",
        "오늘은 비가 오니 칼국수 어때요?",
        "다른 거",
        "그럼 우동은 어때요?",
    ]
    sent = json.loads(llm.requests[1]["body"])
    assert [m["role"] for m in sent["messages"]] == [
        "system",
        "system",
        "user",
        "assistant",
        "user",
    ]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": {"error": {"message": "internal", "type": "server_error"}}},
        {"status": 429, "body": {"error": {"message": "Rate limit", "type": "rate_limit"}}},
        {"delay": 1.5},
        {"body": "<html>gateway</html>"},
        {"body": {"choices": []}},
        {"body": completion("")},
        {"body": completion("Sure! Here are some dishes.")},
    ],
    ids=["500", "429", "slow", "html", "no-choices", "empty", "not-korean"],
)
def test_llm_failure_falls_back_to_the_engine(llm, auth_client, failure):
    llm.state.update(failure)
    response = auth_client.post(URL, {"message": "안 매운 걸로"}, format="json")
    assert response.status_code == 200
    answer = response.json()[-1]
    assert answer["role"] == "assistant"
    assert "이런 메뉴는 어때요?" in answer["content"]
    assert answer["content"].count("\n") >= 5  # five numbered dishes
    assert "'맵지 않은' 요청대로" in answer["content"]


def test_llm_off_still_answers_and_counts(settings, no_weather, auth_client):
    settings.LLM_BASE_URL = ""
    settings.LLM_DAILY_LIMIT = 2
    for _ in range(2):
        response = auth_client.post(URL, {"message": "가볍게"}, format="json")
        assert response.status_code == 200
        assert "1. " in response.json()[-1]["content"]
    response = auth_client.post(URL, {"message": "가볍게"}, format="json")
    assert response.status_code == 429
    assert response.json()["errors"]["error"] == [
        "메뉴 질문은 하루 2번까지 할 수 있어요. 내일(자정 이후) 다시 물어봐 주세요."
    ]


def test_ten_questions_a_day_then_429_and_reset_does_not_refill(no_weather, auth_client):
    for number in range(10):
        response = auth_client.post(URL, {"message": f"{number}번째 질문 야식"}, format="json")
        assert response.status_code == 200, number
    assert len(response.json()) == 20
    assert auth_client.post(URL, {"message": "하나 더"}, format="json").status_code == 429
    # Resetting the conversation clears it but does not give questions back.
    assert auth_client.delete(URL).status_code == 200
    assert not ConversationTurn.objects.filter(user=auth_client.user).exists()
    assert auth_client.post(URL, {"message": "하나 더"}, format="json").status_code == 429


def test_quota_resets_at_midnight_kst(no_weather, user, settings):
    settings.LLM_DAILY_LIMIT = 1
    before_midnight = datetime(2026, 11, 26, 23, 59, tzinfo=KST)
    after_midnight = datetime(2026, 11, 27, 0, 0, 30, tzinfo=KST)
    conversation_ask(user=user, message="야식", now=before_midnight)
    with pytest.raises(RateLimited):
        conversation_ask(user=user, message="야식 하나 더", now=before_midnight)
    # 15:00 UTC is midnight in Seoul: a new day, a new quota, a fresh conversation.
    turns = conversation_ask(user=user, message="아침 메뉴", now=after_midnight)
    assert [t["content"] for t in turns][0] == "아침 메뉴"
    assert len(turns) == 2


def test_reset_only_touches_my_conversation(no_weather, user):
    from tests.factories import UserFactory

    other = UserFactory()
    conversation_ask(user=user, message="국물")
    conversation_ask(user=other, message="피자")
    conversation_reset(user=user)
    assert not ConversationTurn.objects.filter(user=user).exists()
    assert ConversationTurn.objects.filter(user=other).count() == 2
