from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "mealbuddy.alerts"
    label = "alerts"
    verbose_name = "모집 알림"
