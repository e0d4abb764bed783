"""Wallet jobs: payouts run here, away from the request that asked for them."""

from __future__ import annotations

import logging

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.wallet.providers import ProviderUnavailable
from mealbuddy.wallet.services import wallet_retry_pending, withdrawal_settle

logger = logging.getLogger(__name__)


@task()
def withdrawal_process(*, withdrawal_id: int) -> str:
    try:
        return withdrawal_settle(withdrawal_id=withdrawal_id).status
    except ProviderUnavailable:
        # Nobody knows whether the bank was paid: the withdrawal stays held and requested,
        # and the same payout id is sent again next time (the provider pays it once).
        logger.warning("withdrawal %s: provider unavailable, left requested", withdrawal_id)
        return "requested"


@periodic("wallet.retry_pending", every_minutes=5)
@task()
def retry_pending() -> dict[str, int]:
    return wallet_retry_pending()
