"""The coaching loop: 1:1 sessions, the one commitment, its check, practice.

This module is the loop's rule book. Every loop fact is defined here once and
in the rep's own local day — overdue, due in N days, checked on time, missed
in a row, beyond coaching, the next steps an outcome allows, and who may read
private notes and diagnoses. Pages, tiles, emails and digests read these; none
recomputes them.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.db import LocalDate
from reps.models import User, UserQuerySet

from .transcripts import keywords_from, keywords_in

# A check within this many days of agreeing it (per week of the rep's 1:1
# cadence: 14 for a fortnightly rep) needs no confirmation.
CHECK_WINDOW_DAYS = 7
# Past this, it is not a weekly loop any more: refused, not just warned about.
CHECK_LIMIT_DAYS = 8 * 7
# The default next check leaves the rep at least this many days of practice.
MIN_PRACTICE_DAYS = 5
HISTORY_AT_A_GLANCE = 6
HEALTH_WEEKS = 8
BEYOND_COACHING_MISSES = 3


class CommitmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    KEPT = "kept", "Kept"
    PARTLY = "partly", "Partly kept"
    MISSED = "missed", "Missed"


class Outcome(models.TextChoices):
    KEPT = "kept", "Kept"
    PARTLY = "partly", "Partly kept"
    MISSED = "missed", "Missed"


class Diagnosis(models.TextChoices):
    SKILL = "skill", "Skill: can't do it yet"
    WILL = "will", "Will: motivation or buy-in is missing"
    KNOWLEDGE = "knowledge", "Knowledge: doesn't understand the why"
    SYSTEM = "system", "System: something made it impossible"
    TRANSFER = "transfer", "Transfer: fine in drills, not live"


class NextStep(models.TextChoices):
    REISSUE = "reissue", "Same one thing again, with a new check date"
    LAYER = "layer", "Keep it as a standing behaviour and layer the next one thing on it"
    NEW = "new", "A different one thing"
    NONE = "none", "No new commitment for now"


# The next steps each outcome allows. A kept commitment is a standing
# behaviour now: it is layered on, never re-issued; only a kept one is
# layered on; a miss is diagnosed and re-issued (or replaced).
NEXT_STEPS_AFTER: dict[str, tuple[str, ...]] = {
    Outcome.KEPT: (NextStep.LAYER, NextStep.NEW, NextStep.NONE),
    Outcome.PARTLY: (NextStep.REISSUE, NextStep.NEW, NextStep.NONE),
    Outcome.MISSED: (NextStep.REISSUE, NextStep.NEW, NextStep.NONE),
}
# Diagnoses that more coaching can fix.
COACHABLE = (Diagnosis.SKILL, Diagnosis.SYSTEM, Diagnosis.KNOWLEDGE)


def next_steps_after(outcome: str) -> tuple[str, ...]:
    return NEXT_STEPS_AFTER.get(outcome, ())


def next_check_default(rep: User, *, today: dt.date) -> dt.date:
    """The first 1:1 that leaves the rep a real week of practice; for a
    fortnightly rep, the 1:1 two weeks after that one would be.

    Checking early (on Monday for Tuesday's 1:1) does not make the next check
    tomorrow: the day is at least ``MIN_PRACTICE_DAYS`` away (a week more
    for a fortnightly rep).
    """
    return rep.next_one_on_one(after=today + dt.timedelta(days=MIN_PRACTICE_DAYS - 1))


def check_window_days(rep: User) -> int:
    """How far away a check may be without the manager confirming it: a
    week, two for a fortnightly rep."""
    return CHECK_WINDOW_DAYS * rep.one_on_one_every_weeks


def check_date_after_skip(rep: User, *, check_date: dt.date, today: dt.date) -> dt.date:
    """Where a skipped 1:1's check moves: the next 1:1 by the rep's cadence
    after the skipped one (or after today, when the skipped one is past)."""
    return rep.next_one_on_one(after=max(check_date, today))


# --- loop facts as SQL: each defined once --------------------------------
# ``loop_today`` is the rep's own calendar date (``with_loop_facts``).
IS_ACTIVE = Q(status=CommitmentStatus.ACTIVE)
IS_CLOSED = ~IS_ACTIVE
IS_OVERDUE = IS_ACTIVE & Q(check_date__lt=F("loop_today"))
# The day it was checked (the rep's zone) is on or before the check date.
CHECKED_ON_TIME = IS_CLOSED & Q(check_result__checked_on__lte=F("check_date"))


def private_to(viewer: User, *, author: str) -> Q:
    """Rows whose private notes or diagnosis ``viewer`` may read: only the
    manager who wrote them — not an org admin, not the rep, not the rep's
    next manager."""
    if not viewer.is_authenticated or not viewer.is_manager:
        return Q(pk__in=[])
    return Q(**{author: viewer.pk})


class CoachingSessionQuerySet(models.QuerySet):
    def notes_for(self, viewer: User):
        """Sessions with ``private`` holding the private notes when ``viewer``
        may read them, else ''. The raw column is never loaded."""
        return self.defer("private_notes").annotate(
            private=Case(
                When(private_to(viewer, author="manager"), then=F("private_notes")),
                default=Value(""),
                output_field=models.TextField(),
            )
        )


class CoachingSession(models.Model):
    """A 1:1. Shared notes are for both; private notes are the manager's alone."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions_as_rep"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_as_manager"
    )
    held_at = models.DateTimeField()
    shared_notes = models.TextField(blank=True)
    private_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CoachingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at"]
        indexes = [
            # The rep page: the latest sessions of one rep.
            models.Index(fields=["rep", "-held_at"], name="commitments_session_rep_held"),
        ]

    def __str__(self) -> str:
        return f"1:1 with {self.rep} on {self.held_at:%Y-%m-%d}"


class CommitmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(IS_ACTIVE)

    def closed(self):
        return self.filter(IS_CLOSED)

    def visible_to(self, user):
        return self.filter(rep__in=User.objects.reps_visible_to(user))

    def of_current_reps(self):
        """Loops of reps still on a team: a deactivated rep's open loop counts
        in no figure, as their row shows on no page."""
        return self.filter(rep__is_active=True)

    def with_loop_facts(self, now: dt.datetime):
        """``loop_today`` (the rep's date at ``now``) and ``is_overdue``."""
        return self.annotate(
            loop_today=LocalDate("rep__timezone", now=now),
            is_overdue=ExpressionWrapper(IS_OVERDUE, output_field=BooleanField()),
        )

    def with_practice_count(self):
        practice = (
            PracticeLog.objects.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(practice_count=Coalesce(Subquery(practice), 0))

    def with_history_facts(self, viewer: User):
        """``private_diagnosis``, the diagnosis for its author and '' for
        anyone else, and ``checked_on_time``; the check itself (and its raw
        diagnosis column) is not loaded."""
        return self.annotate(
            private_diagnosis=Case(
                When(
                    private_to(viewer, author="check_result__checked_by"),
                    then=F("check_result__diagnosis"),
                ),
                default=Value(""),
                output_field=models.CharField(),
            ),
            checked_on_time=ExpressionWrapper(CHECKED_ON_TIME, output_field=BooleanField()),
        )

    def for_history(self, viewer: User):
        """Closed weeks as ``viewer`` may see them: ``with_history_facts``
        and the check, without its raw diagnosis column."""
        return (
            self.select_related("check_result")
            .defer("check_result__diagnosis")
            .with_history_facts(viewer)
            .with_pulse()
        )

    def with_pulse(self):
        """``pulse_answer`` and ``pulse_at``: the rep's latest mid-week
        answer (``RepPulse``), or None."""
        latest = RepPulse.objects.filter(commitment=OuterRef("pk")).order_by("-at", "-pk")
        return self.annotate(
            pulse_answer=Subquery(latest.values("answer")[:1]),
            pulse_at=Subquery(latest.values("at")[:1]),
        )

    def with_skips(self):
        """``skips`` prefetched (one query): the 1:1s skipped in each week."""
        return self.prefetch_related(
            Prefetch(
                "skips",
                queryset=CommitmentSkip.objects.only(
                    "commitment_id", "skipped_check_date", "new_check_date", "reason"
                ),
            )
        )

    def loop_health(self, now: dt.datetime) -> dict[int, dict]:
        """Per manager: active, overdue, checked, checked on time, kept. One query.

        Over the last ``HEALTH_WEEKS`` weeks, for reps still on a team. A loop
        still open past its check date counts against "checked on time": it is
        late, checked or not.
        """
        since = now.date() - dt.timedelta(weeks=HEALTH_WEEKS)
        recent = Q(check_date__gte=since)
        rows = (
            self.of_current_reps()
            .filter(IS_ACTIVE | recent)
            .alias(loop_today=LocalDate("rep__timezone", now=now))
            .order_by()
            .values("manager_id")
            .annotate(
                active=Count("pk", filter=IS_ACTIVE),
                overdue=Count("pk", filter=IS_OVERDUE),
                checked=Count("pk", filter=IS_CLOSED & recent),
                on_time=Count("pk", filter=CHECKED_ON_TIME & recent),
                kept=Count("pk", filter=Q(status=CommitmentStatus.KEPT) & recent),
            )
        )
        health = {}
        for row in rows:
            due = row["checked"] + row["overdue"]
            row["on_time_pct"] = round(100 * row["on_time"] / due) if due else None
            checked = row["checked"]
            row["kept_pct"] = round(100 * row["kept"] / checked) if checked else None
            health[row.pop("manager_id")] = row
        return health


class ProposedBy(models.TextChoices):
    MANAGER = "manager", "Manager"
    REP = "rep", "Rep (self-coaching)"


class Commitment(models.Model):
    """ONE observable behaviour a rep runs before the next 1:1.

    History is never rewritten: a re-issue or a layer is a new row linked to
    the one before it, and at most one row per rep is active (a database
    constraint, so two racing requests cannot both win).
    """

    Status = CommitmentStatus

    ProposedBy = ProposedBy

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commitments"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments_coached"
    )
    session = models.ForeignKey(
        CoachingSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        help_text="The 1:1 in which it was agreed.",
    )
    behaviour = models.CharField(
        "the one thing",
        max_length=300,
        help_text="One observable behaviour, e.g. “10 personalised first-touch emails "
        "with the trigger-event opener”.",
    )
    target_count = models.PositiveIntegerField(
        "how many", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    target_unit = models.CharField("of what", max_length=60, blank=True)
    target_days = models.CharField(
        "which days", max_length=60, blank=True, help_text="e.g. Monday to Thursday"
    )
    by_time = models.TimeField("by what time", null=True, blank=True)
    why = models.TextField("why it matters to the rep", blank=True)
    proposed_by = models.CharField(max_length=8, choices=ProposedBy, default=ProposedBy.MANAGER)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(help_text="The day it was agreed, in the rep's time zone.")
    check_date = models.DateField(help_text="The next 1:1, when it is checked.")
    status = models.CharField(max_length=8, choices=Status, default=Status.ACTIVE)
    attempt = models.PositiveSmallIntegerField(
        default=1, help_text="1 for a new commitment; one more for each re-issue after a miss."
    )
    reissue_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissued_as",
    )
    builds_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="layers"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The rep's "Deal": they said it back and took it on (at creation when
    # they proposed it themself).
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep"],
                condition=Q(status=CommitmentStatus.ACTIVE),
                name="commitments_commitment_one_active_per_rep",
                violation_error_message="This rep already has an active commitment.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values),
                name="commitments_commitment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__in=ProposedBy.values),
                name="commitments_commitment_proposed_by_valid",
            ),
            models.CheckConstraint(
                condition=Q(check_date__gte=models.F("issued_on")),
                name="commitments_commitment_check_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(target_count__isnull=True) | Q(target_count__gt=0),
                name="commitments_commitment_target_positive",
            ),
            models.CheckConstraint(
                condition=Q(attempt__gte=1), name="commitments_commitment_attempt_positive"
            ),
            models.CheckConstraint(
                condition=Q(status=CommitmentStatus.ACTIVE, closed_at__isnull=True)
                | (~Q(status=CommitmentStatus.ACTIVE) & Q(closed_at__isnull=False)),
                name="commitments_commitment_closed_at_matches_status",
            ),
        ]
        indexes = [
            # Rep page history and the team page's "last weeks at a glance".
            models.Index(fields=["rep", "-issued_on"], name="commitments_commitment_rep_iss"),
            # Loop health (team tiles, org page): a manager's recent commitments.
            models.Index(fields=["manager", "check_date"], name="commitments_commitment_mgr_chk"),
        ]

    def __str__(self) -> str:
        return self.behaviour

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def target_summary(self) -> str:
        parts = []
        if self.target_count:
            parts.append(f"{self.target_count} {self.target_unit}".strip())
        if self.target_days:
            parts.append(self.target_days)
        if self.by_time:
            parts.append(f"by {self.by_time:%H:%M}")
        return " · ".join(parts)

    @property
    def due_in(self) -> int:
        """Days from the rep's today to the check date (negative: overdue).
        Needs ``with_loop_facts``."""
        return (self.check_date - self.loop_today).days

    @property
    def evidence_keywords(self) -> tuple[str, ...]:
        """The words that show the behaviour on a call: the telling words
        of what was agreed (the one thing and its unit)."""
        return keywords_from(self.behaviour, self.target_unit)

    def is_early(self, today: dt.date) -> bool:
        """Checking it before its check date (the rep's ``today``)."""
        return today < self.check_date

    @property
    def checked_early(self) -> bool:
        """It was checked before its check date (needs ``check_result`` loaded)."""
        return self.is_early(self.check_result.checked_on)


