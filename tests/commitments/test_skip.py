"""Skip this week's 1:1 (holiday, travel): the check and its reminders move to
the next 1:1, and the history shows a skip, never a miss."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.models import Commitment, CommitmentSkip, Rep
from reminders.models import Reminder
from reminders.services.planning import reminder_schedule_for_rep
from reps.models import User
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def next_week(rep):
    """Agreed today (Monday 30 Nov), checked at next week's 1:1 (Tuesday 8 Dec),
    its nudge and prompt planned."""
    commitment = CommitmentFactory(
        rep=rep,
        issued_on=dt.date(2026, 11, 30),
        check_date=dt.date(2026, 12, 8),
        # The rep said "Deal": no "Deal?" email among its reminders.
        accepted_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
    )
    reminder_schedule_for_rep(rep_id=rep.pk)
    return commitment


@pytest.fixture
def skip_url(rep):
    return reverse("commitments:skip_week", kwargs={"rep_id": rep.pk})


def skip_data(commitment: Commitment, reason: str = "holiday") -> dict:
    return {
        "skip-commitment_id": commitment.pk,
        "skip-check_date": commitment.check_date.isoformat(),
        "skip-reason": reason,
    }


def reminder_times(commitment: Commitment) -> dict[str, dt.datetime]:
    return {
        r.kind: r.scheduled_at
        for r in Reminder.objects.filter(commitment=commitment, status=Reminder.Status.PENDING)
    }


def test_skipping_moves_the_check_to_the_next_1_1_and_its_reminders_with_it(
    manager_client, rep, next_week, skip_url, rep_page
):
    # Before: the nudge on Thursday 3 Dec, the manager's prompt on the 1:1's morning.
    assert reminder_times(next_week) == {
        "nudge": dt.datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        "prompt": dt.datetime(2026, 12, 8, 8, 0, tzinfo=UTC),
    }

    response = manager_client.post(skip_url, skip_data(next_week, "travel"))

    assert response.status_code == 302
    assert response.url == rep_page
    next_week.refresh_from_db()
    assert next_week.check_date == dt.date(2026, 12, 15)
    assert next_week.status == Commitment.Status.ACTIVE
    skip = CommitmentSkip.objects.get(commitment=next_week)
    assert (skip.skipped_check_date, skip.new_check_date) == (
        dt.date(2026, 12, 8),
        dt.date(2026, 12, 15),
    )
    assert (skip.reason, skip.by) == ("travel", rep.manager)
    # The same rows, re-timed: the nudge to Monday 7 Dec (40 % of the way, the
    # middle of the ten working days between), the prompt to the new 1:1.
    assert reminder_times(next_week) == {
        "nudge": dt.datetime(2026, 12, 7, 8, 0, tzinfo=UTC),
        "prompt": dt.datetime(2026, 12, 15, 8, 0, tzinfo=UTC),
    }
    assert Reminder.objects.filter(commitment=next_week).count() == 2

    page = manager_client.get(rep_page).text
    assert "Skipped the 1:1 of Tue 8 Dec (travel). The check moves to Tue 15 Dec." in page
    assert "Tue 8 Dec (travel): moved to Tue 15 Dec" in page


def test_a_fortnightly_rep_s_skipped_check_moves_two_weeks(manager_client, rep, skip_url):
    rep.one_on_one_every_weeks = User.Cadence.FORTNIGHTLY
    rep.save(update_fields=["one_on_one_every_weeks"])
    commitment = CommitmentFactory(
        rep=rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 8)
    )

    manager_client.post(skip_url, skip_data(commitment))

    commitment.refresh_from_db()
    assert commitment.check_date == dt.date(2026, 12, 22)


def test_the_htmx_skip_swaps_in_the_loop_with_the_new_date(manager_client, next_week, skip_url):
    response = manager_client.post(skip_url, skip_data(next_week), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Tue 15 Dec" in response.text
    assert "<html" not in response.text


def test_a_double_click_skips_the_1_1_once(manager_client, next_week, skip_url):
    data = skip_data(next_week)

    manager_client.post(skip_url, data)
    second = manager_client.post(skip_url, data)

    assert second.status_code == 302
    next_week.refresh_from_db()
    assert next_week.check_date == dt.date(2026, 12, 15)
    assert CommitmentSkip.objects.filter(commitment=next_week).count() == 1


def test_a_two_week_holiday_is_two_skips(manager, next_week):
    services.commitment_skip_week(commitment=next_week, by=manager, reason="holiday")
    services.commitment_skip_week(commitment=next_week, by=manager, reason="holiday")

    next_week.refresh_from_db()
    assert next_week.check_date == dt.date(2026, 12, 22)
    assert [s.skipped_check_date for s in next_week.skips.all()] == [
        dt.date(2026, 12, 8),
        dt.date(2026, 12, 15),
    ]


def test_a_reason_is_required(manager_client, next_week, skip_url):
    response = manager_client.post(skip_url, {**skip_data(next_week), "skip-reason": ""})

    assert response.status_code == 422
    assert "Say why the 1:1 is skipped." in response.text
    next_week.refresh_from_db()
    assert next_week.check_date == dt.date(2026, 12, 8)


def test_only_an_active_commitment_is_skipped(manager, next_week):
    next_week.status = Commitment.Status.KEPT
    next_week.closed_at = timezone.now()
    next_week.save(update_fields=["status", "closed_at"])

    with pytest.raises(ValidationError, match="already checked"):
        services.commitment_skip_week(commitment=next_week, by=manager, reason="holiday")

    assert not CommitmentSkip.objects.exists()


def test_only_the_reps_own_manager_skips_through_the_service(next_week):
    other = ManagerFactory(organisation=next_week.rep.organisation)

    with pytest.raises(ValidationError, match="own manager"):
        services.commitment_skip_week(commitment=next_week, by=other, reason="holiday")

    assert not CommitmentSkip.objects.exists()


def test_a_check_that_would_move_past_the_limit_is_refused(manager, rep):
    commitment = CommitmentFactory(
        rep=rep, issued_on=dt.date(2026, 11, 30), check_date=dt.date(2027, 1, 19)
    )

    with pytest.raises(ValidationError, match="within 8 weeks"):
        services.commitment_skip_week(commitment=commitment, by=manager, reason="other")

    commitment.refresh_from_db()
    assert commitment.check_date == dt.date(2027, 1, 19)


def test_a_skip_is_in_the_history_and_never_counts_as_a_miss(
    manager_client, clock, manager, rep, rep_page
):
    # One miss last week, then this week's one thing: its 1:1 (Tue 1 Dec) is skipped.
    missed = CommitmentFactory(
        rep=rep,
        issued_on=dt.date(2026, 11, 17),
        check_date=dt.date(2026, 11, 24),
        status=Commitment.Status.MISSED,
    )
    CheckFactory(commitment=missed, outcome="missed", checked_on=dt.date(2026, 11, 24))
    active = CommitmentFactory(
        rep=rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )
    response = manager_client.post(
        reverse("commitments:skip_week", kwargs={"rep_id": rep.pk}), skip_data(active)
    )
    assert response.status_code == 302

    # Thursday 3 Dec: the skipped date is past, but the loop is not overdue.
    clock.move_to("2026-12-03 09:00:00+00:00")
    now = timezone.now()
    [row] = Rep.objects.filter(pk=rep.pk).for_team_page(viewer=manager, now=now)
    assert row.active_commitment.is_overdue is False
    assert row.missed_in_a_row == 1
    assert Commitment.objects.filter(manager=manager).loop_health(now)[manager.pk]["overdue"] == 0

    # Checked at the next 1:1, Tuesday 8 Dec: on time, and the misses in a row end.
    clock.move_to("2026-12-08 10:30:00+00:00")
    services.check_record(commitment=active, by=manager, outcome="kept")
    now = timezone.now()
    [row] = Rep.objects.filter(pk=rep.pk).for_team_page(viewer=manager, now=now)
    assert row.missed_in_a_row == 0
    health = Commitment.objects.filter(manager=manager).loop_health(now)[manager.pk]
    assert (health["checked"], health["on_time"]) == (2, 2)
    assert health["on_time_pct"] == 100

    line = "1:1 of 1 Dec skipped (holiday): check moved to 8 Dec"
    assert line in manager_client.get(rep_page).text
    rep_client = Client()
    rep_client.force_login(rep)
    assert line in rep_client.get(reverse("commitments:my_one_thing")).text
    assert not Commitment.objects.filter(status=Commitment.Status.MISSED, pk=active.pk).exists()


def test_the_rep_sees_the_skip_on_their_one_thing(rep_client, manager, next_week):
    services.commitment_skip_week(commitment=next_week, by=manager, reason="holiday")

    html = rep_client.get(reverse("commitments:my_one_thing")).text

    assert "Tue 8 Dec (holiday): moved to Tue 15 Dec" in html


@pytest.mark.parametrize("who", ["other manager", "org admin", "the rep", "other org admin"])
def test_nobody_but_the_reps_manager_may_skip(client, rep, next_week, skip_url, who):
    person = {
        "other manager": lambda: ManagerFactory(organisation=rep.organisation),
        "org admin": lambda: AdminFactory(organisation=rep.organisation),
        "the rep": lambda: rep,
        "other org admin": lambda: AdminFactory(organisation=OrganisationFactory()),
    }[who]()
    client.force_login(person)

    response = client.post(skip_url, skip_data(next_week))

    assert response.status_code == 404
    next_week.refresh_from_db()
    assert next_week.check_date == dt.date(2026, 12, 8)
    assert not CommitmentSkip.objects.exists()


def test_a_manager_cannot_skip_another_reps_commitment_through_their_own_rep(
    manager_client, manager, rep, skip_url
):
    elsewhere = CommitmentFactory(rep=RepFactory(organisation=manager.organisation))
    CommitmentFactory(rep=rep)

    response = manager_client.post(skip_url, skip_data(elsewhere))

    assert response.status_code == 404
    assert not CommitmentSkip.objects.exists()


def test_the_skip_form_shows_only_to_the_reps_manager(client, manager, rep, next_week, rep_page):
    client.force_login(manager)
    assert "Skip this 1:1" in client.get(rep_page).text

    client.force_login(AdminFactory(organisation=rep.organisation))
    assert "Skip this 1:1" not in client.get(rep_page).text


def test_a_skip_without_a_csrf_token_is_refused(manager, next_week, skip_url, rep_page):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    client.get(rep_page)

    response = client.post(skip_url, skip_data(next_week))

    assert response.status_code == 403
    assert not CommitmentSkip.objects.exists()
