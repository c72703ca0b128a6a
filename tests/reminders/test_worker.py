"""End to end: beat's task through real Redis to a real worker, out to a real SMTP server."""

import collections
import contextlib
import datetime as dt
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import after_task_publish, task_postrun
from django.conf import settings
from kombu.exceptions import OperationalError

from reminders import tasks
from reminders.models import Reminder
from reminders.tasks import sweep

from .conftest import TEST_BROKER_URL, batches_of, broker, free_port
from .factories import commit, rep_in

UTC = dt.UTC


@contextlib.contextmanager
def counting_finished_sweeps():
    finished = threading.Semaphore(0)

    def count(sender=None, **kwargs):
        if sender is not None and sender.name == "reminders.tasks.sweep":
            finished.release()

    task_postrun.connect(count, weak=False)
    try:
        yield finished
    finally:
        task_postrun.disconnect(count)


def send_the_beat_tick(app, queue):
    """What celery beat sends for the schedule entry in settings (to our own queue)."""
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-tick"]
    app.send_task(entry["task"], **{**entry.get("options", {}), "queue": queue})


def worker(app, queue):
    return start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=[queue]
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task_and_the_emails_arrive(clock, smtp, private_queue):
    reps = [rep_in("Europe/London", name=f"Rep {n}") for n in range(3)]
    for rep in reps:
        commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))

    with (
        broker(TEST_BROKER_URL) as app,
        counting_finished_sweeps() as finished,
        worker(app, private_queue),
    ):
        send_the_beat_tick(app, private_queue)
        send_the_beat_tick(app, private_queue)  # two ticks queued at once: still one email each
        assert finished.acquire(timeout=30)
        assert finished.acquire(timeout=30)

    received = [i for i in smtp.received if i["rcpt_tos"][0].startswith("person")]
    nudges = [i for i in received if i["message"]["Subject"].startswith("Before ")]
    assert sorted(i["rcpt_tos"][0] for i in nudges) == sorted(r.email for r in reps)
    assert len(received) == 3
    for item in nudges:
        message = item["message"]
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "Ask for the next step on every call" in text
        assert "Ask for the next step on every call" in html
        assert "<html" in html
    assert Reminder.objects.filter(kind="nudge", status="sent").count() == 3


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_commitments_still_save_and_reminders_go_out_once_it_is_back(
    clock, smtp, private_queue
):
    rep = rep_in("Europe/London")
    # Let the clock run: the client's connection retries wait for time to pass.
    clock.move_to(dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=True)
    with broker(f"redis://127.0.0.1:{free_port()}/0") as app:
        commitment = commit(rep, check_date=dt.date(2026, 12, 8))  # the web app's write
        with pytest.raises(OperationalError):
            sweep.apply_async(retry=False)  # the broker really is down
        assert app.conf.broker_url != TEST_BROKER_URL
    assert commitment.pk
    assert set(Reminder.objects.filter(rep=rep).values_list("status", flat=True)) == {"pending"}

    clock.move_to(dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC))  # Redis is back on Friday
    with (
        broker(TEST_BROKER_URL) as app,
        counting_finished_sweeps() as finished,
        worker(app, private_queue),
    ):
        send_the_beat_tick(app, private_queue)
        assert finished.acquire(timeout=30)

    [item] = [i for i in smtp.received if i["rcpt_tos"] == [rep.email]]
    assert item["message"]["Subject"].startswith("Before Tuesday")
    assert Reminder.objects.get(rep=rep, kind="nudge").status == "sent"


@contextlib.contextmanager
def counting_published_sweeps():
    published = []

    def count(sender=None, **kwargs):
        if sender == "reminders.tasks.sweep":
            published.append(sender)

    after_task_publish.connect(count, weak=False)
    try:
        yield published
    finally:
        after_task_publish.disconnect(count)


@pytest.mark.parametrize(("sweeps", "expected"), [(2, 2), (5, 3)])
@pytest.mark.django_db(transaction=True)
def test_one_tick_with_a_backlog_fans_out_a_sweep_per_batch_up_to_the_limit_and_sends_all_once(
    clock, smtp, settings, monkeypatch, private_queue, sweeps, expected
):
    for _ in range(10):  # three batches of four
        commit(rep_in("Europe/London"), check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    batches_of(4, monkeypatch)
    settings.REMINDER_SWEEPS = sweeps

    with (
        broker(TEST_BROKER_URL) as app,
        counting_published_sweeps() as published,
        counting_finished_sweeps() as finished,
        worker(app, private_queue),
    ):
        send_the_beat_tick(app, private_queue)
        for _ in range(expected):
            assert finished.acquire(timeout=30)

    assert len(published) == expected  # min(REMINDER_SWEEPS, batches due)
    nudges = Reminder.objects.filter(kind="nudge")
    assert nudges.filter(status="sent").count() == 10
    ids = collections.Counter(
        item["message"]["Message-ID"]
        for item in smtp.received
        if item["rcpt_tos"][0].startswith("person")
    )
    assert len(ids) == 10
    assert set(ids.values()) == {1}


def test_with_redis_down_a_process_stops_asking_it_for_a_minute(clock, caplog, settings):
    """Each write that records an email now starts a sweep (``sweep_soon``);
    with the broker down the client's own retries take seconds, so after one
    failure the process leaves it to the tick for a minute, then asks again."""
    settings.REMINDERS_SWEEP_ON_REQUEST = True
    clock.move_to(dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC), tick=True)
    with broker(f"redis://127.0.0.1:{free_port()}/0"), caplog.at_level("WARNING"):
        tasks.sweep_soon()
        tasks.sweep_soon()  # within the minute: not asked
        failures = [r for r in caplog.records if "Could not start a sweep" in r.message]
        assert len(failures) == 1

        clock.move_to(dt.datetime(2026, 11, 30, 9, 1, 30, tzinfo=UTC), tick=True)
        tasks.sweep_soon()  # a minute on: asked again

        failures = [r for r in caplog.records if "Could not start a sweep" in r.message]
        assert len(failures) == 2
