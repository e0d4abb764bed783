"""The payment-provider interface: what the wallet asks of Toss (or the embedded test provider).

Every adapter answers in the same terms, so the top-up and payout services never see a
provider's wire format:

- ``confirm`` approves a payment the user authorised in the provider's widget; a payment that
  was already confirmed (the webhook beat the browser, or the other way round) answers as
  approved again, so both doors can call it;
- ``payment_get`` reads a payment from the provider: a webhook body is only a hint, the
  fetched payment is the truth;
- ``cancel`` refunds a payment, ``payout`` sends cash to a bank account;
- a refusal raises ``PaymentDeclined`` (the user's problem: a 400 with the provider's Korean
  reason); a timeout or a provider outage raises ``ProviderUnavailable`` (nobody knows what
  happened: retry, never fail the top-up on it).
"""

from __future__ import annotations

from dataclasses import dataclass

from mealbuddy.core.errors import ApplicationError, ServiceUnavailable


class PaymentDeclined(ApplicationError):
    status_code = 400
    code = "payment_declined"


class ProviderUnavailable(ServiceUnavailable):
    code = "provider_unavailable"


@dataclass(frozen=True)
class Payment:
    payment_key: str
    order_id: str
    amount: int
    # "DONE" (paid), "CANCELED", "ABORTED"/"EXPIRED" (failed), "READY"/"IN_PROGRESS" (pending)
    status: str

    @property
    def is_done(self) -> bool:
        return self.status == "DONE"

    @property
    def is_failed(self) -> bool:
        return self.status in {"ABORTED", "EXPIRED", "CANCELED", "PARTIAL_CANCELED"}


@dataclass(frozen=True)
class PayoutResult:
    payout_id: str
    # "COMPLETED" (the bank account was paid) or "FAILED" (nothing left the provider)
    status: str
    message: str = ""

    @property
    def is_done(self) -> bool:
        return self.status == "COMPLETED"


@dataclass(frozen=True)
class WebhookHint:
    """What a webhook body claims; only ``payment_key`` is used, to fetch the real payment."""

    payment_key: str
    order_id: str


class PaymentProvider:
    name: str = ""

    def client_key(self) -> str:
        """The public key the browser's payment widget needs (empty for the test provider)."""
        return ""

    def confirm(self, *, payment_key: str, order_id: str, amount: int) -> Payment:
        raise NotImplementedError

    def payment_get(self, *, payment_key: str) -> Payment:
        raise NotImplementedError

    def cancel(self, *, payment_key: str, reason: str) -> Payment:
        raise NotImplementedError

    def payout(
        self, *, payout_id: str, amount: int, bank: str, account_number: str, holder: str
    ) -> PayoutResult:
        raise NotImplementedError

    def webhook_parse(self, body: dict) -> WebhookHint:
        """The payment a webhook is about; ``ApplicationError`` if the body is not one."""
        raise NotImplementedError
