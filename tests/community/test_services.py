"""The rules of 동네생활 writes: who may do what, exact counters, reply depth, 나눔 and 해결됨."""

from __future__ import annotations

import pytest

from mealbuddy.community import services
from mealbuddy.community.errors import (
    CommunityValidationError,
    InvalidShareState,
    NoRegion,
    NotAuthor,
    PostNotFound,
    TooManyPhotos,
    WrongTopic,
)
from mealbuddy.community.models import Comment, Post, PostPhoto
from mealbuddy.core.errors import NotFound
from mealbuddy.core.images import ImageRejected
from mealbuddy.trust.errors import AccountRestricted
from tests.community.conftest import block, make_post, not_a_photo, photo, suspend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_post_is_written_in_the_authors_dong(author):
    post = make_post(author, topic="share", restaurant=" 교촌치킨 ")
    assert post.region_id == author.region_id
    assert post.share_state == Post.ShareState.SHARING
    assert post.restaurant == "교촌치킨"
    assert make_post(author, topic="question").share_state == ""


def test_fields_are_checked_all_at_once(author):
    with pytest.raises(CommunityValidationError) as caught:
        services.post_create(author=author, topic="gossip", title=" ", text="가" * 3001)
    assert set(caught.value.as_errors()) == {"topic", "title", "text"}
    with pytest.raises(CommunityValidationError) as caught:
        make_post(author, title="가" * 61, group_order_id=987654)
    assert set(caught.value.as_errors()) == {"title", "group_order_id"}


def test_without_a_dong_there_is_nowhere_to_post(db):
    with pytest.raises(NoRegion):
        make_post(UserFactory(region=None, address="", lat=None, lon=None))


def test_a_group_order_can_be_linked(author):
    from tests.groupbuys.conftest import make_order

    order = make_order(author)
    post = make_post(author, topic="food", group_order_id=order.pk)
    assert post.group_order_id == order.pk
    order.delete()
    post.refresh_from_db()
    assert post.group_order_id is None


def test_only_the_author_or_staff_edit_and_delete(post, reader):
    with pytest.raises(NotAuthor):
        services.post_update(post_id=post.pk, user=reader, title="내가 고침")
    with pytest.raises(NotAuthor):
        services.post_delete(post_id=post.pk, user=reader)
    staff = UserFactory(is_staff=True)
    services.post_update(post_id=post.pk, user=staff, title="운영자가 고침")
    post.refresh_from_db()
    assert post.title == "운영자가 고침" and post.edited_at is not None
    services.post_delete(post_id=post.pk, user=post.author)
    with pytest.raises(PostNotFound):
        services.post_update(post_id=post.pk, user=post.author, title="다시")


def test_changing_topic_keeps_the_topic_rules(author):
    post = make_post(author, topic="question")
    services.post_solve(post_id=post.pk, user=author)
    post = services.post_update(post_id=post.pk, user=author, topic="share")
    assert post.solved_at is None and post.share_state == Post.ShareState.SHARING
    post = services.post_update(post_id=post.pk, user=author, topic="news")
    assert post.share_state == ""


def test_one_like_per_person_and_the_count_stays_exact(post, reader):
    assert services.post_like_toggle(post_id=post.pk, user=reader, liked=True) == (True, 1)
    assert services.post_like_toggle(post_id=post.pk, user=reader, liked=True) == (True, 1)
    other = UserFactory()
    assert services.post_like_toggle(post_id=post.pk, user=other) == (True, 2)
    assert services.post_like_toggle(post_id=post.pk, user=other) == (False, 1)
    assert services.post_like_toggle(post_id=post.pk, user=other, liked=False) == (False, 1)
    post.refresh_from_db()
    assert post.like_count == post.likes.count() == 1


def test_curious_is_for_questions_only(post, reader, author):
    with pytest.raises(WrongTopic):
        services.post_curious_toggle(post_id=post.pk, user=reader)
    question = make_post(author, topic="question")
    assert services.post_curious_toggle(post_id=question.pk, user=reader) == (True, 1)
    assert services.post_curious_toggle(post_id=question.pk, user=reader) == (False, 0)


def test_solved_only_on_a_question_by_its_author(author, reader, post):
    question = make_post(author, topic="question")
    with pytest.raises(NotAuthor):
        services.post_solve(post_id=question.pk, user=reader)
    with pytest.raises(NotAuthor):
        services.post_solve(post_id=question.pk, user=UserFactory(is_staff=True))
    with pytest.raises(WrongTopic):
        services.post_solve(post_id=post.pk, user=author)
    assert services.post_solve(post_id=question.pk, user=author).solved_at is not None
    assert services.post_solve(post_id=question.pk, user=author, solved=False).solved_at is None


def test_share_states_move_forward_and_a_reservation_can_fall_through(author, reader):
    share = make_post(author, topic="share")
    with pytest.raises(NotAuthor):
        services.share_state_set(post_id=share.pk, user=reader, state="reserved")
    assert (
        services.share_state_set(post_id=share.pk, user=author, state="reserved").share_state
        == "reserved"
    )
    assert (
        services.share_state_set(post_id=share.pk, user=author, state="sharing").share_state
        == "sharing"
    )
    assert (
        services.share_state_set(post_id=share.pk, user=author, state="done").share_state == "done"
    )
    with pytest.raises(InvalidShareState):
        services.share_state_set(post_id=share.pk, user=author, state="sharing")
    with pytest.raises(CommunityValidationError):
        services.share_state_set(post_id=share.pk, user=author, state="given")
    with pytest.raises(WrongTopic):
        services.share_state_set(post_id=make_post(author).pk, user=author, state="done")


