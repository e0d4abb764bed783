from django.core.management.base import BaseCommand

from mealbuddy.groupbuys.services import groupbuys_close_expired


class Command(BaseCommand):
    help = "Close every recruiting group order whose deadline has passed (run it periodically)."

    def handle(self, *args, **options):
        closed = groupbuys_close_expired()
        self.stdout.write(f"{closed} group orders closed")
