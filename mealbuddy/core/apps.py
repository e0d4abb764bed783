from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mealbuddy.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from mealbuddy.core import checks  # noqa: F401 - registers the start-up checks
        from mealbuddy.core.input import IdConverter

        # Every urls.py captures ids as <id:...>: bounded to 64 bits before any query sees them.
        register_converter(IdConverter, "id")

        from mealbuddy.core.websocket import layer_loss_watch_install

        # Sockets are closed (1013) when the Redis channel layer fails, not left mute.
        layer_loss_watch_install()

        from mealbuddy.core.api import drf_messages_install

        # DRF's stock field errors in our own 해요체 words.
        drf_messages_install()
