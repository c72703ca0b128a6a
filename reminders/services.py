"""Reminder writes: planning the ledger, and the sweep that sends what is due.

The database is the source of truth. Planning only ever inserts rows keyed by
what they are (``Reminder.key`` is unique), so any number of planners can run
at once; the sweep claims due rows in short transactions and records each
outcome straight after the mail server answers, so a crash can repeat at most
the one message that was being sent.
"""

import dataclasses
import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable

from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, PracticeLog
from reps.models import RAMP_DAYS, User

from . import timing
from .emails import absolute, build_reminder_email
from .models import EmailPreference, Reminder

log = logging.getLogger(__name__)

BATCH_SIZE = 100
# A claimed row nobody finished within the lease goes back to the queue. It
# must outlast a batch: the task's hard time limit (300 s) kills a worker
# long before that, and each message has the SMTP timeout.
LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th is final.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=20),
    dt.timedelta(hours=1),
)
# Stop claiming well inside the task's soft time limit; the next tick goes on.
SWEEP_BUDGET_SECONDS = 180
# One batch must finish well inside LEASE (the hard task limit covers the
# worker; this covers `send_reminders`, which has none).
BATCH_BUDGET_SECONDS = LEASE.total_seconds() / 2
# While the mail server is unreachable, every row waits this long per try.
SERVER_DOWN_RETRY = dt.timedelta(minutes=1)
PLAN_CHUNK = 1000

KINDS_FOR_ROLE = {
    User.Role.REP: [Reminder.Kind.NUDGE, Reminder.Kind.DAILY],
    User.Role.MANAGER: [Reminder.Kind.PROMPT, Reminder.Kind.DIGEST],
    User.Role.ADMIN: [],
}

_PERSON = ("name", "email", "timezone", "is_active", "organisation", "role")
CLAIM_FIELDS = [
    *(f.name for f in Reminder._meta.concrete_fields),
    *(f"recipient__{name}" for name in _PERSON),
    *(f"rep__{name}" for name in _PERSON),
    *(f"rep__{name}" for name in ("manager", "one_on_one_time", "ramp", "start_date")),
    "rep__manager__name",
    *(f"commitment__{f.name}" for f in Commitment._meta.concrete_fields),
    "commitment__manager__organisation",
]

# SMTP errors about one message; the connection itself is still good.
MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    ValueError,  # an address the email package rejects
)


@dataclasses.dataclass
class DispatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, skipped {self.skipped}, failed {self.failed}, "
            f"to retry {self.retrying}"
        )


# --- planning -------------------------------------------------------------


def reminder_schedule_for_rep(*, rep_id: int) -> None:
    """Bring the rep's reminders in line with their commitment and settings.

    Called inside the transaction that creates or closes a commitment, and
    meant to be called after a rep's 1:1 day/time, time zone, manager or ramp
    mode changes: inserts the nudge and the prompt for the active commitment
    (a no-op when they exist), re-times them if they have not been tried yet,
    hands the prompt to a new manager, plans today's daily check in ramp mode,
    and skips what is still waiting for a closed commitment.
    """
    with transaction.atomic():
        Reminder.objects.filter(
            rep_id=rep_id,
            status=Reminder.Status.PENDING,
            kind__in=[Reminder.Kind.NUDGE, Reminder.Kind.PROMPT],
        ).exclude(commitment__status=Commitment.Status.ACTIVE).update(
            status=Reminder.Status.SKIPPED, skip_reason="commitment closed"
        )
        rep = User.objects.select_related("manager").filter(pk=rep_id, is_active=True).first()
        if rep is None:
            return
        commitment = Commitment.objects.active().filter(rep_id=rep_id).first()
        if commitment is None:
            return
        # A new manager gets their own prompt; the old one's is withdrawn.
        Reminder.objects.filter(
            commitment=commitment, kind=Reminder.Kind.PROMPT, status=Reminder.Status.PENDING
        ).exclude(recipient_id=rep.manager_id).update(
            status=Reminder.Status.SKIPPED, skip_reason="recipient no longer coaches this rep"
        )
        rows = _commitment_rows(commitment, rep)
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        for row in rows:
            # The rep's zone or 1:1 time may have changed since it was planned.
            Reminder.objects.filter(
                key=row.key, status=Reminder.Status.PENDING, attempts=0
            ).exclude(scheduled_at=row.scheduled_at).update(
                scheduled_at=row.scheduled_at, due_at=row.due_at
            )
        rep.active_commitment_id = commitment.pk
        _plan_daily_checks([rep], timezone.now())


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
    active = Commitment.objects.active().filter(rep=OuterRef("pk")).values("pk")[:1]
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
        .annotate(active_commitment_id=Subquery(active))
        .filter(active_commitment_id__isnull=False)
        .only("pk", "timezone", "ramp", "start_date")
    )
    _plan_daily_checks(reps.iterator(chunk_size=PLAN_CHUNK), now)

    managers = (
        User.objects.managers()
        .filter(is_active=True, organisation__isnull=False)
        .filter(Exists(User.objects.reps().filter(manager=OuterRef("pk"), is_active=True)))
        .only("pk", "timezone")
    )
    rows = []
    for manager in managers.iterator(chunk_size=PLAN_CHUNK):
        local_today = now.astimezone(manager.tzinfo).date()
        mondays = [timing.week_start(local_today) + dt.timedelta(days=7)]
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


