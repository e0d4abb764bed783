"""One ASGI application for HTTP (Django) and WebSocket (Channels)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from mealbuddy.core.asgi import SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import WebsocketDenier  # noqa: E402
from django.urls import re_path  # noqa: E402

from mealbuddy.chat.routing import websocket_urlpatterns as chat_routes  # noqa: E402
from mealbuddy.core.requestlog import SocketSessionLog  # noqa: E402
from mealbuddy.core.websocket import WebsocketOriginGuard  # noqa: E402
from mealbuddy.notifications.routing import (  # noqa: E402
    websocket_urlpatterns as notification_routes,
)

# Every WebSocket route, gathered here from the apps that own them (``core`` names no app).
# Any other path is refused at the handshake (without this the router raises: a traceback
# per stray or probing client).
websocket_urlpatterns = [
    *chat_routes,
    *notification_routes,
    re_path(r"", WebsocketDenier.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # One log line per socket session, refused handshakes included.
        "websocket": SocketSessionLog(WebsocketOriginGuard(URLRouter(websocket_urlpatterns))),
    }
)
