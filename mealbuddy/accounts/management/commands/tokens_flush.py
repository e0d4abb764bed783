from django.core.management.base import BaseCommand

from mealbuddy.accounts.services import tokens_flush


class Command(BaseCommand):
    help = "Delete expired or used refresh tokens and ended API sessions (run periodically)."

    def handle(self, *args, **options):
        counts = tokens_flush()
        self.stdout.write(
            f"Flushed {counts['tokens']} refresh tokens and {counts['sessions']} sessions."
        )
