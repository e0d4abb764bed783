"""동네생활 reads: the feed (cursor-paged, fixed number of queries), a post's page with its
comment thread, and what the viewer may do there.

Where a post is seen follows the order board exactly: ``groupbuys.selectors.feed_region_ids``
(my 동, and by choice the bordering 동). Blocks hide both ways (``trust.selectors.blocked_ids``)
in every list, page and thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from mealbuddy.community.access import access_post, may_moderate, sees_hidden
from mealbuddy.community.errors import PostNotFound
from mealbuddy.community.models import Comment, Curious, Post, PostLike, PostPhoto
from mealbuddy.groupbuys.selectors import feed_region_ids
from mealbuddy.trust.selectors import blocked_ids

Topic = Post.Topic
ShareState = Post.ShareState

PAGE_SIZE = 20
SORTS = {"newest": "최신순", "popular": "이번 주 인기"}
POPULAR_DAYS = 7
SEARCH_WORDS = 5
SEARCH_WORD_MAX = 30
REMOVED_TEXT = "삭제된 댓글이에요"
HIDDEN_TEXT = "볼 수 없는 댓글이에요"
MODERATED_TEXT = "숨겨진 댓글이에요"
# Top comments per page of a thread, each with all its replies.
COMMENTS_PAGE_SIZE = 50

_NEWEST_CURSOR = re.compile(r"[0-9]{1,19}")
_POPULAR_CURSOR = re.compile(r"([0-9]{1,10})\.([0-9]{1,19})")


def search_words(q: str | None) -> list[str]:
    """The words of a search box: every one must appear (title or text, any case)."""
    if not q or not isinstance(q, str):
        return []
    return [word[:SEARCH_WORD_MAX] for word in q.split()[:SEARCH_WORDS]]


@dataclass(frozen=True)
class PostPage:
    posts: list[Post]
    next_cursor: str  # "" on the last page


def _card_queryset(*, user, with_hidden: bool = False) -> QuerySet[Post]:
    """Posts with everything a card shows in the same query: author (profile and standing for
    the avatar and badge), 동, first photo's thumbnail, whether the viewer liked it. Posts a
    moderator hid are left out unless ``with_hidden`` (the post page sorts them out)."""
    first_thumb = PostPhoto.objects.filter(post=OuterRef("pk")).order_by("id").values("thumb")[:1]
    queryset = Post.objects.filter(deleted_at__isnull=True)
    if not with_hidden:
        queryset = queryset.filter(hidden_at__isnull=True)
    return queryset.select_related(
        "author", "author__profile", "author__standing", "region", "group_order"
    ).annotate(
        first_thumb=Subquery(first_thumb),
        viewer_liked=Exists(
            PostLike.objects.filter(post=OuterRef("pk"), user_id=getattr(user, "pk", None))
        ),
    )


def _with_urls(posts: list[Post]) -> list[Post]:
    for post in posts:
        thumb = getattr(post, "first_thumb", None)
        post.thumb_url = default_storage.url(thumb) if thumb else ""
    return posts


def post_feed(
    *,
    user,
    topic: str | None = None,
    q: str | None = None,
    sort: str = "newest",
    include_neighbours: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> PostPage:
    """A page of posts in ``user``'s 동 (and the bordering ones if asked), newest first or
    "이번 주 인기" (most liked among the last ``POPULAR_DAYS`` days' posts, then newest).

    Paged by cursor (``next_cursor`` of the page before; a malformed one reads as the first
    page): the last post's id (newest), or its "likes.id" (popular). A post written while
    someone reads never pushes another into the next page twice. Three queries whatever the
    page holds (blocks, posts, and the neighbour ids when they are not cached yet).
    """
    now = now or timezone.now()
    limit = limit or PAGE_SIZE
    region_ids = feed_region_ids(user=user, include_neighbours=include_neighbours)
    queryset = _card_queryset(user=user).filter(region_id__in=region_ids)
    hidden = blocked_ids(user=user)
    if hidden:
        queryset = queryset.exclude(author_id__in=hidden)
    if topic in Topic.values:
        queryset = queryset.filter(topic=topic)
    for word in search_words(q):
        queryset = queryset.filter(Q(title__icontains=word) | Q(text__icontains=word))
    cursor = cursor if isinstance(cursor, str) else ""
    if sort == "popular":
        queryset = queryset.filter(created_at__gte=now - timedelta(days=POPULAR_DAYS))
        if match := _POPULAR_CURSOR.fullmatch(cursor):
            likes, last_id = int(match[1]), int(match[2])
            queryset = queryset.filter(
                Q(like_count__lt=likes) | Q(like_count=likes, id__lt=last_id)
            )
        queryset = queryset.order_by("-like_count", "-id")
    else:
        if _NEWEST_CURSOR.fullmatch(cursor):
            queryset = queryset.filter(id__lt=int(cursor))
        queryset = queryset.order_by("-id")
    rows = list(queryset[: limit + 1])
    posts = _with_urls(rows[:limit])
    next_cursor = ""
    if len(rows) > limit:
        last = posts[-1]
        next_cursor = f"{last.like_count}.{last.pk}" if sort == "popular" else str(last.pk)
    return PostPage(posts=posts, next_cursor=next_cursor)


# --- one post ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostActions:
    """What the viewer may do on a post page, decided here (templates and clients only show
    it): edit/delete for the author and staff; 해결됨 and the 나눔 state for the author."""

    can_edit: bool
    can_delete: bool
    can_solve: bool
    can_curious: bool
    share_moves: list[tuple[str, str]]
    can_report: bool = False  # 신고하기: anyone signed in but the author

    def as_dict(self) -> dict:
        return {
            "can_edit": self.can_edit,
            "can_delete": self.can_delete,
            "can_solve": self.can_solve,
            "can_curious": self.can_curious,
            "share_moves": [value for value, _ in self.share_moves],
            "can_report": self.can_report,
        }


@dataclass
class CommentView:
    comment: Comment
    shown_text: str
    # Deleted, hidden by a block or by a moderator: a placeholder (no author, no text).
    removed: bool
    can_delete: bool
    replies: list[CommentView] = field(default_factory=list)
    moderated: bool = False  # hidden by a moderator: "숨겨진 댓글이에요" for everyone
    can_report: bool = False  # 신고하기: a readable comment by someone else


@dataclass(frozen=True)
class CommentPage:
    comments: list[CommentView]
    next_cursor: str  # "" on the last page


@dataclass(frozen=True)
class PostDetail:
    post: Post
    photos: list[PostPhoto]
    liked: bool
    curious: bool
    actions: PostActions
    comments: list[CommentView]  # the thread's first page
    comments_next: str = ""  # the cursor of the next page ("" when it all fits)
    hidden: bool = False  # a moderator hid it: only its author and staff get here


def post_actions(*, post: Post, user) -> PostActions:
    from mealbuddy.community.services import SHARE_MOVES

    is_author = post.author_id == getattr(user, "pk", None)
    editor = may_moderate(user=user, author_id=post.author_id)
    moves = []
    if is_author and post.is_share:
        moves = [
            (s.value, s.label) for s in ShareState if s in SHARE_MOVES.get(post.share_state, ())
        ]
    return PostActions(
        can_edit=editor,
        can_delete=editor,
        can_solve=is_author and post.is_question,
        can_curious=post.is_question,
        share_moves=moves,
        can_report=getattr(user, "pk", None) is not None and not is_author,
    )


def comment_page(
    *,
    post: Post,
    user,
    hidden: frozenset[int] | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> CommentPage:
    """A page of the thread: up to ``limit`` top comments oldest first after ``cursor`` (the
    last top comment's id of the page before; a malformed one reads as the first page), each
    with all its replies.

    A deleted comment, or one by someone blocked either way (``hidden``), shows as a
    placeholder while replies hang under it, and not at all when none do; one a moderator hid
    reads "숨겨진 댓글이에요" for everyone, always. One query whatever the page holds (the
    top comments are picked in a subquery), plus one for the blocks when ``hidden`` is not
    given.
    """
    limit = limit or COMMENTS_PAGE_SIZE
    if hidden is None:
        hidden = blocked_ids(user=user)
    tops_query = Comment.objects.filter(post=post, parent__isnull=True)
    if isinstance(cursor, str) and _NEWEST_CURSOR.fullmatch(cursor):
        tops_query = tops_query.filter(id__gt=int(cursor))
    # One more than a page: whether a next page exists, without a count.
    page_ids = tops_query.order_by("id").values("id")[: limit + 1]
    comments = list(
        Comment.objects.filter(Q(pk__in=page_ids) | Q(parent_id__in=page_ids, post=post))
        .select_related("author", "author__profile")
        .order_by("id")
    )
    is_staff = bool(getattr(user, "is_staff", False))
    user_id = getattr(user, "pk", None)
    views: dict[int, CommentView] = {}
    tops: list[CommentView] = []
    for comment in comments:
        gone = comment.deleted_at is not None
        moderated = not gone and comment.hidden_at is not None
        blocked = comment.author_id in hidden
        if gone:
            text = REMOVED_TEXT
        elif moderated:
            text = MODERATED_TEXT
        elif blocked:
            text = HIDDEN_TEXT
        else:
            text = comment.text
        view = CommentView(
            comment=comment,
            shown_text=text,
            removed=gone or moderated or blocked,
            can_delete=not gone
            and (not moderated or is_staff)
            and may_moderate(user=user, author_id=comment.author_id),
            moderated=moderated,
            can_report=not (gone or moderated or blocked)
            and user_id is not None
            and comment.author_id != user_id,
        )
        if comment.parent_id is None:
            views[comment.pk] = view
            tops.append(view)
        elif comment.parent_id in views and (not view.removed or view.moderated):
            views[comment.parent_id].replies.append(view)
    next_cursor = ""
    if len(tops) > limit:
        tops = tops[:limit]
        next_cursor = str(tops[-1].comment.pk)
    shown = [top for top in tops if not top.removed or top.moderated or top.replies]
    return CommentPage(comments=shown, next_cursor=next_cursor)


def comment_page_cursor(*, comment: Comment, limit: int | None = None) -> str:
    """The cursor of the thread page holding ``comment`` (a reply: its top comment's page):
    "" for the first page. Two queries at most."""
    limit = limit or COMMENTS_PAGE_SIZE
    top_id = comment.parent_id or comment.pk
    tops = Comment.objects.filter(post_id=comment.post_id, parent__isnull=True)
    before = tops.filter(id__lt=top_id).count()
    if before < limit:
        return ""
    cursor = tops.order_by("id").values_list("id", flat=True)[(before // limit) * limit - 1]
    return str(cursor)


def comment_view(*, comment: Comment, user) -> CommentView:
    """One comment as its writer sees it right after writing it (no replies yet)."""
    return CommentView(
        comment=comment,
        shown_text=comment.text,
        removed=False,
        can_delete=may_moderate(user=user, author_id=comment.author_id),
        can_report=comment.author_id != getattr(user, "pk", None),
    )


def post_comments(*, user, post_id: int, cursor: str | None = None) -> CommentPage:
    """A page of a post's thread for someone who may read the post (``access_post``: deleted,
    blocked or hidden is not found). Four queries whatever the page holds."""
    post = access_post(user=user, id=post_id)
    return comment_page(post=post, user=user, cursor=cursor)


def post_detail(*, user, post_id: int) -> PostDetail:
    """A post's page: the post (with the viewer's like and 궁금해요), photos, the first page
    of the comment thread and the viewer's actions. Four queries. Deleted or hidden by a
    block: not found; hidden by a moderator: not found but for its author and staff."""
    user_id = getattr(user, "pk", None)
    try:
        post = (
            _card_queryset(user=user, with_hidden=True)
            .annotate(
                viewer_curious=Exists(Curious.objects.filter(post=OuterRef("pk"), user_id=user_id))
            )
            .get(pk=post_id)
        )
    except (Post.DoesNotExist, ValueError, TypeError):
        raise PostNotFound() from None
    hidden = blocked_ids(user=user)
    if post.author_id in hidden:
        raise PostNotFound()
    if post.hidden_at is not None and not sees_hidden(user=user, author_id=post.author_id):
        raise PostNotFound()
    _with_urls([post])
    thread = comment_page(post=post, user=user, hidden=hidden)
    return PostDetail(
        post=post,
        photos=list(PostPhoto.objects.filter(post=post).order_by("id")),
        liked=post.viewer_liked,
        curious=post.viewer_curious,
        actions=post_actions(post=post, user=user),
        comments=thread.comments,
        comments_next=thread.next_cursor,
        hidden=post.hidden_at is not None,
    )


def linkable_group_orders(*, user, limit: int = 20) -> list:
    """The group orders a writer may link: ones they host or joined, newest first."""
    from mealbuddy.groupbuys.models import GroupOrder

    if getattr(user, "pk", None) is None:
        return []
    return list(
        GroupOrder.objects.filter(participations__user_id=user.pk)
        .order_by("-id")
        .only("pk", "title")[:limit]
    )