def _plan_daily_checks(reps: Iterable[User], now: dt.datetime) -> None:
    rows = []
    for rep in reps:
        local_today = now.astimezone(rep.tzinfo).date()
        next_working = local_today + timing.ONE_DAY
        while not timing.is_working_day(next_working):
            next_working += timing.ONE_DAY
        for day in (local_today, next_working):
            if not timing.is_working_day(day) or not rep.in_ramp(day):
                continue
            at = timing.daily_check_at(day, rep.tzinfo)
            rows.append(
                Reminder(
                    kind=Reminder.Kind.DAILY,
                    key=f"daily:u{rep.pk}:{day.isoformat()}",
                    recipient_id=rep.pk,
                    rep_id=rep.pk,
                    commitment_id=rep.active_commitment_id,
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


# --- the sweep ------------------------------------------------------------


def reminder_dispatch_due(
    *,
    batch_size: int = BATCH_SIZE,
    plan: bool = True,
    budget_seconds: float = SWEEP_BUDGET_SECONDS,
) -> DispatchResult:
    """Send every reminder that is due: the beat task and ``send_reminders``.

    Deliberately *not* one transaction: each claim is a short transaction of
    its own and each outcome is written as soon as the mail server answers,
    so other sweeps keep working beside this one and a crash loses nothing.
    """
    result = DispatchResult()
    if plan:
        reminder_plan_calendar()
    _reclaim_expired_leases(result)
    started = time.monotonic()
    while time.monotonic() - started < budget_seconds:
        batch = reminder_claim_due(batch_size=batch_size)
        if not batch:
            break
        if not _send_batch(batch, result):
            break  # Mail server down, or a slow batch: the next tick goes on.
    if result.sent or result.failed or result.retrying:
        log.info("Reminder sweep: %s", result)
    return result


def _reclaim_expired_leases(result: DispatchResult) -> None:
    now = timezone.now()
    for reminder in Reminder.objects.lease_expired(now - LEASE).only(
        "pk", "attempts", "claimed_by"
    ):
        _retry_or_fail(
            reminder,
            "The worker stopped before recording the outcome (lease expired).",
            result,
        )


CLAIM_SQL = (
    "UPDATE {table} SET status = %s, claimed_at = %s, claimed_by = %s "
    "WHERE id IN (SELECT id FROM {table} WHERE status = %s AND due_at <= %s "
    "ORDER BY due_at LIMIT %s{lock}) AND status = %s RETURNING id"
)


def reminder_claim_due(*, batch_size: int = BATCH_SIZE) -> list[Reminder]:
    """Claim up to ``batch_size`` due rows for this worker and load what sending needs."""
    token, ids = reminder_claim_ids(batch_size=batch_size)
    if not ids:
        return []
    practice = PracticeLog.objects.order_by("-practiced_on", "-created_at")
    return list(
        Reminder.objects.filter(pk__in=ids, claimed_by=token)
        .select_related("recipient", "rep", "rep__manager", "commitment", "commitment__manager")
        # Users are wide rows (password hash, flags): fetch only what a reminder reads.
        .only(*CLAIM_FIELDS)
        .prefetch_related(Prefetch("commitment__practice", queryset=practice))
        .order_by("due_at")
    )


def reminder_claim_ids(*, batch_size: int = BATCH_SIZE) -> tuple[str, list[int]]:
    """Claim up to ``batch_size`` due rows, oldest first: (this claim's token, row ids).

    One statement, one round trip: the inner SELECT picks due rows and, on
    PostgreSQL, ``FOR UPDATE SKIP LOCKED`` hands concurrent sweeps disjoint
    rows without waiting; the outer UPDATE is a compare-and-set on ``status``
    and RETURNING tells this worker exactly which rows are its own. SQLite has
    no row locks; its write transactions are serialised (one writer at a
    time), which makes the same statement just as exclusive.
    """
    token = uuid.uuid4().hex
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    skip_locked = connection.features.has_select_for_update_skip_locked
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    table = ops.quote_name(Reminder._meta.db_table)
    sql = CLAIM_SQL.format(table=table, lock=lock)
    pending, sending = Reminder.Status.PENDING, Reminder.Status.SENDING
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [sending, now, token, pending, now, batch_size, pending])
        return token, [row[0] for row in cursor.fetchall()]


def _send_batch(batch: list[Reminder], result: DispatchResult) -> bool:
    """Send a claimed batch over one SMTP connection.

    False when this sweep should stop and leave the rest to the next tick: the
    mail server is down, or the batch ran so long its lease is at risk.
    """
    preferences = {
        (pref.user_id, pref.kind): pref
        for pref in EmailPreference.objects.filter(user_id__in={r.recipient_id for r in batch})
    }
    mailer = mailers.default
    connected = False
    started = time.monotonic()
    try:
        for position, reminder in enumerate(batch):
            if time.monotonic() - started > BATCH_BUDGET_SECONDS:
                # Stay well inside the lease: past it another sweep may take
                # these rows back, and a row must never be sent by two workers.
                _release(batch[position:])
                return False
            try:
                reason = _stale_reason(reminder, preferences)
                message = None if reason else _compose(reminder)
            except Exception as exc:  # A template or data bug must not stall the queue.
                log.exception("Could not build reminder %s", reminder.key)
                _retry_or_fail(reminder, exc, result)
                continue
            if reason:
                _finish(reminder, Reminder.Status.SKIPPED, skip_reason=reason)
                result.skipped += 1
                continue
            try:
                if not connected:
                    mailer.open()
                    connected = True
                mailer.send_messages([message])
            except MESSAGE_ERRORS as exc:
                _retry_or_fail(reminder, exc, result)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # The server, not this message, is the problem: charge no
                # attempt, so an outage of any length loses nothing. Whether it
                # still makes sense to send is _stale_reason's call on a later tick.
                log.warning("Mail server unavailable, will retry: %s", exc)
                _postpone(batch[position:], exc, result)
                return False
            # Recorded straight away: a crash from here on repeats only this message.
            _finish(reminder, Reminder.Status.SENT)
            result.sent += 1
    finally:
        if connected:
            try:
                mailer.close()
            except (OSError, smtplib.SMTPException):
                log.warning("Could not close the SMTP connection cleanly", exc_info=True)
    return True


def _finish(reminder: Reminder, status: str, *, skip_reason: str = "") -> None:
    now = timezone.now()
    fields = {"status": status, "skip_reason": skip_reason}
    if status == Reminder.Status.SENT:
        fields.update(sent_at=now, attempts=reminder.attempts + 1, last_error="")
    if reminder.kind == Reminder.Kind.DAILY and reminder.commitment_id:
        fields["commitment_id"] = reminder.commitment_id
    updated = Reminder.objects.filter(
        pk=reminder.pk, status=Reminder.Status.SENDING, claimed_by=reminder.claimed_by
    ).update(**fields)
    if not updated:
        log.error("Reminder %s was taken over by another worker mid-send", reminder.key)


def _retry_or_fail(reminder: Reminder, error, result: DispatchResult) -> None:
    attempts = reminder.attempts + 1
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    fields = {"attempts": attempts, "last_error": text[:2000], "claimed_by": ""}
    if attempts >= MAX_ATTEMPTS:
        fields["status"] = Reminder.Status.FAILED
        result.failed += 1
        log.error("Reminder %s failed for good after %s attempts: %s", reminder.pk, attempts, text)
    else:
        fields["status"] = Reminder.Status.PENDING
        fields["due_at"] = timezone.now() + BACKOFF[attempts - 1]
        result.retrying += 1
    Reminder.objects.filter(
        pk=reminder.pk, status=Reminder.Status.SENDING, claimed_by=reminder.claimed_by
    ).update(**fields)


def _postpone(rows: list[Reminder], error, result: DispatchResult) -> None:
    """Hand claimed rows back for a later tick without charging an attempt."""
    text = f"{type(error).__name__}: {error}"[:2000]
    due = timezone.now() + SERVER_DOWN_RETRY
    for reminder in rows:
        updated = Reminder.objects.filter(
            pk=reminder.pk, status=Reminder.Status.SENDING, claimed_by=reminder.claimed_by
        ).update(status=Reminder.Status.PENDING, claimed_by="", due_at=due, last_error=text)
        result.retrying += updated


def _release(rows: list[Reminder]) -> None:
    """Hand back claimed rows that were never tried."""
    for reminder in rows:
        Reminder.objects.filter(
            pk=reminder.pk, status=Reminder.Status.SENDING, claimed_by=reminder.claimed_by
        ).update(status=Reminder.Status.PENDING, claimed_by="")


def _stale_reason(reminder: Reminder, preferences: dict) -> str:
    """Why this reminder must not go out now, or '' to send it."""
    now = timezone.now()
    recipient = reminder.recipient
    local_today = now.astimezone(recipient.tzinfo).date()
    if not recipient.is_active or recipient.organisation_id is None:
        return "recipient is no longer active"
    if reminder.kind == Reminder.Kind.DIGEST:
        if recipient.role != User.Role.MANAGER:
            return "recipient is no longer a manager"
        monday = reminder.scheduled_at.astimezone(recipient.tzinfo).date()
        if local_today > monday + dt.timedelta(days=timing.DIGEST_LAST_WEEKDAY):
            return "week passed"
        if not User.objects.reps().filter(manager=recipient, is_active=True).exists():
            return "no reps to report on"
    else:
        rep = reminder.rep
        commitment = reminder.commitment
        if not rep.is_active or rep.organisation_id != recipient.organisation_id:
            return "recipient is no longer in the rep's organisation"
        if commitment.manager.organisation_id != recipient.organisation_id:
            return "recipient is no longer in the commitment's organisation"
        if reminder.kind == Reminder.Kind.PROMPT and rep.manager_id != recipient.pk:
            return "recipient no longer coaches this rep"
        if reminder.kind == Reminder.Kind.DAILY:
            day = reminder.scheduled_at.astimezone(rep.tzinfo).date()
            if local_today != day:
                return "day passed"
            if not rep.in_ramp(day):
                return "ramp mode is off"
            if not commitment.is_active:
                # The daily check is about whatever the one thing is today.
                current = Commitment.objects.active().filter(rep=rep).first()
                if current is None:
                    return "no active commitment"
                reminder.commitment = current
                commitment = current
        if not commitment.is_active:
            return "commitment closed"
        if reminder.kind == Reminder.Kind.NUDGE and local_today >= commitment.check_date:
            return "check date reached"
        if reminder.kind == Reminder.Kind.PROMPT and now >= _one_on_one(commitment, rep):
            return "check date passed"
    preference = preferences.get((recipient.pk, reminder.kind))
    if preference is not None:
        return preference.blocks(local_today)
    return ""


def _one_on_one(commitment: Commitment, rep: User) -> dt.datetime:
    return timing.one_on_one_at(
        check_date=commitment.check_date, time=rep.one_on_one_time, rep_tz=rep.tzinfo
    )


# --- what each email says -------------------------------------------------


def _compose(reminder: Reminder):
    recipient = reminder.recipient
    if reminder.kind == Reminder.Kind.DIGEST:
        context = reminder_digest_context(
            manager=recipient,
            monday=reminder.scheduled_at.astimezone(recipient.tzinfo).date(),
        )
    else:
        context = _commitment_context(reminder)
    return build_reminder_email(
        kind=reminder.kind,
        to=recipient,
        context={"recipient": recipient, **context},
        key=reminder.key,
    )


def _commitment_context(reminder: Reminder) -> dict:
    rep = reminder.rep
    commitment = reminder.commitment
    # Prefetched for the batch, unless the daily check switched commitment.
    practice = list(commitment.practice.all())
    local_today = timezone.now().astimezone(rep.tzinfo).date()
    context = {
        "rep": rep,
        "commitment": commitment,
        "practice": practice[:5],
        "practice_count": len(practice),
        "practice_total": sum(p.count or 0 for p in practice),
        "practice_today": [p for p in practice if p.practiced_on == local_today],
        "days_left": (commitment.check_date - local_today).days,
        "my_url": absolute(reverse("commitments:my_one_thing")),
        "practice_url": absolute(reverse("commitments:my_one_thing") + "#log-heading"),
        "rep_url": absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})),
        "check_url": absolute(reverse("commitments:weekly_update", kwargs={"rep_id": rep.pk})),
    }
    if reminder.kind == Reminder.Kind.PROMPT:
        context["one_on_one"] = _one_on_one(commitment, rep).astimezone(reminder.recipient.tzinfo)
    return context


