import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from reminders.services import reminder_dispatch_due

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run one reminder sweep now (the same code as the beat task), or one every N seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep sweeping every SECONDS seconds: the embedded default's stand-in for "
            "worker and beat when there is no Redis.",
        )

    def handle(self, *args, every=None, **options):
        if not every:
            self.sweep()
            return
        while True:
            try:
                self.sweep()
            except Exception:  # A database blip must not end the loop; the next tick retries.
                log.exception("Reminder sweep failed")
            time.sleep(every)
            close_old_connections()

    def sweep(self):
        result = reminder_dispatch_due()
        self.stdout.write(
            f"Reminders: sent {result.sent}, skipped {result.skipped}, "
            f"failed {result.failed}, to retry later {result.retrying}"
        )