class Check(models.Model):
    """The answer to "How did the one thing go?" at the next 1:1."""

    Outcome = Outcome
    Diagnosis = Diagnosis

    commitment = models.OneToOneField(
        Commitment, on_delete=models.CASCADE, related_name="check_result"
    )
    session = models.ForeignKey(
        CoachingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )
    outcome = models.CharField(max_length=6, choices=Outcome)
    evidence = models.TextField(
        blank=True, help_text="What the rep showed: an email, a call, a number."
    )
    diagnosis = models.CharField(
        max_length=9, choices=Diagnosis, blank=True, help_text="Private to the manager."
    )
    checked_at = models.DateTimeField()
    checked_on = models.DateField(help_text="The day of the check, in the rep's time zone.")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checks_made"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values),
                name="commitments_check_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(diagnosis__in=["", *Diagnosis.values]),
                name="commitments_check_diagnosis_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.commitment}"


class SkipReason(models.TextChoices):
    HOLIDAY = "holiday", "Holiday"
    TRAVEL = "travel", "Travel"
    OTHER = "other", "Other"


class CommitmentSkip(models.Model):
    """A 1:1 that did not happen (holiday, travel): the commitment's check
    moved to the next 1:1. A skip, never a miss: the commitment stays active
    and is checked (on time or not) against its new date."""

    Reason = SkipReason

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="skips")
    skipped_check_date = models.DateField(help_text="The check date of the 1:1 skipped.")
    new_check_date = models.DateField(help_text="Where the check moved: the next 1:1.")
    reason = models.CharField(max_length=8, choices=Reason)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["skipped_check_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=SkipReason.values),
                name="commitments_commitmentskip_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(new_check_date__gt=F("skipped_check_date")),
                name="commitments_commitmentskip_moves_later",
            ),
            # One skip per 1:1: a double-click or a second tab skips nothing twice.
            models.UniqueConstraint(
                fields=["commitment", "skipped_check_date"],
                name="commitments_commitmentskip_once_per_check",
            ),
        ]

    def __str__(self) -> str:
        return f"Skipped {self.skipped_check_date} ({self.get_reason_display().lower()})"


