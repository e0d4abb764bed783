from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mealbuddy.accounts"
    label = "accounts"
