"""동네생활: neighbourhood posts, their photos, comments (one level of replies), likes and
"궁금해요".

Counts shown on every card (likes, 궁금해요, comments, photos) are denormalised on the post
and kept exact by the services with conditional UPDATEs (``F() + 1`` when a row was really
added, ``F() - 1 WHERE count > 0`` when one was really removed), never recounted here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

TITLE_MAX = 60
TEXT_MAX = 3000
COMMENT_MAX = 1000
RESTAURANT_MAX = 50
PHOTOS_MAX = 5


class Post(models.Model):
    class Topic(models.TextChoices):
        NEWS = "news", "동네소식"
        QUESTION = "question", "질문"
        SHARE = "share", "나눔"
        FOOD = "food", "맛집 추천"
        LOST = "lost", "분실·실종"

    class ShareState(models.TextChoices):
        SHARING = "sharing", "나눔중"
        RESERVED = "reserved", "예약중"
        DONE = "done", "나눔완료"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_posts"
    )
    # The author's 동 when they wrote it: moving away does not move what they wrote.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=12, choices=Topic.choices)
    title = models.CharField(max_length=TITLE_MAX)
    text = models.TextField()
    restaurant = models.CharField(max_length=RESTAURANT_MAX, blank=True)
    group_order = models.ForeignKey(
        "groupbuys.GroupOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    share_state = models.CharField(max_length=10, choices=ShareState.choices, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    curious_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    photo_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set by a moderator (trust's "hide_post"): off every list, a 404 for all but the author
    # and staff, as a hidden group order.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["region", "-id"], name="community_post_feed"),
            models.Index(fields=["region", "topic", "-id"], name="community_post_topic"),
            models.Index(fields=["region", "created_at"], name="community_post_week"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_question(self) -> bool:
        return self.topic == self.Topic.QUESTION

    @property
    def is_share(self) -> bool:
        return self.topic == self.Topic.SHARE


class PostPhoto(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    # Both made by core.images at upload: the re-encoded photo and its square thumbnail.
    image = models.ImageField(upload_to="community/%Y/%m/")
    thumb = models.ImageField(upload_to="community/%Y/%m/")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_comments"
    )
    # One level of replies: a reply's parent is always a top comment (services make sure).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set by a moderator (trust's "hide_comment"): reads "숨겨진 댓글이에요" for everyone.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["post", "id"], name="community_comment_thread"),
            # A thread page: the top comments of a post after a cursor, then their replies.
            models.Index(fields=["post", "parent", "id"], name="community_comment_page"),
        ]


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="community_like_once"),
        ]


class Curious(models.Model):
    """ "궁금해요" on a question: "I want to know too"."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="curious")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="community_curious_once"),
        ]
