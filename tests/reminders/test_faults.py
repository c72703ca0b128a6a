"""Faults: a mail server that refuses, and two sweeps racing on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connections

from reminders.models import Reminder
from reminders.services import reminder_dispatch_due

from .conftest import free_port, smtp_mailer, smtp_server
from .factories import commit, rep_in

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
