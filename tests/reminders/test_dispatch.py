"""The sweep: sends what is due exactly once, catches up, skips what is stale."""

import datetime as dt

import pytest
from django.core.management import call_command

from commitments.models import Check, Commitment
from commitments.services import check_record
from reminders.models import EmailPreference, Reminder
from reminders.services import BACKOFF, LEASE, MAX_ATTEMPTS, reminder_dispatch_due
from reps.models import User
from tests.factories import OrganisationFactory, PracticeLogFactory

from .conftest import free_port, smtp_mailer
from .factories import commit, rep_in

UTC = dt.UTC
pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def to(person, outbox) -> list:
    return [m for m in outbox if m.to[0].endswith(f"<{person.email}>")]


def monday_digest_out(outbox) -> None:
    """Now is Monday 09:00 UTC: the manager's 08:00 digest is due. Send it first."""
    reminder_dispatch_due()
    outbox.clear()


def status_of(rep) -> dict[str, tuple[str, str]]:
    return {r.kind: (r.status, r.skip_reason) for r in Reminder.objects.filter(rep=rep)}


def test_it_sends_a_due_reminder_once_however_often_it_sweeps(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))

    monday_digest_out(mailoutbox)
    assert reminder_dispatch_due().sent == 0  # nothing more due on Monday
    clock.move_to(at(2026, 12, 4, 8, 0))  # the nudge's moment
    first = reminder_dispatch_due()
    second = reminder_dispatch_due()

    assert (first.sent, second.sent) == (1, 0)
    assert len(mailoutbox) == 1
    nudge = Reminder.objects.get(kind="nudge")
    assert nudge.status == "sent"
    assert nudge.sent_at == at(2026, 12, 4, 8, 0)
    assert nudge.attempts == 1
    assert mailoutbox[0].to == [f"{rep.name} <{rep.email}>"]


def test_a_reminder_missed_while_everything_was_down_goes_out_late_if_it_still_helps(
    clock, mailoutbox
):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    monday_digest_out(mailoutbox)

    clock.move_to(at(2026, 12, 7, 15, 0))  # down from Friday to Monday afternoon
    reminder_dispatch_due()

    assert len(to(rep, mailoutbox)) == 1
    assert status_of(rep)["nudge"] == ("sent", "")
    assert status_of(rep)["prompt"] == ("pending", "")


def test_a_reminder_whose_check_date_is_gone_is_recorded_as_skipped(clock, mailoutbox):
    rep = rep_in("Europe/London")  # 1:1 Tuesday 10:00
    commit(rep, check_date=dt.date(2026, 12, 8))
    monday_digest_out(mailoutbox)

    clock.move_to(at(2026, 12, 8, 10, 30))  # back only after the 1:1 started
    result = reminder_dispatch_due()

    assert result.sent == 1  # only this week's digest (Mon 7 Dec), still in its week
    assert result.skipped == 2
    assert status_of(rep) == {
        "nudge": ("skipped", "check date reached"),
        "prompt": ("skipped", "check date passed"),
    }
    assert to(rep, mailoutbox) == []


def test_the_prompt_goes_to_the_manager_on_the_morning_of_the_one_on_one(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(at(2026, 12, 4, 8, 0))
    reminder_dispatch_due()

    clock.move_to(at(2026, 12, 8, 8, 0))
    mailoutbox.clear()
    reminder_dispatch_due()
    [prompt] = [m for m in to(rep.manager, mailoutbox) if "one thing go" in m.subject]
    assert prompt.to == [f"{rep.manager.name} <{rep.manager.email}>"]
    assert prompt.subject == f"How did the one thing go? {rep.name}, Tuesday 10:00"


def test_closing_a_commitment_skips_what_was_waiting_for_it(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))

    check_record(commitment=commitment, by=rep.manager, outcome=Check.Outcome.KEPT)

    assert status_of(rep) == {
        "nudge": ("skipped", "commitment closed"),
        "prompt": ("skipped", "commitment closed"),
        # About the closed commitment by nature: "You kept it".
        "kept": ("pending", ""),
    }
    clock.move_to(at(2026, 12, 8, 8, 0))
    reminder_dispatch_due()
    assert to(rep, mailoutbox) == []
    assert not [m for m in mailoutbox if "one thing go" in m.subject]


