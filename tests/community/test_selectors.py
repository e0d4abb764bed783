"""The feed and a post's page: neighbourhood rule, blocks both ways, cursor paging, search,
"이번 주 인기", and a fixed number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.community import selectors, services
from mealbuddy.community.errors import PostNotFound
from mealbuddy.community.models import Post
from tests.community.conftest import block, make_post, photo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def titles(page) -> list[str]:
    return [p.title for p in page.posts]


def test_my_dong_and_by_choice_the_bordering_ones(seogyo, hapjeong, far_region):
    me = UserFactory(region=seogyo)
    make_post(UserFactory(region=seogyo), title="서교동 소식")
    make_post(UserFactory(region=hapjeong), title="합정동 소식")
    make_post(UserFactory(region=far_region), title="해운대 소식")
    assert titles(selectors.post_feed(user=me)) == ["서교동 소식"]
    assert titles(selectors.post_feed(user=me, include_neighbours=True)) == [
        "합정동 소식",
        "서교동 소식",
    ]


def test_the_post_stays_in_the_dong_it_was_written_in(seogyo, hapjeong):
    mover = UserFactory(region=seogyo)
    make_post(mover, title="이사 가기 전 글")
    mover.region = hapjeong
    mover.save()
    assert titles(selectors.post_feed(user=UserFactory(region=seogyo))) == ["이사 가기 전 글"]


def test_blocked_people_are_hidden_both_ways_in_lists_pages_and_threads(author, reader):
    post = make_post(author, title="글쓴이의 글")
    mine = make_post(reader, title="이웃의 글")
    third = UserFactory()
    top = services.comment_create(post_id=mine.pk, user=author, text="글쓴이 댓글")
    services.comment_create(post_id=mine.pk, user=third, text="제삼자 답글", parent_id=top.pk)
    services.comment_create(post_id=mine.pk, user=third, text="제삼자 댓글")
    block(reader, author)
    assert titles(selectors.post_feed(user=reader)) == ["이웃의 글"]
    assert titles(selectors.post_feed(user=author)) == ["글쓴이의 글"]
    for viewer, hidden in ((reader, post), (author, mine)):
        with pytest.raises(PostNotFound):
            selectors.post_detail(user=viewer, post_id=hidden.pk)
    thread = selectors.post_detail(user=reader, post_id=mine.pk).comments
    # The blocked author's comment is a placeholder holding the reply under it.
    assert [(c.shown_text, [r.shown_text for r in c.replies]) for c in thread] == [
        (selectors.HIDDEN_TEXT, ["제삼자 답글"]),
        ("제삼자 댓글", []),
    ]
    assert "글쓴이 댓글" in [
        c.shown_text for c in selectors.post_detail(user=third, post_id=mine.pk).comments
    ]


def test_deleted_comments_read_as_removed_only_while_replies_hang_under_them(post, reader):
    top = services.comment_create(post_id=post.pk, user=reader, text="첫 댓글")
    services.comment_create(post_id=post.pk, user=post.author, text="답글", parent_id=top.pk)
    lonely = services.comment_create(post_id=post.pk, user=reader, text="혼자인 댓글")
    services.comment_delete(comment_id=top.pk, user=reader)
    services.comment_delete(comment_id=lonely.pk, user=reader)
    thread = selectors.post_detail(user=reader, post_id=post.pk).comments
    assert [(c.shown_text, c.removed, len(c.replies)) for c in thread] == [
        (selectors.REMOVED_TEXT, True, 1)
    ]


def test_deleted_posts_are_gone(post, reader):
    services.post_delete(post_id=post.pk, user=post.author)
    assert selectors.post_feed(user=reader).posts == []
    with pytest.raises(PostNotFound):
        selectors.post_detail(user=reader, post_id=post.pk)


def test_topic_filter_and_search_every_word_any_case(author, reader):
    make_post(author, topic="food", title="Pasta 맛집", text="합정역 근처 파스타")
    make_post(author, topic="question", title="파스타 어디가 맛있어요?", text="추천해 주세요")
    make_post(author, topic="news", title="공사 소식", text="도로 공사")
    assert titles(selectors.post_feed(user=reader, topic="food")) == ["Pasta 맛집"]
    assert titles(selectors.post_feed(user=reader, q="pasta")) == ["Pasta 맛집"]
    assert titles(selectors.post_feed(user=reader, q="파스타 추천")) == ["파스타 어디가 맛있어요?"]
    assert len(selectors.post_feed(user=reader, q="  파스타  ").posts) == 2
    assert selectors.post_feed(user=reader, q="파스타 공사").posts == []
    assert len(selectors.post_feed(user=reader, topic="nonsense").posts) == 3


def test_cursor_paging_is_stable_under_inserts(author, reader):
    for n in range(5):
        make_post(author, title=f"글 {n}")
    first = selectors.post_feed(user=reader, limit=2)
    assert titles(first) == ["글 4", "글 3"] and first.next_cursor
    make_post(author, title="새 글")  # written while the reader scrolls
    second = selectors.post_feed(user=reader, limit=2, cursor=first.next_cursor)
    assert titles(second) == ["글 2", "글 1"]
    third = selectors.post_feed(user=reader, limit=2, cursor=second.next_cursor)
    assert titles(third) == ["글 0"] and third.next_cursor == ""
    for junk in ("abc", "-1", "1.2.3", "9" * 40, "\x00"):
        assert titles(selectors.post_feed(user=reader, limit=2, cursor=junk))[0] == "새 글"


def test_popular_this_week_orders_by_likes_and_pages_by_cursor(author, reader):
    posts = [make_post(author, title=f"글 {n}") for n in range(4)]
    old = make_post(author, title="지난달 글")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    likers = [UserFactory() for _ in range(3)]
    for liker in likers:
        services.post_like_toggle(post_id=posts[1].pk, user=liker)
        services.post_like_toggle(post_id=old.pk, user=liker)
    services.post_like_toggle(post_id=posts[2].pk, user=likers[0])
    first = selectors.post_feed(user=reader, sort="popular", limit=2)
    assert titles(first) == ["글 1", "글 2"]
    rest = selectors.post_feed(user=reader, sort="popular", limit=2, cursor=first.next_cursor)
    assert titles(rest) == ["글 3", "글 0"]


def test_the_viewer_sees_their_own_like_and_the_actions_a_selector_decided(author, reader):
    question = make_post(author, topic="question", photos=[photo()])
    services.post_like_toggle(post_id=question.pk, user=reader)
    card = selectors.post_feed(user=reader).posts[0]
    assert card.viewer_liked and card.thumb_url.endswith("-240.jpg")
    detail = selectors.post_detail(user=reader, post_id=question.pk)
    assert detail.liked and not detail.curious
    assert detail.actions.as_dict() == {
        "can_edit": False,
        "can_delete": False,
        "can_solve": False,
        "can_curious": True,
        "share_moves": [],
        "can_report": True,
    }
    mine = selectors.post_detail(user=author, post_id=question.pk).actions
    assert mine.can_edit and mine.can_solve and not mine.can_report
    share = make_post(author, topic="share")
    moves = selectors.post_detail(user=author, post_id=share.pk).actions.share_moves
    assert [m for m, _ in moves] == ["reserved", "done"]


def test_a_feed_page_costs_the_same_few_queries_whatever_it_holds(
    author, reader, django_assert_max_num_queries
):
    def page():
        return selectors.post_feed(user=reader, include_neighbours=True, q="소식")

    make_post(author, title="소식 하나")
    page()  # the bordering 동 are cached from here on
    with django_assert_max_num_queries(2):
        assert len(page().posts) == 1
    for n in range(15):
        post = make_post(UserFactory(), title=f"소식 {n}", photos=[photo()] if n % 3 == 0 else [])
        services.post_like_toggle(post_id=post.pk, user=reader)
    block(reader, UserFactory())
    with django_assert_max_num_queries(2):
        assert len(page().posts) == 16


def test_a_post_page_costs_the_same_few_queries_whatever_its_thread_holds(
    author, reader, django_assert_max_num_queries
):
    post = make_post(author, photos=[photo(), photo()])
    with django_assert_max_num_queries(4):
        selectors.post_detail(user=reader, post_id=post.pk)
    for n in range(6):
        top = services.comment_create(post_id=post.pk, user=UserFactory(), text=f"댓글 {n}")
        services.comment_create(post_id=post.pk, user=author, text="답글", parent_id=top.pk)
    with django_assert_max_num_queries(4):
        detail = selectors.post_detail(user=reader, post_id=post.pk)
    assert len(detail.comments) == 6 and all(len(c.replies) == 1 for c in detail.comments)
