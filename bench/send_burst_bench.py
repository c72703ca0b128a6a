"""Send-burst benchmark (not a test): N reminders due in the same minute,
delivered by a real ``celery worker --concurrency 2`` to a real SMTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachloop_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/send_burst_bench.py --reminders 10000 --concurrency 2

It drops and re-creates the database named in DATABASE_URL (which must end in
``_bench``), migrates it and, with production settings (``DEBUG=false``):

1. seeds ``--reminders`` reps, one active commitment each (half of them with
   practice logged), their managers (8 reps each) and one mid-week nudge per
   commitment due a minute ago: real ledger rows the sweep composes from the
   real templates;
2. in-process CPU (``--cpu-rows``, on a copy of the first rows): runs
   ``reminder_dispatch_due`` in this process with the locmem backend, then
   with SMTP to the sink, and prints CPU per message (``--cprofile`` prints
   the top of a profile too);
3. the burst: starts an SMTP server in its own process (``--sink fast``, a
   minimal asyncio SMTP server, or ``--sink aiosmtpd``), then
   ``celery -A coachloop worker --pool prefork --concurrency N -Q <private
   queue>`` with ``EMAIL_URL`` pointing at the sink, sends the beat's
   ``reminders.tasks.tick`` to that queue and again every
   ``REMINDER_SWEEP_SECONDS`` (as beat would) until every row is sent, and
   prints: wall time from the first tick until the last message arrived,
   messages received, duplicates (a Message-ID received twice), rows not
   'sent', the worker's CPU per message (its processes' user + system time
   from /proc) and the sink's, and the load average.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachloop.settings")
os.environ.setdefault("PROCESS_NAME", "bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production settings: cached template loader, no query log.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SITE_URL", "https://coachloop.example.com")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

UNUSABLE = "!"  # an unusable password hash
TICK = os.sysconf("SC_CLK_TCK")


# --- the SMTP server ------------------------------------------------------


class FastSMTP(asyncio.Protocol):
    """Just enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA (dot
    transparency), RSET, NOOP, QUIT. It answers every command as a real
    server does and keeps each message's Message-ID; it does no address
    parsing or policy work, so on a 2-core box it leaves the CPU to the
    sender (aiosmtpd spends several times as much per message: see
    ``--sink aiosmtpd``)."""

    def __init__(self, stats):
        self.stats = stats
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink.bench ESMTP ready\r\n")

    def data_received(self, data):
        self.buffer += data
        while True:
            if self.in_data:
                if self.buffer.startswith(b".\r\n"):
                    end, body = 0, b""
                else:
                    end = self.buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        return
                    body = self.buffer[: end + 2]
                    end += 2
                self.buffer = self.buffer[end + 3 :]
                self.in_data = False
                self.stats.message(body)
                self.transport.write(b"250 2.0.0 OK queued\r\n")
                continue
            line, sep, rest = self.buffer.partition(b"\r\n")
            if not sep:
                return
            self.buffer = rest
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink.bench\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.transport.write(b"250 2.0.0 OK\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 2.0.0 Bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"500 5.5.2 Command not recognised\r\n")


class SinkStats:
    def __init__(self, received, last_at):
        self.received, self.last_at = received, last_at
        self.ids: list[bytes] = []

    def message(self, raw: bytes) -> None:
        head = raw.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                self.ids.append(line[11:].strip())
                break
        else:
            self.ids.append(b"")
        self.last_at.value = time.time()
        self.received.value += 1


def sink_main(kind: str, port: int, ready, stop, received, last_at, out) -> None:
    stats = SinkStats(received, last_at)
    if kind == "aiosmtpd":
        from aiosmtpd.controller import Controller

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                stats.message(envelope.original_content)
                return "250 OK"

        controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        controller.start()
        ready.set()
        stop.wait()
        controller.stop()
    else:

        async def serve():
            loop = asyncio.get_running_loop()
            server = await loop.create_server(lambda: FastSMTP(stats), "127.0.0.1", port)
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.2)
            server.close()

        asyncio.run(serve())
    times = os.times()
    out.put(
        {
            "received": len(stats.ids),
            "unique": len(set(stats.ids)),
            "cpu": times.user + times.system,
        }
    )


@contextlib.contextmanager
def smtp_sink(kind: str):
    ctx = mp.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    received, last_at = ctx.Value("q", 0), ctx.Value("d", 0.0)
    port = free_port()
    proc = ctx.Process(
        target=sink_main, args=(kind, port, ready, stop, received, last_at, out), daemon=True
    )
    proc.start()
    if not ready.wait(30):
        sys.exit("The SMTP sink did not start")
    sink = {"port": port, "received": received, "last_at": last_at, "report": {}}
    try:
        yield sink
    finally:
        stop.set()
        sink["report"].update(out.get(timeout=30))
        proc.join(10)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- database -------------------------------------------------------------


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


def seed(count: int, *, tag: str) -> None:
    """``count`` reps with an active commitment each and its nudge, due a minute ago."""
    from django.utils import timezone

    from commitments.models import Commitment, PracticeLog
    from reminders.models import Reminder
    from reps.models import Organisation, User

    org = Organisation.objects.create(name=f"Bench {tag}")
    managers = User.objects.bulk_create(
        (
            User(
                email=f"manager{i}@{tag}.bench.example",
                name=f"Manager {i}",
                organisation=org,
                role=User.Role.MANAGER,
                password=UNUSABLE,
                timezone="America/New_York",
            )
            for i in range(max(1, count // 8))
        ),
        batch_size=2000,
    )
    reps = User.objects.bulk_create(
        (
            User(
                email=f"rep{i}@{tag}.bench.example",
                name=f"Rep Number {i}",
                organisation=org,
                role=User.Role.REP,
                manager=managers[i % len(managers)],
                password=UNUSABLE,
                timezone="Europe/London",
                ramp=User.Ramp.OFF,
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
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
                issued_on=today - dt.timedelta(days=3),
                check_date=today + dt.timedelta(days=4),
            )
            for rep in reps
        ),
        batch_size=2000,
    )
    PracticeLog.objects.bulk_create(
        (
            PracticeLog(
                commitment=c,
                rep_id=c.rep_id,
                practiced_on=today - dt.timedelta(days=days),
                kind=PracticeLog.Kind.LIVE,
                count=3,
                note="Opened with their funding news",
            )
            for c in commitments[::2]
            for days in (1, 2)
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


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reminders_reminder, commitments_practicelog, commitments_commitment, "
            "reps_user, reps_organisation CASCADE"
        )


def analyze() -> None:
    from django.db import connection

    # What autovacuum does after a bulk change.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- phase: CPU per message in this process -------------------------------


def cpu_in_process(rows: int, sink_kind: str, *, profile: bool) -> dict:
    """CPU per message of ``reminder_dispatch_due`` in this process: locmem, then SMTP."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.core import mail

    from coachloop.settings import mailer_from_url
    from reminders.models import Reminder
    from reminders.services import reminder_dispatch_due

    figures = {}
    for backend in ("locmem", "smtp"):
        empty_tables()
        seed(rows, tag=backend)
        analyze()
        with contextlib.ExitStack() as stack:
            if backend == "locmem":
                settings.MAILERS = {
                    "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
                }
                mail.outbox = []
            else:
                sink = stack.enter_context(smtp_sink(sink_kind))
                # The mailer production builds from EMAIL_URL.
                settings.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{sink['port']}")}
            # Warm up as a running worker is (templates compiled, URL resolver built).
            reminder_dispatch_due(plan=False, batch_size=1, budget_seconds=0.001)
            # CPU time, not wall time: on a shared box the wall clock mostly measures the others.
            profiler = cProfile.Profile(time.process_time) if profile else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            result = reminder_dispatch_due(plan=False)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - started
        sent = Reminder.objects.filter(status=Reminder.Status.SENT).count()
        if backend == "smtp":
            assert sink["report"]["unique"] == sink["report"]["received"] == sent, sink["report"]
        figures[backend] = {
            "sent": result.sent,
            "rows_sent": sent,
            "cpu_ms": cpu / max(result.sent, 1) * 1000,
            "rate": result.sent / wall,
        }
        if profiler:
            print(f"--- profile, {backend}, {result.sent} messages (cumulative, top 40) ---")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    mail.outbox = []
    return figures


