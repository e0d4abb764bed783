"""Writes of a person's standing that every domain reads: blocks (차단).

Low layer (see the package docstring): knows accounts and core only. Group orders, chat and
the compat API read the result through ``selectors.blocked_ids`` / ``block_check`` /
``blocks_made_ids``; live chat sockets hear of a change through ``trust.blocks_changed``
sent to both accounts' groups after commit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from mealbuddy.core.errors import ApplicationError, NotFound
from mealbuddy.core.realtime import account_group, broadcast_on_commit
from mealbuddy.trust.models import Block

BLOCKS_CHANGED = "trust.blocks_changed"


def _blocks_changed(*user_ids: int) -> None:
    """After commit, every socket of these accounts reloads who is hidden from it."""
    for user_id in user_ids:
        broadcast_on_commit(account_group(user_id), {"type": BLOCKS_CHANGED})


def _person(user_id) -> object:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("이웃을 찾을 수 없어요.", code="user_not_found")
    return user


@transaction.atomic
def block_create(*, blocker, blocked_id: int) -> tuple[Block, bool]:
    """``blocker`` blocks ``blocked_id``: ``(block, created)``. Blocking again changes nothing.

    Neither sees the other's orders afterwards, neither can join the other's, and the
    blocked person's chat messages are hidden for the blocker (rooms both are in stay usable).
    """
    if blocked_id == blocker.pk:
        raise ApplicationError("나 자신은 차단할 수 없어요.", code="block_self", field="user_id")
    blocked = _person(blocked_id)
    existing = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker_id=blocker.pk, blocked=blocked)
    except IntegrityError:  # the same block made at the same moment elsewhere
        return Block.objects.get(blocker_id=blocker.pk, blocked_id=blocked.pk), False
    _blocks_changed(blocker.pk, blocked.pk)
    return block, True


@transaction.atomic
def block_delete(*, blocker, blocked_id: int) -> bool:
    """Unblock; ``False`` when there was no such block (unblocking twice is fine)."""
    deleted, _ = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked_id).delete()
    if deleted:
        _blocks_changed(blocker.pk, blocked_id)
    return bool(deleted)
