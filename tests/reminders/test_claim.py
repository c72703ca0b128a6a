"""The claim takes one batch, whatever plan PostgreSQL chooses for it."""

import contextlib
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reminders.models import Reminder
from reminders.services.dispatch import reminder_claim_ids
from tests.factories import ManagerFactory


def due_digests(count: int) -> None:
    """``count`` due rows, bulk-inserted: the claim reads nothing but the row."""
    manager = ManagerFactory()
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            kind=Reminder.Kind.DIGEST,
            key=f"digest:u{manager.pk}:backlog-{n}",
            recipient=manager,
            scheduled_at=now - dt.timedelta(minutes=n),
            due_at=now - dt.timedelta(minutes=n),
        )
        for n in range(count)
    )


def table_statistics() -> float:
    """The planner's row count for the table: -1 until ANALYZE (or VACUUM) runs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'reminders_reminder'")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def nested_loops_only():
    """The plan of a fresh database, also should autovacuum analyse the table
    meanwhile: a nested-loop semi join that re-runs the inner side per row."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_hashjoin; RESET enable_mergejoin")


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_a_fresh_unanalysed_database_one_claim_takes_one_batch_and_four_share_the_backlog():
    due_digests(400)
    assert table_statistics() < 0  # never analysed: the incident's conditions

    with nested_loops_only(), CaptureQueriesContext(connection) as queries:
        claims = [reminder_claim_ids(batch_size=100)[1] for _ in range(5)]
        first_claim = next(q["sql"] for q in queries.captured_queries if "UPDATE" in q["sql"])
        assert "Nested Loop" in plan_of(first_claim)

    assert [len(ids) for ids in claims] == [100, 100, 100, 100, 0]
    everything = [pk for ids in claims for pk in ids]
    assert len(set(everything)) == 400
    assert set(everything) == set(Reminder.objects.values_list("pk", flat=True))
    # Oldest first: the first claim took the hundred rows due longest ago.
    oldest = Reminder.objects.order_by("due_at").values_list("pk", flat=True)[:100]
    assert set(claims[0]) == set(oldest)
    assert Reminder.objects.filter(status="sending").count() == 400
