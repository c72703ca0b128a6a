"""Page timings at two sizes, side by side with a trivial view, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cl_bench \\
        .venv/bin/python bench/pages_bench.py [--runs 60]

With the production settings (``DEBUG=false``: cached templates, hashed
static files, secure cookies; the requests are sent as HTTPS, as the TLS
proxy forwards them). The database named in ``DATABASE_URL`` (its name must
contain "bench") is created if missing and migrated, the static files are
collected (hashed file names need the manifest), then for each size the demo
organisation is seeded with ``manage.py seed_demo --reps R --weeks W``, the
tables vacuumed and analysed (what autovacuum does after a bulk load), and every page is
requested ``--runs`` times through Django's test client, the pages taking
turns so that load from elsewhere on the machine hits them alike.

Prints, per page and size, the median and 95th percentile of the time the
server spends on the request, p95 minus the trivial view's p95 (``healthz``:
no database, no session), the median CPU time of this process per request
(Python's share, steadier than wall time on a busy machine; PostgreSQL's work
is not in it) and the query count: the counts must not grow with the data.
Figures, not a pass/fail.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Production settings, before Django reads them.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "coachloop.settings",
        "DEBUG": "false",
        "SECRET_KEY": "pages-bench-only-" + "k" * 48,
        "ALLOWED_HOSTS": "testserver",
        "SITE_URL": "https://testserver",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "console:",
        "LOG_LEVEL": "WARNING",
    }
)
# No page timed here touches the cache (rate limits count POSTs only): an
# address where nothing listens makes sure none starts to unnoticed.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:9/0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reps.models import User  # noqa: E402

SIZES = [(10, 8), (200, 52)]
TRIVIAL = "trivial (healthz)"


def manage(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_database() -> None:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    name = urlsplit(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")
    admin_url = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")


def seed(reps: int, weeks: int) -> str:
    connection.close()  # seed_demo runs in its own process
    out = manage("seed_demo", "--reps", str(reps), "--weeks", str(weeks))
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load and delete: dead rows
        # cleared, fresh planner statistics.
        cursor.execute("VACUUM ANALYZE")
    return out.splitlines()[0] if out else ""


def pages() -> list[tuple[str, User | None, str]]:
    admin = User.objects.get(email="admin@northwind.example")
    manager = User.objects.get(email="manager@northwind.example")
    rep = User.objects.get(email="rep@northwind.example")
    return [
        (TRIVIAL, None, "/healthz/"),
        ("team (manager)", manager, "/team/"),
        ("team (org admin)", admin, f"/teams/{manager.pk}/"),
        ("rep page (manager)", manager, f"/reps/{rep.pk}/"),
        ("my one thing (rep)", rep, "/me/"),
        ("organisation (admin)", admin, "/organisation/"),
        ("rep settings (mgr)", manager, f"/reps/{rep.pk}/settings/"),
        ("invite (manager)", manager, "/invite/"),
        ("invite (org admin)", admin, "/invite/"),
    ]


def p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20, method="inclusive")[18]


def measure(runs: int) -> dict[str, tuple[float, float, int]]:
    targets = []
    for label, user, path in pages():
        client = Client()
        if user is not None:
            client.force_login(user)
        # Warm up (templates, static manifest, connection) and count the queries.
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        assert response.status_code == 200, (path, response.status_code)
        targets.append((label, client, path, len(queries)))
    timings: dict[str, list[float]] = {label: [] for label, *_ in targets}
    cpu: dict[str, list[float]] = {label: [] for label, *_ in targets}
    for _ in range(runs):
        for label, client, path, _count in targets:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, secure=True)
            timings[label].append((time.perf_counter() - start) * 1000)
            cpu[label].append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return {
        label: (
            statistics.median(timings[label]),
            p95(timings[label]),
            statistics.median(cpu[label]),
            count,
        )
        for label, _client, _path, count in targets
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    assert not settings.DEBUG
    prepare_database()
    columns = {}
    for reps, weeks in SIZES:
        print(f"seed {reps} x {weeks}: {seed(reps, weeks)}", file=sys.stderr, flush=True)
        columns[(reps, weeks)] = measure(args.runs)
    load = os.getloadavg()[0]
    print(
        f"database: {connection.vendor}, DEBUG={settings.DEBUG}, {args.runs} runs per page, "
        f"load average {load:.1f}; ms: p50 / p95 (p95 - trivial p95), this process's CPU p50, "
        "queries"
    )
    header = "".join(f"{f'{r} reps x {w} weeks':>42}" for r, w in SIZES)
    print(f"{'page':<22}{header}")
    for label in columns[SIZES[0]]:
        cells = ""
        for size in SIZES:
            median, high, cpu, queries = columns[size][label]
            over = high - columns[size][TRIVIAL][1]
            cell = f"{median:6.1f} / {high:6.1f} ({over:+6.1f}) cpu {cpu:5.1f} {queries:2d} q"
            cells += f"{cell:>42}"
        print(f"{label:<22}{cells}")


if __name__ == "__main__":
    main()
