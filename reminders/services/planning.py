"""Planning: the ledger rows every reminder is sent from.

Planning only ever inserts rows keyed by what they are (``Reminder.key`` is
unique), so any number of planners can run at once. A rep's rows are
re-planned by ``reminder_schedule_for_rep`` inside the transaction of the
write that changed their inputs (see ``commitments.signals``); the calendar's
rows (daily checks, digests) by each beat tick.
"""

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from commitments.models import Commitment, DailyAnswer, RepPulse, week_monday
from reps.models import RAMP_DAYS, User

from .. import timing
from ..models import Reminder

PLAN_CHUNK = 1000


def reminder_schedule_for_rep(*, rep_id: int, now: dt.datetime | None = None) -> bool:
    """Bring the rep's reminders in line with their commitment and settings.

    Inserts the nudge and the prompt for the active commitment (a no-op when
    they exist), re-times them if they have not been tried yet, hands the
    prompt to a new manager, plans the daily checks in ramp mode, and skips
    what is still waiting for a closed commitment. Runs inside the caller's
    transaction (a savepoint of its own when there is one).

    True when it planned an email that is due at once (a new one thing for
    the rep, "Need help" for the manager, "You kept it"): the caller starts
    a sweep rather than wait for the next tick.
    """
    now = now or timezone.now()
    with transaction.atomic():
        Reminder.objects.filter(
            rep_id=rep_id,
            status=Reminder.Status.PENDING,
            kind__in=[
                Reminder.Kind.NUDGE,
                Reminder.Kind.PROMPT,
                Reminder.Kind.NEW,
                Reminder.Kind.HELP,
            ],
        ).exclude(commitment__status=Commitment.Status.ACTIVE).update(
            status=Reminder.Status.SKIPPED, skip_reason="commitment closed"
        )
        rep = User.objects.select_related("manager").filter(pk=rep_id, is_active=True).first()
        if rep is None:
            # A webhook event is a fact that happened: it still goes to the organisation.
            Reminder.objects.filter(rep_id=rep_id, status=Reminder.Status.PENDING).exclude(
                channel=Reminder.Channel.WEBHOOK
            ).update(status=Reminder.Status.SKIPPED, skip_reason="recipient is no longer active")
            return False
        due_now = _plan_recognition(rep, now)
        commitment = Commitment.objects.active().filter(rep_id=rep_id).first()
        if commitment is None:
            return due_now
        # A new manager gets their own prompt; the old one's is withdrawn.
        Reminder.objects.filter(
            commitment=commitment, kind=Reminder.Kind.PROMPT, status=Reminder.Status.PENDING
        ).exclude(recipient_id=rep.manager_id).update(
            status=Reminder.Status.SKIPPED, skip_reason="recipient no longer coaches this rep"
        )
        rows = _commitment_rows(commitment, rep) + _rep_side_rows(commitment, rep, now)
        planned = {
            r.key: r
            for r in Reminder.objects.filter(key__in=[row.key for row in rows]).only(
                "key", "status", "attempts", "scheduled_at"
            )
        }
        Reminder.objects.bulk_create(
            [row for row in rows if row.key not in planned], ignore_conflicts=True
        )
        for row in rows:
            before = planned.get(row.key)
            if (
                before is not None
                and before.status == Reminder.Status.PENDING
                and before.attempts == 0
                and before.scheduled_at != row.scheduled_at
            ):
                # The rep's zone or 1:1 time changed since it was planned.
                # Compare-and-set: a sweep may have claimed it meanwhile.
                Reminder.objects.filter(
                    key=row.key, status=Reminder.Status.PENDING, attempts=0
                ).update(scheduled_at=row.scheduled_at, due_at=row.due_at)
        if _ramp_answers_settle(rep, now):
            return
        _plan_daily_checks([(rep, commitment)], now)
    return due_now or any(row.key not in planned and row.due_at <= now for row in rows)


def _ramp_answers_settle(rep: User, now: dt.datetime) -> bool:
    """Withdraw the daily checks ramp answers made pointless: a day already
    answered, and every one once the behaviour sticks (``DailyAnswer.ends_ramp``,
    the rule book's ``ramp_sticks``). True when ramp is over: plan no more."""
    local_today = rep.local_today(now)
    answers = DailyAnswer.objects.filter(rep=rep).filter(
        Q(ends_ramp=True) | Q(day__gte=local_today - dt.timedelta(days=1))
    )
    ended, answered = False, []
    for answer in answers.only("day", "ends_ramp"):
        ended = ended or answer.ends_ramp
        answered.append(f"daily:u{rep.pk}:{answer.day.isoformat()}")
    pending = Reminder.objects.filter(
        rep=rep, kind=Reminder.Kind.DAILY, status=Reminder.Status.PENDING
    )
    if ended:
        pending.update(
            status=Reminder.Status.SKIPPED, skip_reason="ramp ended: the behaviour sticks"
        )
    elif answered:
        pending.filter(key__in=answered).update(
            status=Reminder.Status.SKIPPED, skip_reason="answered already"
        )
    return ended


