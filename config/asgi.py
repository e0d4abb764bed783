"""One ASGI application for HTTP (Django) and WebSocket (Channels)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from mealbuddy.core.routing import websocket_urlpatterns  # noqa: E402
from mealbuddy.core.websocket import WebsocketOriginGuard  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketOriginGuard(URLRouter(websocket_urlpatterns)),
    }
)
