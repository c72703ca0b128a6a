"""Dispatch: the sweep that sends what is due, exactly once.

The database is the source of truth. A sweep claims due rows in a short
transaction (``reminder_claim_ids``: the rows ``Reminder.objects.due`` names,
taken with ``FOR UPDATE SKIP LOCKED``), sends them over one SMTP connection,
and records each outcome straight after the mail server answers, so a crash
can repeat at most the one message that was being sent.
"""

import contextlib
import dataclasses
import datetime as dt
import logging
import signal
import smtplib
import threading
import time
import uuid

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from commitments.models import RECOGNITION_DAYS, Commitment, DailyAnswer, PracticeLog
from reps.models import User
from reps.signup import SIGNUP_VERIFY_MAX_AGE

from .. import outbound, timing
from ..models import (
    PREFERENCE_KINDS,
    EmailPreference,
    OrganisationWebhook,
    Reminder,
    SlackWebhook,
)
from . import delivery
from .compose import reminder_compose
from .planning import reminder_plan_calendar

log = logging.getLogger(__name__)

BATCH_SIZE = 100
# A claimed row nobody finished within the lease goes back to the queue. It
# outlasts the task's hard time limit (which kills a stuck worker) and any
# sweep's budget by far.
LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th is final.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=20),
    dt.timedelta(hours=1),
)
# While the mail server is unreachable, every row waits this long per try.
SERVER_DOWN_RETRY = dt.timedelta(minutes=1)

