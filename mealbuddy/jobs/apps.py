from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "mealbuddy.jobs"
    label = "jobs"
    verbose_name = "백그라운드 작업"
