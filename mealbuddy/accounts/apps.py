from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mealbuddy.accounts"
    label = "accounts"

    def ready(self) -> None:
        from mealbuddy.accounts import schema  # noqa: F401 - registers the OpenAPI auth scheme
