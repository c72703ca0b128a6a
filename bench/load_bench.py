"""Under load: gunicorn as compose runs it, 4 and 20 concurrent signed-in clients.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cl_bench \\
        .venv/bin/python bench/load_bench.py [--reuse-seed] [--seconds 10] [--workers 3]

Creates the database named in DATABASE_URL if it is missing (its name must
contain "bench"), migrates it, collects the static files (as the image does),
seeds the demo large (``seed_demo --reps 200 --weeks 52``; ``--reuse-seed``
skips it), then starts gunicorn as compose does, ``gunicorn coachloop.wsgi
--bind 127.0.0.1:<free port> --access-logfile -``, with the production
settings (DEBUG=false, WEB_CONCURRENCY sync workers, CONN_MAX_AGE=60) and one
addition: ``--control-socket`` in a temporary directory, so that it does not
take over the shared ~/.gunicorn/gunicorn.ctl. The clients are threads of
this process, on the same machine.

For each concurrency, three targets run one after the other on that server:

- ``healthz``: the trivial view (no database, no session), anonymous clients;
- ``team page``: the manager's team page, GET, by signed-in managers;
- ``weekly update``: the weekly-update POST as htmx sends it, by signed-in
  managers, one rep per request: the rep page is read first, outside the
  timed part, for the active commitment and the CSRF token; the POST records
  "kept" and layers a new behaviour, or "missed" and re-issues, with a check
  7 days ahead. Bounded by the reps there are (about 196) or the duration.

Every client signs in through the real login form and finds its pages by
following redirects and links. Prints requests/s, p50/p95 and errors (any
status but the expected one, or a network error); figures, not a pass/fail.
Everything runs on 127.0.0.1; gunicorn is stopped at the end, on Ctrl-C too.
"""

import argparse
import collections
import datetime as dt
import html.parser
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "northwind-demo-2026"  # noqa: S105 - the published demo password (seed_demo)
MANAGERS = ["manager@northwind.example", "manager2@northwind.example"]
BIN = Path(sys.executable).parent


# --- a minimal browser: one connection, a cookie jar, forms -----------------


class Client:
    """A signed-in (or anonymous) browser, sent as the TLS proxy forwards it."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = dict(cookies or {})

    def clone(self) -> "Client":
        """The same session on a connection of its own."""
        return Client(self.port, self.cookies)

    def request(
        self, method: str, path: str, fields: dict | None = None, headers: dict | None = None
    ) -> tuple[int, http.client.HTTPMessage, str]:
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "coachloop-load-bench",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.origin
            sent["Referer"] = self.origin + path
        try:
            self.conn.request(method, path, body, sent)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.headers, data.decode()

    def follow(self, method: str, path: str, fields: dict | None = None) -> tuple[str, str]:
        """Request and follow redirects; the final path and page (which must be a 200)."""
        status, headers, page = self.request(method, path, fields)
        for _ in range(5):
            if status not in (301, 302, 303):
                break
            path = local_path(urljoin(self.origin + path, headers["Location"]))
            status, headers, page = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {status}")
        return path, page


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> value (hidden, text)
    names: set[str] = field(default_factory=set)


class FormParser(html.parser.HTMLParser):
    """The forms on a page, their action and field names; and the rep links."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form(action=attrs.get("action") or "")
            self.forms.append(self._form)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif self._form is not None and tag in ("input", "select", "textarea"):
            name = attrs.get("name")
            if name:
                self._form.names.add(name)
                if tag == "input" and attrs.get("type") not in ("radio", "checkbox"):
                    self._form.fields[name] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(page: str) -> FormParser:
    parser = FormParser()
    parser.feed(page)
    return parser


def sign_in(client: Client, email: str) -> str:
    """Sign in through the login form, as a browser does; returns the page it lands on."""
    login_path, page = client.follow("GET", "/")
    form = next(f for f in parse(page).forms if "password" in f.names)
    fields = {**form.fields, "username": email, "password": PASSWORD}
    landed, _ = client.follow(
        "POST", local_path(urljoin(login_path, form.action or login_path)), fields
    )
    if "sessionid" not in client.cookies:
        raise RuntimeError(f"{email} did not get a session")
    return landed


def team_rep_pages(client: Client, team_path: str) -> list[str]:
    """Every rep page linked from the team page, following its pagination."""
    seen, queue, reps = {team_path}, [team_path], []
    while queue:
        path = queue.pop(0)
        status, _, page = client.request("GET", path)
        assert status == 200, (path, status)
        for row in re.findall(r'<th scope="row"><a href="([^"]+)"', page):
            reps.append(local_path(urljoin(client.origin + path, row)))
        for href in parse(page).links:
            if "page=" in href:
                target = local_path(urljoin(client.origin + team_path, href))
                if target.split("?")[0] == team_path.split("?")[0] and target not in seen:
                    seen.add(target)
                    queue.append(target)
    return list(dict.fromkeys(reps))


