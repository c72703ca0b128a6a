"""Page timings at two sizes, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/coachloop_bench \
        .venv/bin/python bench/pages_bench.py [--runs 20]

Seeds the demo organisation small (10 reps x 8 weeks), times every page,
then seeds it large (200 reps x 52 weeks) and times them again. Prints the
median and worst server time per page and its query count: the query count
must not grow with the data, and the times should stay flat.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachloop.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from reps.models import User  # noqa: E402


def pages() -> list[tuple[str, User, str]]:
    admin = User.objects.get(email="admin@northwind.example")
    manager = User.objects.get(email="manager@northwind.example")
    rep = User.objects.get(email="rep@northwind.example")
    return [
        ("team (manager)", manager, "/team/"),
        ("rep page (manager)", manager, f"/reps/{rep.pk}/"),
        ("rep history p.3", manager, f"/reps/{rep.pk}/?page=3"),
        ("my one thing (rep)", rep, "/me/"),
        ("org loop health", admin, "/organisation/"),
        ("team (org admin)", admin, f"/teams/{manager.pk}/"),
    ]


def measure(runs: int) -> dict[str, tuple[float, float, int]]:
    results = {}
    for label, user, path in pages():
        client = Client()
        client.force_login(user)
        client.get(path)  # warm caches and templates
        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        results[label] = (statistics.median(timings), max(timings), len(queries))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    sizes = [(10, 8), (200, 52)]
    columns = {}
    for reps, weeks in sizes:
        call_command("seed_demo", reps=reps, weeks=weeks, stdout=io.StringIO())
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: fresh planner statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        columns[(reps, weeks)] = measure(args.runs)
    print(f"database: {connection.vendor}, {args.runs} runs per page, times in ms (median / worst)")
    header = "".join(f"{f'{r} reps x {w} weeks':>32}" for r, w in sizes)
    print(f"{'page':<22}{header}")
    for label in columns[sizes[0]]:
        cells = ""
        for size in sizes:
            median, worst, queries = columns[size][label]
            cells += f"{f'{median:7.1f} / {worst:6.1f}  {queries:3d} queries':>32}"
        print(f"{label:<22}{cells}")


if __name__ == "__main__":
    main()
