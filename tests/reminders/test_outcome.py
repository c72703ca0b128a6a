"""What the sweep records on a row once the mail server has answered."""

import datetime as dt

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from commitments.models import NextStep, Outcome
from commitments.services import CommitmentSpec, check_record
from reminders.models import EmailPreference, Reminder
from reminders.services import reminder_dispatch_due
from reps.models import User

from .factories import commit, rep_in

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_reminder_sent_after_a_failed_attempt_counts_it_and_clears_the_error(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    nudge = Reminder.objects.get(kind="nudge", rep=rep)
    Reminder.objects.filter(pk=nudge.pk).update(attempts=1, last_error="SMTPDataError: busy")

    clock.move_to(at(2026, 12, 4, 8, 0))
    reminder_dispatch_due()

    nudge.refresh_from_db()
    assert (nudge.status, nudge.attempts, nudge.last_error) == ("sent", 2, "")
    assert nudge.sent_at == at(2026, 12, 4, 8, 0)
    assert nudge.claimed_by  # the claim that sent it stays on the row
    assert nudge.commitment.behaviour in mailoutbox[-1].body


def test_a_skipped_reminder_keeps_its_attempts_and_last_error(clock, mailoutbox):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    nudge = Reminder.objects.get(kind="nudge", rep=rep)
    Reminder.objects.filter(pk=nudge.pk).update(attempts=1, last_error="SMTPDataError: busy")
    EmailPreference.objects.create(user=rep, kind="nudge", mode="off")

    clock.move_to(at(2026, 12, 4, 8, 0))
    reminder_dispatch_due()

    nudge.refresh_from_db()
    assert (nudge.status, nudge.skip_reason) == ("skipped", "stopped by the recipient")
    assert (nudge.attempts, nudge.last_error, nudge.sent_at) == (1, "SMTPDataError: busy", None)
    assert not [m for m in mailoutbox if m.subject.startswith("Before ")]


def test_a_daily_check_records_the_commitment_it_was_actually_about(clock, mailoutbox):
    rep = rep_in("Europe/London", start_date=dt.date(2026, 11, 30), ramp=User.Ramp.ON)
    first = commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(at(2026, 12, 1, 9, 0))
    daily = Reminder.objects.get(key=f"daily:u{rep.pk}:2026-12-01")
    assert daily.commitment_id == first.pk
    # The 1:1 moved up: checked this morning, with a different one thing next.
    _, second = check_record(
        commitment=first,
        by=rep.manager,
        outcome=Outcome.MISSED,
        diagnosis="unsure",
        change_reason="The 1:1 moved up: a smaller step first.",
        next_step=NextStep.NEW,
        next_spec=CommitmentSpec(
            behaviour="Summarise the call out loud before hanging up",
            check_date=dt.date(2026, 12, 9),
        ),
    )

    clock.move_to(at(2026, 12, 1, 16, 0))
    reminder_dispatch_due()

    daily.refresh_from_db()
    assert (daily.status, daily.commitment_id) == ("sent", second.pk)
    # Besides the new one thing's "Deal?" email.
    [email] = [
        m for m in mailoutbox if m.to[0].endswith(f"<{rep.email}>") and "Deal?" not in m.subject
    ]
    assert "out loud" in email.body


class TakenOverMidSend(LocmemBackend):
    """While the server accepts the message, another worker takes the row
    over (its lease ran out): this worker's record must not overwrite it."""

    def send_messages(self, messages):
        Reminder.objects.filter(status="sending").update(claimed_by="the-other-worker")
        return super().send_messages(messages)


def test_a_row_taken_over_mid_send_is_left_to_the_worker_that_holds_it(
    clock, mailoutbox, settings, caplog
):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.TakenOverMidSend"}}

    clock.move_to(at(2026, 12, 4, 8, 0))
    reminder_dispatch_due()

    nudge = Reminder.objects.get(kind="nudge", rep=rep)
    assert (nudge.status, nudge.claimed_by, nudge.attempts) == ("sending", "the-other-worker", 0)
    assert nudge.sent_at is None
    assert "taken over by another worker" in caplog.text