# --- the weekly update -------------------------------------------------------

UPDATE_FIELDS = {
    "csrfmiddlewaretoken",
    "commitment_id",
    "outcome",
    "evidence",
    "diagnosis",
    "shared_notes",
    "private_notes",
    "next_step",
    "next-behaviour",
    "next-target_count",
    "next-target_unit",
    "next-target_days",
    "next-why",
    "next-check_date",
}


@dataclass
class Update:
    action: str
    fields: dict[str, str]


def prepare_update(client: Client, rep_path: str, n: int) -> Update | None:
    """Read the rep page (untimed): the active commitment, the token, the date."""
    status, _, page = client.request("GET", rep_path)
    if status != 200:
        raise RuntimeError(f"GET {rep_path}: HTTP {status}")
    form = next((f for f in parse(page).forms if "commitment_id" in f.names), None)
    if form is None:
        return None  # no active commitment (the demo has one such rep)
    missing = UPDATE_FIELDS - form.names
    if missing:
        raise RuntimeError(f"the weekly-update form on {rep_path} lacks {sorted(missing)}")
    zone = re.search(r"\(([A-Z][A-Za-z_]+/[A-Za-z_/+-]+)\)", page)
    if zone:
        today = dt.datetime.now(zoneinfo.ZoneInfo(zone.group(1))).date()
        check = today + dt.timedelta(days=7)
    else:  # 5 to 7 days from the rep's own today, whatever their zone
        check = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=6)
    fields = {
        "csrfmiddlewaretoken": form.fields["csrfmiddlewaretoken"],
        "commitment_id": form.fields["commitment_id"],
        "shared_notes": "Went through two recordings together.",
        "private_notes": "Load benchmark.",
        "next-check_date": check.isoformat(),
    }
    if n % 2 == 0:
        fields |= {
            "outcome": "kept",
            "evidence": "Showed me the sent folder: all of them before 10.",
            "diagnosis": "",
            "next_step": "layer",
            "next-behaviour": "Book the follow-up call before hanging up, every call",
            "next-target_count": "5",
            "next-target_unit": "booked follow-ups",
            "next-target_days": "Monday to Thursday",
            "next-why": "Momentum dies between calls; a booked slot keeps it.",
        }
    else:
        fields |= {
            "outcome": "missed",
            "evidence": "Two of ten, both on Monday.",
            "diagnosis": "system",
            "next_step": "reissue",
        }
    action = local_path(urljoin(client.origin + rep_path, form.action or rep_path))
    return Update(action, fields)


# --- phases -----------------------------------------------------------------


@dataclass
class Result:
    target: str
    concurrency: int
    latencies: list[float]
    errors: collections.Counter
    seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def row(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms) if ms else float("nan")
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))] if ms else float("nan")
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (
            f"{self.target:<16}{self.concurrency:>5}{self.requests:>10}{rate:>9.1f}"
            f"{p50:>9.1f}{p95:>9.1f}{sum(self.errors.values()):>8}"
        )


def run_phase(target: str, concurrency: int, seconds: float, requests, expected) -> Result:
    """``requests[i]()`` gives thread i its next timed call (or None: done)."""
    latencies: list[float] = []
    errors: collections.Counter = collections.Counter()
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    deadline = 0.0

    def loop(i: int) -> None:
        mine, failed = [], collections.Counter()
        start.wait()
        while time.perf_counter() < deadline:
            call = requests[i]()
            if call is None:
                break
            began = time.perf_counter()
            try:
                status = call()
            except (OSError, http.client.HTTPException) as error:
                failed[type(error).__name__] += 1
            else:
                if status not in expected:
                    failed[f"HTTP {status}"] += 1
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)
            errors.update(failed)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    return Result(target, concurrency, latencies, errors, time.perf_counter() - began)


def in_parallel(jobs, width: int) -> list:
    """Run the untimed set-up calls a few at a time."""
    results, lock, queue = {}, threading.Lock(), list(enumerate(jobs))

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                n, job = queue.pop(0)
            results[n] = job()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    if len(results) != len(jobs):
        raise RuntimeError("a set-up request failed (see above)")
    return [results[n] for n in range(len(jobs))]


