"""Reminder engine benchmark (not a test): claim throughput, send throughput, duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachloop_bench \\
        .venv/bin/python bench/reminders_bench.py --rows 100000 --sweepers 2 --send 2000

It drops and re-creates the database named in DATABASE_URL (which must end in
``_bench``), then:

1. claim: bulk-inserts ``--rows`` due reminder rows and lets ``--sweepers``
   processes claim them all at once with ``reminder_claim_due`` (the sweep's
   claim step: FOR UPDATE SKIP LOCKED, then the joined fetch of the batch);
   prints claimed rows/s, each process's peak RSS and the duplicate count;
2. send: inserts ``--send`` due nudges for real commitments and runs
   ``reminder_dispatch_due`` in one process against a local SMTP sink
   (aiosmtpd, in its own process); prints messages/s and duplicates.
"""

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachloop.settings")
os.environ.setdefault("PROCESS_NAME", "bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production settings: with DEBUG on, Django keeps every query in memory and
# renders templates in debug mode, which is neither fast nor representative.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SITE_URL", "https://coachloop.example.com")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

MIB = 1024 * 1024
UNUSABLE = "!"  # an unusable password hash: no hashing cost for bench people


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB  # KiB on Linux


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        sys.exit(f"Refusing to drop {name!r}: the bench database's name must end in _bench")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()


# --- the SMTP sink --------------------------------------------------------


def sink_main(port: int, ready, stop, counts) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.ids = []

        async def handle_DATA(self, server, session, envelope):
            for line in envelope.original_content.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    self.ids.append(line.split(b":", 1)[1].strip())
                    break
                if not line:
                    break
            return "250 OK"

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    counts["received"] = len(sink.ids)
    counts["unique"] = len(set(sink.ids))


# --- data -----------------------------------------------------------------


def make_people(n_reps: int, *, managers: int, tag: str):
    from reps.models import Organisation, User

    org = Organisation.objects.create(name="Bench Org")
    bosses = User.objects.bulk_create(
        User(
            email=f"manager{i}@{tag}.bench.example",
            name=f"Manager {i}",
            organisation=org,
            role=User.Role.MANAGER,
            password=UNUSABLE,
        )
        for i in range(managers)
    )
    reps = User.objects.bulk_create(
        (
            User(
                email=f"rep{i}@{tag}.bench.example",
                name=f"Rep {i}",
                organisation=org,
                role=User.Role.REP,
                manager=bosses[i % managers],
                password=UNUSABLE,
                timezone="Europe/London",
                ramp=User.Ramp.OFF,
            )
            for i in range(n_reps)
        ),
        batch_size=2000,
    )
    return bosses, reps


def insert_due_rows(rows: int, managers) -> None:
    """``rows`` due rows. Digests need no commitment, so they are the cheapest to make."""
    import datetime as dt

    from django.utils import timezone

    from reminders.models import Reminder

    due = timezone.now() - dt.timedelta(minutes=5)
    chunk = 5000
    for start in range(0, rows, chunk):
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=Reminder.Kind.DIGEST,
                    key=f"digest:bench:{n}",
                    recipient_id=managers[n % len(managers)].pk,
                    scheduled_at=due,
                    due_at=due,
                )
                for n in range(start, min(start + chunk, rows))
            ]
        )


# --- phase 1: claim -------------------------------------------------------


def sweeper_main(batch_size: int, load: bool, out) -> None:
    from django.db import connection

    from reminders.services import reminder_claim_due, reminder_claim_ids

    claimed = []
    started = time.perf_counter()
    while True:
        if load:
            ids = [r.pk for r in reminder_claim_due(batch_size=batch_size)]
        else:
            ids = reminder_claim_ids(batch_size=batch_size)[1]
        if not ids:
            break
        claimed.extend(ids)
    elapsed = time.perf_counter() - started
    connection.close()
    out.put({"ids": claimed, "elapsed": elapsed, "peak_rss_mib": peak_rss_mib()})


