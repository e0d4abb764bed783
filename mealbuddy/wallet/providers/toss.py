"""Toss Payments: the core API's formats (https://docs.tosspayments.com/reference).

- confirm: ``POST {base}/v1/payments/confirm`` ``{paymentKey, orderId, amount}``;
- read: ``GET {base}/v1/payments/{paymentKey}``; cancel: ``POST .../{paymentKey}/cancel``;
- auth: HTTP Basic with the secret key as user name and an empty password;
- errors: a 4xx/5xx with ``{"code": ..., "message": <Korean reason>}``;
- webhook ``PAYMENT_STATUS_CHANGED``: ``{eventType, createdAt, data: {paymentKey, orderId,
  status, totalAmount, ...}}``. It carries no signature, so the body is only a hint: we fetch
  the payment with our secret key and believe that.
- payout: a JSON ``POST {base}/v1/payouts`` ``{refPayoutId, amount, bankCode, accountNumber,
  holderName}`` answered ``{payoutId, status: COMPLETED|FAILED, message}``. Toss's real
  지급대행 API (v2, encrypted bodies, seller registration) is not modelled here.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from django.conf import settings

from mealbuddy.core.errors import ApplicationError

from .base import (
    Payment,
    PaymentDeclined,
    PaymentProvider,
    PayoutResult,
    ProviderUnavailable,
    WebhookHint,
)

logger = logging.getLogger(__name__)

# A second confirm of a paid payment: read it instead (the other door confirmed it first).
ALREADY_PROCESSED = "ALREADY_PROCESSED_PAYMENT"
# Toss's own trouble, not the user's card: retry later.
PROVIDER_TROUBLE = {"PROVIDER_ERROR", "FAILED_INTERNAL_SYSTEM_PROCESSING", "UNKNOWN_PAYMENT_ERROR"}
UNAVAILABLE = "결제사 응답이 늦어지고 있어요. 잠시 후 다시 시도해 주세요."


class TossProvider(PaymentProvider):
    name = "toss"

    def __init__(self) -> None:
        self.base_url = settings.TOSS_BASE_URL.rstrip("/")
        self.secret_key = settings.TOSS_SECRET_KEY
        self.timeout = httpx.Timeout(settings.TOSS_TIMEOUT, connect=settings.TOSS_CONNECT_TIMEOUT)

    def client_key(self) -> str:
        return settings.TOSS_CLIENT_KEY

    def _request(
        self, method: str, path: str, *, json: dict | None = None, idempotency_key: str = ""
    ) -> dict:
        # Toss replays a request sent again with the same Idempotency-Key instead of redoing it.
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        try:
            response = httpx.request(
                method,
                f"{self.base_url}{path}",
                json=json,
                auth=(self.secret_key, ""),
                headers=headers,
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            logger.warning("toss %s %s failed: %s", method, path, exc)
            raise ProviderUnavailable(UNAVAILABLE) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code == 401:
            # Our secret key is wrong: nothing the user did, and nothing to give up on.
            logger.error("toss %s %s: our secret key was refused", method, path)
            raise ProviderUnavailable(UNAVAILABLE)
        if response.status_code >= 500 or body.get("code") in PROVIDER_TROUBLE:
            logger.warning("toss %s %s: %s %s", method, path, response.status_code, body)
            raise ProviderUnavailable(UNAVAILABLE)
        if response.status_code >= 400:
            code = str(body.get("code") or "UNKNOWN")
            message = str(body.get("message") or "결제가 거절됐어요.")
            raise PaymentDeclined(message, field="payment_key", extra={"provider_code": code})
        return body

    @staticmethod
    def _payment(body: dict) -> Payment:
        try:
            return Payment(
                payment_key=str(body["paymentKey"]),
                order_id=str(body["orderId"]),
                amount=int(body["totalAmount"]),
                status=str(body["status"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(UNAVAILABLE) from exc

    def confirm(self, *, payment_key: str, order_id: str, amount: int) -> Payment:
        try:
            body = self._request(
                "POST",
                "/v1/payments/confirm",
                json={"paymentKey": payment_key, "orderId": order_id, "amount": amount},
            )
        except PaymentDeclined as exc:
            if exc.extra.get("provider_code") != ALREADY_PROCESSED:
                raise
            return self.payment_get(payment_key=payment_key)
        return self._payment(body)

    def payment_get(self, *, payment_key: str) -> Payment:
        return self._payment(self._request("GET", f"/v1/payments/{quote(payment_key, safe='')}"))

    def cancel(self, *, payment_key: str, reason: str) -> Payment:
        body = self._request(
            "POST",
            f"/v1/payments/{quote(payment_key, safe='')}/cancel",
            json={"cancelReason": reason},
            idempotency_key=f"cancel-{payment_key}",
        )
        return self._payment(body)

    def payout(
        self, *, payout_id: str, amount: int, bank: str, account_number: str, holder: str
    ) -> PayoutResult:
        try:
            body = self._request(
                "POST",
                "/v1/payouts",
                json={
                    "refPayoutId": payout_id,
                    "amount": amount,
                    "bankCode": bank,
                    "accountNumber": account_number,
                    "holderName": holder,
                },
                idempotency_key=f"payout-{payout_id}",
            )
        except PaymentDeclined as exc:
            return PayoutResult(payout_id, "FAILED", exc.message)
        return PayoutResult(payout_id, str(body.get("status", "")), str(body.get("message", "")))

    def webhook_parse(self, body: dict) -> WebhookHint:
        data = body.get("data") if isinstance(body, dict) else None
        if body.get("eventType") != "PAYMENT_STATUS_CHANGED" or not isinstance(data, dict):
            raise ApplicationError("처리하지 않는 웹훅이에요.", code="webhook_ignored")
        payment_key, order_id = data.get("paymentKey"), data.get("orderId")
        if not isinstance(payment_key, str) or not payment_key or len(payment_key) > 200:
            raise ApplicationError("웹훅에 결제 키가 없어요.", code="webhook_invalid")
        return WebhookHint(payment_key=payment_key, order_id=str(order_id or ""))
