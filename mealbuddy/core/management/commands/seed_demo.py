"""Demo data for `make run`: every app with a ``demo`` module seeds its part, idempotently."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo accounts and sample group orders (safe to run again)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if not config.name.startswith("mealbuddy."):
                continue
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            with transaction.atomic():
                summary = import_module(module_name).seed()
            if summary:
                self.stdout.write(f"{config.label}: {summary}")
