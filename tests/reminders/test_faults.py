"""Faults: a mail server that refuses or crawls, a sweep stopped mid-batch by its
soft time limit, and two sweeps racing on PostgreSQL."""

import asyncio
import collections
import contextlib
import datetime as dt
import os
import signal
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from billiard.exceptions import SoftTimeLimitExceeded
from billiard.pool import soft_timeout_sighandler
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connections

from reminders.models import Reminder
from reminders.services import LEASE, reminder_dispatch_due

from .conftest import (
    TEST_BROKER_URL,
    Inbox,
    batches_of,
    broker,
    free_port,
    smtp_mailer,
    smtp_server,
)
from .factories import commit, rep_in
from .test_worker import send_the_beat_tick

UTC = dt.UTC


@pytest.mark.django_db
def test_when_smtp_refuses_connections_nothing_is_lost_and_it_goes_out_later(clock, settings):
    reps = [rep_in("Europe/London") for _ in range(4)]
    for rep in reps:
        commit(rep, check_date=dt.date(2026, 12, 8))
    port = free_port()
    settings.MAILERS = smtp_mailer(port)  # nothing listens yet
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))

    down = reminder_dispatch_due()

    # The server, not the messages, failed: all four wait, and none is charged an attempt.
    assert (down.sent, down.failed, down.retrying) == (0, 0, 4)
    nudges = Reminder.objects.filter(kind="nudge")
    assert set(nudges.values_list("status", flat=True)) == {"pending"}
    assert sorted(nudges.values_list("attempts", flat=True)) == [0, 0, 0, 0]

    with smtp_server(port) as (inbox, _):
        clock.move_to(dt.datetime(2026, 12, 4, 8, 2, tzinfo=UTC))  # past the one-minute wait
        up = reminder_dispatch_due()
        inbox.wait_for(4)

    assert up.sent == 4
    assert sorted(i["rcpt_tos"][0] for i in inbox.received) == sorted(r.email for r in reps)
    assert set(nudges.values_list("status", flat=True)) == {"sent"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_never_send_one_reminder_twice(clock):
    reps = [rep_in("Europe/London") for _ in range(60)]
    for rep in reps:
        commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    mail.outbox.clear()
    start = threading.Barrier(3)
    results = []

    def sweeper():
        try:
            start.wait()
            results.append(reminder_dispatch_due(batch_size=5))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == 60
    assert len(set(ids)) == 60
    assert sum(r.sent for r in results) == 60
    assert Reminder.objects.filter(kind="nudge", status="sent").count() == 60


class SlowInbox(Inbox):
    """A mail server that takes ``seconds`` to accept each message, and may
    do something (``on_message(n)``) while the client waits for its answer."""

    def __init__(self, seconds: float, on_message=None):
        super().__init__()
        self.seconds = seconds
        self.on_message = on_message

    async def handle_DATA(self, server, session, envelope):
        if self.on_message:
            self.on_message(len(self.received) + 1)
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)

    def message_ids(self) -> collections.Counter:
        return collections.Counter(message["Message-ID"] for message in self.messages)


@contextlib.contextmanager
def slow_smtp(settings, seconds: float, on_message=None):
    inbox = SlowInbox(seconds, on_message)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.MAILERS = smtp_mailer(controller.port)
        yield inbox
    finally:
        controller.stop()


def nudges_due(count: int, clock) -> None:
    for _ in range(count):
        commit(rep_in("Europe/London"), check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))  # Friday: the nudges are due


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_mail_server_and_a_backlog_under_a_real_soft_time_limit_send_each_reminder_once(
    clock, settings, monkeypatch, private_queue
):
    # The incident, scaled down: 1.5 s a message, batches of 100, a 240 s soft
    # limit became 0.15 s, batches of 4 and 1 s, with 30 reminders waiting:
    # more than one sweep can send inside its limit.
    nudges_due(30, clock)
    batches_of(4, monkeypatch)
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 1  # the sweeps' budget is half of it
    nudges = Reminder.objects.filter(kind="nudge")
    with slow_smtp(settings, 0.15) as inbox:
        with (
            broker(TEST_BROKER_URL) as app,
            # Prefork, as in production: billiard's timer sends the child
            # SIGUSR1 at the soft limit and the task sees SoftTimeLimitExceeded.
            start_worker(
                app,
                pool="prefork",
                concurrency=2,
                soft_time_limit=1,
                time_limit=30,
                perform_ping_check=False,
                loglevel="WARNING",
                queues=[private_queue],
            ),
        ):
            give_up = time.monotonic() + 20
            while nudges.exclude(status="sent").exists() and time.monotonic() < give_up:
                send_the_beat_tick(app, private_queue)  # beat, every half second
                time.sleep(0.5)

        assert not Reminder.objects.filter(status="sending").exists()  # nothing stranded
        # A row left behind would go out again once its lease expired: let it.
        clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC) + LEASE + dt.timedelta(minutes=1))
        reminder_dispatch_due(plan=False)
        clock.shift(dt.timedelta(minutes=5))
        reminder_dispatch_due(plan=False)

    assert nudges.filter(status="sent").count() == 30
    assert sorted(inbox.message_ids().values()) == [1] * 30  # thirty messages, none twice


