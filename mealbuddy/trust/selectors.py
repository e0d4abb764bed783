"""A person's standing, read by every other domain: verified 동, restriction, blocks.

This module knows only accounts, regions and core (see the package docstring): group
orders, chat, the compat API and sockets ask it, it never asks them.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format

from mealbuddy.trust.errors import AccountRestricted, Blocked
from mealbuddy.trust.models import Block, Standing


def standing_of(user) -> Standing:
    """``user``'s Standing, from ``select_related("standing")`` when it was loaded that way
    (else one query, on first use); an unsaved default row for someone with nothing recorded
    yet. Either way it is cached on ``user``: asking again costs nothing."""
    try:
        return user.standing
    except Standing.DoesNotExist:
        default = Standing(user=user)
        Standing.user.field.remote_field.set_cached_value(user, default)
        return default


def region_verified(*, user, now=None) -> bool:
    """Has ``user`` proven, recently enough, that they are in the 동 they say they live in?

    Changing 동 drops it by itself: the verification names the 동 it proved.
    """
    standing = standing_of(user)
    if standing.verified_region_id is None or standing.verified_region_id != user.region_id:
        return False
    return standing.verified_until is not None and standing.verified_until > (now or timezone.now())


def region_verified_q(*, prefix: str = "", now=None) -> Q:
    """``region_verified`` as a query condition on users (``prefix`` "host__" for the hosts
    of group orders): the same rule, for lists filtered in the database."""
    return Q(
        **{
            f"{prefix}standing__verified_region_id": F(f"{prefix}region_id"),
            f"{prefix}standing__verified_until__gt": now or timezone.now(),
        }
    )


def restriction_active(*, standing: Standing, now=None) -> bool:
    if standing.restriction == Standing.Restriction.BANNED:
        return True
    if standing.restriction == Standing.Restriction.SUSPENDED:
        until = standing.restricted_until
        return until is None or until > (now or timezone.now())
    return False


def restriction_message(*, standing: Standing) -> str:
    if standing.restriction == Standing.Restriction.BANNED:
        return "운영정책 위반으로 이용이 영구 정지된 계정이에요."
    until = standing.restricted_until
    if until is None:
        return "운영정책 위반으로 이용이 정지된 계정이에요."
    when = date_format(timezone.localtime(until), "n월 j일 H:i")
    return f"운영정책 위반으로 {when}까지 글쓰기·참여·채팅·후기를 할 수 없어요."


def restriction_check(*, user) -> None:
    """Raise AccountRestricted if ``user`` may not post, join, chat or review right now.

    Reads the row fresh (one query): a sanction must bite at once, even on a user object
    loaded before it.
    """
    standing = (
        Standing.objects.filter(user_id=user.pk).only("restriction", "restricted_until").first()
    )
    if standing is not None and restriction_active(standing=standing):
        raise AccountRestricted(restriction_message(standing=standing))


def blocked_ids(*, user) -> frozenset[int]:
    """Everyone hidden from ``user`` and from whom ``user`` is hidden (either side blocked)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    rows = Block.objects.filter(Q(blocker_id=user.pk) | Q(blocked_id=user.pk)).values_list(
        "blocker_id", "blocked_id"
    )
    return frozenset(b if a == user.pk else a for a, b in rows)


def block_between(*, user_id: int, other_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
    ).exists()


def block_check(*, user_id: int, other_id: int, message: str) -> None:
    """Raise Blocked when either of the two blocked the other."""
    if block_between(user_id=user_id, other_id=other_id):
        raise Blocked(message)


# --- 차단: who the viewer blocked (block/report part) ---------------------------------------


def blocks_made_ids(*, user_id: int | None) -> frozenset[int]:
    """The people ``user_id`` blocked: their chat messages are hidden for ``user_id`` (the
    blocked person still sees the blocker's, in a room both are in). One query."""
    if user_id is None:
        return frozenset()
    return frozenset(Block.objects.filter(blocker_id=user_id).values_list("blocked_id", flat=True))


def blocks_made_query(*, user_id: int):
    """``blocks_made_ids`` as a subquery (``user_id__in=...``): lists that hide the blocked
    authors' messages do it inside their own statement, with no query of their own."""
    return Block.objects.filter(blocker_id=user_id).values("blocked_id")


def blocks_made(*, user) -> list[Block]:
    """ "차단한 이웃": ``user``'s blocks, newest first, with the blocked person (and profile)."""
    return list(
        Block.objects.filter(blocker_id=user.pk)
        .select_related("blocked", "blocked__profile")
        .order_by("-created_at", "-id")
    )