def reminder_request_email(
    *, kind: str, recipient: User, by: User | None = None, now: dt.datetime | None = None
) -> Reminder:
    """Record an email someone asked for (an invitation, a password reset),
    due at once, in the caller's transaction: the worker sends it, retries it
    while the mail server is down, and records what happened."""
    now = now or timezone.now()
    return Reminder.objects.create(
        kind=kind,
        key=f"{kind}:u{recipient.pk}:{uuid.uuid4().hex[:16]}",
        recipient=recipient,
        requested_by=by,
        scheduled_at=now,
        due_at=now,
    )


def _commitment_rows(commitment: Commitment, rep: User) -> list[Reminder]:
    rows = []
    nudge = timing.nudge_at(
        issued_on=commitment.issued_on, check_date=commitment.check_date, rep_tz=rep.tzinfo
    )
    if nudge is not None:
        rows.append(
            Reminder(
                kind=Reminder.Kind.NUDGE,
                key=f"nudge:c{commitment.pk}",
                recipient=rep,
                rep=rep,
                commitment=commitment,
                scheduled_at=nudge,
                due_at=nudge,
            )
        )
    if rep.manager is not None:
        one_on_one = timing.one_on_one_at(
            check_date=commitment.check_date, time=rep.one_on_one_time, rep_tz=rep.tzinfo
        )
        prompt = timing.prompt_at(one_on_one=one_on_one, manager_tz=rep.manager.tzinfo)
        rows.append(
            Reminder(
                kind=Reminder.Kind.PROMPT,
                key=f"prompt:c{commitment.pk}:u{rep.manager.pk}",
                recipient=rep.manager,
                rep=rep,
                commitment=commitment,
                scheduled_at=prompt,
                due_at=prompt,
            )
        )
    return rows


def reminder_plan_calendar(*, now: dt.datetime | None = None) -> None:
    """Insert the calendar-driven rows: daily ramp checks and weekly digests.

    Plans today and the next occasion, so a row exists before its moment and
    is recorded as skipped (not silently absent) if everything was down then.
    """
    now = now or timezone.now()
    today = now.date()
    active = Commitment.objects.active().filter(rep=OuterRef("pk"))
    reps = (
        User.objects.reps()
        .filter(is_active=True, organisation__isnull=False)
        .filter(
            Q(ramp=User.Ramp.ON)
            | Q(
                ramp=User.Ramp.AUTO,
                start_date__gt=today - dt.timedelta(days=RAMP_DAYS + 2),
                start_date__lte=today + dt.timedelta(days=3),
            )
        )
        .annotate(
            active_id=Subquery(active.values("pk")[:1]),
            active_created_at=Subquery(active.values("created_at")[:1]),
            active_issued_on=Subquery(active.values("issued_on")[:1]),
            active_check_date=Subquery(active.values("check_date")[:1]),
        )
        .filter(active_id__isnull=False)
        # Ramp ended early: the behaviour stuck (commitments' ``ramp_sticks``).
        .exclude(Exists(DailyAnswer.objects.ramp_ended().filter(rep=OuterRef("pk"))))
        .only("pk", "timezone", "ramp", "start_date")
    )
    _plan_daily_checks(
        (
            (
                rep,
                Commitment(
                    pk=rep.active_id,
                    created_at=rep.active_created_at,
                    issued_on=rep.active_issued_on,
                    check_date=rep.active_check_date,
                ),
            )
            for rep in reps.iterator(chunk_size=PLAN_CHUNK)
        ),
        now,
    )

    managers = (
        User.objects.managers()
        .filter(is_active=True, organisation__isnull=False)
        .filter(Exists(User.objects.reps().filter(manager=OuterRef("pk"), is_active=True)))
        .only("pk", "timezone")
    )
    rows = []
    for manager in managers.iterator(chunk_size=PLAN_CHUNK):
        local_today = now.astimezone(manager.tzinfo).date()
        mondays = [week_monday(local_today) + dt.timedelta(days=7)]
        if local_today.weekday() == 0:
            mondays.append(local_today)
        for monday in mondays:
            at = timing.digest_at(monday, manager.tzinfo)
            rows.append(
                Reminder(
                    kind=Reminder.Kind.DIGEST,
                    key=f"digest:u{manager.pk}:{timing.iso_week(monday)}",
                    recipient_id=manager.pk,
                    scheduled_at=at,
                    due_at=at,
                )
            )
        if len(rows) >= PLAN_CHUNK:
            _insert_missing(rows)
            rows = []
    _insert_missing(rows)