class PracticeKind(models.TextChoices):
    DRILL = "drill", "Drill"
    ROLE_PLAY = "roleplay", "Role-play"
    LIVE = "live", "Live attempt"


class PracticeLog(models.Model):
    """One practice rep logged by the rep between checks."""

    Kind = PracticeKind

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="practice")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_logs"
    )
    practiced_on = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.LIVE)
    count = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    note = models.CharField(max_length=300, blank=True)
    # One tap, one entry: the form's key, so a double-click or a retried
    # request logs nothing twice.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-practiced_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PracticeKind.values),
                name="commitments_practicelog_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gt=0),
                name="commitments_practicelog_count_positive",
            ),
            models.UniqueConstraint(
                fields=["rep", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="commitments_practicelog_one_per_key",
            ),
        ]
        indexes = [
            # Practice counts per commitment on the team and rep pages.
            models.Index(fields=["commitment", "-practiced_on"], name="commitments_practice_c_on"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.practiced_on}"


# --- reps as the loop sees them -------------------------------------------


class RepQuerySet(UserQuerySet):
    def for_team_page(self, *, viewer: User, now: dt.datetime, diagnoses: bool = True):
        """Reps with their active commitment (loop facts, practice count) and
        their last few closed weeks as ``viewer`` may see them: three queries
        whatever the number of reps or weeks.

        ``diagnoses=False`` leaves out the weeks' private diagnoses, which
        only ``beyond_coaching`` reads: they need a join with the checks, and
        the team page does not show them."""
        active = Commitment.objects.active().with_loop_facts(now).with_practice_count().with_pulse()
        # The weeks at a glance read the outcome and the diagnosis (an
        # annotation), never the check itself: no Check objects to build.
        recent = Commitment.objects.closed()
        if diagnoses:
            recent = recent.with_history_facts(viewer)
        recent = recent.only("rep_id", "status", "issued_on", "check_date").order_by(
            "-issued_on", "-created_at"
        )
        return self.prefetch_related(
            Prefetch("commitments", queryset=active, to_attr="active_list"),
            # A sliced prefetch becomes one window query over all reps.
            Prefetch("commitments", queryset=recent[:HISTORY_AT_A_GLANCE], to_attr="recent_closed"),
        )


class Rep(User):
    """A rep as the loop sees them: the facts read from ``for_team_page``."""

    objects = RepQuerySet.as_manager()

    class Meta:
        proxy = True

    @property
    def active_commitment(self) -> Commitment | None:
        return self.active_list[0] if self.active_list else None

    @property
    def recent_oldest_first(self) -> list[Commitment]:
        return list(reversed(self.recent_closed))

    @property
    def missed_in_a_row(self) -> int:
        """How many of the latest checks were misses, back to the last one that wasn't."""
        count = 0
        for commitment in self.recent_closed:
            if commitment.status != CommitmentStatus.MISSED:
                break
            count += 1
        return count

    @property
    def beyond_coaching(self) -> bool:
        """Missed week after week though skill, time and understanding were ruled out.

        The seed: when a rep can do it in a drill, buys the why, has the time
        and still won't run it, it is a will or fit problem for a frank
        performance conversation, not more coaching. Here: the last three
        checks were misses, each diagnosed by the viewer (the diagnosis is
        private to its author), none as skill, system or knowledge, and the
        latest as will or transfer.
        """
        latest = self.recent_closed[:BEYOND_COACHING_MISSES]
        if len(latest) < BEYOND_COACHING_MISSES:
            return False
        if any(c.status != CommitmentStatus.MISSED for c in latest):
            return False
        diagnoses = [c.private_diagnosis for c in latest]
        if any(not d or d in COACHABLE for d in diagnoses):
            return False
        return diagnoses[0] in (Diagnosis.WILL, Diagnosis.TRANSFER)


# --- call evidence ---------------------------------------------------------
EVIDENCE_SNIPPET_MAX = 2000


def commitment_active_at(rep: User, at: dt.datetime) -> "Commitment | None":
    """The commitment ``rep`` was working on at the moment ``at``: issued on
    or before that day (the rep's zone) and not yet closed then — an overdue
    one still counts, as the rep was still on it. On the day of a 1:1 a call
    before the check belongs to the week being checked: only one commitment
    is active at a time, so the one still open then is the older one."""
    day = rep.local_today(at)
    return (
        Commitment.objects.filter(rep=rep, issued_on__lte=day)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))
        .order_by("issued_on", "created_at", "pk")
        .first()
    )


