"""Print a new VAPID key pair to put in the environment of every machine."""

from __future__ import annotations

from base64 import urlsafe_b64encode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def _b64url(raw: bytes) -> str:
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


class Command(BaseCommand):
    help = "새 VAPID 키 쌍을 만들어 VAPID_PRIVATE_KEY=/VAPID_PUBLIC_KEY= 줄로 출력해요."

    def handle(self, *args, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(
            f"VAPID_PRIVATE_KEY={_b64url(key.private_numbers().private_value.to_bytes(32, 'big'))}"
        )
        self.stdout.write(f"VAPID_PUBLIC_KEY={_b64url(public)}")
