"""Start-up checks: refuse a deployment whose state would break silently.

``manage.py serve`` (what ``make run``/``make serve`` call) runs every system check before
it starts uvicorn, so each problem stops the start with one line saying why.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register("mealbuddy_deploy")
def shared_state_checks(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    workers = getattr(settings, "WORKERS", 1)
    if workers > 1 and not settings.REDIS_URL:
        errors.append(
            Error(
                f"WORKERS={workers} needs REDIS_URL: without Redis each process keeps its own "
                "chat channels, socket tickets, throttles and cache, so users split between "
                "processes stop seeing each other.",
                id="mealbuddy.E001",
            )
        )
    if workers > 1 and settings.SECRET_KEY_GENERATED:
        errors.append(
            Error(
                f"WORKERS={workers} needs an explicit SECRET_KEY: the key generated into "
                ".secret_key belongs to one checkout, and every process and machine must sign "
                "sessions and tokens with the same key.",
                id="mealbuddy.E002",
            )
        )
    # Web Push (issue 9): every machine must sign pushes with the key pair the browsers
    # subscribed with, so a per-checkout generated key cannot serve several processes.
    if workers > 1 and getattr(settings, "VAPID_KEYS_GENERATED", False):
        errors.append(
            Error(
                f"WORKERS={workers} needs explicit VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY: the "
                "key generated into .vapid_key belongs to one checkout, and browsers accept "
                "pushes only from the key pair they subscribed with.",
                id="mealbuddy.E003",
            )
        )
    server = getattr(settings, "SERVER", "uvicorn")
    if server == "gunicorn" and not settings.REDIS_URL:
        errors.append(
            Error(
                "SERVER=gunicorn needs REDIS_URL: gunicorn serves HTTP only and the WebSockets "
                "run in a separate uvicorn, so a chat message posted over HTTP reaches the "
                "sockets only through Redis.",
                id="mealbuddy.E004",
            )
        )
    return errors