# --- phase: the burst through a real worker -------------------------------


def proc_cpu_ticks(pid: int, *, children_reaped: bool = False) -> int:
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime, stime (fields 14, 15), cutime, cstime (16, 17): reaped children.
        ticks = int(fields[11]) + int(fields[12])
        if children_reaped:
            ticks += int(fields[13]) + int(fields[14])
        return ticks
    return 0


def child_pids(pid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    pids.append(int(entry.name))
    return pids


def worker_cpu_seconds(pid: int) -> float:
    ticks = proc_cpu_ticks(pid, children_reaped=True)
    ticks += sum(proc_cpu_ticks(child) for child in child_pids(pid))
    return ticks / TICK


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def burst(count: int, *, concurrency: int, sink_kind: str, timeout: float) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from coachloop.celery import app
    from reminders.models import Reminder

    empty_tables()
    started = time.perf_counter()
    seed(count, tag="burst")
    analyze()
    seconds = time.perf_counter() - started
    print(f"seeded {count:,} reps, commitments and due nudges in {seconds:.1f} s")
    connection.close()

    queue = f"send-bench-{uuid.uuid4().hex}"
    celery = Path(sys.executable).with_name("celery")
    with (
        tempfile.NamedTemporaryFile("w+", prefix="send-bench-worker-", suffix=".log") as log_file,
        smtp_sink(sink_kind) as sink,
    ):
        env = {
            **os.environ,
            "EMAIL_URL": f"smtp://127.0.0.1:{sink['port']}",
            "PROCESS_NAME": "worker",
            "LOG_LEVEL": "INFO",
        }
        command = [
            str(celery), "-A", "coachloop", "worker", "--pool", "prefork",
            "--concurrency", str(concurrency), "-Q", queue, "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        print("worker:", " ".join(command[1:]))
        worker = subprocess.Popen(  # noqa: S603 - celery from this venv
            command, cwd=ROOT, env=env, stdout=log_file, stderr=log_file
        )
        try:
            deadline = time.monotonic() + 60
            while "ready." not in Path(log_file.name).read_text():
                if worker.poll() is not None or time.monotonic() > deadline:
                    sys.exit("The worker did not start:\n" + Path(log_file.name).read_text())
                time.sleep(0.2)
            time.sleep(1)  # let the pool's children finish importing
            load_before = load_average()
            cpu_before = worker_cpu_seconds(worker.pid)
            entry = settings.CELERY_BEAT_SCHEDULE["reminders-tick"]
            t0 = time.time()
            ticks = 0
            next_tick = time.monotonic()
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if time.monotonic() >= next_tick:
                    # What beat sends for the schedule entry, to our own queue.
                    app.send_task(entry["task"], **{**entry.get("options", {}), "queue": queue})
                    ticks += 1
                    next_tick += settings.REMINDER_SWEEP_SECONDS
                if sink["received"].value >= count:
                    break
                time.sleep(0.05)
            last_at = sink["last_at"].value
            # Wait for the last outcome to be recorded, then for stragglers.
            time.sleep(2)
            cpu = worker_cpu_seconds(worker.pid) - cpu_before
            load_after = load_average()
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            with contextlib.suppress(Exception):
                client = app.connection_for_write().channel().client
                for key in client.scan_iter(match=f"*{queue}*"):
                    client.zrem("_kombu.binding_deadlines", key)
                    client.delete(key)
            log_text = Path(log_file.name).read_text()
    report = sink["report"]
    statuses = dict(
        Reminder.objects.filter(kind=Reminder.Kind.NUDGE)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    errors = [line for line in log_text.splitlines() if "ERROR" in line or "Traceback" in line]
    return {
        "wall": (last_at - t0) if report["received"] else float("nan"),
        "received": report["received"],
        "duplicates": report["received"] - report["unique"],
        "not_sent": count - statuses.get(Reminder.Status.SENT, 0),
        "statuses": statuses,
        "worker_cpu_ms": cpu / max(report["unique"], 1) * 1000,
        "sink_cpu_ms": report["cpu"] / max(report["received"], 1) * 1000,
        "ticks": ticks,
        "load": f"{load_before} -> {load_after}",
        "errors": errors[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sink", choices=("fast", "aiosmtpd"), default="fast")
    parser.add_argument("--cpu-rows", type=int, default=2000, help="0 to skip")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name ends in _bench")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"code {commit}{' (uncommitted changes)' if dirty else ''}, load average {load_average()}"
    )

    if args.cpu_rows:
        figures = cpu_in_process(args.cpu_rows, args.sink, profile=args.cprofile)
        print(f"in-process reminder_dispatch_due, {args.cpu_rows:,} nudges, one process:")
        print(f"  {'backend':<30} {'sent':>6} {'CPU ms/msg':>11} {'msg/s':>7}")
        for backend, f in figures.items():
            name = "locmem" if backend == "locmem" else f"SMTP ({args.sink} sink)"
            print(f"  {name:<30} {f['sent']:>6} {f['cpu_ms']:>11.2f} {f['rate']:>7.0f}")
    if args.reminders:
        r = burst(
            args.reminders, concurrency=args.concurrency, sink_kind=args.sink, timeout=args.timeout
        )
        print(
            f"burst: {args.reminders:,} nudges due at once, celery worker --pool prefork "
            f"--concurrency {args.concurrency}, SMTP ({args.sink} sink, own process)"
        )
        rows = [
            ("wall time, first tick -> last message received", f"{r['wall']:.1f} s"),
            ("throughput", f"{r['received'] / r['wall']:.0f} msg/s"),
            ("beat ticks sent", r["ticks"]),
            ("messages received", r["received"]),
            ("duplicates (Message-ID twice)", r["duplicates"]),
            ("rows not 'sent'", f"{r['not_sent']} {r['statuses']}"),
            ("worker CPU per message (all its processes)", f"{r['worker_cpu_ms']:.2f} ms"),
            ("sink CPU per message", f"{r['sink_cpu_ms']:.2f} ms"),
            ("load average (1/5/15 min) before -> after", r["load"]),
        ]
        for name, value in rows:
            print(f"  {name:<45} {value}")
        for line in r["errors"]:
            print("  worker log:", line)


if __name__ == "__main__":
    main()
