"""Socket frames: nothing a client sends makes a server_error event or a traceback.

Every malformed frame gets a clear ``{"type": "error", "code", "message"}`` event, the socket
stays open (a good message afterwards still goes through) and nothing is stored.
"""

from __future__ import annotations

import logging

import pytest

from mealbuddy.chat.models import Message
from tests.chat.helpers import atoken, connected, db

pytestmark = pytest.mark.django_db(transaction=True)

BAD_FRAMES = [
    ('{"message": "a\\u0000b"}', "invalid_characters"),
    ('{"message": "\\ud800"}', "invalid_characters"),
    ('{"message\\u0000": "x"}', "invalid_characters"),
    ("[" * 8_000 + "]" * 8_000, "too_deep"),
    ("[" * 50_000 + "]" * 50_000, "frame_too_large"),
    ('{"message": ' + "[" * 100 + "]" * 100 + "}", "too_deep"),
    ('{"type": "read", "id": 1000000000000000000000000000000}', "number_out_of_range"),
    ('{"type": "read", "id": 9223372036854775808}', "number_out_of_range"),
    ('{"type": "read", "id": 1e999}', "number_out_of_range"),
    ('{"message": NaN}', "invalid_json"),
    ("not json", "invalid_json"),
    ("[1, 2]", "invalid_frame"),
    ('"hello"', "invalid_frame"),
    ('{"type": ["read"]}', "unknown_type"),
    ('{"message": ["x"]}', "invalid_message"),
    ('{"message": {"a": 1}}', "invalid_message"),
    ('{"message": "' + "x" * 20_000 + '"}', "frame_too_large"),
]


def _frame_id(value) -> str:
    return value if len(value) < 40 else f"{value[:20]}…({len(value)})"


async def test_every_bad_chat_frame_is_a_clear_error_event(people, room, caplog):
    """All bad frames down one socket: one event loop, one post at the end."""
    host, _, _ = people
    comm = await connected(f"/ws/chat/{room.pk}/?token={await atoken(host)}", origin=False)
    with caplog.at_level(logging.ERROR):
        for frame, code in BAD_FRAMES:
            await comm.send_to(text_data=frame)
            event = await comm.receive_json_from(timeout=5)
            assert (event["type"], event["code"]) == ("error", code), _frame_id(frame)
            assert event["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # Still open and working; no bad frame stored anything.
    await comm.send_json_to({"message": "괜찮아요"})
    assert (await comm.receive_json_from(timeout=5))["message"]["message"] == "괜찮아요"
    texts = await db(lambda: list(Message.objects.values_list("text", flat=True)))()
    assert texts == ["괜찮아요"]
    await comm.disconnect()


async def test_bytes_frame_on_chat_is_an_error_event(people, room):
    comm = await connected(f"/ws/chat/{room.pk}/?token={await atoken(people[0])}", origin=False)
    await comm.send_to(bytes_data=b'{"message": "x"}')
    assert (await comm.receive_json_from(timeout=5))["code"] == "invalid_frame"
    await comm.disconnect()


@pytest.mark.parametrize("after", ["9" * 30, "9" * 5000, "1e20", "%00"])
async def test_bad_catch_up_point_is_an_error_event(people, room, after):
    comm = await connected(
        f"/ws/chat/{room.pk}/?token={await atoken(people[0])}&after={after}", origin=False
    )
    event = await comm.receive_json_from(timeout=5)
    assert (event["type"], event["code"]) == ("error", "invalid_after")
    await comm.disconnect()


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES[:5] + BAD_FRAMES[10:13], ids=_frame_id)
async def test_bad_notification_frame_is_a_clear_error_event(people, frame, code, caplog):
    comm = await connected(f"/ws/notifications/?token={await atoken(people[0])}", origin=False)
    assert (await comm.receive_json_from(timeout=5))["type"] == "unread"
    with caplog.at_level(logging.ERROR):
        await comm.send_to(text_data=frame)
        event = await comm.receive_json_from(timeout=5)
    assert (event["type"], event["code"]) == ("error", code)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await comm.send_to(text_data='{"type": "ping"}')  # well-formed: ignored, socket open
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


def _hostile_frames(count: int) -> list[str]:
    """``count`` derandomized hostile frames (hypothesis draws, collected once)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.core.test_input_sweep import _json_text, hostile_int, hostile_text, hostile_value

    frames: list[str] = []
    frame = st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(["chat.message", "read"]), hostile_value)},
        optional={
            "message": st.one_of(hostile_text, hostile_value),
            "id": st.one_of(hostile_int, hostile_value),
        },
    )

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(frame, hostile_value))
    def collect(value):
        frames.append(_json_text(value))

    collect()
    return frames


async def test_no_hostile_frame_makes_a_server_error(people, room, settings, caplog, monkeypatch):
    """A property sweep over frames: whatever arrives, the answers are chat messages or
    clear errors, never ``server_error``, and nothing is logged as an error."""
    settings.CHAT_BURST = 10_000  # flood control is not what this sweep is about
    # On PostgreSQL, posts run on the event loop's executor threads, and each such thread's
    # pooled connection outlives the test's loop (a leak of the test set-up, reported); with
    # dozens of valid posts here the pool would run dry for later tests. Validation, which
    # is what this sweep checks, runs before that choice.
    monkeypatch.setattr("mealbuddy.chat.consumers._parallel_posts", lambda: False)
    frames = _hostile_frames(150)
    comm = await connected(f"/ws/chat/{room.pk}/?token={await atoken(people[0])}", origin=False)
    with caplog.at_level(logging.ERROR):
        for frame in frames:
            await comm.send_to(text_data=frame)
        await comm.send_json_to({"message": "끝"})
        events = []
        while True:
            event = await comm.receive_json_from(timeout=10)
            events.append(event)
            if event.get("type") == "chat.message" and event["message"]["message"] == "끝":
                break
    assert {e["type"] for e in events} <= {"chat.message", "error"}
    assert not [e for e in events if e.get("code") == "server_error"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await comm.disconnect()


async def test_chat_room_id_beyond_64_bits_is_refused_like_any_missing_room(people):
    from tests.chat.helpers import communicator

    comm = communicator(f"/ws/chat/{'9' * 30}/?token={await atoken(people[0])}", origin=False)
    accepted, _ = await comm.connect()
    assert not accepted
    await comm.disconnect()