# --- the server ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, port: int, workers: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "load-bench-only-" + "k" * 48,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),  # compose's default
        "EMAIL_URL": "console:",
        "PROCESS_NAME": "web",
        "WEB_CONCURRENCY": str(workers),
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_database(env: dict, database_url: str, reuse: bool, reps: int, weeks: int) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to seed {name!r}: use a database whose name contains 'bench'")
    admin_url = urlsplit(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    if reuse:
        print("seed: reusing the existing demo organisation", flush=True)
    else:
        out = manage(env, "seed_demo", "--reps", str(reps), "--weeks", str(weeks))
        print(f"seed: {out.splitlines()[0]}", flush=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")  # what autovacuum does after a bulk load


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "coachloop.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        # Not compose's: a control socket of our own, not the shared ~/.gunicorn one.
        "--control-socket",
        str(log.parent / "gunicorn.ctl"),
    ]
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - gunicorn from this venv
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            status, _, _ = Client(port).request("GET", "/healthz/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # the master stops its workers gracefully
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # the group gunicorn leads: only ours
        server.wait()


# --- main ---------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", default="4,20", help="comma-separated (default 4,20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration per phase")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", 3)),
        help="gunicorn workers, WEB_CONCURRENCY (default 3, as compose)",
    )
    parser.add_argument("--reuse-seed", action="store_true", help="skip seed_demo")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL=postgres://…/<name with bench>")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it

    port = free_port()
    env = production_env(database_url, port, args.workers)
    prepare_database(env, database_url, args.reuse_seed, args.reps, args.weeks)
    log = Path(tempfile.mkdtemp(prefix="cl_load_bench_")) / "gunicorn.log"
    server = start_gunicorn(env, port, log)
    try:
        wait_ready(server, port, log)
        results = drive(port, levels, args.seconds)
    finally:
        stop(server)
    report(results, args, log)


def drive(port: int, levels: list[int], seconds: float) -> list[Result]:
    most = max(levels)
    # Signed-in managers, half on each team; sign-ins hash passwords, so a few at a time.
    clients = [Client(port) for _ in range(most)]
    landed = in_parallel(
        [lambda c=c, n=n: sign_in(c, MANAGERS[n % 2]) for n, c in enumerate(clients)], 3
    )
    teams = {n % 2: landed[n] for n in range(min(2, most))}
    print(f"signed in: {most} clients; team pages {sorted(set(teams.values()))}", flush=True)
    rep_pages = {m: team_rep_pages(clients[m].clone(), teams[m]) for m in teams}
    print(f"reps linked from the team pages: {sum(map(len, rep_pages.values()))}", flush=True)

    results = []
    counter = iter(range(10**9))
    for c in levels:
        anonymous = [Client(port) for _ in range(c)]
        requests = [lambda a=a: lambda: a.request("GET", "/healthz/")[0] for a in anonymous]
        results.append(run_phase("healthz", c, seconds, requests, {200}))

        requests = [
            lambda cl=cl, path=landed[n]: lambda: cl.request("GET", path)[0]
            for n, cl in enumerate(clients[:c])
        ]
        results.append(run_phase("team page", c, seconds, requests, {200}))

        # Each client posts for reps of its own team, read beforehand on its own session.
        queues: list[list[Update]] = [[] for _ in range(c)]
        jobs, owners = [], []
        for m, paths in rep_pages.items():
            mine = [n for n in range(c) if n % 2 == m]
            if not mine:
                continue
            for k, path in enumerate(paths):
                owner = mine[k % len(mine)]
                reader = clients[owner].clone()
                jobs.append(lambda r=reader, p=path: prepare_update(r, p, next(counter)))
                owners.append(owner)
        for owner, update in zip(owners, in_parallel(jobs, 3), strict=True):
            if update is not None:
                queues[owner].append(update)

        def post(n: int, queues=queues):
            if not queues[n]:
                return None
            update, client = queues[n].pop(0), clients[n]
            htmx = {"HX-Request": "true", "HX-Target": "loop"}
            return lambda: client.request("POST", update.action, update.fields, htmx)[0]

        requests = [lambda n=n: post(n) for n in range(c)]
        results.append(run_phase("weekly update", c, seconds, requests, {200, 302}))
    return results


def report(results: list[Result], args, log: Path) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print()
    print(
        f"gunicorn coachloop.wsgi, {args.workers} sync workers, DEBUG=false, PostgreSQL; "
        f"{args.reps} reps x {args.weeks} weeks; {args.seconds:g} s per phase; "
        f"code {commit}; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'target':<16}{'conc':>5}{'requests':>10}{'req/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
    )
    for result in results:
        print(result.row())
    for result in results:
        if result.errors:
            print(f"errors, {result.target} x {result.concurrency}: {dict(result.errors)}")
    print(f"gunicorn log: {log}")


if __name__ == "__main__":
    main()
