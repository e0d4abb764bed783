from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mealbuddy.core"
    label = "core"

    def ready(self) -> None:
        from mealbuddy.core import checks  # noqa: F401 - registers the start-up checks
        from mealbuddy.core.websocket import layer_loss_watch_install

        # Sockets are closed (1013) when the Redis channel layer fails, not left mute.
        layer_loss_watch_install()