_PERSON = ("name", "email", "timezone", "is_active", "organisation", "role")
CLAIM_FIELDS = [
    *(f.name for f in Reminder._meta.concrete_fields),
    *(f"recipient__{name}" for name in _PERSON),
    # An invitation is void once its password is set.
    "recipient__password",
    "requested_by__name",
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


def sweep_budget_seconds() -> float:
    """How long one sweep keeps starting new messages: half the task's soft
    time limit, so the last message (at most the SMTP timeout) and the
    hand-back of unsent rows finish well inside it."""
    return settings.CELERY_TASK_SOFT_TIME_LIMIT / 2


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


def reminder_dispatch_due(
    *,
    batch_size: int = BATCH_SIZE,
    plan: bool = True,
    budget_seconds: float | None = None,
) -> DispatchResult:
    """Send every reminder that is due: the beat's sweeps and ``send_reminders``.

    Deliberately *not* one transaction: each claim is a short transaction of
    its own and each outcome is written as soon as the mail server answers,
    so other sweeps keep working beside this one and a crash loses nothing.
    """
    result = DispatchResult()
    if plan:
        reminder_plan_calendar()
    reminder_reclaim_expired(result=result)
    budget = sweep_budget_seconds() if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    with _soft_time_limit.held():
        while time.monotonic() < deadline:
            _soft_time_limit.checkpoint()  # Nothing claimed yet: a stop here leaves nothing.
            batch = reminder_claim_due(batch_size=batch_size)
            if not batch:
                break
            if not _send_batch(batch, result, deadline=deadline):
                break  # Mail server down, or out of time: the next sweep goes on.
    if result.sent or result.failed or result.retrying:
        log.info("Reminder sweep: %s", result)
    return result


def reminder_tick(*, max_sweeps: int) -> int:
    """A beat tick: plan the calendar's rows, retry what a dead worker left,
    and say how many sweeps the backlog needs (at most ``max_sweeps``)."""
    reminder_plan_calendar()
    reminder_reclaim_expired()
    due = Reminder.objects.due(timezone.now()).count()
    return min(max_sweeps, -(-due // BATCH_SIZE))


def reminder_reclaim_expired(*, result: DispatchResult | None = None) -> None:
    """Rows a worker claimed and never finished (it died mid-batch) are retried."""
    result = result or DispatchResult()
    now = timezone.now()
    for reminder in Reminder.objects.lease_expired(now - LEASE).only(
        "pk", "attempts", "claimed_by"
    ):
        _retry_or_fail(
            reminder,
            "The worker stopped before recording the outcome (lease expired).",
            result,
        )


def reminder_claim_due(*, batch_size: int = BATCH_SIZE) -> list[Reminder]:
    """Claim up to ``batch_size`` due rows for this worker and load what sending needs."""
    token, ids = reminder_claim_ids(batch_size=batch_size)
    if not ids:
        return []
    practice = PracticeLog.objects.order_by("-practiced_on", "-created_at")
    return list(
        Reminder.objects.filter(pk__in=ids, claimed_by=token)
        .select_related(
            "recipient",
            "requested_by",
            "rep",
            "rep__manager",
            "commitment",
            "commitment__manager",
        )
        # Users are wide rows (password hash, flags): fetch only what a reminder reads.
        .only(*CLAIM_FIELDS)
        .prefetch_related(Prefetch("commitment__practice", queryset=practice))
        .order_by("due_at")
    )


def reminder_claim_ids(*, batch_size: int = BATCH_SIZE) -> tuple[str, list[int]]:
    """Claim up to ``batch_size`` due rows, oldest first: (this claim's token, row ids).

    "Due" has one definition, ``Reminder.objects.due``; the claim is that
    queryset, limited and locked, compiled into one statement. The picked ids
    are a ``MATERIALIZED`` common table expression, computed exactly once
    whatever plan the database chooses: without it, PostgreSQL on a table it
    has no statistics for yet may re-run a ``LIMIT … FOR UPDATE SKIP LOCKED``
    subquery for every outer row and claim the whole backlog at once. On
    PostgreSQL ``SKIP LOCKED`` hands concurrent sweeps disjoint rows without
    waiting; the UPDATE's status check is a compare-and-set and RETURNING
    tells this worker exactly which rows are its own. SQLite has no row locks;
    its write transactions are serialised, which makes the statement just as
    exclusive.
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    ops = connection.ops
    table = ops.quote_name(Reminder._meta.db_table)
    pending, sending = Reminder.Status.PENDING, Reminder.Status.SENDING
    with transaction.atomic(), connection.cursor() as cursor:
        due = Reminder.objects.due(now).order_by("due_at").values("pk")[:batch_size]
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked, params = due.query.sql_with_params()
        cursor.execute(
            f"WITH picked(id) AS MATERIALIZED ({picked}) "  # noqa: S608 - compiled by the ORM
            f"UPDATE {table} SET status = %s, claimed_at = %s, claimed_by = %s "
            f"WHERE id IN (SELECT id FROM picked) AND status = %s RETURNING id",
            [*params, sending, ops.adapt_datetimefield_value(now), token, pending],
        )
        return token, [row[0] for row in cursor.fetchall()]


class _SoftTimeLimitGate:
    """Celery's soft time limit, held back while a sweep claims, sends and
    records, and let in only at checkpoints, where nothing is in flight.

    Anywhere else it could land between a message reaching the mail server
    and its row being recorded (the row would go out again after its lease),
    between a claim and the batch it returns, or inside a database query,
    which leaves the connection unusable for handing the rows back.

    In a prefork worker the limit is SIGUSR1, sent to the process. Masking
    the signal in the task's thread is not enough: the process has other
    threads (billiard's queue feeder), the signal may be delivered to one of
    them and Python still runs the handler in the task's thread. So the
    handler itself is swapped for one that only takes note. The hard time
    limit still ends a sweep that never reaches a checkpoint.
    """

    def __init__(self):
        self._celery_handler = None  # while held
        self._came = None  # (signum, frame) of a soft limit that came while held

    def _take_note(self, signum, frame) -> None:
        self._came = (signum, frame)

    @contextlib.contextmanager
    def held(self):
        usable = hasattr(signal, "SIGUSR1") and threading.current_thread() is (
            threading.main_thread()
        )
        handler = signal.getsignal(signal.SIGUSR1) if usable else None
        if not callable(handler) or self._celery_handler is not None:
            yield  # No soft time limit here (or it is held already).
            return
        self._came = None
        self._celery_handler = handler
        signal.signal(signal.SIGUSR1, self._take_note)
        try:
            yield
        finally:
            signal.signal(signal.SIGUSR1, handler)
            self._celery_handler = None
        if self._came:
            self._came = None
            log.warning("A reminder sweep finished past its soft time limit")

    def checkpoint(self) -> None:
        """Let a soft time limit that came meanwhile land here (Celery's
        handler raises SoftTimeLimitExceeded)."""
        if self._came and self._celery_handler is not None:
            came, self._came = self._came, None
            self._celery_handler(*came)


_soft_time_limit = _SoftTimeLimitGate()


def _send_batch(batch: list[Reminder], result: DispatchResult, *, deadline: float) -> bool:
    """Send a claimed batch over one SMTP connection.

    False when this sweep should stop and leave the rest to the next one: the
    mail server is down, or the sweep is out of time. Rows not tried are
    handed back at once, also when the task is being stopped (its soft time
    limit, a worker shutdown).
    """
    preferences = {
        (pref.user_id, pref.kind): pref
        for pref in EmailPreference.objects.filter(user_id__in={r.recipient_id for r in batch})
    }
    # Slack and webhook rows first: a mail server outage hands back the rest
    # of the batch, and it must not hold up what does not need it.
    batch.sort(key=lambda r: r.channel == Reminder.Channel.EMAIL)
    hooks = _HttpTargets(batch, preferences)
    mailer = mailers.default
    connected = False
    position = 0
    try:
        for position, reminder in enumerate(batch):
            _soft_time_limit.checkpoint()
            if time.monotonic() >= deadline:
                _release(batch[position:])
                return False
            if reminder.channel != Reminder.Channel.EMAIL:
                _send_http(reminder, result, hooks, preferences)
                continue
            try:
                commitment = _commitment_now(reminder)
                reason = _stale_reason(reminder, commitment, preferences)
                # The recipient chose Slack (or both) for this kind: its Slack copy.
                reason = reason or hooks.hand_to_slack(reminder)
                message = None if reason else reminder_compose(reminder, commitment)
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
                # attempt, so an outage of any length loses nothing.
                # Whether it still makes sense to send is decided again
                # (_stale_reason) on a later sweep.
                log.warning("Mail server unavailable, will retry: %s", exc)
                _postpone(batch[position:], exc, result)
                return False
            # Recorded straight away: a crash from here on repeats only this message.
            _finish(reminder, Reminder.Status.SENT, commitment=commitment)
            result.sent += 1
    except BaseException:
        # Stopped mid-batch (soft time limit, shutdown): whatever was not
        # tried goes back now instead of waiting out the lease.
        _release(batch[position:])
        raise
    finally:
        if connected:
            try:
                mailer.close()
            except (OSError, smtplib.SMTPException):
                log.warning("Could not close the SMTP connection cleanly", exc_info=True)
    return True


def _commitment_now(reminder: Reminder) -> Commitment | None:
    """The commitment this reminder is about at this moment.

    A daily check is about whatever the one thing is today: when the one it
    was planned with has been checked meanwhile, it is about the next one.
    """
    commitment = reminder.commitment
    if reminder.kind == Reminder.Kind.DAILY and commitment is not None and not commitment.is_active:
        return (
            Commitment.objects.active()
            .filter(rep_id=reminder.rep_id)
            .prefetch_related("practice")
            .first()
        )
    return commitment


def _stale_reason(reminder: Reminder, commitment: Commitment | None, preferences: dict) -> str:
    """Why this reminder must not go out now, or '' to send it. Reads only."""
    now = timezone.now()
    recipient = reminder.recipient
    local_today = now.astimezone(recipient.tzinfo).date()
    if reminder.kind == Reminder.Kind.VERIFY:
        # Its recipient is inactive until they follow the link it carries.
        if recipient.is_active:
            return "already verified"
        too_late = reminder.scheduled_at + dt.timedelta(seconds=SIGNUP_VERIFY_MAX_AGE)
        return "the sign-up was too long ago" if now >= too_late else ""
    if not recipient.is_active or recipient.organisation_id is None:
        return "recipient is no longer active"
    if reminder.kind == Reminder.Kind.INVITE:
        # Transactional: no email preference stops it.
        return "already joined" if recipient.has_usable_password() else ""
    if reminder.kind == Reminder.Kind.PASSWORD_RESET:
        too_late = reminder.scheduled_at + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        return "the reset was asked for too long ago" if now >= too_late else ""
    if reminder.kind == Reminder.Kind.DIGEST:
        if recipient.role != User.Role.MANAGER:
            return "recipient is no longer a manager"
        monday = reminder.scheduled_at.astimezone(recipient.tzinfo).date()
        if local_today > monday + dt.timedelta(days=timing.DIGEST_LAST_WEEKDAY):
            return "week passed"
        if (
            not User.objects.reps()
            .filter(manager=recipient, organisation_id=recipient.organisation_id, is_active=True)
            .exists()
        ):
            return "no reps to report on"
    else:
        rep = reminder.rep
        if not rep.is_active or rep.organisation_id != recipient.organisation_id:
            return "recipient is no longer in the rep's organisation"
        if commitment is None:
            return "no active commitment"
        if commitment.manager.organisation_id != recipient.organisation_id:
            return "recipient is no longer in the commitment's organisation"
        if (
            reminder.kind in (Reminder.Kind.PROMPT, Reminder.Kind.HELP)
            and rep.manager_id != recipient.pk
        ):
            return "recipient no longer coaches this rep"
        if reminder.kind == Reminder.Kind.DAILY:
            day = reminder.scheduled_at.astimezone(rep.tzinfo).date()
            if local_today != day:
                return "day passed"
            if not rep.in_ramp(day):
                return "ramp mode is off"
            # Ramp answers (commitments' DailyAnswer): the day answered already
            # (before this row was planned), or the behaviour stuck before it.
            settled = DailyAnswer.objects.filter(rep=rep).filter(
                Q(day=day) | Q(ends_ramp=True, day__lt=day)
            )
            days = set(settled.values_list("day", flat=True))
            if any(answered < day for answered in days):
                return "ramp ended: the behaviour sticks"
            if day in days:
                return "answered already"
        if reminder.kind == Reminder.Kind.KEPT:
            # About a closed commitment by nature: recognised while it is fresh,
            # and only while it still stands as kept (a check can be corrected).
            if commitment.status != Commitment.Status.KEPT:
                return "check corrected: not kept"
            if local_today >= commitment.closed_at.astimezone(rep.tzinfo).date() + (
                dt.timedelta(days=RECOGNITION_DAYS)
            ):
                return "too long after the check"
        elif not commitment.is_active:
            return "commitment closed"
        if reminder.kind == Reminder.Kind.NEW:
            if commitment.accepted_at is not None:
                return "already accepted"
            if local_today >= commitment.check_date:
                return "check date reached"
        if reminder.kind == Reminder.Kind.NUDGE and local_today >= commitment.check_date:
            return "check date reached"
        if reminder.kind == Reminder.Kind.PROMPT and now >= timing.one_on_one_at(
            check_date=commitment.check_date, time=rep.one_on_one_time, rep_tz=rep.tzinfo
        ):
            return "check date passed"
    preference = preferences.get((recipient.pk, reminder.kind))
    if preference is not None:
        return preference.blocks(local_today)
    return ""


def _finish(
    reminder: Reminder,
    status: str,
    *,
    skip_reason: str = "",
    commitment: Commitment | None = None,
) -> None:
    """Record the outcome of a claimed row, if this claim still holds it.

    One precompiled statement: this runs once per message sent, straight
    after the mail server accepted it, and the ORM's query building would
    cost more CPU than the database round trip itself."""
    sent = status == Reminder.Status.SENT
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # A daily check records the commitment it was actually about.
    changed = commitment is not None and commitment.pk != reminder.commitment_id
    with connection.cursor() as cursor:
        cursor.execute(
            _FINISH_SQL,
            [
                status,
                skip_reason,
                now if sent else None,
                1 if sent else 0,
                "" if sent else None,
                commitment.pk if changed else None,
                reminder.pk,
                Reminder.Status.SENDING,
                reminder.claimed_by,
            ],
        )
        updated = cursor.rowcount
    if not updated:
        log.error("Reminder %s was taken over by another worker mid-send", reminder.key)


_FINISH_SQL = (
    f"UPDATE {connection.ops.quote_name(Reminder._meta.db_table)} "  # noqa: S608 - no user input
    "SET status = %s, skip_reason = %s, sent_at = %s, attempts = attempts + %s, "
    "last_error = COALESCE(%s, last_error), commitment_id = COALESCE(%s, commitment_id) "
    "WHERE id = %s AND status = %s AND claimed_by = %s"
)


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
    """Hand claimed rows back for a later sweep without charging an attempt."""
    text = f"{type(error).__name__}: {error}"[:2000]
    updated = Reminder.objects.filter(
        pk__in=[r.pk for r in rows],
        status=Reminder.Status.SENDING,
        claimed_by=rows[0].claimed_by if rows else "",
    ).update(
        status=Reminder.Status.PENDING,
        claimed_by="",
        due_at=timezone.now() + SERVER_DOWN_RETRY,
        last_error=text,
    )
    result.retrying += updated


def _release(rows: list[Reminder]) -> None:
    """Hand back claimed rows that were never tried: due again at once."""
    if rows:
        Reminder.objects.filter(
            pk__in=[r.pk for r in rows],
            status=Reminder.Status.SENDING,
            claimed_by=rows[0].claimed_by,
        ).update(status=Reminder.Status.PENDING, claimed_by="")


# --- Slack and the organisation's webhook: the same ledger, over HTTP ---------------


SENT_TO_SLACK = "sent to Slack instead, as chosen"


class _HttpTargets:
    """Where a batch's Slack and webhook rows go: two queries per batch."""

    def __init__(self, batch: list[Reminder], preferences: dict):
        self.preferences = preferences
        people = {r.recipient_id for r in batch if r.recipient_id is not None}
        self.slack = {h.user_id: h for h in SlackWebhook.objects.filter(user_id__in=people)}
        organisations = {
            r.rep.organisation_id for r in batch if r.channel == Reminder.Channel.WEBHOOK
        }
        self.webhooks = (
            {
                h.organisation_id: h
                for h in OrganisationWebhook.objects.filter(organisation_id__in=organisations)
            }
            if organisations
            else {}
        )

    def hand_to_slack(self, reminder: Reminder) -> str:
        """For an email row about to go out: add its Slack copy when the
        recipient chose Slack or both for this kind. '' to send the email
        too, else why it is not sent. With no Slack webhook any more, the
        email goes: nothing is lost."""
        if reminder.kind not in PREFERENCE_KINDS or reminder.recipient_id not in self.slack:
            return ""
        preference = self.preferences.get((reminder.recipient_id, reminder.kind))
        channel = preference.channel if preference else EmailPreference.Channel.EMAIL
        if channel == EmailPreference.Channel.EMAIL:
            return ""
        delivery.reminder_slack_copy(reminder, now=timezone.now())
        return SENT_TO_SLACK if channel == EmailPreference.Channel.SLACK else ""


def _send_http(reminder: Reminder, result: DispatchResult, hooks: _HttpTargets, preferences):
    """Post a claimed Slack or webhook row and record what happened: 2xx sent;
    a 4xx (but 408 and 429), a redirect or a refused address failed at once,
    with the status; anything else (5xx, timeout, no connection) retried with
    the same back-off as an email."""
    commitment = None
    try:
        now = timezone.now()
        if reminder.channel == Reminder.Channel.WEBHOOK:
            hook = hooks.webhooks.get(reminder.rep.organisation_id)
            reason = "" if hook else "the organisation's webhook was removed"
            if hook:
                url, body = hook.url, delivery.webhook_body(reminder)
                headers = delivery.webhook_headers(reminder, hook, body, now)
        else:
            commitment = _commitment_now(reminder)
            slack = hooks.slack.get(reminder.recipient_id)
            reason = _stale_reason(reminder, commitment, preferences) or (
                "" if slack else "no Slack webhook any more"
            )
            if not reason:
                url, body = slack.url, delivery.slack_request(reminder, commitment)
                headers = {}
    except Exception as exc:  # A template or data bug must not stall the queue.
        log.exception("Could not build %s", reminder.key)
        _retry_or_fail(reminder, exc, result)
        return
    if reason:
        _finish(reminder, Reminder.Status.SKIPPED, skip_reason=reason)
        result.skipped += 1
        return
    try:
        outbound.post_json(url, body, headers=headers)
    except outbound.DeliveryRefused as exc:
        _fail_now(reminder, str(exc), result)
        return
    except outbound.DeliveryFailed as exc:
        _retry_or_fail(reminder, str(exc), result)
        return
    # Recorded straight away: a crash from here on repeats only this post (a
    # webhook receiver drops it by its event id).
    _finish(reminder, Reminder.Status.SENT, commitment=commitment)
    result.sent += 1


def _fail_now(reminder: Reminder, text: str, result: DispatchResult) -> None:
    """A failure retrying cannot mend (a 410, a 404, a refused address)."""
    result.failed += 1
    log.error("Reminder %s failed for good: %s", reminder.key, text)
    Reminder.objects.filter(
        pk=reminder.pk, status=Reminder.Status.SENDING, claimed_by=reminder.claimed_by
    ).update(
        status=Reminder.Status.FAILED,
        attempts=reminder.attempts + 1,
        last_error=text[:2000],
        claimed_by="",
    )
