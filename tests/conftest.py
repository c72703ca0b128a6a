import os

import pytest
import time_machine
from django.core.cache import caches

# Playwright's sync API runs an event loop in the test thread; Django's
# async-safety check would otherwise refuse ORM calls from the live-server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Every test runs at a known moment unless it travels elsewhere itself:
# Monday 2026-11-30, 09:00 UTC.
FROZEN_AT = "2026-11-30 09:00:00+00:00"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every factory user hashes a password; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _broker_not_yet_failed(monkeypatch):
    # ``sweep_soon`` leaves a broker that failed alone for a minute of the
    # clock, which most tests pin: each test starts as a fresh process.
    from reminders import tasks

    monkeypatch.setattr(tasks, "_broker_failed_at", None)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache; django-axes records failed sign-ins
    # in the database, which every test gets fresh.
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _pinned_time(request):
    if request.node.get_closest_marker("browser"):
        # The live server and Chromium run on real time.
        yield None
        return
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clock(_pinned_time):
    """The time machine for this test: ``clock.move_to(...)`` to travel."""
    return _pinned_time


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_sweep_kick(settings):
    # An invitation would start a sweep on the shared broker; tests that want
    # one run it themselves (reminder_dispatch_due) or through a real worker.
    settings.REMINDERS_SWEEP_ON_REQUEST = False
