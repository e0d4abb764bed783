"""A fake Web Push service on 127.0.0.1 that checks what a real one checks.

Every POST must carry a VAPID ``Authorization: vapid t=<JWT>, k=<public key>`` whose JWT is
ES256-signed by that key, with ``aud`` = this server's origin, ``exp`` in the future (and at
most 24 h ahead) and a ``sub``; and an aes128gcm body that decrypts (``http_ece``) with the
subscription's private key and auth secret, which only the "browser" (the test) knows.
What decrypted is kept per subscription; how the service answers is chosen per subscription:
a status (201, 404, 410, 500…) or ``"hang"`` (no answer until the client gives up).

    with PushService() as service:
        sub = service.subscription()          # endpoint + keys, as PushManager would give
        service.script(sub, [500, "hang", 201])
        ...
        service.received(sub)                 # decrypted JSON payloads, in order
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(value: str) -> bytes:
    return urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class FakeSubscription:
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    token: str

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def as_json(self) -> dict:
        """What ``PushSubscription.toJSON()`` gives in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


@dataclass
class _State:
    subscriptions: dict[str, FakeSubscription] = field(default_factory=dict)
    scripts: dict[str, list] = field(default_factory=dict)
    received: dict[str, list[dict]] = field(default_factory=dict)
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    vapid_public_key: str | None = None
    count: int = 0
    decrypt: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)


class PushService:
    def __init__(self, *, vapid_public_key: str | None = None, decrypt: bool = True) -> None:
        self.state = _State(vapid_public_key=vapid_public_key, decrypt=decrypt)
        self.hang_seconds = 3.0
        state = self.state
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                token = self.path.rsplit("/", 1)[-1]
                sub = state.subscriptions.get(token)
                if sub is None:
                    return self._answer(404)
                with state.lock:
                    script = state.scripts.get(token) or []
                    action = script.pop(0) if script else 201
                    state.arrivals.setdefault(token, []).append(time.time())
                if action == "hang":
                    time.sleep(service.hang_seconds)
                    self.close_connection = True
                    return None
                problem, payload = service._check(self.headers, body, sub)
                if problem:
                    with state.lock:
                        state.rejected.append(problem)
                    return self._answer(400, problem.encode())
                if action in (200, 201, 202):
                    # Only an accepted push counts as received (a 5xx one is lost).
                    with state.lock:
                        state.count += 1
                        if payload is not None:
                            state.received.setdefault(token, []).append(payload)
                return self._answer(int(action))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- what a push service checks ---------------------------------------------------------

    def _check(self, headers, body: bytes, sub: FakeSubscription) -> tuple[str | None, dict | None]:
        """(what is wrong, or None; the decrypted payload)."""
        problem, payload = None, None
        try:
            payload = self._verify(headers, body, sub)
        except ValueError as error:
            problem = str(error)
        return problem, payload

    def _verify(self, headers, body: bytes, sub: FakeSubscription) -> dict | None:
        auth = headers.get("Authorization", "")
        if not auth.startswith("vapid "):
            raise ValueError("no vapid authorization")
        params = dict(
            part.strip().split("=", 1) for part in auth[len("vapid ") :].split(",") if "=" in part
        )
        token, key = params.get("t"), params.get("k")
        if not token or not key:
            raise ValueError("vapid t= or k= missing")
        if self.state.vapid_public_key and key != self.state.vapid_public_key:
            raise ValueError("not the server's vapid key")
        raw = unb64url(key)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        try:
            claims = jwt.decode(
                token,
                public,
                algorithms=["ES256"],
                audience=self.origin,
                options={"require": ["exp", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise ValueError(f"bad vapid token: {error}") from None
        if claims["exp"] > time.time() + 24 * 3600:
            raise ValueError("vapid token lives longer than 24 h")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            raise ValueError("vapid sub is not mailto: or https:")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise ValueError("not aes128gcm")
        if headers.get("TTL") is None:
            raise ValueError("no TTL")
        if not self.state.decrypt:
            return None
        try:
            plain = http_ece.decrypt(
                body, private_key=sub.private_key, auth_secret=sub.auth_secret, version="aes128gcm"
            )
            payload = json.loads(plain)
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            raise ValueError(f"payload does not decrypt: {error!r}") from None
        return payload

    # --- the test's side ----------------------------------------------------------------------

    def subscription(self) -> FakeSubscription:
        token = secrets.token_urlsafe(16)
        sub = FakeSubscription(
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            token=token,
        )
        self.state.subscriptions[token] = sub
        return sub

    def script(self, sub: FakeSubscription, actions: list) -> None:
        with self.state.lock:
            self.state.scripts[sub.token] = list(actions)

    def received(self, sub: FakeSubscription) -> list[dict]:
        with self.state.lock:
            return list(self.state.received.get(sub.token, []))

    def attempts(self, sub: FakeSubscription) -> int:
        with self.state.lock:
            return len(self.state.arrivals.get(sub.token, []))

    @property
    def rejected(self) -> list[str]:
        with self.state.lock:
            return list(self.state.rejected)

    @property
    def delivered(self) -> int:
        with self.state.lock:
            return self.state.count

    def wait_for(self, sub: FakeSubscription, count: int = 1, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(sub)
            if len(got) >= count or self.rejected:
                return got
            time.sleep(0.05)
        return self.received(sub)

    def __enter__(self) -> PushService:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    """``python -m tests.push_service N VAPID_PUBLIC_KEY``: serve in its own process (the
    bench keeps the receiving side off the sender's CPU time). Prints one JSON line with the
    origin and N subscriptions, then answers each "stats" line on stdin with the counts."""
    import sys

    count, vapid_key = int(sys.argv[1]), sys.argv[2]
    with PushService(vapid_public_key=vapid_key) as service:
        subs = [service.subscription().as_json() for _ in range(count)]
        print(json.dumps({"origin": service.origin, "subscriptions": subs}), flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                print(
                    json.dumps(
                        {
                            "delivered": service.delivered,
                            "decrypted": sum(len(v) for v in service.state.received.values()),
                            "rejected": service.rejected[:5],
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
