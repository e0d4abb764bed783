from __future__ import annotations

import pytest

from mealbuddy.wallet import services
from tests.factories import UserFactory


def fund(user, amount: int, *, key: str | None = None):
    """Cash for ``user`` the way real money arrives: a top-up through the test provider."""
    return services.topup_credit(
        key=key or f"test-topup:{user.pk}:{amount}:{id(object())}",
        user=user,
        provider="test",
        amount=amount,
    )


@pytest.fixture
def alice(db):
    return UserFactory()


@pytest.fixture
def bob(db):
    return UserFactory()


@pytest.fixture(autouse=True)
def _ledger_alone(settings):
    # These tests move money for made-up order references (``order:1``) with no group order
    # behind them; the group orders' finished-escrow check is tested in tests/groupbuys.
    settings.WALLET_ESCROW_FINISHED = ""