def bench_claim(rows: int, sweepers: int, batch_size: int, *, load: bool) -> None:
    from django.db import connections

    from reminders.models import Reminder

    with connections["default"].cursor() as cursor:
        cursor.execute("TRUNCATE reminders_reminder")
    tag = "load" if load else "claim"
    managers, _ = make_people(0, managers=100, tag=tag)
    started = time.perf_counter()
    insert_due_rows(rows, managers)
    # What autovacuum does after a bulk change; without statistics the planner
    # sorts every due row instead of walking the sweep index.
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE reminders_reminder")
    print(f"inserted {rows:,} due rows in {time.perf_counter() - started:.1f} s")
    connections.close_all()

    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=sweeper_main, args=(batch_size, load, out)) for _ in range(sweepers)
    ]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    reports = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - started

    ids = [pk for report in reports for pk in report["ids"]]
    left = Reminder.objects.filter(status=Reminder.Status.PENDING).count()
    what = "claim + load for sending" if load else "claim (the UPDATE ... RETURNING step)"
    print(
        f"{what}: {len(ids):,} rows by {sweepers} concurrent sweeper process(es), "
        f"batch {batch_size}, in {wall:.2f} s = {len(ids) / wall:,.0f} rows/s"
    )
    for n, report in enumerate(reports, 1):
        print(
            f"  sweeper {n}: {len(report['ids']):,} rows in {report['elapsed']:.2f} s, "
            f"peak RSS {report['peak_rss_mib']:.1f} MiB"
        )
    print(f"  duplicates: {len(ids) - len(set(ids))}, left unclaimed: {left}")


# --- phase 2: send --------------------------------------------------------


def bench_send(count: int, port: int, threads: int) -> None:
    import datetime as dt

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from commitments.models import Commitment
    from reminders.models import Reminder
    from reminders.services import reminder_dispatch_due

    with connection.cursor() as cursor:  # a clean table, as in steady state after vacuum
        cursor.execute("TRUNCATE reminders_reminder")
    _, reps = make_people(count, managers=max(1, count // 8), tag="send")
    today = timezone.localdate()
    commitments = Commitment.objects.bulk_create(
        (
            Commitment(
                rep=rep,
                manager_id=rep.manager_id,
                proposed_by_user_id=rep.manager_id,
                behaviour="10 personalised first-touch emails with the trigger-event opener",
                target_count=10,
                target_unit="emails",
                why="Your goal is three new meetings a week; openers are where you lose them.",
                issued_on=today,
                check_date=today + dt.timedelta(days=7),
            )
            for rep in reps
        ),
        batch_size=2000,
    )
    due = timezone.now() - dt.timedelta(minutes=1)
    Reminder.objects.bulk_create(
        (
            Reminder(
                kind=Reminder.Kind.NUDGE,
                key=f"nudge:c{c.pk}",
                recipient_id=c.rep_id,
                rep_id=c.rep_id,
                commitment=c,
                scheduled_at=due,
                due_at=due,
            )
            for c in commitments
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    manager = ctx.Manager()
    counts = manager.dict()
    sink = ctx.Process(target=sink_main, args=(port, ready, stop, counts))
    sink.start()
    ready.wait(30)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def one_sweep(_):
        try:
            return reminder_dispatch_due(plan=False)
        finally:
            connections.close_all()

    started, cpu_started = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one_sweep, range(threads)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    sent = sum(r.sent for r in results)
    failed = sum(r.failed for r in results)
    stop.set()
    sink.join(30)
    sent_rows = Reminder.objects.filter(status=Reminder.Status.SENT).count()
    print(
        f"send: {sent:,} messages in {elapsed:.2f} s = {sent / elapsed:,.0f} "
        f"messages/s in one process running {threads} sweep(s) side by side (templates, "
        f"durable DB outcome per message, one SMTP connection per batch of 100)"
    )
    print(
        f"  sink received {counts.get('received')}, unique Message-IDs {counts.get('unique')}, "
        f"rows marked sent {sent_rows}, duplicates "
        f"{counts.get('received', 0) - counts.get('unique', 0)}, failed {failed}, "
        f"peak RSS {peak_rss_mib():.1f} MiB"
    )
    print(f"  sender CPU: {cpu / max(sent, 1) * 1000:.1f} ms per message")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sweepers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--send", type=int, default=2000)
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--send-threads", type=int, default=1)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name ends in _bench")
    recreate_database(url)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.rows:
        bench_claim(args.rows, args.sweepers, args.batch, load=False)
        bench_claim(args.rows, args.sweepers, args.batch, load=True)
    if args.send:
        bench_send(args.send, args.smtp_port, args.send_threads)


if __name__ == "__main__":
    main()
