"""동네생활 writes: posts, photos, comments, likes, 궁금해요, 해결됨, 나눔 state.

Each function checks who may do it (``access_post``/``access_comment``), refuses a
suspended or banned person (``trust.selectors.restriction_check``) where it writes words or
photos, and keeps the post's counters exact with conditional UPDATEs: a counter moves only
when a row was really added or removed, so two taps at once count once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mealbuddy.community.access import access_comment, access_post, may_moderate
from mealbuddy.community.errors import (
    CommentNotFound,
    CommunityValidationError,
    InvalidShareState,
    NoRegion,
    NotAuthor,
    TooManyPhotos,
    WrongTopic,
)
from mealbuddy.community.models import (
    COMMENT_MAX,
    PHOTOS_MAX,
    RESTAURANT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Comment,
    Curious,
    Post,
    PostLike,
    PostPhoto,
)
from mealbuddy.core.errors import NotFound
from mealbuddy.core.images import image_reencode, image_square
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_create
from mealbuddy.trust.selectors import blocked_ids, restriction_check

Topic = Post.Topic
ShareState = Post.ShareState

PHOTO_SIDE = 1600
THUMB_SIDE = 240
# 나눔: 나눔중 → 예약중 → 나눔완료; a reservation can fall through (back to 나눔중), and a
# thing can go without one. 나눔완료 is the end.
SHARE_MOVES = {
    ShareState.SHARING: {ShareState.RESERVED, ShareState.DONE},
    ShareState.RESERVED: {ShareState.SHARING, ShareState.DONE},
    ShareState.DONE: set(),
}
TOO_MANY_PHOTOS = f"사진은 {PHOTOS_MAX}장까지 올릴 수 있어요."


# --- validation -------------------------------------------------------------------------------


def _text(value, *, field: str, label: str, limit: int, required: bool, errors: dict) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(f"{label}은(는) 글자로 써 주세요.")
        return ""
    value = value.strip()
    if required and not value:
        errors.setdefault(field, []).append(f"{label}을(를) 입력해 주세요.")
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"{label}은(는) {limit:,}자 이내로 써 주세요.")
    return value


def _post_fields(data: dict, *, partial: bool) -> dict:
    """The post fields of ``data`` checked and cleaned; all errors at once."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    if not partial or "topic" in data:
        if data.get("topic") not in Topic.values:
            errors.setdefault("topic", []).append("주제를 골라 주세요.")
        clean["topic"] = data.get("topic")
    for field, label, limit, required in (
        ("title", "제목", TITLE_MAX, True),
        ("text", "내용", TEXT_MAX, True),
        ("restaurant", "가게 이름", RESTAURANT_MAX, False),
    ):
        if not partial or field in data:
            clean[field] = _text(
                data.get(field),
                field=field,
                label=label,
                limit=limit,
                required=required,
                errors=errors,
            )
    if not partial or "group_order_id" in data:
        order_id = data.get("group_order_id")
        if order_id in (None, ""):
            clean["group_order"] = None
        elif (
            isinstance(order_id, bool)
            or not isinstance(order_id, int)
            or not (order := GroupOrder.objects.filter(pk=order_id).first())
        ):
            errors.setdefault("group_order_id", []).append("연결할 공동주문을 찾을 수 없어요.")
        else:
            clean["group_order"] = order
    if errors:
        raise CommunityValidationError(errors)
    return clean


@dataclass(frozen=True)
class ReadyPhoto:
    image: object
    thumb: object


def _photos_ready(uploads: Iterable, *, already: int = 0) -> list[ReadyPhoto]:
    """Re-encode every upload (EXIF and GPS dropped, 1600 px at most) and cut its square
    thumbnail; refuse the lot if one is bad or there would be more than ``PHOTOS_MAX``."""
    uploads = list(uploads)
    if already + len(uploads) > PHOTOS_MAX:
        raise TooManyPhotos(TOO_MANY_PHOTOS, field="photos")
    ready = []
    for upload in uploads:
        image = image_reencode(upload=upload, field="photos", max_side=PHOTO_SIDE)
        ready.append(ReadyPhoto(image=image, thumb=image_square(source=image, side=THUMB_SIDE)))
    return ready


