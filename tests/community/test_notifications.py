"""A comment on my post and a reply to my comment notify me (in the app, live and by push),
never for my own words and never from someone blocked."""

from __future__ import annotations

import pytest

from mealbuddy.community import services
from mealbuddy.core.errors import NotFound
from mealbuddy.notifications.models import PUSH_KIND_OF, Notification, PushKind
from tests.community.conftest import block
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True)
    )


def test_a_comment_on_my_post_notifies_me_with_a_link_to_it(post, reader):
    comment = services.comment_create(post_id=post.pk, user=reader, text="저도 봤어요")
    notification = Notification.objects.get(user=post.author)
    assert notification.kind == Notification.Kind.COMMUNITY_COMMENT
    assert notification.url == f"/community/{post.pk}/#comment-{comment.pk}"
    assert "이웃 님이" in notification.text and "저도 봤어요" in notification.text
    assert PUSH_KIND_OF[notification.kind] == PushKind.COMMUNITY


def test_my_own_comment_notifies_nobody(post):
    services.comment_create(post_id=post.pk, user=post.author, text="추가로 알려드려요")
    assert Notification.objects.count() == 0


def test_a_reply_notifies_the_comment_author_and_the_post_author_once_each(post, reader):
    top = services.comment_create(post_id=post.pk, user=reader, text="몇 시까지예요?")
    Notification.objects.all().delete()
    third = UserFactory()
    services.comment_create(post_id=post.pk, user=third, text="9시요", parent_id=top.pk)
    assert kinds(reader) == ["reply"]
    assert kinds(post.author) == ["comment"]
    Notification.objects.all().delete()
    # The post's author replying to a comment: only the comment's author hears of it.
    services.comment_create(post_id=post.pk, user=post.author, text="감사해요", parent_id=top.pk)
    assert kinds(reader) == ["reply"] and kinds(post.author) == []


def test_a_reply_to_my_comment_on_my_own_post_notifies_me_once(post, reader):
    top = services.comment_create(post_id=post.pk, user=post.author, text="내 댓글")
    services.comment_create(post_id=post.pk, user=reader, text="답글", parent_id=top.pk)
    assert kinds(post.author) == ["reply"]


def test_no_notification_across_a_block(post, reader):
    third = UserFactory()
    top = services.comment_create(post_id=post.pk, user=third, text="제삼자 댓글")
    Notification.objects.all().delete()
    block(third, reader)  # third blocked the reader: the reader's reply does not reach them
    # A block hides third's comment from the reader: no reply, so nothing to notify.
    with pytest.raises(NotFound):
        services.comment_create(post_id=post.pk, user=reader, text="답글", parent_id=top.pk)
    assert kinds(third) == []


def test_pushes_go_through_the_push_path(post, reader, settings):
    from unittest import mock

    from mealbuddy.notifications.models import PushSubscription

    PushSubscription.objects.create(
        user=post.author, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    with mock.patch("mealbuddy.notifications.services._push_send") as send:
        services.comment_create(post_id=post.pk, user=reader, text="푸시 가요")
    assert send.call_count == 1
    payload = send.call_args.kwargs["payload"]
    assert payload["url"].startswith(f"/community/{post.pk}/") and "푸시 가요" in payload["body"]


def test_the_community_push_switch_mutes_them_but_the_list_keeps_them(post, reader):
    from unittest import mock

    from mealbuddy.notifications.models import PushOptOut, PushSubscription

    PushSubscription.objects.create(
        user=post.author, endpoint="https://push.example/2", p256dh="k", auth="a"
    )
    PushOptOut.objects.create(user=post.author, kind=PushKind.COMMUNITY)
    with mock.patch("mealbuddy.notifications.services._push_send") as send:
        services.comment_create(post_id=post.pk, user=reader, text="조용히")
    assert send.call_count == 0
    assert kinds(post.author) == ["comment"]
