from django.apps import AppConfig


class SeriesConfig(AppConfig):
    name = "mealbuddy.series"
    label = "series"
    verbose_name = "정기 모집"