def _photos_save(post: Post, ready: list[ReadyPhoto]) -> None:
    """Add photos under the ``PHOTOS_MAX`` cap: the counter moves first, conditionally, so
    two uploads at once cannot both take the fifth place."""
    if not ready:
        return
    added = Post.objects.filter(pk=post.pk, photo_count__lte=PHOTOS_MAX - len(ready)).update(
        photo_count=F("photo_count") + len(ready)
    )
    if not added:
        raise TooManyPhotos(TOO_MANY_PHOTOS, field="photos")
    for photo in ready:
        PostPhoto.objects.create(post=post, image=photo.image, thumb=photo.thumb)


# --- posts ------------------------------------------------------------------------------------


def post_create(
    *,
    author,
    topic: str,
    title: str,
    text: str,
    restaurant: str = "",
    group_order_id: int | None = None,
    photos: Iterable = (),
) -> Post:
    """A post in ``author``'s 동 (where they live now), with up to ``PHOTOS_MAX`` photos."""
    restriction_check(user=author)
    if author.region_id is None:
        raise NoRegion()
    clean = _post_fields(
        {
            "topic": topic,
            "title": title,
            "text": text,
            "restaurant": restaurant,
            "group_order_id": group_order_id,
        },
        partial=False,
    )
    ready = _photos_ready(photos)
    with transaction.atomic():
        post = Post.objects.create(
            author=author,
            region_id=author.region_id,
            share_state=ShareState.SHARING if clean["topic"] == Topic.SHARE else "",
            **clean,
        )
        _photos_save(post, ready)
    post.refresh_from_db(fields=["photo_count"])
    return post


def post_update(
    *,
    post_id: int,
    user,
    add_photos: Iterable = (),
    remove_photo_ids: Iterable[int] = (),
    **fields,
) -> Post:
    """Change what was sent (the author or staff). A post that stops being a question loses
    its 해결됨; one that becomes a 나눔 starts at 나눔중."""
    restriction_check(user=user)
    allowed = {"topic", "title", "text", "restaurant", "group_order_id"}
    clean = _post_fields({k: v for k, v in fields.items() if k in allowed}, partial=True)
    remove_ids = {i for i in remove_photo_ids if isinstance(i, int)}
    with transaction.atomic():
        post = access_post(user=user, id=post_id, lock=True, require_editor=True)
        ready = _photos_ready(add_photos, already=post.photo_count - len(remove_ids))
        topic = clean.get("topic", post.topic)
        if topic != Topic.QUESTION:
            clean["solved_at"] = None
        if topic == Topic.SHARE and not post.share_state:
            clean["share_state"] = ShareState.SHARING
        elif topic != Topic.SHARE:
            clean["share_state"] = ""
        for name, value in clean.items():
            setattr(post, name, value)
        post.edited_at = timezone.now()
        post.save(update_fields=[*clean, "edited_at"])
        if remove_ids:
            removed, _ = PostPhoto.objects.filter(post=post, pk__in=remove_ids).delete()
            if removed:
                Post.objects.filter(pk=post.pk, photo_count__gte=removed).update(
                    photo_count=F("photo_count") - removed
                )
        _photos_save(post, ready)
    post.refresh_from_db()
    return post


def post_delete(*, post_id: int, user) -> None:
    """Take a post down (the author or staff). Its comments and likes stay with it, unseen;
    its photos go, and their files (original and thumbnail) leave the storage once the
    deletion has committed (``photo_files_delete``)."""
    access_post(user=user, id=post_id, require_editor=True)
    with transaction.atomic():
        taken = Post.objects.filter(pk=post_id, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), photo_count=0
        )
        if taken:
            PostPhoto.objects.filter(post_id=post_id).delete()


