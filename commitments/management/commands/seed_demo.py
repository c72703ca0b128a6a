"""Create (or re-create) the Northwind Sales demo organisation and print its logins.

The demo is built by ``commitments.demo`` through the loop's services from
the data in ``commitments.demo_data``. Idempotent: the demo organisation (and
anyone with a demo address) is deleted and made again; with the same
``--today`` and ``--seed`` the rows are the same.
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from commitments.demo import demo_create
from commitments.demo_data import MANAGERS, ORG_NAME, PASSWORD, REPS


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today: {value!r} is not a date like 2026-11-30") from None


class Command(BaseCommand):
    help = "Create (or re-create) the Northwind Sales demo organisation and print its logins."

    def add_arguments(self, parser):
        parser.add_argument("--reps", type=int, default=len(REPS), help="how many reps")
        parser.add_argument(
            "--weeks", type=int, default=8, help="weeks of history before this week"
        )
        parser.add_argument("--managers", type=int, default=len(MANAGERS))
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            help="the day the demo stands on, YYYY-MM-DD (default: today in UTC)",
        )

    def handle(self, *args, reps, weeks, managers, seed, today=None, **options):
        if reps < 1 or weeks < 1 or managers < 1:
            raise CommandError("--reps, --weeks and --managers must be at least 1")
        if isinstance(today, str):  # call_command(today="…") skips the parser's type
            today = iso_date(today)
        today = today or timezone.now().astimezone(dt.UTC).date()
        started = time.monotonic()
        # Written in the past: the worker's next tick sends (or skips, as too
        # late) what is due; no sweep is started write by write.
        with override_settings(REMINDERS_SWEEP_ON_REQUEST=False):
            demo = demo_create(today=today, reps=reps, weeks=weeks, managers=managers, seed=seed)
        seconds = time.monotonic() - started

        self.stdout.write(
            f"{ORG_NAME}: {len(demo.reps)} reps, {len(demo.managers)} managers, 1 org admin; "
            f"{demo.commitments} commitments over {weeks} weeks, "
            f"{demo.practice} practice logs ({seconds:.1f}s)."
        )
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        admin, rep = demo.admin, demo.reps[0][0]
        rows = [("org admin", admin.email, admin.name)]
        rows += [("manager", m.email, f"{m.name}, {m.team_size} reps") for m in demo.managers[:2]]
        rows += [("rep", rep.email, rep.name)]
        rows += [
            ("new rep", user.email, f"{user.name}, ramp mode")
            for user, person in demo.reps
            if person.story == "ramp"
        ]
        for role, email, who in rows:
            self.stdout.write(f"  {role:<10} {email:<30} {who}")
