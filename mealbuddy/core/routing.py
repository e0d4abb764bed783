"""All WebSocket routes, gathered from the apps that own them."""

from mealbuddy.chat.routing import websocket_urlpatterns as chat_routes
from mealbuddy.notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*chat_routes, *notification_routes]