def photo_files_delete(*, photo: PostPhoto) -> None:
    """Remove a deleted photo's files from the storage after the transaction commits (a
    rollback keeps them, with the row). Every way a photo row goes calls this: the services,
    the admin, and the cascade from a post or an account deleted for good (the app connects
    it to the row's ``post_delete`` signal: the cascade collector is the only code that sees
    those rows go)."""
    for file in (photo.image, photo.thumb):
        if file and file.name:
            storage, name = file.storage, file.name
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


# --- moderation (trust calls these through the ReportedContent it was given) -------------------


def post_hide(*, post_id: int, now: datetime | None = None) -> bool:
    """A moderator hides a post: off every list, a 404 for all but its author and staff.
    False when there is no such post; hiding it again changes nothing."""
    if not Post.objects.filter(pk=post_id).exists():
        return False
    Post.objects.filter(pk=post_id, hidden_at__isnull=True).update(hidden_at=now or timezone.now())
    return True


def comment_hide(*, comment_id: int, now: datetime | None = None) -> bool:
    """A moderator hides a comment: it reads "숨겨진 댓글이에요" for everyone. False when there
    is no such comment; hiding it again changes nothing."""
    if not Comment.objects.filter(pk=comment_id).exists():
        return False
    Comment.objects.filter(pk=comment_id, hidden_at__isnull=True).update(
        hidden_at=now or timezone.now()
    )
    return True


def post_photo_add(*, post_id: int, user, upload) -> PostPhoto:
    restriction_check(user=user)
    post = access_post(user=user, id=post_id, author_only=True)
    ready = _photos_ready([upload], already=post.photo_count)
    with transaction.atomic():
        _photos_save(post, ready)
    return PostPhoto.objects.filter(post=post).order_by("-id").first()


def post_photo_delete(*, photo_id: int, user) -> None:
    photo = PostPhoto.objects.filter(pk=photo_id).only("pk", "post_id").first()
    if photo is None:
        raise NotFound("사진을 찾을 수 없어요.")
    access_post(user=user, id=photo.post_id, require_editor=True)
    with transaction.atomic():
        removed, _ = PostPhoto.objects.filter(pk=photo.pk).delete()
        if removed:
            Post.objects.filter(pk=photo.post_id, photo_count__gt=0).update(
                photo_count=F("photo_count") - 1
            )


# --- 해결됨, 나눔 state ------------------------------------------------------------------------


def post_solve(*, post_id: int, user, solved: bool = True) -> Post:
    """Mark a question 해결됨 (or not any more): its author only."""
    post = access_post(user=user, id=post_id, author_only=True)
    if not post.is_question:
        raise WrongTopic("질문 글만 해결됨으로 표시할 수 있어요.")
    if solved and post.solved_at is None:
        post.solved_at = timezone.now()
    elif not solved:
        post.solved_at = None
    Post.objects.filter(pk=post.pk).update(solved_at=post.solved_at)
    return post


def share_state_set(*, post_id: int, user, state: str) -> Post:
    """Move a 나눔 along 나눔중 → 예약중 → 나눔완료 (its author only; see ``SHARE_MOVES``)."""
    if state not in ShareState.values:
        raise CommunityValidationError({"state": ["나눔 상태를 골라 주세요."]})
    with transaction.atomic():
        post = access_post(user=user, id=post_id, lock=True, author_only=True)
        if not post.is_share:
            raise WrongTopic("나눔 글에만 나눔 상태가 있어요.")
        if state == post.share_state:
            return post
        if state not in SHARE_MOVES.get(post.share_state, set()):
            raise InvalidShareState(
                f"{ShareState(post.share_state).label}에서 {ShareState(state).label}(으)로 "
                "바꿀 수 없어요.",
                field="state",
            )
        post.share_state = state
        post.save(update_fields=["share_state"])
    return post


# --- likes and 궁금해요 ------------------------------------------------------------------------


