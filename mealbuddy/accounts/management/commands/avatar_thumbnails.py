"""Make the square avatar copies (thumb, large) that photos uploaded before them lack.

A command, not a data migration: it reads and re-encodes every old photo from the media
storage (a bucket elsewhere in production), so its cost grows with the avatars and a storage
outage during ``migrate`` would block a deploy. Run it once after deploying; again is harmless.
"""

from django.core.management.base import BaseCommand

from mealbuddy.accounts.services import avatar_sizes_backfill


class Command(BaseCommand):
    help = (
        "Make the missing avatar thumbnails (96px and 256px squares) of photos uploaded "
        "before they existed. Safe to run again; unreadable photos are skipped and logged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=200, help="profiles read per query (default 200)"
        )

    def handle(self, *args, **options):
        counts = avatar_sizes_backfill(batch_size=max(1, options["batch_size"]))
        self.stdout.write(
            f"Made thumbnails for {counts['made']} avatars; skipped {counts['skipped']} "
            "unreadable ones (see the log)."
        )
