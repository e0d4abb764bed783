from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mealbuddy.core"
    label = "core"

    def ready(self) -> None:
        from mealbuddy.core import checks  # noqa: F401 - registers the start-up checks