def reminder_digest_context(*, manager: User, monday: dt.date) -> dict:
    """The weekly digest's facts for ``manager``'s team: four queries."""
    sunday = monday + dt.timedelta(days=6)
    reps = list(User.objects.reps().filter(manager=manager, is_active=True).for_team_page())
    due, without, missed_twice = [], [], []
    for rep in reps:
        active = rep.active_commitment
        if active is None:
            without.append(rep)
        elif active.check_date <= sunday:
            due.append((rep, active))
        recent = rep.recent_list[:2]
        if len(recent) == 2 and all(c.status == Commitment.Status.MISSED for c in recent):
            missed_twice.append(rep)
    last_monday = monday - dt.timedelta(days=7)
    last_week = (
        Commitment.objects.filter(
            rep__manager=manager, check_date__gte=last_monday, check_date__lt=monday
        )
        .only("check_date", "closed_at", "status", "rep__timezone")
        .select_related("rep")
    )
    total = closed_on_time = 0
    for commitment in last_week:
        total += 1
        if commitment.closed_at and (
            commitment.closed_at.astimezone(commitment.rep.tzinfo).date() <= commitment.check_date
        ):
            closed_on_time += 1
    due.sort(key=lambda pair: pair[1].check_date)
    return {
        "manager": manager,
        "monday": monday,
        "due": [
            {
                "rep": rep,
                "commitment": commitment,
                "overdue": commitment.check_date < monday,
                "url": absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})),
            }
            for rep, commitment in due
        ],
        "without": [
            {
                "rep": rep,
                "url": absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})),
            }
            for rep in without
        ],
        "missed_twice": [
            {
                "rep": rep,
                "url": absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})),
            }
            for rep in missed_twice
        ],
        "loops_total": total,
        "loops_on_time": closed_on_time,
        "team_size": len(reps),
    }


# --- preferences ----------------------------------------------------------

PAUSE_CHOICES = {"pause_7": 7, "pause_14": 14, "pause_28": 28}


def email_preferences_update(*, user: User, choices: dict[str, str]) -> None:
    """Apply ``{kind: "on" | "off" | "pause_<days>" | "keep"}`` for ``user``."""
    allowed = set(KINDS_FOR_ROLE.get(user.role, []))
    today = user.local_today()
    with transaction.atomic():
        for kind, choice in choices.items():
            if kind not in allowed or choice == "keep":
                continue
            if choice in PAUSE_CHOICES:
                mode = EmailPreference.Mode.PAUSED
                until = today + dt.timedelta(days=PAUSE_CHOICES[choice])
            elif choice in (EmailPreference.Mode.ON, EmailPreference.Mode.OFF):
                mode, until = choice, None
            else:
                raise ValueError(f"Unknown email choice {choice!r}")
            EmailPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"mode": mode, "paused_until": until}
            )
