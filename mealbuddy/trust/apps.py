from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "mealbuddy.trust"
    label = "trust"
    verbose_name = "신뢰 (인증·후기·차단·신고)"
