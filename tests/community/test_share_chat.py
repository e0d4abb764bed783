"""The 나눔 1:1 chat (issue 13): "채팅하기" on a 나눔 post opens one room between the reader
and the author, through the chat rooms' one membership rule (REST, page, socket, unread
counts, "내 채팅"), and the original client's API never shows such a room."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from mealbuddy.chat import selectors as chat_selectors
from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.chat.services import chat_away_push, message_post
from mealbuddy.community.models import Post
from mealbuddy.community.services import share_state_set
from mealbuddy.community.share_chat import share_chat_open
from mealbuddy.core.errors import ApplicationError
from tests.chat.helpers import atoken, communicator, connected, room_with
from tests.community.conftest import block, make_post, suspend
from tests.conftest import client_for
from tests.factories import UserFactory


def share_post(author, **fields):
    return make_post(author, topic="share", title="아기 옷 나눔해요", **fields)


def open_api(user, post):
    return client_for(user).post(f"/api/community/posts/{post.pk}/chat/")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def share(author):
    return share_post(author)


@pytest.fixture
def room(share, reader):
    return share_chat_open(post_id=share.pk, user=reader)[0]


# --- opening the room -------------------------------------------------------------------------


def test_chat_twice_opens_the_same_room(share, reader, author):
    first = open_api(reader, share)
    again = open_api(reader, share)
    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    room_id = first.json()["room_id"]
    assert again.json()["room_id"] == room_id
    assert first.json()["url"] == f"/chats/{room_id}/"
    room = ChatRoom.objects.get(pk=room_id)
    assert (room.post_id, room.starter_id, room.post_author_id) == (share.pk, reader.pk, author.pk)
    assert room.group_order_id is None
    # The page's form opens the same room and goes there.
    page = browser(reader).post(f"/community/{share.pk}/chat/")
    assert page.status_code == 302 and page["Location"] == f"/chats/{room_id}/"
    assert ChatRoom.objects.filter(post=share).count() == 1


def test_each_reader_has_their_own_room(share, reader):
    other = UserFactory()
    mine = open_api(reader, share).json()["room_id"]
    theirs = open_api(other, share).json()["room_id"]
    assert mine != theirs


def test_the_author_cannot_chat_with_themself(share, author):
    response = open_api(author, share)
    assert response.status_code == 403
    assert response.json()["code"] == "own_post"
    assert not ChatRoom.objects.filter(post=share).exists()


def test_only_share_posts_open_a_chat(author, reader):
    news = make_post(author)
    response = open_api(reader, news)
    assert response.status_code == 400 and response.json()["code"] == "wrong_topic"


def test_a_missing_or_deleted_post_is_not_found(share, reader, author):
    assert client_for(reader).post("/api/community/posts/999999/chat/").status_code == 404
    Post.objects.filter(pk=share.pk).update(deleted_at=share.created_at)
    assert open_api(reader, share).status_code == 404


def test_done_post_refuses_new_rooms_but_keeps_existing_ones(share, reader, author, room):
    share_state_set(post_id=share.pk, user=author, state=Post.ShareState.RESERVED)
    share_state_set(post_id=share.pk, user=author, state=Post.ShareState.DONE)
    latecomer = UserFactory()
    refused = open_api(latecomer, share)
    assert refused.status_code == 400
    assert refused.json()["code"] == "share_done"
    assert "나눔이 끝난" in refused.json()["errors"]["error"][0] or "나눔이 끝난" in str(
        refused.json()
    )
    assert not ChatRoom.objects.filter(post=share, starter=latecomer).exists()
    # The reader's room stays usable.
    again = open_api(reader, share)
    assert again.status_code == 200 and again.json()["room_id"] == room.pk
    sent = client_for(reader).post(
        f"/api/chats/{room.pk}/messages/", {"message": "내일 갈게요"}, format="json"
    )
    assert sent.status_code == 201


def test_blocked_either_way_cannot_open_a_room(share, reader, author):
    block(author, reader)
    assert open_api(reader, share).status_code == 404  # the post is hidden, as on the board
    other = UserFactory()
    block(other, author)
    assert open_api(other, share).status_code == 404
    assert not ChatRoom.objects.filter(post=share).exists()
    # The chat service refuses on its own too (another door could call it).
    from mealbuddy.chat.services import direct_room_open

    with pytest.raises(ApplicationError) as refused:
        direct_room_open(post=share, starter=reader)
    assert refused.value.code == "blocked"


def test_a_suspended_reader_cannot_open_a_room(share, reader):
    suspend(reader)
    response = open_api(reader, share)
    assert response.status_code == 403
    assert response.json()["code"] == "account_restricted"
    assert not ChatRoom.objects.filter(post=share).exists()


def test_open_is_in_the_schema(db):
    schema = client_for(UserFactory()).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/community/posts/{post_id}/chat/"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "400", "403", "404"}
    summary = schema["components"]["schemas"]["ChatRoomSummary"]["properties"]
    assert {"kind", "post_id", "partner"} <= set(summary)


# --- membership: only the two of them ---------------------------------------------------------


def test_only_the_two_members_read_and_send(room, reader, author):
    outsider = UserFactory()
    for user, allowed in ((reader, True), (author, True), (outsider, False)):
        api = client_for(user)
        history = api.get(f"/api/chats/{room.pk}/messages/")
        sent = api.post(f"/api/chats/{room.pk}/messages/", {"message": "안녕하세요"}, format="json")
        members = api.get(f"/api/chats/{room.pk}/members/")
        page = browser(user).get(f"/chats/{room.pk}/")
        assert history.status_code == (200 if allowed else 403), user
        assert sent.status_code == (201 if allowed else 403), user
        assert members.status_code == (200 if allowed else 403), user
        assert page.status_code == (200 if allowed else 403), user
        assert chat_selectors.room_is_member(room_id=room.pk, user_id=user.pk) is allowed
        assert (
            ChatRoom.objects.filter(chat_selectors.room_member_q(user.pk), pk=room.pk).exists()
            is allowed
        )
    with pytest.raises(ApplicationError):
        message_post(room_id=room.pk, user=outsider, text="끼어들기")
    assert Message.objects.filter(room=room).count() == 2
    members = client_for(reader).get(f"/api/chats/{room.pk}/members/").json()["members"]
    assert [(m["id"], m["is_host"]) for m in members] == [(author.pk, True), (reader.pk, False)]


def test_the_room_page_shows_the_post_and_links_back(room, reader, share):
    page = browser(reader).get(f"/chats/{room.pk}/")
    html = page.content.decode()
    assert "아기 옷 나눔해요" in html and "나눔중" in html
    assert f'href="/community/{share.pk}/"' in html
    assert "채팅방 나가기" not in html  # nothing to leave: a 1:1 room is not an order


def test_a_deleted_post_leaves_its_rooms_readable(room, reader, share):
    from mealbuddy.community.services import post_delete

    post_delete(post_id=share.pk, user=share.author)
    page = browser(reader).get(f"/chats/{room.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "삭제된 글" in html
    assert f'href="/community/{share.pk}/"' not in html
    listed = client_for(reader).get("/api/chats/").json()["rooms"]
    assert [r["title"] for r in listed] == ["삭제된 글"]


@pytest.mark.django_db(transaction=True)
async def test_an_outsider_cannot_connect_the_socket_members_chat_live(regions_tx):
    from channels.db import database_sync_to_async as db

    author, reader, outsider = await db(lambda: [UserFactory() for _ in range(3)])()
    post = await db(share_post)(author)
    room, _ = await db(share_chat_open)(post_id=post.pk, user=reader)

    refused = communicator(f"/ws/chat/{room.pk}/?token={await atoken(outsider)}")
    ok, _ = await refused.connect()
    assert not ok

    mine = await connected(f"/ws/chat/{room.pk}/?token={await atoken(reader)}")
    theirs = await connected(f"/ws/chat/{room.pk}/?token={await atoken(author)}")
    await mine.send_json_to({"message": "아직 있나요?"})
    heard = await theirs.receive_json_from(timeout=5)
    echo = await mine.receive_json_from(timeout=5)
    assert heard["type"] == echo["type"] == "chat.message"
    assert heard["message"]["message"] == "아직 있나요?"
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_authors_badge_follows_a_new_room_live(regions_tx):
    from channels.db import database_sync_to_async as db

    author, reader = await db(lambda: [UserFactory() for _ in range(2)])()
    post = await db(share_post)(author)
    badge = await connected(f"/ws/notifications/?token={await atoken(author)}", origin=False)
    assert (await badge.receive_json_from(timeout=5))["chats"] == 0
    room, _ = await db(share_chat_open)(post_id=post.pk, user=reader)
    follows = await badge.receive_json_from(timeout=5)
    assert follows["type"] == "unread" and follows["rooms"] == {str(room.pk): 0}
    await db(message_post)(room_id=room.pk, user=reader, text="나눔 받고 싶어요")
    event = await badge.receive_json_from(timeout=5)
    assert event["type"] == "chat.unread"
    assert (event["room_id"], event["unread"], event["chats"]) == (room.pk, 1, 1)
    await badge.disconnect()


# --- blocks in an open room ---------------------------------------------------------------


@pytest.mark.parametrize("who_blocks", ["author", "reader"])
def test_a_block_keeps_the_room_but_refuses_sending(room, reader, author, who_blocks):
    message_post(room_id=room.pk, user=reader, text="내일 받으러 갈게요")
    blocker, blocked = (author, reader) if who_blocks == "author" else (reader, author)
    block(blocker, blocked)
    for user in (reader, author):
        api = client_for(user)
        sent = api.post(f"/api/chats/{room.pk}/messages/", {"message": "왜요?"}, format="json")
        assert sent.status_code == 403
        assert sent.json()["code"] == "blocked"
        assert "차단" in str(sent.json())
        assert api.get(f"/api/chats/{room.pk}/messages/").status_code == 200
    page = browser(blocked).get(f"/chats/{room.pk}/")
    assert page.status_code == 200 and "주고받을 수 없어요" in page.content.decode()
    assert Message.objects.filter(room=room).count() == 1


@pytest.mark.django_db(transaction=True)
async def test_a_blocked_pair_gets_a_clear_error_on_the_socket(regions_tx):
    from channels.db import database_sync_to_async as db

    author, reader = await db(lambda: [UserFactory() for _ in range(2)])()
    post = await db(share_post)(author)
    room, _ = await db(share_chat_open)(post_id=post.pk, user=reader)
    await db(block)(author, reader)
    comm = await connected(f"/ws/chat/{room.pk}/?token={await atoken(reader)}")
    await comm.send_json_to({"message": "안녕하세요"})
    answer = await comm.receive_json_from(timeout=5)
    assert answer["type"] == "error" and answer["code"] == "blocked"
    assert "차단" in answer["message"]
    await comm.disconnect()
    assert not await db(Message.objects.filter(room=room).exists)()


# --- unread counts and "내 채팅" -------------------------------------------------------------


def test_my_chats_and_unread_counts_include_direct_rooms(room, reader, author, share):
    message_post(room_id=room.pk, user=reader, text="혹시 아직 있나요?")
    message_post(room_id=room.pk, user=reader, text="내일 저녁 가능해요")
    listed = client_for(author).get("/api/chats/").json()
    summary = next(r for r in listed["rooms"] if r["id"] == room.pk)
    assert summary["kind"] == "share" and summary["post_id"] == share.pk
    assert summary["group_order_id"] is None and summary["status"] is None
    assert summary["status_label"] == "나눔중"
    assert summary["title"] == "아기 옷 나눔해요"
    assert summary["partner"]["id"] == reader.pk
    assert summary["unread"] == 2 and listed["unread"] == 2
    assert chat_selectors.chat_unread_total(user=author) == 2
    assert chat_selectors.room_unread_counts(user=author) == {room.pk: 2}
    assert chat_selectors.chat_unread_total(user=reader) == 0
    page = browser(author).get("/chats/").content.decode()
    assert "아기 옷 나눔해요" in page and f"{reader.display_name} 님과 1:1" in page
    # The author's post page lists the chats about the post.
    post_page = browser(author).get(f"/community/{share.pk}/").content.decode()
    assert f"{reader.display_name} 님과의 채팅" in post_page
    assert f'href="/chats/{room.pk}/"' in post_page
    outsider = UserFactory()
    assert client_for(outsider).get("/api/chats/").json()["rooms"] == []
    assert chat_selectors.chat_unread_total(user=outsider) == 0


def test_post_page_shows_chat_for_readers_only_when_allowed(share, reader, author):
    html = browser(reader).get(f"/community/{share.pk}/").content.decode()
    assert "채팅하기" in html and f'action="/community/{share.pk}/chat/"' in html
    own = browser(author).get(f"/community/{share.pk}/").content.decode()
    assert "채팅하기" not in own and "아직 이 나눔 글로 온 채팅이 없어요" in own
    news = make_post(author)
    assert "채팅하기" not in browser(reader).get(f"/community/{news.pk}/").content.decode()
    share_chat_open(post_id=share.pk, user=reader)
    assert "채팅 이어가기" in browser(reader).get(f"/community/{share.pk}/").content.decode()
    share_state_set(post_id=share.pk, user=author, state=Post.ShareState.DONE)
    late = browser(UserFactory()).get(f"/community/{share.pk}/").content.decode()
    assert "채팅하기" not in late and "나눔이 끝난 글이라" in late


def test_my_chats_cost_a_fixed_number_of_queries(author, django_assert_max_num_queries):
    def add_rooms(n: int) -> None:
        for _ in range(n):
            starter = UserFactory()
            post = share_post(author)
            room, _ = share_chat_open(post_id=post.pk, user=starter)
            message_post(room_id=room.pk, user=starter, text="나눔 받고 싶어요")
            order_room = room_with(author, UserFactory())
            message_post(room_id=order_room.pk, user=author, text="치킨 시킬게요")

    api = client_for(author)
    add_rooms(2)
    with django_assert_max_num_queries(6) as small:
        assert len(api.get("/api/chats/").json()["rooms"]) == 4
    add_rooms(4)
    with django_assert_max_num_queries(len(small.captured_queries)) as big:
        assert len(api.get("/api/chats/").json()["rooms"]) == 12
    assert len(big.captured_queries) == len(small.captured_queries) == 3  # auth + 2
    page = browser(author)
    page.get("/chats/")
    with django_assert_max_num_queries(12) as page_small:
        page.get("/chats/")
    add_rooms(2)
    with django_assert_max_num_queries(len(page_small.captured_queries)) as page_big:
        html = page.get("/chats/").content.decode()
    assert len(page_big.captured_queries) == len(page_small.captured_queries) > 0
    assert html.count("님과 1:1") == 8


def test_the_authors_post_page_lists_chats_in_a_fixed_number_of_queries(
    share, author, django_assert_max_num_queries
):
    def ask(n: int) -> None:
        for _ in range(n):
            starter = UserFactory()
            room, _ = share_chat_open(post_id=share.pk, user=starter)
            message_post(room_id=room.pk, user=starter, text="저 주세요")

    page = browser(author)
    ask(2)
    page.get(f"/community/{share.pk}/")
    with django_assert_max_num_queries(12) as few:
        page.get(f"/community/{share.pk}/")
    ask(5)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        html = page.get(f"/community/{share.pk}/").content.decode()
    assert len(many.captured_queries) == len(few.captured_queries) > 0
    assert html.count("님과의 채팅") == 7


def test_an_away_author_is_pushed_about_the_unread_chat(room, reader, author, settings):
    from datetime import timedelta

    from django.utils import timezone

    from tests.push_service import PushService

    def subscribe(user, service):
        sub = service.subscription()
        answer = client_for(user).post("/api/push/subscriptions/", sub.as_json(), format="json")
        assert answer.status_code == 201
        return sub

    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    settings.PUSH_CHAT_AWAY_MINUTES = 5
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        author_sub, reader_sub = subscribe(author, service), subscribe(reader, service)
        message_post(room_id=room.pk, user=reader, text="안녕하세요")
        Message.objects.update(created_at=timezone.now() - timedelta(minutes=6))
        assert chat_away_push() == 1  # the author only: the reader wrote it
        pushed = service.received(author_sub)
        assert service.received(reader_sub) == []
    assert len(pushed) == 1
    assert "아기 옷 나눔해요" in pushed[0]["body"] and pushed[0]["url"] == f"/chats/{room.pk}/"


# --- the original client's API never shows a 1:1 room ---------------------------------------


def test_the_original_clients_chat_endpoints_do_not_show_direct_rooms(room, reader):
    api = client_for(reader)
    state = api.get(f"/api/chat/{room.pk}/")
    assert state.status_code == 400
    assert api.get(f"/api/chat/{room.pk}/user/").status_code == 400
    join = api.post(f"/api/chat/{room.pk}/")
    assert join.status_code == 400 and isinstance(join.json(), str)
    assert api.delete(f"/api/chat/{room.pk}/").status_code == 400
    assert api.delete(f"/api/chat/{room.pk}/user/").status_code == 400
    ban = api.post(f"/api/chat/{room.pk}/user/ban/", {"target_user_id": reader.pk})
    assert ban.status_code == 400
    assert ChatRoom.objects.filter(pk=room.pk).exists()


# --- concurrency: one room however many taps at once ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_many_taps_at_once_make_one_room(regions_tx):
    author, reader = UserFactory(), UserFactory()
    post = share_post(author)
    barrier = threading.Barrier(6)
    rooms: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def tap() -> None:
        try:
            barrier.wait(timeout=30)
            room, _ = share_chat_open(post_id=post.pk, user=reader)
            with lock:
                rooms.append(room.pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(rooms) == 6 and len(set(rooms)) == 1
    assert ChatRoom.objects.filter(post=post, starter=reader).count() == 1


def test_a_message_in_a_direct_room_can_be_reported(room, reader, author):
    from mealbuddy.trust.models import Report
    from mealbuddy.trust.reports import report_create

    line = message_post(room_id=room.pk, user=reader, text="욕설")
    report, created = report_create(
        reporter=author, target="message", message_id=line.pk, reason="abuse"
    )
    assert created and report.target_user == reader
    assert report.snapshot["room_id"] == room.pk and report.snapshot["order_id"] is None
    assert report.snapshot["text"] == "욕설"
    outsider = UserFactory()
    with pytest.raises(ApplicationError):
        report_create(reporter=outsider, target="message", message_id=line.pk, reason="abuse")
    assert Report.objects.count() == 1