def test_a_reply_to_a_reply_joins_the_top_comment(post, reader, author):
    top = services.comment_create(post_id=post.pk, user=reader, text="어디쯤이에요?")
    reply = services.comment_create(post_id=post.pk, user=author, text="정문이요", parent_id=top.pk)
    deeper = services.comment_create(
        post_id=post.pk, user=reader, text="감사해요", parent_id=reply.pk
    )
    assert reply.parent_id == top.pk and deeper.parent_id == top.pk
    other = make_post(author)
    with pytest.raises(NotFound):
        services.comment_create(post_id=other.pk, user=reader, text="엉뚱한 곳", parent_id=top.pk)
    post.refresh_from_db()
    assert post.comment_count == 3


def test_deleting_a_comment_keeps_the_thread_and_the_count_exact(post, reader, author):
    top = services.comment_create(post_id=post.pk, user=reader, text="첫 댓글")
    services.comment_create(post_id=post.pk, user=author, text="답글", parent_id=top.pk)
    with pytest.raises(NotAuthor):
        services.comment_delete(comment_id=top.pk, user=author)
    services.comment_delete(comment_id=top.pk, user=reader)
    with pytest.raises(NotFound):
        services.comment_delete(comment_id=top.pk, user=reader)
    post.refresh_from_db()
    assert post.comment_count == 1
    assert Comment.objects.filter(pk=top.pk, deleted_at__isnull=False).exists()
    with pytest.raises(NotFound):
        services.comment_create(post_id=post.pk, user=author, text="늦은 답글", parent_id=top.pk)


def test_comment_text_is_checked(post, reader):
    with pytest.raises(CommunityValidationError):
        services.comment_create(post_id=post.pk, user=reader, text="  ")
    with pytest.raises(CommunityValidationError):
        services.comment_create(post_id=post.pk, user=reader, text="가" * 1001)


def test_a_block_hides_the_post_from_every_write_both_ways(post, reader, author):
    block(author, reader)
    for attempt in (
        lambda: services.post_like_toggle(post_id=post.pk, user=reader),
        lambda: services.comment_create(post_id=post.pk, user=reader, text="안녕하세요"),
    ):
        with pytest.raises(PostNotFound):
            attempt()
    mine = make_post(reader)
    with pytest.raises(PostNotFound):
        services.comment_create(post_id=mine.pk, user=author, text="차단한 사람 글")


def test_a_restricted_person_cannot_post_or_comment(post, reader):
    suspend(reader)
    with pytest.raises(AccountRestricted):
        make_post(reader)
    with pytest.raises(AccountRestricted):
        services.comment_create(post_id=post.pk, user=reader, text="정지 중")
    with pytest.raises(AccountRestricted):
        services.post_photo_add(post_id=make_post(post.author).pk, user=reader, upload=photo())


def test_photos_are_reencoded_with_thumbnails_and_at_most_five(author):
    post = make_post(author, photos=[photo(), photo("b.png", fmt="PNG")])
    assert post.photo_count == 2
    first = post.photos.first()
    assert first.image.name.endswith(".jpg") and first.thumb.name.endswith("-240.jpg")
    with pytest.raises(TooManyPhotos):
        make_post(author, photos=[photo() for _ in range(6)])
    for _ in range(3):
        services.post_photo_add(post_id=post.pk, user=author, upload=photo())
    with pytest.raises(TooManyPhotos):
        services.post_photo_add(post_id=post.pk, user=author, upload=photo())
    post.refresh_from_db()
    assert post.photo_count == PostPhoto.objects.filter(post=post).count() == 5
    services.post_photo_delete(photo_id=first.pk, user=author)
    post.refresh_from_db()
    assert post.photo_count == 4


def test_a_bad_file_is_a_field_error_and_nothing_is_saved(author):
    before = Post.objects.count()
    with pytest.raises(ImageRejected) as caught:
        make_post(author, photos=[photo(), not_a_photo()])
    assert caught.value.field == "photos"
    assert Post.objects.count() == before


def test_only_the_author_adds_photos(post, reader):
    with pytest.raises(NotAuthor):
        services.post_photo_add(post_id=post.pk, user=reader, upload=photo())


def test_edit_adds_and_removes_photos_within_the_cap(author):
    post = make_post(author, photos=[photo() for _ in range(5)])
    keep_out = list(post.photos.values_list("pk", flat=True))[:2]
    with pytest.raises(TooManyPhotos):
        services.post_update(post_id=post.pk, user=author, add_photos=[photo()])
    post = services.post_update(
        post_id=post.pk, user=author, remove_photo_ids=keep_out, add_photos=[photo(), photo()]
    )
    assert post.photo_count == post.photos.count() == 5


def test_staff_take_down_posts_and_comments_of_others(post, reader):
    staff = UserFactory(is_staff=True)
    comment = services.comment_create(post_id=post.pk, user=reader, text="광고예요")
    services.comment_delete(comment_id=comment.pk, user=staff)
    services.post_delete(post_id=post.pk, user=staff)
    post.refresh_from_db()
    assert post.deleted_at is not None and post.comment_count == 0


def test_nobody_reaches_a_comment_or_photo_through_another_post(author, reader):
    mine = make_post(reader, photos=[photo()])
    theirs = make_post(author)
    with pytest.raises(NotAuthor):
        services.post_photo_delete(photo_id=mine.photos.get().pk, user=author)
    with pytest.raises(NotAuthor):
        services.post_update(
            post_id=theirs.pk, user=reader, remove_photo_ids=[mine.photos.get().pk]
        )
    # The author of a post removing a photo id of someone else's post removes nothing.
    services.post_update(post_id=theirs.pk, user=author, remove_photo_ids=[mine.photos.get().pk])
    mine.refresh_from_db()
    assert mine.photo_count == 1 and mine.photos.count() == 1
