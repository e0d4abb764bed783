"""A post's thread pages: 50 top comments a page, each with all its replies, by cursor, in the
selector, on the page ("댓글 더 보기" with htmx and without) and in REST, for a fixed number
of queries whatever a page holds."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.community import selectors, services
from mealbuddy.community.models import Comment
from tests.community.conftest import block, make_post
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def thread_of(post, count: int, *, replies_every: int = 10) -> list[Comment]:
    """``count`` top comments (every ``replies_every``-th with two replies), made in bulk."""
    people = [UserFactory() for _ in range(3)]
    tops = Comment.objects.bulk_create(
        [Comment(post=post, author=people[n % 3], text=f"댓글 {n}") for n in range(count)]
    )
    tops = list(Comment.objects.filter(post=post, parent=None).order_by("id"))
    Comment.objects.bulk_create(
        [
            Comment(post=post, author=people[(n + 1) % 3], parent=top, text=f"답글 {n}-{r}")
            for n, top in enumerate(tops)
            if n % replies_every == 0
            for r in range(2)
        ]
    )
    return tops


def test_the_thread_pages_by_fifty_top_comments_with_all_their_replies(author, reader):
    post = make_post(author)
    tops = thread_of(post, 120)
    first = selectors.post_detail(user=reader, post_id=post.pk)
    assert len(first.comments) == 50 and first.comments_next == str(tops[49].pk)
    assert [len(c.replies) for c in first.comments[:11]] == [2] + [0] * 9 + [2]
    second = selectors.post_comments(user=reader, post_id=post.pk, cursor=first.comments_next)
    assert [c.comment.pk for c in second.comments] == [t.pk for t in tops[50:100]]
    third = selectors.post_comments(user=reader, post_id=post.pk, cursor=second.next_cursor)
    assert len(third.comments) == 20 and third.next_cursor == ""
    assert third.comments[0].replies[0].shown_text == "답글 100-0"
    # A malformed cursor reads as the first page.
    for cursor in ("abc", "-1", "1.5", "9" * 40):
        again = selectors.post_comments(user=reader, post_id=post.pk, cursor=cursor)
        assert again.comments[0].comment.pk == tops[0].pk


def test_a_page_of_the_thread_costs_the_same_queries_whatever_it_holds(
    author, reader, django_assert_max_num_queries
):
    post = make_post(author)
    thread_of(post, 3)
    with django_assert_max_num_queries(4):
        selectors.post_detail(user=reader, post_id=post.pk)
    with django_assert_max_num_queries(4):
        selectors.post_comments(user=reader, post_id=post.pk)
    thread_of(post, 150, replies_every=2)
    block(reader, UserFactory())
    with django_assert_max_num_queries(4):
        detail = selectors.post_detail(user=reader, post_id=post.pk)
    assert len(detail.comments) == 50
    with django_assert_max_num_queries(4):
        page = selectors.post_comments(user=reader, post_id=post.pk, cursor=detail.comments_next)
    assert len(page.comments) == 50


def test_the_api_pages_the_thread_by_cursor(author, reader, django_assert_max_num_queries):
    post = make_post(author)
    tops = thread_of(post, 60)
    api = client_for(reader)
    url = f"/api/community/posts/{post.pk}/comments/"
    with django_assert_max_num_queries(12) as first_queries:
        first = api.get(url).json()
    assert len(first["comments"]) == 50 and first["next_cursor"] == str(tops[49].pk)
    with django_assert_max_num_queries(len(first_queries.captured_queries)):
        rest = api.get(url, {"cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in rest["comments"]] == [t.pk for t in tops[50:]]
    assert rest["next_cursor"] == ""
    detail = api.get(f"/api/community/posts/{post.pk}/").json()
    assert len(detail["comments"]) == 50 and detail["comments_next_cursor"] == str(tops[49].pk)
    assert api.get(url, {"cursor": "zzz"}).json()["comments"][0]["id"] == tops[0].pk
    # Blocked either way: no thread at all.
    block(author, reader)
    assert api.get(url).status_code == 404


def test_more_comments_on_the_page_with_htmx_and_without(author, reader):
    post = make_post(author)
    tops = thread_of(post, 55)
    client = Client()
    client.force_login(reader)
    html = client.get(f"/community/{post.pk}/").content.decode()
    more = f"/community/{post.pk}/?comments={tops[49].pk}"
    assert html.count('class="cm-comment') >= 50
    assert f'href="{more}#cm-comments"' in html and f'hx-get="{more}"' in html
    assert f'id="comment-{tops[50].pk}"' not in html
    # htmx: only the next items, replacing the button (the last page has none).
    part = client.get(more, **HTMX)
    body = part.content.decode()
    assert part.status_code == 200 and "<html" not in body
    assert f'id="comment-{tops[50].pk}"' in body and f'id="comment-{tops[54].pk}"' in body
    assert "댓글 더 보기" not in body and "<li" in body.lstrip()[:5]
    # Without JavaScript: the post, with the thread from that page and a way back.
    page = client.get(more).content.decode()
    assert f'id="comment-{tops[50].pk}"' in page and f'id="comment-{tops[0].pk}"' not in page
    assert "처음 댓글부터 보기" in page and "cm-post-title" in page
    # Someone the author blocked gets nothing, with or without htmx.
    block(author, reader)
    assert client.get(more, **HTMX).status_code == 404


def test_a_new_comment_still_shows_under_fifty(author, reader):
    post = make_post(author)
    client = Client()
    client.force_login(reader)
    services.comment_create(post_id=post.pk, user=author, text="첫 댓글")
    response = client.post(f"/community/{post.pk}/comments/", {"text": "둘째 댓글"}, **HTMX)
    body = response.content.decode()
    assert "첫 댓글" in body and "둘째 댓글" in body and "댓글 더 보기" not in body


def test_a_new_comment_past_the_first_page_opens_the_thread_at_its_page(author, reader):
    post = make_post(author)
    tops = thread_of(post, 120)
    client = Client()
    client.force_login(reader)
    response = client.post(f"/community/{post.pk}/comments/", {"text": "맨 끝 댓글"})
    created = Comment.objects.get(text="맨 끝 댓글")
    # 120 before it: its page starts after the 100th.
    assert response.status_code == 302
    assert response["Location"] == (
        f"/community/{post.pk}/?comments={tops[99].pk}#comment-{created.pk}"
    )
    assert f'id="comment-{created.pk}"' in client.get(response["Location"]).content.decode()
    reply = client.post(
        f"/community/{post.pk}/comments/",
        {"text": "앞쪽 답글", "parent_id": str(tops[60].pk)},
        **HTMX,
    ).content.decode()
    assert "앞쪽 답글" in reply and f'id="comment-{tops[50].pk}"' in reply
    assert "처음 댓글부터 보기" in reply
    assert selectors.comment_page_cursor(comment=tops[49]) == ""
    assert selectors.comment_page_cursor(comment=tops[50]) == str(tops[49].pk)
