"""Sockets and sanctions: a sanction closes the person's open sockets with 4031, a reconnect
while it lasts is refused with 4031, a post from a socket that missed the close gets an error
frame (never a crash), and a hidden message is replaced live in our pages.

In-process (WebsocketCommunicator through the real ASGI application and the in-memory layer).
"""

from __future__ import annotations

import pytest

from mealbuddy.chat.models import Message
from mealbuddy.chat.serializers import HIDDEN_MESSAGE_TEXT
from mealbuddy.core.websocket import ACCOUNT_RESTRICTED_CLOSE_CODE
from mealbuddy.trust.models import Report, Standing
from mealbuddy.trust.moderation import moderation_act
from tests.chat.helpers import atoken, communicator, connected, db, session_cookie
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_RESTRICTED = {"type": "websocket.close", "code": ACCOUNT_RESTRICTED_CLOSE_CODE}


def chat(room, tok):
    return f"/ws/chat/{room.pk}/?token={tok}"


def notifications(tok):
    return f"/ws/notifications/?token={tok}"


async def close_of(comm) -> dict:
    """The close frame, past any notification sent before it (the sanction's own notice)."""
    while True:
        output = await comm.receive_output()
        if output["type"] == "websocket.close":
            return output


def _sanction(kind: str, user_id: int) -> None:
    staff = UserFactory(is_staff=True)
    target = type(staff).objects.get(pk=user_id)
    moderation_act(staff=staff, kind=kind, target_user=target, reason="욕설", days=3)


@pytest.mark.parametrize("kind", ["suspend", "ban"])
async def test_a_sanction_closes_the_persons_chat_and_notification_sockets(people, room, kind):
    host, guest, _ = people
    tok = await atoken(guest)
    chat_socket = await connected(chat(room, tok), origin=False)
    bell = await connected(notifications(tok), origin=False)
    assert (await bell.receive_json_from())["type"] == "unread"
    host_socket = await connected(chat(room, await atoken(host)), origin=False)

    await db(_sanction)(kind, guest.pk)

    assert await chat_socket.receive_output() == CLOSED_RESTRICTED
    assert await close_of(bell) == CLOSED_RESTRICTED
    # Everyone else's socket stays open and working.
    await host_socket.send_json_to({"message": "나는 그대로"})
    assert (await host_socket.receive_json_from())["message"]["message"] == "나는 그대로"
    await host_socket.disconnect()


async def test_a_reconnect_while_suspended_is_refused_with_the_code(people, room):
    host, guest, _ = people
    await db(_sanction)("suspend", guest.pk)
    tok = await atoken(guest)
    for path in (chat(room, tok), notifications(tok)):
        comm = communicator(path, origin=False)
        await comm.connect()
        assert await comm.receive_output() == CLOSED_RESTRICTED
    # Our own pages' session socket too.
    page = communicator(f"/ws/chat/{room.pk}/", cookie=await db(session_cookie)(guest))
    await page.connect()
    assert await page.receive_output() == CLOSED_RESTRICTED


async def test_after_a_lift_the_socket_connects_again(people, room):
    host, guest, _ = people
    await db(_sanction)("suspend", guest.pk)
    await db(_sanction)("lift", guest.pk)
    comm = await connected(chat(room, await atoken(guest)), origin=False)
    await comm.send_json_to({"message": "돌아왔어요"})
    assert (await comm.receive_json_from())["message"]["message"] == "돌아왔어요"
    await comm.disconnect()


def _suspend_silently(user_id: int) -> None:
    # As if the close event was lost on the way (Redis hiccup): only the row changes.
    Standing.objects.update_or_create(
        user_id=user_id, defaults={"restriction": Standing.Restriction.BANNED}
    )


async def test_a_socket_that_missed_the_close_gets_an_error_frame_and_saves_nothing(people, room):
    host, guest, _ = people
    comm = await connected(chat(room, await atoken(guest)), origin=False)
    await db(_suspend_silently)(guest.pk)
    await comm.send_json_to({"message": "아직 되나?"})
    frame = await comm.receive_json_from()
    assert frame["type"] == "error" and frame["code"] == "account_restricted"
    assert "영구 정지" in frame["message"]
    assert await db(Message.objects.filter(kind="text").count)() == 0
    # The socket is still up (no crash, no 1011): the next frame is answered the same way.
    await comm.send_json_to({"message": "한 번 더"})
    assert (await comm.receive_json_from())["code"] == "account_restricted"
    await comm.disconnect()


def _report_and_hide(room_id: int, message_id: int, reporter_id: int) -> None:
    message = Message.objects.get(pk=message_id)
    report = Report.objects.create(
        reporter_id=reporter_id,
        target=Report.Target.MESSAGE,
        target_user_id=message.user_id,
        message=message,
        reason=Report.Reason.ABUSE,
        snapshot={"text": message.text},
    )
    staff = UserFactory(is_staff=True)
    moderation_act(staff=staff, kind="hide_message", report=report, reason="욕설")


async def test_hiding_a_message_replaces_it_live_in_our_pages_and_in_every_history(people, room):
    host, guest, _ = people
    bad = await db(lambda: Message.objects.create(room=room, user=guest, text="나쁜 말"))()
    page = await connected(f"/ws/chat/{room.pk}/", cookie=await db(session_cookie)(host))
    original = await connected(chat(room, await atoken(host)), origin=False)

    await db(_report_and_hide)(room.pk, bad.pk, host.pk)

    assert await page.receive_json_from() == {
        "type": "chat.message_hidden",
        "id": bad.pk,
        "text": HIDDEN_MESSAGE_TEXT,
    }
    # The original client knows no such frame: it hears nothing.
    assert await original.receive_nothing(timeout=0.2)
    # A reconnect's catch-up and the history say the placeholder, never the words.
    late = await connected(f"/ws/chat/{room.pk}/?after=0", cookie=await db(session_cookie)(host))
    texts = []
    while not await late.receive_nothing(timeout=0.2):
        texts.append((await late.receive_json_from())["message"]["message"])
    assert HIDDEN_MESSAGE_TEXT in texts and "나쁜 말" not in texts
    for comm in (page, original, late):
        await comm.disconnect()
