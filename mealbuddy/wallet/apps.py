from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "mealbuddy.wallet"
    label = "wallet"
    verbose_name = "지갑 (장부)"
