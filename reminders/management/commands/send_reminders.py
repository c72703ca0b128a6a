import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from reminders.services import reminder_dispatch_due


class Command(BaseCommand):
    help = "Run one reminder sweep now (the same code as the beat task), or one every N seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep sweeping every SECONDS seconds (the embedded default's stand-in for beat).",
        )

    def handle(self, *args, every=None, **options):
        while True:
            close_old_connections()
            result = reminder_dispatch_due()
            self.stdout.write(
                f"Reminders: sent {result.sent}, skipped {result.skipped}, "
                f"failed {result.failed}, to retry later {result.retrying}"
            )
            if not every:
                return
            time.sleep(every)
