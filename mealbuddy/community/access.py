"""Permission-checked fetch of a post, shared by REST and pages."""

from __future__ import annotations

from mealbuddy.community.errors import CommentNotFound, NotAuthor, PostNotFound
from mealbuddy.community.models import Comment, Post
from mealbuddy.trust.selectors import block_between


def may_moderate(*, user, author_id: int) -> bool:
    """The author, or staff: who may edit or delete a post or comment."""
    return author_id == getattr(user, "pk", None) or bool(getattr(user, "is_staff", False))


def sees_hidden(*, user, author_id: int) -> bool:
    """A post a moderator hid is still there for its author (to see why) and for staff."""
    return may_moderate(user=user, author_id=author_id)


def access_post(
    *, user, id: int, lock: bool = False, require_editor: bool = False, author_only: bool = False
) -> Post:
    """The live post ``id`` for ``user``.

    A deleted post, one whose author and ``user`` blocked each other (either way), and one
    a moderator hid (except to its author and staff) is "not found" (404): a block hides, it
    does not announce itself. ``require_editor`` lets
    only the author or staff through (403 ``not_author``), ``author_only`` only the author.
    ``lock=True`` locks the row (call inside a transaction).
    """
    queryset = Post.objects.filter(deleted_at__isnull=True)
    if lock:
        queryset = queryset.select_for_update()
    else:
        queryset = queryset.select_related(
            "author", "author__profile", "author__standing", "region"
        )
    try:
        post = queryset.get(pk=id)
    except (Post.DoesNotExist, ValueError, TypeError):
        raise PostNotFound() from None
    user_id = getattr(user, "pk", None)
    if post.author_id != user_id and block_between(user_id=user_id, other_id=post.author_id):
        raise PostNotFound()
    if post.hidden_at is not None and not sees_hidden(user=user, author_id=post.author_id):
        raise PostNotFound()
    if author_only and post.author_id != user_id:
        raise NotAuthor()
    if require_editor and not may_moderate(user=user, author_id=post.author_id):
        raise NotAuthor()
    return post


def access_comment(*, user, id: int, require_editor: bool = False) -> Comment:
    """The live comment ``id`` on a live post, hidden by blocks like a post. A comment a
    moderator hid is gone for everyone but staff; so is every comment of a hidden post, except
    to that post's author and staff."""
    try:
        comment = Comment.objects.select_related("post").get(
            pk=id, deleted_at__isnull=True, post__deleted_at__isnull=True
        )
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise CommentNotFound() from None
    user_id = getattr(user, "pk", None)
    for other in {comment.author_id, comment.post.author_id} - {user_id}:
        if block_between(user_id=user_id, other_id=other):
            raise CommentNotFound()
    if comment.hidden_at is not None and not getattr(user, "is_staff", False):
        raise CommentNotFound()
    if comment.post.hidden_at is not None and not sees_hidden(
        user=user, author_id=comment.post.author_id
    ):
        raise CommentNotFound()
    if require_editor and not may_moderate(user=user, author_id=comment.author_id):
        raise NotAuthor("댓글을 쓴 사람만 지울 수 있어요.")
    return comment
