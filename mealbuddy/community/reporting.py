"""신고 of 동네생활 posts and comments: what trust's reports and moderation need from us.

Trust sits below 동네생활 and never imports it; ``apps.CommunityConfig.ready`` registers the
two ``ReportedContent`` objects built here. The reporter must be able to see what they report
(``access_post``/``access_comment``: deleted, blocked either way or hidden by a moderator is
"not found"), never their own (400), and the snapshot keeps what it said at that moment.
"""

from __future__ import annotations

from django.urls import reverse

from mealbuddy.community import services
from mealbuddy.community.access import access_comment, access_post
from mealbuddy.community.errors import CommentNotFound, PostNotFound
from mealbuddy.community.models import Comment, Post
from mealbuddy.trust.errors import ReportRefused
from mealbuddy.trust.models import ModerationAction, Report
from mealbuddy.trust.reports import FoundContent, ReportedContent, reported_content_register

# Comments shown around a reported one, in the snapshot (before it) and on the moderation
# page (before and after it).
COMMENT_CONTEXT = 3


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _post_snapshot(post: Post) -> dict:
    return {
        "post_id": post.pk,
        "title": post.title,
        "text": post.text,
        "topic": post.topic,
        "topic_label": post.get_topic_display(),
        "photos": post.photo_count,
        "restaurant": post.restaurant,
        "author_id": post.author_id,
        "author": post.author.display_name,
        "region": post.region.full_name if post.region_id else "",
        "created_at": _iso(post.created_at),
        "edited_at": _iso(post.edited_at),
    }


def _comment_line(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "author_id": comment.author_id,
        "author": comment.author.display_name,
        "text": comment.text,
        "reply": comment.parent_id is not None,
        "deleted": comment.deleted_at is not None,
        "hidden": comment.hidden_at is not None,
        "created_at": _iso(comment.created_at),
    }


def _neighbours(comment: Comment, *, before: bool) -> list[Comment]:
    rows = Comment.objects.filter(post_id=comment.post_id).select_related("author")
    if before:
        found = list(rows.filter(id__lt=comment.pk).order_by("-id")[:COMMENT_CONTEXT])
        found.reverse()
        return found
    return list(rows.filter(id__gt=comment.pk).order_by("id")[:COMMENT_CONTEXT])


def _comment_snapshot(comment: Comment) -> dict:
    post = comment.post
    return {
        **_comment_line(comment),
        "comment_id": comment.pk,
        "parent_id": comment.parent_id,
        "post_id": post.pk,
        "post_title": post.title,
        "post_author": post.author.display_name,
        "context": [_comment_line(c) for c in _neighbours(comment, before=True)],
    }


def post_report_find(*, reporter, id: int) -> FoundContent:
    post = access_post(user=reporter, id=id)
    if post.author_id == reporter.pk:
        raise ReportRefused("내 글은 신고할 수 없어요.", field="post_id")
    return FoundContent(
        target_user=post.author,
        label=f"‘{post.title}’ 동네생활 글",
        snapshot=_post_snapshot(post),
    )


def comment_report_find(*, reporter, id: int) -> FoundContent:
    comment = access_comment(user=reporter, id=id)
    comment = Comment.objects.select_related("author", "post", "post__author", "post__region").get(
        pk=comment.pk
    )
    if comment.author_id == reporter.pk:
        raise ReportRefused("내 댓글은 신고할 수 없어요.", field="comment_id")
    return FoundContent(
        target_user=comment.author,
        label=f"{comment.author.display_name} 님의 댓글",
        snapshot=_comment_snapshot(comment),
    )


def post_report_context(*, id: int) -> dict | None:
    """The reported post as it is now, for the moderators."""
    post = Post.objects.select_related("author").filter(pk=id).first()
    if post is None:
        return None
    return {
        "kind": "post",
        "id": post.pk,
        "title": post.title,
        "text": post.text,
        "topic_label": post.get_topic_display(),
        "author": post.author.display_name,
        "photos": post.photo_count,
        "comments": post.comment_count,
        "deleted": post.deleted_at is not None,
        "hidden": post.hidden_at is not None,
        "url": reverse("community:detail", kwargs={"pk": post.pk}),
    }


def comment_report_context(*, id: int) -> dict | None:
    """The reported comment as it is now, with its post's title and the comments around it."""
    comment = Comment.objects.select_related("author", "post").filter(pk=id).first()
    if comment is None:
        return None
    thread = [
        *_neighbours(comment, before=True),
        comment,
        *_neighbours(comment, before=False),
    ]
    return {
        "kind": "comment",
        "id": comment.pk,
        "text": comment.text,
        "author": comment.author.display_name,
        "deleted": comment.deleted_at is not None,
        "hidden": comment.hidden_at is not None,
        "post_id": comment.post_id,
        "post_title": comment.post.title,
        "post_hidden": comment.post.hidden_at is not None,
        "post_deleted": comment.post.deleted_at is not None,
        "url": reverse("community:detail", kwargs={"pk": comment.post_id}),
        "thread": [{**_comment_line(c), "reported": c.pk == comment.pk} for c in thread],
    }


def register() -> None:
    """Called by ``CommunityConfig.ready``: trust learns how to reach our posts and comments."""
    reported_content_register(
        Report.Target.POST,
        ReportedContent(
            field="post_id",
            fk="post",
            hide_kind=ModerationAction.Kind.HIDE_POST,
            find=post_report_find,
            hide=lambda *, id, now: services.post_hide(post_id=id, now=now),
            context=post_report_context,
            not_found=PostNotFound().message,
        ),
    )
    reported_content_register(
        Report.Target.COMMENT,
        ReportedContent(
            field="comment_id",
            fk="comment",
            hide_kind=ModerationAction.Kind.HIDE_COMMENT,
            find=comment_report_find,
            hide=lambda *, id, now: services.comment_hide(comment_id=id, now=now),
            context=comment_report_context,
            not_found=CommentNotFound().message,
        ),
    )