def _mark(model, counter: str, *, post: Post, user, on: bool | None) -> tuple[bool, int]:
    """Add or remove ``user``'s mark; ``on=None`` toggles. Returns (marked, count)."""
    with transaction.atomic():
        if on is None:
            on = not model.objects.filter(post=post, user=user).exists()
        if on:
            try:
                with transaction.atomic():
                    model.objects.create(post=post, user=user)
            except IntegrityError:
                pass  # already marked (a second tap or a race): nothing to count
            else:
                Post.objects.filter(pk=post.pk).update(**{counter: F(counter) + 1})
        else:
            removed, _ = model.objects.filter(post=post, user=user).delete()
            if removed:
                Post.objects.filter(pk=post.pk, **{f"{counter}__gt": 0}).update(
                    **{counter: F(counter) - 1}
                )
    count = Post.objects.filter(pk=post.pk).values_list(counter, flat=True).first() or 0
    return on, count


def post_like_toggle(*, post_id: int, user, liked: bool | None = None) -> tuple[bool, int]:
    """Like (``liked=True``), unlike (``False``) or toggle (``None``): one like per person."""
    post = access_post(user=user, id=post_id)
    return _mark(PostLike, "like_count", post=post, user=user, on=liked)


def post_curious_toggle(*, post_id: int, user, curious: bool | None = None) -> tuple[bool, int]:
    """ "궁금해요" on a question, one per person (same shape as ``post_like_toggle``)."""
    post = access_post(user=user, id=post_id)
    if not post.is_question:
        raise WrongTopic("궁금해요는 질문 글에만 누를 수 있어요.")
    return _mark(Curious, "curious_count", post=post, user=user, on=curious)


# --- comments ---------------------------------------------------------------------------------


def comment_create(*, post_id: int, user, text: str, parent_id: int | None = None) -> Comment:
    """A comment, or a reply: a reply to a reply joins the top comment's thread (one level).

    Notifies the post's author of a comment and a comment's author of a reply to it (never
    oneself, never across a block).
    """
    restriction_check(user=user)
    errors: dict[str, list[str]] = {}
    text = _text(text, field="text", label="댓글", limit=COMMENT_MAX, required=True, errors=errors)
    if errors:
        raise CommunityValidationError(errors)
    post = access_post(user=user, id=post_id)
    parent = None
    if parent_id is not None:
        parent = access_comment(user=user, id=parent_id)
        if parent.post_id != post.pk:
            raise CommentNotFound()
        if parent.parent_id is not None:
            parent = access_comment(user=user, id=parent.parent_id)
    with transaction.atomic():
        comment = Comment.objects.create(post=post, author=user, parent=parent, text=text)
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        _comment_notify(post=post, comment=comment, parent=parent, user=user)
    return comment


def _comment_notify(*, post: Post, comment: Comment, parent: Comment | None, user) -> None:
    hidden = blocked_ids(user=user) | {user.pk}
    url = f"/community/{post.pk}/#comment-{comment.pk}"
    title = post.title if len(post.title) <= 20 else f"{post.title[:20]}…"
    name = user.display_name
    notified: set[int] = set()
    if parent is not None and parent.author_id not in hidden:
        notifications_create(
            users=[parent.author],
            kind=Notification.Kind.COMMUNITY_REPLY,
            text=f"{name} 님이 내 댓글에 답글을 달았어요: {comment.text[:40]}",
            url=url,
        )
        notified.add(parent.author_id)
    if post.author_id not in hidden | notified:
        notifications_create(
            users=[post.author],
            kind=Notification.Kind.COMMUNITY_COMMENT,
            text=f"{name} 님이 ‘{title}’에 댓글을 달았어요: {comment.text[:40]}",
            url=url,
        )


def comment_delete(*, comment_id: int, user) -> None:
    """Take a comment down (its author or staff). It stays in the thread as "삭제된 댓글이에요"
    so the replies under it still read."""
    comment = access_comment(user=user, id=comment_id)
    if not may_moderate(user=user, author_id=comment.author_id):
        raise NotAuthor("댓글을 쓴 사람만 지울 수 있어요.")
    with transaction.atomic():
        removed = Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )
        if removed:
            Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
