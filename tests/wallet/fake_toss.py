"""A fake Toss Payments on 127.0.0.1: a real HTTP server in a thread, speaking Toss's formats.

Payments are "authorised in the widget" by the test (``authorise``), then confirmed, read and
cancelled over HTTP as the adapter would with the real service. Outcomes by payment key:
``decline…`` is refused by the card company, ``hang…`` answers after the client gave up,
``boom…`` is Toss's own 500. Payouts to an account number starting ``000`` are refused.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

SECRET_KEY = "test_sk_fake_toss"


class FakeToss:
    def __init__(self) -> None:
        self.payments: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.payouts: dict[str, dict] = {}
        self.hang_seconds = 2.0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeToss:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def authorise(self, payment_key: str, order_id: str, amount: int) -> None:
        """The user paid in the widget: Toss holds an IN_PROGRESS payment until confirmed."""
        with self.lock:
            self.payments[payment_key] = {
                "paymentKey": payment_key,
                "orderId": order_id,
                "totalAmount": amount,
                "balanceAmount": amount,
                "status": "IN_PROGRESS",
                "method": "카드",
                "currency": "KRW",
            }

    def webhook_body(self, payment_key: str) -> dict:
        payment = dict(self.payments[payment_key])
        return {
            "eventType": "PAYMENT_STATUS_CHANGED",
            "createdAt": "2026-12-01T12:00:00.000000",
            "data": payment,
        }

    def count(self, method: str, prefix: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p.startswith(prefix))

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up first (the "hang" payments).
                with contextlib.suppress(BrokenPipeError):
                    self.wfile.write(data)

            def _error(self, status: int, code: str, message: str) -> None:
                self._send(status, {"code": code, "message": message})

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._error(
                        401,
                        "UNAUTHORIZED_KEY",
                        "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.",
                    )
                    return False
                return True

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self):  # noqa: N802 - http.server's name
                fake.requests.append(("GET", self.path, {}))
                if not self._authorised():
                    return
                if self.path.startswith("/v1/payments/"):
                    key = unquote(self.path.removeprefix("/v1/payments/"))
                    payment = fake.payments.get(key)
                    if payment is None:
                        return self._error(
                            404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."
                        )
                    return self._send(200, payment)
                self._error(404, "NOT_FOUND", "없는 경로")

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self._body()
                fake.requests.append(("POST", self.path, body))
                if not self._authorised():
                    return
                if self.path == "/v1/payments/confirm":
                    return self._confirm(body)
                if self.path.startswith("/v1/payments/") and self.path.endswith("/cancel"):
                    key = unquote(self.path.removeprefix("/v1/payments/").removesuffix("/cancel"))
                    with fake.lock:
                        payment = fake.payments.get(key)
                        if payment is None:
                            return self._error(
                                404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."
                            )
                        payment["status"] = "CANCELED"
                        payment["balanceAmount"] = 0
                        return self._send(200, payment)
                if self.path == "/v1/payouts":
                    return self._payout(body)
                self._error(404, "NOT_FOUND", "없는 경로")

            def _confirm(self, body: dict) -> None:
                key = str(body.get("paymentKey", ""))
                if key.startswith("hang"):
                    fake.release.wait(fake.hang_seconds)
                    return self._error(500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "늦은 응답")
                if key.startswith("boom"):
                    return self._error(
                        500,
                        "FAILED_INTERNAL_SYSTEM_PROCESSING",
                        "내부 시스템 처리 작업이 실패했습니다.",
                    )
                with fake.lock:
                    payment = fake.payments.get(key)
                    if payment is None or payment["orderId"] != body.get("orderId"):
                        return self._error(
                            404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."
                        )
                    if payment["totalAmount"] != body.get("amount"):
                        return self._error(400, "INVALID_REQUEST", "결제 금액이 일치하지 않습니다.")
                    if payment["status"] == "DONE":
                        return self._error(
                            400, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다."
                        )
                    if key.startswith("decline"):
                        payment["status"] = "ABORTED"
                        return self._error(
                            403,
                            "REJECT_CARD_PAYMENT",
                            "한도초과 혹은 잔액부족으로 결제에 실패했습니다.",
                        )
                    payment["status"] = "DONE"
                    return self._send(200, payment)

            def _payout(self, body: dict) -> None:
                ref = str(body.get("refPayoutId", ""))
                with fake.lock:
                    if ref in fake.payouts:  # Idempotency-Key: the first answer again
                        return self._send(200, fake.payouts[ref])
                    if str(body.get("accountNumber", "")).startswith("000"):
                        return self._error(400, "INVALID_ACCOUNT", "계좌 정보가 올바르지 않습니다.")
                    fake.payouts[ref] = {
                        "payoutId": f"po_{len(fake.payouts) + 1}",
                        "status": "COMPLETED",
                    }
                    return self._send(200, fake.payouts[ref])

        return Handler