def test_a_commitment_closed_behind_the_planners_back_is_skipped_at_send_time(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    Commitment.objects.filter(pk=commitment.pk).update(status="missed", closed_at=at(2026, 12, 1))

    clock.move_to(at(2026, 12, 4, 8, 0))
    assert reminder_dispatch_due().skipped == 1
    assert status_of(rep)["nudge"] == ("skipped", "commitment closed")


def test_a_recipient_who_left_the_organisation_gets_nothing(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    rep.organisation = OrganisationFactory()
    rep.save(update_fields=["organisation"])

    clock.move_to(at(2026, 12, 4, 8, 0))
    reminder_dispatch_due()

    assert status_of(rep)["nudge"] == (
        "skipped",
        "recipient is no longer in the commitment's organisation",
    )
    assert to(rep, mailoutbox) == []


def test_a_prompt_is_skipped_when_the_rep_has_a_new_manager(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    rep.manager = User.objects.create_user(
        "new-boss@example.com", name="New Boss", organisation=rep.organisation, role="manager"
    )
    rep.save(update_fields=["manager"])

    clock.move_to(at(2026, 12, 8, 8, 0))
    reminder_dispatch_due()

    assert status_of(rep)["prompt"] == ("skipped", "recipient no longer coaches this rep")


def test_a_new_manager_gets_the_prompt_once_the_schedule_is_refreshed(clock, mailoutbox):
    from reminders.services import reminder_schedule_for_rep

    rep = rep_in("Europe/London")
    old_manager = rep.manager
    commit(rep, check_date=dt.date(2026, 12, 8))
    rep.manager = User.objects.create_user(
        "new-boss@example.com", name="New Boss", organisation=rep.organisation, role="manager"
    )
    rep.save(update_fields=["manager"])
    reminder_schedule_for_rep(rep_id=rep.pk)

    clock.move_to(at(2026, 12, 8, 8, 0))
    reminder_dispatch_due()

    prompts = {r.recipient_id: r for r in Reminder.objects.filter(rep=rep, kind="prompt")}
    assert prompts[old_manager.pk].status == "skipped"
    assert prompts[rep.manager.pk].status == "sent"
    assert [m for m in to(rep.manager, mailoutbox) if "one thing go" in m.subject]


def test_a_stopped_kind_is_recorded_as_skipped_and_a_paused_one_resumes(clock, mailoutbox):
    rep = rep_in("Europe/London")
    EmailPreference.objects.create(user=rep, kind="nudge", mode="off")
    EmailPreference.objects.create(
        user=rep.manager, kind="prompt", mode="paused", paused_until=dt.date(2026, 12, 8)
    )
    commit(rep, check_date=dt.date(2026, 12, 8))

    clock.move_to(at(2026, 12, 4, 8, 0))
    reminder_dispatch_due()
    assert status_of(rep)["nudge"] == ("skipped", "stopped by the recipient")

    clock.move_to(at(2026, 12, 8, 8, 0))  # the pause ends today
    reminder_dispatch_due()
    assert status_of(rep)["prompt"] == ("sent", "")


def test_a_row_left_mid_send_by_a_dead_worker_is_sent_after_its_lease(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    nudge = Reminder.objects.get(kind="nudge")
    # A worker claimed it at 08:00 and was killed before recording anything.
    Reminder.objects.filter(pk=nudge.pk).update(
        status="sending", claimed_at=at(2026, 12, 4, 8, 0), claimed_by="dead-worker"
    )

    clock.move_to(at(2026, 12, 4, 8, 5))
    reminder_dispatch_due()
    assert to(rep, mailoutbox) == []  # still leased

    clock.move_to(at(2026, 12, 4, 8, 0) + LEASE + dt.timedelta(seconds=1))
    reminder_dispatch_due()
    nudge.refresh_from_db()
    assert (nudge.status, nudge.attempts) == ("pending", 1)
    assert "lease expired" in nudge.last_error
    clock.move_to(nudge.due_at)
    reminder_dispatch_due()
    assert len(to(rep, mailoutbox)) == 1


def test_a_ramping_rep_gets_the_daily_check_on_the_day_only(clock, mailoutbox):
    rep = rep_in("Europe/London", start_date=dt.date(2026, 11, 30), ramp=User.Ramp.AUTO)
    commit(rep, check_date=dt.date(2026, 12, 8))
    PracticeLogFactory(commitment=rep.commitments.get(), practiced_on=dt.date(2026, 11, 30))

    clock.move_to(at(2026, 11, 30, 16, 0))
    reminder_dispatch_due()
    [daily] = to(rep, mailoutbox)
    assert "Today’s one thing" in daily.subject
    assert "You logged 1 entry today" in daily.body
    assert "You logged 1 entry today" in daily.alternatives[0].content

    clock.move_to(at(2026, 12, 2, 9, 0))  # down on Tuesday: Tuesday's check is gone
    reminder_dispatch_due()
    tuesday = Reminder.objects.get(key=f"daily:u{rep.pk}:2026-12-01")
    assert (tuesday.status, tuesday.skip_reason) == ("skipped", "day passed")


def test_the_weekly_digest_tells_the_manager_who_is_due_who_has_none_who_missed_twice(
    clock, mailoutbox
):
    from tests.factories import CheckFactory, CommitmentFactory, RepFactory

    due = rep_in("Europe/London")
    manager = due.manager
    commit(due, check_date=dt.date(2026, 12, 1))
    idle = RepFactory(organisation=manager.organisation, manager=manager, name="Idle Ida")
    struggling = RepFactory(organisation=manager.organisation, manager=manager, name="Sam Miss")
    for week in (2, 1):
        CheckFactory(
            commitment=CommitmentFactory(
                rep=struggling,
                status="missed",
                issued_on=dt.date(2026, 11, 30) - dt.timedelta(days=7 * week + 7),
                check_date=dt.date(2026, 11, 30) - dt.timedelta(days=7 * week),
            )
        )
    assert idle.pk

    reminder_dispatch_due()  # 09:00 UTC Monday: the 08:00 London digest is due

    [digest] = [m for m in mailoutbox if m.to[0].endswith(f"<{manager.email}>")]
    assert "1 check due" in digest.subject
    assert due.name in digest.body
    assert "Idle Ida — what's the one thing?" in digest.body
    assert "Sam Miss — diagnose before you re-issue" in digest.body
    html = digest.alternatives[0].content
    assert "Idle Ida</a>" in html


def test_the_rep_page_log_is_one_query_and_touching_it_costs_none(
    django_assert_num_queries, clock, mailoutbox
):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(at(2026, 12, 8, 8, 0))
    reminder_dispatch_due()

    with django_assert_num_queries(1):
        log = list(Reminder.objects.for_rep_page(rep))
    with django_assert_num_queries(0):
        seen = [(r.kind, r.recipient.name, r.commitment.behaviour, r.status) for r in log]
    assert [row[0] for row in seen] == ["prompt", "nudge"]


def test_send_reminders_runs_one_sweep_and_says_what_it_did(clock, mailoutbox, capsys):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(at(2026, 12, 4, 8, 0))

    call_command("send_reminders")

    assert "sent 1, skipped 0, failed 0" in capsys.readouterr().out
    assert len(mailoutbox) == 1


def test_one_reminder_that_cannot_be_built_does_not_hold_up_the_others(
    clock, mailoutbox, monkeypatch
):
    from reminders.services import dispatch

    reps = [rep_in("Europe/London") for _ in range(3)]
    for rep in reps:
        commit(rep, check_date=dt.date(2026, 12, 8))
    monday_digest_out(mailoutbox)
    broken = reps[1]
    real_compose = dispatch.reminder_compose

    def compose(reminder, commitment):
        if reminder.recipient_id == broken.pk:
            raise RuntimeError("template bug")
        return real_compose(reminder, commitment)

    monkeypatch.setattr(dispatch, "reminder_compose", compose)
    clock.move_to(at(2026, 12, 4, 8, 0))
    result = reminder_dispatch_due()

    assert (result.sent, result.retrying) == (2, 1)
    row = Reminder.objects.get(rep=broken, kind="nudge")
    assert (row.status, row.attempts) == ("pending", 1)
    assert "RuntimeError: template bug" in row.last_error


def test_a_manager_without_reps_gets_no_digest(clock, mailoutbox):
    rep = rep_in("Europe/London")
    manager = rep.manager
    reminder_dispatch_due()  # plans next Monday's digest while the team exists
    rep.is_active = False
    rep.save(update_fields=["is_active"])

    clock.move_to(at(2026, 12, 7, 9, 0))
    reminder_dispatch_due()

    digest = Reminder.objects.get(key=f"digest:u{manager.pk}:2026-W50")
    assert (digest.status, digest.skip_reason) == ("skipped", "no reps to report on")


def test_a_long_mail_server_outage_loses_nothing_and_charges_no_attempt(
    clock, settings, mailoutbox
):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    monday_digest_out(mailoutbox)
    locmem = settings.MAILERS
    settings.MAILERS = smtp_mailer(free_port())  # nothing listens there
    down_from = at(2026, 12, 4, 8, 0)

    # Three hours of refused connections, a sweep every ten minutes.
    for minutes in range(0, 180, 10):
        clock.move_to(down_from + dt.timedelta(minutes=minutes))
        reminder_dispatch_due()
    nudge = Reminder.objects.get(kind="nudge")
    assert (nudge.status, nudge.attempts) == ("pending", 0)
    assert "ConnectionRefusedError" in nudge.last_error

    settings.MAILERS = locmem
    clock.move_to(down_from + dt.timedelta(hours=3, minutes=5))
    reminder_dispatch_due()

    nudge.refresh_from_db()
    assert nudge.status == "sent"
    assert len(to(rep, mailoutbox)) == 1


def test_a_refused_recipient_is_retried_with_back_off_then_marked_failed(
    clock, settings, mailoutbox
):
    import contextlib
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    class Refusing(EmailBackend):
        def send_messages(self, messages):
            raise smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"No such user")})

    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    monday_digest_out(mailoutbox)
    clock.move_to(at(2026, 12, 4, 8, 0))
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    globals()["RefusingBackend"] = Refusing
    with contextlib.ExitStack():
        reminder_dispatch_due()
        nudge = Reminder.objects.get(kind="nudge")
        assert (nudge.status, nudge.attempts) == ("pending", 1)
        assert nudge.due_at == at(2026, 12, 4, 8, 0) + BACKOFF[0]
        assert "SMTPRecipientsRefused" in nudge.last_error
        for _attempt in range(2, MAX_ATTEMPTS + 1):
            clock.move_to(Reminder.objects.get(kind="nudge").due_at)
            reminder_dispatch_due()
    nudge.refresh_from_db()
    assert (nudge.status, nudge.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_sweep_out_of_time_hands_the_rest_back(clock, monkeypatch, mailoutbox):
    import itertools

    from reminders.services import dispatch

    reps = [rep_in("Europe/London") for _ in range(3)]
    for rep in reps:
        commit(rep, check_date=dt.date(2026, 12, 8))
    monday_digest_out(mailoutbox)
    clock.move_to(at(2026, 12, 4, 8, 0))
    # The sweep starts, claims and sends the first at t=0; then 400 s pass,
    # far past its budget (half the task's soft time limit).
    ticks = itertools.chain([0, 0, 0], itertools.repeat(400))
    monkeypatch.setattr(dispatch.time, "monotonic", lambda: next(ticks))

    reminder_dispatch_due(plan=False)

    statuses = sorted(Reminder.objects.filter(kind="nudge").values_list("status", flat=True))
    # The first went out inside the budget; the others were handed back, unclaimed.
    assert statuses == ["pending", "pending", "sent"]
    assert not Reminder.objects.filter(status="sending").exists()