@contextlib.contextmanager
def celery_soft_time_limit_handler():
    """What a prefork child installs: SIGUSR1 raises SoftTimeLimitExceeded."""
    previous = signal.signal(signal.SIGUSR1, soft_timeout_sighandler)
    try:
        yield
    finally:
        signal.signal(signal.SIGUSR1, previous)


def billiard_soft_time_limit() -> None:
    """What billiard does at the soft limit: SIGUSR1 to the process, which
    (like a prefork child) has more than one thread to deliver it to."""
    os.kill(os.getpid(), signal.SIGUSR1)


@pytest.mark.django_db(transaction=True)
def test_a_soft_time_limit_mid_batch_sends_nothing_twice_and_hands_the_untried_rows_back(
    clock, settings
):
    nudges_due(8, clock)

    def soft_limit_during_the_third(n):
        # The worst moment: the server has the message, the worker awaits its
        # answer and has not recorded it yet.
        if n == 3:
            billiard_soft_time_limit()

    nudges = Reminder.objects.filter(kind="nudge")
    with (
        slow_smtp(settings, 0.05, on_message=soft_limit_during_the_third) as inbox,
        celery_soft_time_limit_handler(),
        pytest.raises(SoftTimeLimitExceeded),
    ):
        reminder_dispatch_due(batch_size=8)

    assert len(inbox.received) == 3
    assert sorted(nudges.values_list("status", flat=True)) == ["pending"] * 5 + ["sent"] * 3
    untried = nudges.filter(status="pending")
    assert set(untried.values_list("claimed_by", "attempts")) == {("", 0)}
    assert not untried.filter(due_at__gt=dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)).exists()

    with slow_smtp(settings, 0) as later:  # the next sweep, at once: no lease to wait out
        assert reminder_dispatch_due().sent == 5

    assert nudges.filter(status="sent").count() == 8
    assert sorted((inbox.message_ids() + later.message_ids()).values()) == [1] * 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_soft_time_limit_while_the_sweep_waits_on_the_database_strands_nothing(clock, settings):
    # Far inside its budget a sweep can still stall: a lock, a slow disk. The
    # limit then lands in a query, not between two messages.
    nudges_due(6, clock)
    locked = threading.Event()

    def stall_the_sweep_then_stop_it():
        locker = connections.create_connection("default")  # another session
        try:
            locker.set_autocommit(False)
            with locker.cursor() as cursor:
                cursor.execute("LOCK TABLE reminders_emailpreference IN ACCESS EXCLUSIVE MODE")
                locked.set()
                while not waiting_on_a_lock(cursor):
                    time.sleep(0.02)
                billiard_soft_time_limit()
                time.sleep(0.1)
                locker.rollback()
        finally:
            locker.close()

    def waiting_on_a_lock(cursor) -> bool:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures inside a transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND query LIKE '%reminders_emailpreference%'"
        )
        return cursor.fetchone()[0] > 0

    nudges = Reminder.objects.filter(kind="nudge")
    stopper = threading.Thread(target=stall_the_sweep_then_stop_it)
    with smtp_server() as (inbox, port), celery_soft_time_limit_handler():
        settings.MAILERS = smtp_mailer(port)
        stopper.start()
        assert locked.wait(timeout=10)
        with pytest.raises(SoftTimeLimitExceeded):
            reminder_dispatch_due(plan=False, batch_size=6)
        stopper.join(timeout=10)

        assert inbox.received == []
        assert set(nudges.values_list("status", "claimed_by", "attempts")) == {("pending", "", 0)}

        assert reminder_dispatch_due(plan=False).sent == 6  # the next sweep, at once
        inbox.wait_for(6)

    assert sorted(collections.Counter(m["Message-ID"] for m in inbox.messages).values()) == [1] * 6
