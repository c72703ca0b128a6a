"""At most one active commitment per rep: the database is the arbiter.

The PostgreSQL tests run two real transactions at once, each on its own
connection, and hold the first one open until the second is seen waiting on
a lock — so the race is not left to chance.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from commitments.models import Check, CoachingSession, Commitment
from commitments.services import (
    ActiveCommitmentExists,
    AlreadyChecked,
    CommitmentSpec,
    NextStep,
    check_record,
    commitment_create,
)
from tests.factories import CommitmentFactory, RepFactory

NEXT_WEEK = dt.date(2026, 12, 7)
LOCK_WAIT_TIMEOUT = 10


def spec(behaviour: str = "Ask for the next step on every call") -> CommitmentSpec:
    return CommitmentSpec(
        behaviour=behaviour, check_date=NEXT_WEEK, why="Meetings don't slip.", target_count=5
    )


# --- the rule, one request at a time (SQLite and PostgreSQL) ------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_commitment_for_the_same_rep(active):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentFactory(rep=active.rep, behaviour="A second one thing")

    assert Commitment.objects.active().get(rep=active.rep) == active


@pytest.mark.django_db
def test_closed_commitments_do_not_count_against_the_one_active(rep):
    for status in ("kept", "missed", "partly"):
        CommitmentFactory(rep=rep, status=status, issued_on=dt.date(2026, 11, 2))
    CommitmentFactory(rep=rep)

    assert Commitment.objects.filter(rep=rep).count() == 4


@pytest.mark.django_db
def test_each_rep_has_their_own_active_commitment(rep, manager):
    other = RepFactory(organisation=manager.organisation, manager=manager)

    commitment_create(rep=rep, by=manager, spec=spec())
    commitment_create(rep=other, by=manager, spec=spec())

    assert Commitment.objects.active().count() == 2


@pytest.mark.django_db
def test_commitment_create_refuses_a_second_active_one_and_keeps_the_first(active, manager):
    before = Commitment.objects.values().get(pk=active.pk)

    with pytest.raises(ActiveCommitmentExists) as refused:
        commitment_create(rep=active.rep, by=manager, spec=spec("A second one thing"))

    assert refused.value.code == "active_exists"
    assert Commitment.objects.count() == 1
    assert Commitment.objects.values().get(pk=active.pk) == before


@pytest.mark.django_db
def test_a_commitment_proposed_by_the_rep_is_marked_as_self_coaching(rep):
    commitment = commitment_create(rep=rep, by=rep, spec=spec())

    assert commitment.proposed_by == Commitment.ProposedBy.REP
    assert commitment.proposed_by_user == rep
    assert commitment.manager == rep.manager


@pytest.mark.django_db
def test_a_check_whose_next_commitment_fails_saves_nothing(active, manager):
    # A target of zero gets past the service and breaks a database constraint
    # halfway through: after the check was written.
    broken = CommitmentSpec(
        behaviour="Layered",
        check_date=dt.date(2026, 12, 8),
        target_count=0,
        target_days="Monday to Thursday",
    )

    with pytest.raises(IntegrityError):
        check_record(
            commitment=active,
            by=manager,
            outcome="kept",
            next_step=NextStep.LAYER,
            next_spec=broken,
        )

    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
    assert active.closed_at is None
    assert not Check.objects.exists()
    assert not CoachingSession.objects.exists()


@pytest.mark.django_db
def test_checking_an_already_checked_commitment_raises_already_checked(active, manager):
    check_record(commitment=active, by=manager, outcome="kept")

    with pytest.raises(AlreadyChecked):
        check_record(commitment=active, by=manager, outcome="missed", diagnosis="skill")

    assert Check.objects.get().outcome == "kept"


# --- real races on PostgreSQL ------------------------------------------------------


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_waiting_on_a_lock(pid: int) -> None:
    """Poll pg_stat_activity from this (a third) connection until ``pid`` waits on a lock."""
    deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited on a lock within {LOCK_WAIT_TIMEOUT}s")


class Racer(threading.Thread):
    """Runs ``work`` on its own database connection and keeps what it returned or raised."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.result = None
        self.error: BaseException | None = None

    def run(self):
        try:
            self.result = self.work()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()


