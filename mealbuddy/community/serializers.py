"""Small input/output serializers per API view. Inputs parse types only (the services hold
the rules: lengths, topics, the photo cap); outputs describe what the payload functions build
from the selectors, nothing computed here."""

from __future__ import annotations

from rest_framework import serializers

from mealbuddy.community.models import Post
from mealbuddy.core.input import MAX_BIGINT

# --- inputs ---------------------------------------------------------------------------------


class PostInput(serializers.Serializer):
    topic = serializers.ChoiceField(choices=Post.Topic.choices)
    title = serializers.CharField(help_text="60자 이내")
    text = serializers.CharField(help_text="3,000자 이내")
    restaurant = serializers.CharField(required=False, allow_blank=True, help_text="50자 이내")
    group_order_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_BIGINT, help_text="공동주문 id"
    )


class CommentInput(serializers.Serializer):
    text = serializers.CharField(help_text="1,000자 이내")
    parent_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_BIGINT,
        help_text="답글이면 댓글 id (답글에 단 답글은 맨 위 댓글에 붙어요)",
    )


class ShareStateInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=Post.ShareState.choices)


class PhotoInput(serializers.Serializer):
    # A plain file here: the service checks it is a photo and re-encodes it (core.images).
    photo = serializers.FileField(help_text="사진 (JPEG, PNG, WEBP, GIF, 5MB 이하)")


# --- outputs --------------------------------------------------------------------------------


class AuthorOut(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


class PhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    thumb_url = serializers.CharField()


class PostOut(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.ChoiceField(choices=Post.Topic.choices)
    topic_label = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    restaurant = serializers.CharField()
    group_order_id = serializers.IntegerField(allow_null=True)
    region = serializers.CharField()
    author = AuthorOut()
    share_state = serializers.CharField(help_text="나눔 글만: sharing, reserved, done")
    solved = serializers.BooleanField()
    like_count = serializers.IntegerField()
    curious_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    photo_count = serializers.IntegerField()
    thumb_url = serializers.CharField()
    liked = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)


class PostPageOut(serializers.Serializer):
    results = PostOut(many=True)
    next_cursor = serializers.CharField(
        help_text="다음 페이지의 cursor (마지막 페이지면 빈 문자열)"
    )


class ActionsOut(serializers.Serializer):
    can_edit = serializers.BooleanField()
    can_delete = serializers.BooleanField()
    can_solve = serializers.BooleanField()
    can_curious = serializers.BooleanField()
    share_moves = serializers.ListField(child=serializers.CharField())
    can_report = serializers.BooleanField(help_text="신고하기 (글쓴이가 아니면)")


class CommentOut(serializers.Serializer):
    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    author = AuthorOut(allow_null=True, help_text="지워졌거나 볼 수 없는 댓글이면 null")
    text = serializers.CharField()
    removed = serializers.BooleanField()
    hidden = serializers.BooleanField(help_text='운영자가 숨긴 댓글 ("숨겨진 댓글이에요")')
    can_delete = serializers.BooleanField()
    can_report = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    replies = serializers.ListField(child=serializers.DictField(), help_text="답글 (같은 모양)")


class CommentPageOut(serializers.Serializer):
    comments = CommentOut(many=True, help_text="댓글 50개까지, 댓글마다 답글 전부 (오래된 순)")
    next_cursor = serializers.CharField(help_text='다음 쪽: ?cursor=이 값 (마지막 쪽이면 "")')


class PostDetailOut(PostOut):
    curious = serializers.BooleanField()
    photos = PhotoOut(many=True)
    actions = ActionsOut()
    comments = CommentOut(many=True, help_text="댓글 첫 쪽")
    comments_next_cursor = serializers.CharField(
        help_text='댓글 다음 쪽: GET .../comments/?cursor=이 값 (없으면 "")'
    )
    hidden = serializers.BooleanField(help_text="운영자가 숨긴 글 (글쓴이와 운영자만 봐요)")


class MarkOut(serializers.Serializer):
    on = serializers.BooleanField()
    count = serializers.IntegerField()


# --- payloads -------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _author(user) -> dict:
    return {"id": user.pk, "nickname": user.display_name}


def post_payload(post: Post) -> dict:
    return {
        "id": post.pk,
        "topic": post.topic,
        "topic_label": post.get_topic_display(),
        "title": post.title,
        "text": post.text,
        "restaurant": post.restaurant,
        "group_order_id": post.group_order_id,
        "region": post.region.name,
        "author": _author(post.author),
        "share_state": post.share_state,
        "solved": post.solved_at is not None,
        "like_count": post.like_count,
        "curious_count": post.curious_count,
        "comment_count": post.comment_count,
        "photo_count": post.photo_count,
        "thumb_url": getattr(post, "thumb_url", ""),
        "liked": bool(getattr(post, "viewer_liked", False)),
        "created_at": _iso(post.created_at),
        "edited_at": _iso(post.edited_at),
    }


def photo_payload(photo) -> dict:
    return {"id": photo.pk, "url": photo.image.url, "thumb_url": photo.thumb.url}


def comment_payload(view) -> dict:
    comment = view.comment
    return {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "author": None if view.removed else _author(comment.author),
        "text": view.shown_text,
        "removed": view.removed,
        "hidden": view.moderated,
        "can_delete": view.can_delete,
        "can_report": view.can_report,
        "created_at": _iso(comment.created_at),
        "replies": [comment_payload(reply) for reply in view.replies],
    }


def post_detail_payload(detail) -> dict:
    return {
        **post_payload(detail.post),
        "curious": detail.curious,
        "photos": [photo_payload(p) for p in detail.photos],
        "actions": detail.actions.as_dict(),
        "comments": [comment_payload(c) for c in detail.comments],
        "comments_next_cursor": detail.comments_next,
        "hidden": detail.hidden,
    }


def comment_page_payload(page) -> dict:
    return {
        "comments": [comment_payload(c) for c in page.comments],
        "next_cursor": page.next_cursor,
    }
