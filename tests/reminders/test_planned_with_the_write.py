"""Scheduling runs in the same transaction as the write that changes its inputs.

A commitment, a check or a changed 1:1 set-up is saved together with its
re-planned reminders or not at all: if planning fails, the write is rolled
back too; and the reminder rows exist before the transaction commits (not in
an on-commit hook that a crash could skip).
"""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from commitments import services
from commitments.models import Check, CoachingSession, Commitment
from commitments.signals import loop_changed
from reminders import tasks
from reminders.models import Reminder
from reps.models import User
from reps.services import rep_settings_update
from tests.factories import CommitmentFactory, RepFactory

pytestmark = pytest.mark.django_db

NEXT_WEEK = dt.date(2026, 12, 7)


class PlanningFailed(Exception):
    pass


@pytest.fixture
def planning_fails():
    """Reminder planning breaks after it has written (it runs first)."""

    def fail(sender, **kwargs):
        raise PlanningFailed("the reminders could not be planned")

    loop_changed.connect(fail, weak=False, dispatch_uid="tests.planning_fails")
    yield
    loop_changed.disconnect(dispatch_uid="tests.planning_fails")


def spec(check_date=NEXT_WEEK) -> services.CommitmentSpec:
    return services.CommitmentSpec(
        behaviour="Ask for the next step on every call", check_date=check_date
    )


def reminders_of(commitment) -> set[tuple[str, int, str]]:
    return set(
        Reminder.objects.filter(commitment=commitment).values_list("kind", "recipient", "status")
    )


# --- planning fails: nothing is saved ---------------------------------------------


def test_a_commitment_is_not_saved_when_its_reminders_cannot_be_planned(planning_fails):
    rep = RepFactory()

    with pytest.raises(PlanningFailed):
        services.commitment_create(rep=rep, by=rep.manager, spec=spec())

    assert not Commitment.objects.exists()
    assert not Reminder.objects.exists()


def test_a_check_is_not_saved_when_the_reminders_cannot_be_re_planned(planning_fails):
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1))

    with pytest.raises(PlanningFailed):
        services.check_record(
            commitment=active,
            by=active.manager,
            outcome="missed",
            diagnosis="skill",
            private_notes="Walked through Monday morning",
            next_step="reissue",
            next_spec=spec(),
        )

    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
    assert Commitment.objects.count() == 1
    assert not Check.objects.exists()
    assert not CoachingSession.objects.exists()


def test_a_check_with_no_next_one_is_not_saved_when_planning_fails(planning_fails):
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1))

    with pytest.raises(PlanningFailed):
        services.check_record(commitment=active, by=active.manager, outcome="kept")

    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
    assert not Check.objects.exists()


def test_the_weekly_update_page_saves_nothing_when_planning_fails(client, planning_fails):
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1))
    client.force_login(active.manager)
    client.raise_request_exception = False

    response = client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": active.rep_id}),
        {
            "commitment_id": active.pk,
            "outcome": "kept",
            "next_step": "layer",
            "next-behaviour": "Book the next meeting before hanging up",
            "next-check_date": "2026-12-08",
        },
    )

    assert response.status_code == 500
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
    assert (Commitment.objects.count(), Check.objects.count()) == (1, 0)


def test_a_reps_new_time_zone_is_not_saved_when_their_reminders_cannot_be_re_timed(
    planning_fails,
):
    rep = RepFactory(timezone="Europe/London")

    with pytest.raises(PlanningFailed):
        rep_settings_update(rep=rep, changes={"timezone": "Australia/Sydney"})

    assert User.objects.get(pk=rep.pk).timezone == "Europe/London"


def test_a_rep_moved_in_the_admin_stays_put_when_their_reminders_cannot_be_re_planned(
    client, planning_fails
):
    rep = RepFactory()
    first_manager = rep.manager
    active = CommitmentFactory(rep=rep, check_date=NEXT_WEEK)
    new_manager = type(first_manager).objects.create_user(
        "nico@example.com", organisation=rep.organisation, role=User.Role.MANAGER, name="Nico"
    )
    staff = User.objects.create_superuser("support@example.com", "pw-support-123", name="Sup")
    client.force_login(staff)
    client.raise_request_exception = False
    url = reverse("admin:reps_user_change", args=[rep.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None
        and k not in ("password", "groups", "user_permissions", "last_login", "date_joined")
    }
    data.update(
        manager=new_manager.pk,
        start_date="2026-01-05",
        one_on_one_time="10:00",
        last_login_0="",
        last_login_1="",
        date_joined_0="2026-01-01",
        date_joined_1="09:00",
    )

    response = client.post(url, data)

    assert response.status_code == 500
    rep.refresh_from_db()
    active.refresh_from_db()
    assert rep.manager == first_manager
    assert active.manager == first_manager


# --- planning succeeds: the rows exist before the commit --------------------------


def test_the_nudge_and_prompt_exist_before_the_new_commitment_commits(
    django_capture_on_commit_callbacks,
):
    rep = RepFactory()

    with django_capture_on_commit_callbacks(execute=False) as deferred, transaction.atomic():
        commitment = services.commitment_create(rep=rep, by=rep.manager, spec=spec())
        planned = reminders_of(commitment)

    assert planned == {
        ("nudge", rep.pk, "pending"),
        ("prompt", rep.manager_id, "pending"),
        ("new", rep.pk, "pending"),
    }
    # Nothing was left for after the commit but the kick that sends the
    # rep's "Deal?" email at once (the next tick sends it otherwise).
    assert deferred == [tasks.sweep_soon]


def test_a_check_re_plans_the_reminders_before_it_commits(django_capture_on_commit_callbacks):
    rep = RepFactory()
    first = services.commitment_create(rep=rep, by=rep.manager, spec=spec(dt.date(2026, 12, 1)))

    with django_capture_on_commit_callbacks(execute=False) as deferred, transaction.atomic():
        _, following = services.check_record(
            commitment=first,
            by=rep.manager,
            outcome="missed",
            diagnosis="skill",
            next_step="reissue",
            next_spec=spec(),
        )
        old, new = reminders_of(first), reminders_of(following)

    assert {status for _, _, status in old} == {"skipped"}
    assert new == {
        ("nudge", rep.pk, "pending"),
        ("prompt", rep.manager_id, "pending"),
        ("new", rep.pk, "pending"),
    }
    assert deferred == [tasks.sweep_soon]


def test_a_new_time_zone_re_times_the_prompt_before_it_commits(
    django_capture_on_commit_callbacks,
):
    rep = RepFactory(timezone="Europe/London")
    commitment = services.commitment_create(rep=rep, by=rep.manager, spec=spec())
    before = Reminder.objects.get(commitment=commitment, kind="prompt").scheduled_at

    with django_capture_on_commit_callbacks(execute=False) as deferred, transaction.atomic():
        rep_settings_update(rep=rep, changes={"timezone": "Australia/Sydney"})
        after = Reminder.objects.get(commitment=commitment, kind="prompt").scheduled_at

    # Monday's 1:1 at 10:00 in Sydney is 23:00 UTC on Sunday: the London
    # manager's prompt before it moves a day earlier.
    assert before - after == dt.timedelta(days=1)
    assert deferred == []