class CallEvidence(models.Model):
    """A call in which a conversation-intelligence tool (Gong, Chorus)
    detected a tracker or keyword, attached to the rep's commitment then."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="call_evidence"
    )
    # Denormalised from the rep: the sender's record ids are unique per organisation.
    organisation = models.ForeignKey(
        "reps.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.CharField("the sender's record id", max_length=200)
    called_at = models.DateTimeField()
    call_url = models.URLField(max_length=500)
    detected = models.CharField(max_length=200, help_text="The tracker or keyword detected.")
    snippet = models.TextField(blank=True, max_length=EVIDENCE_SNIPPET_MAX)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-called_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_id"],
                name="commitments_callevidence_one_per_source_id",
            ),
            models.CheckConstraint(
                condition=Q(call_url__istartswith="http://") | Q(call_url__istartswith="https://"),
                name="commitments_callevidence_url_http",
            ),
        ]
        indexes = [
            # The rep page: the calls of one commitment, latest first.
            models.Index(fields=["commitment", "-called_at"], name="commitments_evidence_c_at"),
        ]

    def __str__(self) -> str:
        return f"{self.detected} on {self.called_at:%Y-%m-%d}"

    @property
    def shows_behaviour(self) -> bool:
        """What the recorder detected (or its snippet) names the one thing."""
        keywords = self.commitment.evidence_keywords
        return bool(keywords_in(f"{self.detected} {self.snippet}", keywords))


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """A suggested outcome for the manager to confirm; it never records one.
    ``outcome`` is an ``Outcome`` value, or "" when there was no call."""

    outcome: str
    text: str


def suggested_outcome(calls) -> Suggestion:
    """From the calls in the window (``CallEvidence`` of one commitment):
    all showed the behaviour → kept, some → partly kept, none → missed;
    no calls → perhaps no opportunity to try it."""
    calls = list(calls)
    shown = sum(call.shows_behaviour for call in calls)
    if not calls:
        return Suggestion("", "No calls in the window: perhaps no opportunity to try it.")
    of = f"{shown} of {len(calls)} call{'s' if len(calls) != 1 else ''}"
    if shown == len(calls):
        return Suggestion(Outcome.KEPT, f"Suggested: kept ({of} showed it).")
    if shown:
        return Suggestion(Outcome.PARTLY, f"Suggested: partly kept ({of} showed it).")
    return Suggestion(Outcome.MISSED, f"Suggested: missed ({of} showed it).")


# --- the rep's side: "Deal?", the mid-week pulse, recognition ----------------
# A kept check is recognised on the rep's page for this many days.
RECOGNITION_DAYS = 7


class PulseAnswer(models.TextChoices):
    ON_IT = "on_it", "On it"
    NEED_HELP = "need_help", "Need help"
    NO_CHANCE = "no_chance", "No chance yet"


# What the manager reads for each answer (the team row, the rep page, emails).
PULSE_FOR_MANAGER = {
    PulseAnswer.ON_IT: "On it",
    PulseAnswer.NEED_HELP: "Needs help",
    PulseAnswer.NO_CHANCE: "No chance yet (maybe no opportunity this week)",
}


def pulse_for_manager(answer: str | None) -> str:
    """The rep's mid-week answer as the manager reads it, or ''."""
    return PULSE_FOR_MANAGER.get(answer, "") if answer else ""


