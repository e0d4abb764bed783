"""The 동네생활 pages: board (chips, toggle, search, cursor "더 보기"), write with photos,
detail with its actions (plain forms and htmx parts), edit, delete; nobody changes what is
not theirs; the tab in the nav."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.community import services
from mealbuddy.community.models import Comment, Post
from tests.community.conftest import block, make_post, not_a_photo, photo, suspend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_board_needs_a_login_and_shows_the_tab(reader):
    assert Client().get("/community/").status_code == 302
    page = client_of(reader).get("/community/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/community/" aria-current="page"' in html and "동네생활" in html
    assert "+ 글쓰기" in html and "이웃 동네 포함" in html


def test_the_board_filters_by_topic_and_words_and_hides_blocked_people(author, reader, hapjeong):
    make_post(author, topic="food", title="합정 파스타 맛집")
    make_post(author, topic="news", title="공사 소식")
    make_post(UserFactory(region=hapjeong), title="이웃 동네 소식")
    blocked = UserFactory()
    make_post(blocked, title="차단된 사람의 글")
    block(reader, blocked)
    client = client_of(reader)
    html = client.get("/community/").content.decode()
    assert "이웃 동네 소식" in html and "차단된 사람의 글" not in html
    html = client.get("/community/?neighbours=0").content.decode()
    assert "이웃 동네 소식" not in html and "공사 소식" in html
    html = client.get("/community/?topic=food").content.decode()
    assert "합정 파스타 맛집" in html and "공사 소식" not in html
    html = client.get("/community/?q=파스타+합정").content.decode()
    assert "합정 파스타 맛집" in html and "공사 소식" not in html


def test_more_pages_come_by_cursor_and_htmx_gets_only_the_part(author, reader, monkeypatch):
    from mealbuddy.community import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(3):
        make_post(author, title=f"오늘의 글 {n}")
    client = client_of(reader)
    html = client.get("/community/").content.decode()
    assert "오늘의 글 2" in html and "오늘의 글 0" not in html and "cursor=" in html
    cursor = html.split("cursor=")[1].split('"')[0]
    more = client.get(f"/community/?cursor={cursor}", **HTMX).content.decode()
    assert "오늘의 글 0" in more and "<html" not in more
    board = client.get("/community/?topic=news", HTTP_HX_TARGET="community-board", **HTMX)
    assert 'id="community-board"' in board.content.decode() and board["HX-Push-Url"]


def test_write_with_photos_then_read_it(reader):
    client = client_of(reader)
    assert client.get("/community/new/?topic=share").status_code == 200
    response = client.post(
        "/community/new/",
        {
            "topic": "share",
            "title": "유모차 나눔해요",
            "text": "깨끗해요",
            "photos": [photo(), photo()],
        },
    )
    post = Post.objects.get(title="유모차 나눔해요")
    assert response.status_code == 302 and response["Location"] == f"/community/{post.pk}/"
    html = client.get(f"/community/{post.pk}/").content.decode()
    assert "나눔중" in html and "예약중(으)로 바꾸기" in html and html.count("-240.jpg") == 2


def test_a_bad_photo_or_too_many_is_a_field_error_on_the_form(reader):
    client = client_of(reader)
    data = {"topic": "news", "title": "사진 소식", "text": "보세요"}
    response = client.post("/community/new/", {**data, "photos": [not_a_photo()]})
    assert response.status_code == 400
    assert "이미지 파일이 아니거나 손상된 파일이에요." in response.content.decode()
    response = client.post("/community/new/", {**data, "photos": [photo() for _ in range(6)]})
    assert response.status_code == 400 and "5장까지" in response.content.decode()
    response = client.post("/community/new/", {"topic": "x", "title": "", "text": "가" * 3001})
    assert response.status_code == 400 and "3,000자" in response.content.decode()
    assert not Post.objects.exists()


def test_a_restricted_person_gets_the_form_back_with_the_reason(reader):
    suspend(reader)
    response = client_of(reader).post(
        "/community/new/", {"topic": "news", "title": "t", "text": "x"}
    )
    assert response.status_code == 400 and "영구 정지" in response.content.decode()


def test_only_the_author_edits_and_deletes(post, reader):
    client = client_of(reader)
    assert client.get(f"/community/{post.pk}/edit/").status_code == 403
    data = {"topic": "news", "title": "남이 고침", "text": "x"}
    assert client.post(f"/community/{post.pk}/edit/", data).status_code == 403
    assert client.post(f"/community/{post.pk}/delete/").status_code == 403
    html = client.get(f"/community/{post.pk}/").content.decode()
    assert "고치기" not in html
    owner = client_of(post.author)
    assert owner.get(f"/community/{post.pk}/edit/").status_code == 200
    assert (
        owner.post(f"/community/{post.pk}/edit/", {**data, "title": "내가 고침"}).status_code == 302
    )
    post.refresh_from_db()
    assert post.title == "내가 고침"
    assert owner.post(f"/community/{post.pk}/delete/").status_code == 302
    assert client.get(f"/community/{post.pk}/").status_code == 404


def test_edit_removes_and_adds_photos(author):
    post = make_post(author, photos=[photo(), photo()])
    gone = post.photos.first()
    response = client_of(author).post(
        f"/community/{post.pk}/edit/",
        {
            "topic": "news",
            "title": post.title,
            "text": post.text,
            "remove_photos": [gone.pk],
            "photos": [photo()],
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.photo_count == 2 and not post.photos.filter(pk=gone.pk).exists()


def test_like_and_curious_work_with_and_without_htmx(author, reader):
    question = make_post(author, topic="question", title="근처 세탁소 있어요?")
    client = client_of(reader)
    assert client.post(f"/community/{question.pk}/like/", {"on": "1"}).status_code == 302
    part = client.post(f"/community/{question.pk}/curious/", {"on": "1"}, **HTMX)
    html = part.content.decode()
    assert part.status_code == 200 and 'id="cm-panel"' in html and "<html" not in html
    assert "궁금해요 1" in html and "좋아요 1" in html
    # Not the author: no 해결됨 button, and the action is refused.
    assert "해결됐어요" not in html
    refused = client.post(f"/community/{question.pk}/solve/", {"on": "1"})
    assert refused.status_code == 403
    owner = client_of(author)
    assert "해결됐어요" in owner.get(f"/community/{question.pk}/").content.decode()
    owner.post(f"/community/{question.pk}/solve/", {"on": "1"})
    question.refresh_from_db()
    assert question.solved_at is not None


def test_share_state_buttons_move_the_state(author, reader):
    share = make_post(author, topic="share")
    client = client_of(author)
    client.post(f"/community/{share.pk}/share-state/", {"state": "reserved"})
    share.refresh_from_db()
    assert share.share_state == "reserved"
    assert (
        client_of(reader).post(f"/community/{share.pk}/share-state/", {"state": "done"}).status_code
        == 403
    )
    bad = client.post(f"/community/{share.pk}/share-state/", {"state": "nonsense"})
    assert bad.status_code == 400


def test_comments_and_replies_through_the_page(post, reader):
    client = client_of(reader)
    response = client.post(f"/community/{post.pk}/comments/", {"text": "저도 봤어요"})
    top = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{top.pk}")
    part = client_of(post.author).post(
        f"/community/{post.pk}/comments/", {"text": "감사해요", "parent_id": str(top.pk)}, **HTMX
    )
    html = part.content.decode()
    assert 'id="cm-comments"' in html and "감사해요" in html and "댓글 2" in html
    empty = client.post(f"/community/{post.pk}/comments/", {"text": " "})
    assert empty.status_code == 400 and "댓글을 입력해 주세요." in empty.content.decode()
    assert client_of(post.author).post(f"/community/comments/{top.pk}/delete/").status_code == 403
    client.post(f"/community/comments/{top.pk}/delete/")
    html = client.get(f"/community/{post.pk}/").content.decode()
    assert "삭제된 댓글이에요" in html and "감사해요" in html


def test_hidden_and_missing_posts_are_404_pages(post, reader):
    block(post.author, reader)
    client = client_of(reader)
    for url in (f"/community/{post.pk}/", "/community/987654321/", f"/community/{post.pk}/edit/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/community/{post.pk}/like/").status_code == 404
    assert client.post(f"/community/{post.pk}/comments/", {"text": "안녕"}).status_code == 404


def test_a_page_costs_the_same_few_queries_whatever_it_holds(
    author, reader, django_assert_max_num_queries
):
    client = client_of(reader)
    client.get("/community/")
    make_post(author)
    with django_assert_max_num_queries(8) as first:
        client.get("/community/")
    for n in range(10):
        post = make_post(UserFactory(), title=f"글 {n}", photos=[photo()] if n % 2 else [])
        services.comment_create(post_id=post.pk, user=reader, text="댓글")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/community/")


def test_a_post_page_costs_the_same_few_queries_whatever_its_thread_holds(
    post, reader, django_assert_max_num_queries
):
    client = client_of(reader)
    client.get(f"/community/{post.pk}/")
    with django_assert_max_num_queries(9) as first:
        client.get(f"/community/{post.pk}/")
    for n in range(8):
        top = services.comment_create(post_id=post.pk, user=UserFactory(), text=f"댓글 {n}")
        services.comment_create(post_id=post.pk, user=post.author, text="답글", parent_id=top.pk)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert "댓글 7" in client.get(f"/community/{post.pk}/").content.decode()
