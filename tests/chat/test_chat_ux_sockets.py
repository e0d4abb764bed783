"""Issue 11, chat, live: the page socket's events carry the author's photo (also for the
sender's own echo and a catch-up), the original client's stay as the contract says, and a
line the host caused does not raise the host's live unread count."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mealbuddy.accounts.models import Profile
from mealbuddy.chat.services import message_post, system_message_post
from tests.chat.helpers import atoken, connected, db, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def path(room, query=""):
    return f"/ws/chat/{room.pk}/" + (f"?{query}" if query else "")


def give_avatar(user) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (20, 80, 200)).save(buffer, "PNG")
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.avatar.save("b.png", SimpleUploadedFile("b.png", buffer.getvalue()), save=True)
    return profile.avatar.url


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


async def test_a_live_message_reaches_our_page_with_the_authors_photo(people, room, media):
    host, guest, _ = people
    url = await db(give_avatar)(host)
    page = await connected(path(room), cookie=await db(session_cookie)(guest))
    author = await connected(path(room), cookie=await db(session_cookie)(host))
    client = await connected(path(room, f"token={await atoken(guest)}"), origin=False)
    await author.send_json_to({"message": "사진과 함께"})
    theirs = await page.receive_json_from()
    assert theirs["message"]["user"] == {
        "id": host.pk,
        "username": host.username,
        "email": "",
        "avatar": url,
        # our pages only: the 동네인증 badge and 매너 점수 beside the name (issue 12)
        "verified": False,
        "manner_score": 36.5,
    }
    echo = await author.receive_json_from()
    assert echo["message"]["user"]["avatar"] == url
    assert echo["message"]["user"]["email"] == host.email
    # The original client's socket: exactly the contract's person object.
    contract = await client.receive_json_from()
    assert contract["message"]["user"] == {"id": host.pk, "username": host.username, "email": ""}
    for comm in (page, author, client):
        await comm.disconnect()


async def test_a_page_catching_up_gets_the_photos_too(people, room, media):
    host, guest, _ = people
    url = await db(give_avatar)(host)
    before = await db(message_post)(room_id=room.pk, user=guest, text="먼저")
    await db(message_post)(room_id=room.pk, user=host, text="놓친 메시지")
    page = await connected(path(room, f"after={before.pk}"), cookie=await db(session_cookie)(guest))
    missed = await page.receive_json_from()
    assert missed["message"]["message"] == "놓친 메시지"
    assert missed["message"]["user"]["avatar"] == url
    await page.disconnect()


async def test_a_line_the_host_caused_does_not_raise_the_hosts_live_count(people, room):
    host, guest, _ = people
    host_notes = await connected("/ws/notifications/", cookie=await db(session_cookie)(host))
    guest_notes = await connected("/ws/notifications/", cookie=await db(session_cookie)(guest))
    for notes in (host_notes, guest_notes):
        assert (await notes.receive_json_from())["type"] == "unread"
    await db(system_message_post)(
        room=room, kind="status", text="모집이 마감되었어요.", actor_id=host.pk
    )
    mine = await host_notes.receive_json_from()
    theirs = await guest_notes.receive_json_from()
    assert mine["type"] == theirs["type"] == "chat.unread"
    assert (mine["unread"], mine["chats"]) == (0, 0)
    assert (theirs["unread"], theirs["chats"]) == (1, 1)
    for notes in (host_notes, guest_notes):
        await notes.disconnect()