def commitment_is_accepted(commitment: "Commitment") -> bool:
    return commitment.accepted_at is not None


def recognition_for(latest_closed: "Commitment | None", *, today: dt.date) -> "Commitment | None":
    """The kept commitment the rep's page recognises: the latest check, if it
    was kept within ``RECOGNITION_DAYS`` of the rep's ``today`` (needs
    ``check_result`` loaded)."""
    if latest_closed is None or latest_closed.status != CommitmentStatus.KEPT:
        return None
    try:
        checked_on = latest_closed.check_result.checked_on
    except Check.DoesNotExist:
        return None
    return latest_closed if (today - checked_on).days < RECOGNITION_DAYS else None


class RepPulse(models.Model):
    """The rep's one-tap mid-week answer about their active commitment. The
    latest one per commitment is what shows; each tap is kept."""

    Answer = PulseAnswer

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="pulses")
    answer = models.CharField(max_length=9, choices=Answer)
    at = models.DateTimeField()
    answered_on = models.DateField(help_text="The day of the answer, in the rep's time zone.")

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer__in=PulseAnswer.values),
                name="commitments_reppulse_answer_valid",
            ),
        ]
        indexes = [
            # with_pulse: the latest answer of each commitment.
            models.Index(fields=["commitment", "-at"], name="commitments_pulse_c_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()} on {self.answered_on}"