def _plan_daily_checks(pairs: Iterable[tuple[User, Commitment]], now: dt.datetime) -> None:
    """Today's and the next working day's daily check for reps in ramp mode."""
    rows = []
    for rep, commitment in pairs:
        local_today = now.astimezone(rep.tzinfo).date()
        for day in timing.daily_check_days(
            candidates=(local_today, timing.next_working_day(local_today)),
            committed_at=commitment.created_at,
            issued_on=commitment.issued_on,
            check_date=commitment.check_date,
            rep_tz=rep.tzinfo,
        ):
            if not rep.in_ramp(day):
                continue
            at = timing.daily_check_at(day, rep.tzinfo)
            rows.append(
                Reminder(
                    kind=Reminder.Kind.DAILY,
                    key=f"daily:u{rep.pk}:{day.isoformat()}",
                    recipient_id=rep.pk,
                    rep_id=rep.pk,
                    commitment_id=commitment.pk,
                    scheduled_at=at,
                    due_at=at,
                )
            )
        if len(rows) >= PLAN_CHUNK:
            _insert_missing(rows)
            rows = []
    _insert_missing(rows)


def _insert_missing(rows: list[Reminder]) -> None:
    """Insert the rows whose key is new. Reading first keeps the steady state
    (everything already planned) to one SELECT; ``ignore_conflicts`` settles
    a race with another planner."""
    if not rows:
        return
    existing = set(
        Reminder.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True)
    )
    missing = [row for row in rows if row.key not in existing]
    if missing:
        Reminder.objects.bulk_create(missing, ignore_conflicts=True)


# --- the rep's side: "Deal?", "Need help", "You kept it" ----------------------
# Planned only this soon after what they are about: a re-plan later (a new
# time zone, a new manager) never sends an old commitment's "Deal?" or an old
# check's recognition.
REP_SIDE_PLAN_WINDOW = dt.timedelta(days=1)


def _rep_side_rows(commitment: Commitment, rep: User, now: dt.datetime) -> list[Reminder]:
    """The new commitment to accept (to the rep, at once, unless they
    proposed it themself) and each day's "Need help" (to the manager, at the
    moment the rep asked)."""
    rows = []
    since = now - REP_SIDE_PLAN_WINDOW
    if commitment.accepted_at is None and commitment.created_at >= since:
        rows.append(
            Reminder(
                kind=Reminder.Kind.NEW,
                key=f"new:c{commitment.pk}",
                recipient=rep,
                rep=rep,
                commitment=commitment,
                scheduled_at=commitment.created_at,
                due_at=commitment.created_at,
            )
        )
    if rep.manager is not None:
        asked = RepPulse.objects.filter(
            commitment=commitment, answer=RepPulse.Answer.NEED_HELP, at__gte=since
        ).order_by("at")
        for pulse in asked:
            rows.append(
                Reminder(
                    kind=Reminder.Kind.HELP,
                    key=f"help:c{commitment.pk}:{pulse.answered_on.isoformat()}",
                    recipient=rep.manager,
                    rep=rep,
                    commitment=commitment,
                    scheduled_at=pulse.at,
                    due_at=pulse.at,
                )
            )
    # One row per key: the first "Need help" of a day stands for the day.
    return list({row.key: row for row in reversed(rows)}.values())


def _plan_recognition(rep: User, now: dt.datetime) -> bool:
    """ "You kept it" to the rep for a check kept just now; True if planned."""
    kept = Commitment.objects.filter(
        rep=rep, status=Commitment.Status.KEPT, closed_at__gte=now - REP_SIDE_PLAN_WINDOW
    ).only("pk", "closed_at")
    rows = [
        Reminder(
            kind=Reminder.Kind.KEPT,
            key=f"kept:c{c.pk}",
            recipient=rep,
            rep=rep,
            commitment=c,
            scheduled_at=c.closed_at,
            due_at=c.closed_at,
        )
        for c in kept
    ]
    if not rows:
        return False
    existing = set(
        Reminder.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True)
    )
    missing = [r for r in rows if r.key not in existing]
    Reminder.objects.bulk_create(missing, ignore_conflicts=True)
    return any(r.due_at <= now for r in missing)
