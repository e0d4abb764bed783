"""Payment providers: ``provider_get()`` returns the one WALLET_PROVIDER names."""

from __future__ import annotations

from django.conf import settings

from .base import (
    Payment,
    PaymentDeclined,
    PaymentProvider,
    PayoutResult,
    ProviderUnavailable,
    WebhookHint,
)

__all__ = [
    "Payment",
    "PaymentDeclined",
    "PaymentProvider",
    "PayoutResult",
    "ProviderUnavailable",
    "WebhookHint",
    "provider_get",
]


def provider_get() -> PaymentProvider:
    # Built per call: cheap, and settings overridden in tests take effect at once.
    name = settings.WALLET_PROVIDER
    if name == "toss":
        from .toss import TossProvider

        return TossProvider()
    from .testing import TestProvider

    return TestProvider()
