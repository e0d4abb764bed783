"""The embedded default provider: no network, outcomes chosen by the caller.

Outcomes on demand, so pages, tests and demos can walk every path:

- a ``payment_key`` starting ``decline`` is refused by the "card company";
  one starting ``timeout`` times out (``ProviderUnavailable``): the top-up stays retryable;
- a payout to an account number starting ``000`` fails; one starting ``999`` times out.

Every other payment is approved for exactly the amount confirmed.
"""

from __future__ import annotations

from .base import Payment, PaymentDeclined, PaymentProvider, PayoutResult, ProviderUnavailable

DECLINE_PREFIX = "decline"
TIMEOUT_PREFIX = "timeout"


class TestProvider(PaymentProvider):
    name = "test"

    def _check(self, payment_key: str) -> None:
        if payment_key.startswith(TIMEOUT_PREFIX):
            raise ProviderUnavailable("결제사 응답이 늦어지고 있어요. 잠시 후 다시 시도해 주세요.")
        if payment_key.startswith(DECLINE_PREFIX):
            raise PaymentDeclined(
                "카드사에서 결제를 거절했어요. (테스트 결제사)", field="payment_key"
            )

    def confirm(self, *, payment_key: str, order_id: str, amount: int) -> Payment:
        self._check(payment_key)
        return Payment(payment_key=payment_key, order_id=order_id, amount=amount, status="DONE")

    def payment_get(self, *, payment_key: str) -> Payment:
        # Without a network the test provider cannot vouch for a webhook: it has none.
        raise PaymentDeclined("테스트 결제사는 웹훅을 보내지 않아요.", field="payment_key")

    def cancel(self, *, payment_key: str, reason: str) -> Payment:
        self._check(payment_key)
        return Payment(payment_key=payment_key, order_id="", amount=0, status="CANCELED")

    def payout(
        self, *, payout_id: str, amount: int, bank: str, account_number: str, holder: str
    ) -> PayoutResult:
        if account_number.startswith("999"):
            raise ProviderUnavailable("결제사 응답이 늦어지고 있어요.")
        if account_number.startswith("000"):
            return PayoutResult(payout_id, "FAILED", "계좌 정보가 올바르지 않아요. (테스트 결제사)")
        return PayoutResult(payout_id, "COMPLETED")

    def webhook_parse(self, body: dict) -> None:
        raise PaymentDeclined("테스트 결제사는 웹훅을 보내지 않아요.")
