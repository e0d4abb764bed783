from __future__ import annotations

from django.conf import settings
from django.db import models

MESSAGE_MAX_LENGTH = 300


class ChatRoom(models.Model):
    """A chat room, of one of two kinds:

    - a group order's room (``group_order`` set): its members are the order's current
      participants;
    - a 1:1 room about a 나눔 post (``post`` set): its two members are who opened it
      (``starter``) and the post's author (``post_author``, copied when the room opens so the
      membership test needs no join). One room per post and starter.

    Who is a member is decided in one place: ``chat.selectors.room_member_q`` /
    ``room_member_sql``.
    """

    group_order = models.OneToOneField(
        "groupbuys.GroupOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_room",
    )
    # The 1:1 room's post, declared by name like ``group_order``: chat imports no community
    # module (the board calls chat's services, never the reverse).
    post = models.ForeignKey(
        "community.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    post_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped with every message so "my chats" sorts by activity without a subquery.
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            # "채팅하기" twice, or from two tabs at once, finds the same room.
            models.UniqueConstraint(fields=["post", "starter"], name="chatroom_direct_once"),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        group_order__isnull=False,
                        post__isnull=True,
                        starter__isnull=True,
                        post_author__isnull=True,
                    )
                    | models.Q(
                        group_order__isnull=True,
                        post__isnull=False,
                        starter__isnull=False,
                        post_author__isnull=False,
                    )
                ),
                name="chatroom_one_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"room {self.pk}"

    @property
    def is_direct(self) -> bool:
        """A 1:1 room about a 나눔 post (no group order)."""
        return self.post_id is not None


class Message(models.Model):
    """A chat line. ``user`` is null for system messages (join, leave, ban, status)."""

    class Kind(models.TextChoices):
        TEXT = "text", "메시지"
        JOIN = "join", "입장"
        LEAVE = "leave", "퇴장"
        BAN = "ban", "강퇴"
        STATUS = "status", "상태 변경"

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="messages")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    # Who joined, left or was banned (system messages): the socket events carry it as
    # ``user_id``, also when a reconnecting client catches up. Not a FK: it only labels.
    subject_user_id = models.BigIntegerField(null=True, blank=True)
    # Who caused a system message (the host changing the status, banning, settling up): it
    # never counts as unread for them (chat/selectors). Not a FK, like ``subject_user_id``.
    actor_id = models.BigIntegerField(null=True, blank=True)
    # The sender's own id for a post (``client_id`` or ``Idempotency-Key``): a post retried
    # after a lost answer or an error finds the message it already made instead of a twin.
    # NULL (not "") when absent: such rows stay out of the partial unique index below.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    text = models.CharField(max_length=MESSAGE_MAX_LENGTH + 100)
    created_at = models.DateTimeField(auto_now_add=True)
    # Hidden by a moderator: shown to everyone as "숨겨진 메시지예요".
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "-id"])]
        constraints = [
            # Partial: posts without a client id (most) cost no index entry.
            models.UniqueConstraint(
                fields=["room", "user", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="message_client_id_unique",
            )
        ]


class ReadState(models.Model):
    """How far one member has read in one room (for unread counts)."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="readstate_unique")]