def race(first_holds, second):
    """``first_holds(until)`` does its write inside a transaction, calls ``until()``
    before committing; ``second()`` starts once the first has written and must
    block on the first's lock. Returns both racers, finished."""
    first_wrote = threading.Event()
    second_waits = threading.Event()
    second_pid: list[int] = []

    def hold():
        first_wrote.set()
        assert second_waits.wait(LOCK_WAIT_TIMEOUT), "the second transaction never blocked"

    def run_second():
        second_pid.append(backend_pid())
        assert first_wrote.wait(LOCK_WAIT_TIMEOUT)
        return second()

    a, b = Racer(lambda: first_holds(hold)), Racer(run_second)
    a.start()
    assert first_wrote.wait(LOCK_WAIT_TIMEOUT), a.error
    b.start()
    while not second_pid and b.is_alive():
        time.sleep(0.01)
    try:
        wait_until_waiting_on_a_lock(second_pid[0])
    finally:
        second_waits.set()
        a.join(LOCK_WAIT_TIMEOUT)
        b.join(LOCK_WAIT_TIMEOUT)
    assert not a.is_alive() and not b.is_alive(), "a racer is stuck"
    return a, b


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_for_one_rep_leave_exactly_one_active_commitment(rep, manager):
    def first(hold):
        with transaction.atomic():
            created = commitment_create(rep=rep, by=manager, spec=spec("From tab A"))
            hold()
        return created

    def second():
        return commitment_create(rep=rep, by=manager, spec=spec("From tab B"))

    a, b = race(first, second)

    assert a.error is None, a.error
    assert isinstance(b.error, ActiveCommitmentExists), b.error
    active = Commitment.objects.active().get(rep=rep)
    assert active.pk == a.result.pk
    assert active.behaviour == "From tab A"
    assert Commitment.objects.filter(rep=rep).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checks_of_one_commitment_let_exactly_one_win(active, manager):
    def checker(outcome, behaviour):
        return lambda: check_record(
            commitment=active,
            by=manager,
            outcome=outcome,
            evidence=f"{behaviour} evidence",
            next_step=NextStep.LAYER,
            next_spec=spec(behaviour),
        )

    def first(hold):
        with transaction.atomic():
            result = checker("kept", "Layer from tab A")()
            hold()
        return result

    a, b = race(first, checker("kept", "Layer from tab B"))

    assert a.error is None, a.error
    assert isinstance(b.error, AlreadyChecked), b.error
    active.refresh_from_db()
    assert active.status == Commitment.Status.KEPT
    assert Check.objects.get().evidence == "Layer from tab A evidence"
    assert CoachingSession.objects.count() == 1
    layered = Commitment.objects.active().get(rep=active.rep)
    assert layered.behaviour == "Layer from tab A"
    assert layered.builds_on == active


# --- the same races through the pages ------------------------------------------------


def wait_until_any_backend_waits_on_a_lock() -> None:
    deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"no request waited on a lock within {LOCK_WAIT_TIMEOUT}s")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_saving_the_same_weekly_update_at_once_save_it_once(active, manager, rep, request):
    """Tab A's request is held inside its transaction (with the row locked) until
    tab B's request is seen waiting for that lock; then A commits and B answers
    "already checked" with the form and its input, and nothing is duplicated."""
    from django.test import Client
    from django.urls import reverse

    from commitments.signals import loop_changed

    released = threading.Event()
    held = threading.Event()

    def hold_the_first_one(sender, **kwargs):
        # Runs inside the check's transaction, with the row locked.
        if not held.is_set():
            held.set()
            assert released.wait(LOCK_WAIT_TIMEOUT)

    loop_changed.connect(hold_the_first_one, weak=False, dispatch_uid="test.hold")
    request.addfinalizer(lambda: loop_changed.disconnect(dispatch_uid="test.hold"))
    url = reverse("commitments:weekly_update", kwargs={"rep_id": rep.pk})

    def post(behaviour):
        client = Client()
        client.force_login(manager)
        return client.post(
            url,
            {
                "commitment_id": active.pk,
                "outcome": "kept",
                "next_step": "layer",
                "next-behaviour": behaviour,
                "next-target_count": "5",
                "next-check_date": "2026-12-07",
            },
            headers={"HX-Request": "true"},
        )

    a = Racer(lambda: post("Layer from tab A"))
    a.start()
    assert held.wait(LOCK_WAIT_TIMEOUT), a.error
    b = Racer(lambda: post("Layer from tab B"))
    b.start()
    try:
        wait_until_any_backend_waits_on_a_lock()
    finally:
        released.set()
        a.join(LOCK_WAIT_TIMEOUT)
        b.join(LOCK_WAIT_TIMEOUT)

    assert a.error is None and b.error is None, (a.error, b.error)
    assert a.result.status_code == 200
    assert b.result.status_code == 422
    assert "already checked" in b.result.text
    assert 'value="Layer from tab B"' in b.result.text
    assert Check.objects.count() == 1
    assert CoachingSession.objects.count() == 1
    assert Commitment.objects.active().get(rep=rep).behaviour == "Layer from tab A"
