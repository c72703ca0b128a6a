"""The coaching loop: 1:1 sessions, the one commitment, its check, practice."""

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

CHECK_WINDOW_DAYS = 7
# Past this, it is not a weekly loop any more: refused, not just warned about.
CHECK_LIMIT_DAYS = 8 * 7
HISTORY_AT_A_GLANCE = 6
HEALTH_WEEKS = 8


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
        return self.filter(status=Commitment.Status.ACTIVE)

    def closed(self):
        return self.exclude(status=Commitment.Status.ACTIVE)

    def visible_to(self, user):
        from reps.models import User

        return self.filter(rep__in=User.objects.reps_visible_to(user))

    def with_practice_count(self):
        practice = (
            PracticeLog.objects.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(practice_count=Coalesce(Subquery(practice), 0))

    def loop_health_by_manager(self) -> dict[int, dict]:
        """Per manager: active, overdue, checked, checked on time, kept. One query."""
        # Health is about the recent loop, not the whole history.
        since = timezone.localdate() - dt.timedelta(weeks=HEALTH_WEEKS)
        closed = Q(status__in=["kept", "partly", "missed"], check_date__gte=since)
        rows = (
            self.filter(Q(status="active") | Q(check_date__gte=since))
            .order_by()
            .values("manager_id")
            .annotate(
                active=Count("pk", filter=Q(status="active")),
                overdue=Count("pk", filter=Q(status="active", check_date__lt=timezone.localdate())),
                checked=Count("pk", filter=closed),
                on_time=Count(
                    "pk", filter=closed & Q(check_result__checked_on__lte=F("check_date"))
                ),
                kept=Count("pk", filter=closed & Q(status="kept")),
            )
        )
        health = {}
        for row in rows:
            checked = row["checked"]
            row["on_time_pct"] = round(100 * row["on_time"] / checked) if checked else None
            row["kept_pct"] = round(100 * row["kept"] / checked) if checked else None
            health[row.pop("manager_id")] = row
        return health

    def for_history(self):
        return self.select_related("check_result", "check_result__checked_by", "proposed_by_user")


class Commitment(models.Model):
    """ONE observable behaviour a rep runs before the next 1:1.

    History is never rewritten: a re-issue or a layer is a new row linked to
    the one before it, and at most one row per rep is active (a database
    constraint, so two racing requests cannot both win).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        KEPT = "kept", "Kept"
        PARTLY = "partly", "Partly kept"
        MISSED = "missed", "Missed"
        REPLACED = "replaced", "Replaced"

    class ProposedBy(models.TextChoices):
        MANAGER = "manager", "Manager"
        REP = "rep", "Rep (self-coaching)"

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
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep"],
                condition=Q(status="active"),
                name="commitments_commitment_one_active_per_rep",
                violation_error_message="This rep already has an active commitment.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "kept", "partly", "missed", "replaced"]),
                name="commitments_commitment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__in=["manager", "rep"]),
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
                condition=Q(status="active", closed_at__isnull=True)
                | (~Q(status="active") & Q(closed_at__isnull=False)),
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

    def days_until_check(self, today: dt.date) -> int:
        return (self.check_date - today).days

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_active and self.check_date < today


class Check(models.Model):
    """The answer to "How did the one thing go?" at the next 1:1."""

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
                condition=Q(outcome__in=["kept", "partly", "missed"]),
                name="commitments_check_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(diagnosis__in=["", "skill", "will", "knowledge", "system", "transfer"]),
                name="commitments_check_diagnosis_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.commitment}"


class PracticeLog(models.Model):
    """One practice rep logged by the rep between checks."""

    class Kind(models.TextChoices):
        DRILL = "drill", "Drill"
        ROLE_PLAY = "roleplay", "Role-play"
        LIVE = "live", "Live attempt"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="practice")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_logs"
    )
    practiced_on = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.LIVE)
    count = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-practiced_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["drill", "roleplay", "live"]),
                name="commitments_practicelog_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gt=0),
                name="commitments_practicelog_count_positive",
            ),
        ]
        indexes = [
            # Practice counts per commitment on the team and rep pages.
            models.Index(fields=["commitment", "-practiced_on"], name="commitments_practice_c_on"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.practiced_on}"


def missed_in_a_row(closed: list[Commitment]) -> int:
    """How many of the latest closed commitments (oldest first) were missed in a row."""
    count = 0
    for commitment in reversed(closed):
        if commitment.status != Commitment.Status.MISSED:
            break
        count += 1
    return count


BEYOND_COACHING_MISSES = 3


def beyond_coaching(closed_newest_first: list[Commitment], *, diagnosed_by) -> bool:
    """Missed week after week though skill, time and understanding were ruled out.

    The seed: when a rep can do it in a drill, buys the why, has the time and
    still won't run it, it is a will or fit problem for a frank performance
    conversation, not more coaching. Here: the last three checks were misses,
    none diagnosed (by this manager) as skill, system or knowledge, and the
    latest as will or transfer. Needs each commitment's ``check_result`` loaded.
    """
    latest = closed_newest_first[:BEYOND_COACHING_MISSES]
    if len(latest) < BEYOND_COACHING_MISSES:
        return False
    if any(c.status != Commitment.Status.MISSED for c in latest):
        return False
    checks = [getattr(c, "check_result", None) for c in latest]
    if any(check is None or check.checked_by_id != diagnosed_by.pk for check in checks):
        return False
    coachable = {Check.Diagnosis.SKILL, Check.Diagnosis.SYSTEM, Check.Diagnosis.KNOWLEDGE}
    if any(check.diagnosis in coachable for check in checks):
        return False
    return checks[0].diagnosis in (Check.Diagnosis.WILL, Check.Diagnosis.TRANSFER)
