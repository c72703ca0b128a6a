"""The coaching loop: 1:1 sessions, the one commitment, its check, practice.

This module is the loop's rule book. Every loop fact is defined here once and
in the rep's own local day — overdue, due in N days, checked on time, missed
in a row, beyond coaching, the next steps an outcome allows, and who may read
private notes and diagnoses. Pages, tiles, emails and digests read these; none
recomputes them.
"""

import dataclasses
import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek
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
# The organisation's method health (root causes, re-issues, trends) looks further back.
TREND_WEEKS = 12
BEYOND_COACHING_MISSES = 3


class CommitmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    KEPT = "kept", "Kept"
    PARTLY = "partly", "Partly kept"
    MISSED = "missed", "Missed"
    NO_OPP = "no_opp", "No opportunity"


class Outcome(models.TextChoices):
    KEPT = "kept", "Kept"
    PARTLY = "partly", "Partly kept"
    MISSED = "missed", "Missed"
    # No discovery calls that week: the cycle pauses, the same commitment
    # carries on, and it never counts as a miss anywhere.
    NO_OPP = "no_opp", "No opportunity"


class Diagnosis(models.TextChoices):
    SKILL = "skill", "Skill: can't do it yet"
    WILL = "will", "Will: motivation or buy-in is missing"
    KNOWLEDGE = "knowledge", "Knowledge: doesn't understand the why"
    SYSTEM = "system", "System: something made it impossible"
    TRANSFER = "transfer", "Transfer: fine in drills, not live"
    # Allowed, and chased: the rep page and the next prompt ask for it.
    UNSURE = "unsure", "Not sure yet"


class NextStep(models.TextChoices):
    REISSUE = "reissue", "Same one thing again, with a new check date"
    LAYER = "layer", "Keep it as a standing behaviour and layer the next one thing on it"
    NEW = "new", "A different one thing"
    NONE = "none", "No new commitment for now"
    REINFORCE = "reinforce", "Reinforce: the same behaviour another week, to prove it sticks"
    CARRY_ON = "carry_on", "Carry on: the same one thing, with a new check date"


# The next steps each outcome allows. A kept commitment is a standing
# behaviour now: it is layered on, never re-issued; only a kept one is
# layered on; a miss is diagnosed and re-issued (or replaced).
NEXT_STEPS_AFTER: dict[str, tuple[str, ...]] = {
    Outcome.KEPT: (NextStep.LAYER, NextStep.REINFORCE, NextStep.NEW, NextStep.NONE),
    Outcome.PARTLY: (NextStep.REISSUE, NextStep.NEW, NextStep.NONE),
    Outcome.MISSED: (NextStep.REISSUE, NextStep.NEW, NextStep.NONE),
    # No opportunity pauses the cycle: only the same one thing carries on.
    Outcome.NO_OPP: (NextStep.CARRY_ON,),
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


# --- outcomes, the diagnosis tree and the next step (issue 7) -------------
# Outcomes that ask what got in the way before anything else.
NEEDS_DIAGNOSIS = (Outcome.MISSED, Outcome.PARTLY)
# Weeks 1-4 of the 30/60/90 horizon install one behaviour and prove it sticks.
INSTALL_WEEKS = 4


def default_next_step(outcome: str, horizon_week: int | None = None) -> str:
    """The next step pre-selected after ``outcome``: the same one thing again
    after a miss, carrying on after no opportunity, and after a kept one
    reinforcing it in weeks 1-4 of the rep's horizon ("install and prove it
    sticks"), layering from week 5 on (or with no horizon)."""
    if outcome == Outcome.KEPT:
        if horizon_week is not None and 1 <= horizon_week <= INSTALL_WEEKS:
            return NextStep.REINFORCE
        return NextStep.LAYER
    if outcome == Outcome.NO_OPP:
        return NextStep.CARRY_ON
    if outcome in NEEDS_DIAGNOSIS:
        return NextStep.REISSUE
    return ""


@dataclasses.dataclass(frozen=True)
class TreeQuestion:
    """One question of the seed's decision tree; ``yes``/``no`` name the
    next question's field or, at a leaf, a ``Diagnosis``."""

    field: str
    text: str
    yes: str
    no: str


# The seed's tree, asked one question at a time. (Was a specific commitment
# made, and was it checked? Here, always: this is its check.)
DIAGNOSIS_TREE: dict[str, TreeQuestion] = {
    q.field: q
    for q in (
        TreeQuestion("attempted", "Did the rep attempt it?", "can_do_in_drill", "buys_why"),
        TreeQuestion("buys_why", "Do they buy the why?", "has_time", "understands_why"),
        TreeQuestion(
            "understands_why",
            "Do they understand why it matters?",
            Diagnosis.WILL,
            Diagnosis.KNOWLEDGE,
        ),
        TreeQuestion("has_time", "Did they have the time?", Diagnosis.WILL, Diagnosis.SYSTEM),
        TreeQuestion(
            "can_do_in_drill", "Can they do it in a drill?", Diagnosis.TRANSFER, Diagnosis.SKILL
        ),
    )
}
TREE_START = "attempted"
TREE_FIELDS = tuple(DIAGNOSIS_TREE)


def tree_path(answers) -> list[tuple[TreeQuestion, bool]]:
    """The questions answered along the tree's path, with their answers;
    answers off the path do not count."""
    path = []
    field = TREE_START
    while field in DIAGNOSIS_TREE:
        answer = answers.get(field)
        if answer is None:
            break
        question = DIAGNOSIS_TREE[field]
        path.append((question, answer))
        field = question.yes if answer else question.no
    return path


def next_question(answers) -> TreeQuestion | None:
    """The next unanswered question on the path, or None at a leaf."""
    path = tree_path(answers)
    field = TREE_START
    if path:
        question, answer = path[-1]
        field = question.yes if answer else question.no
    return DIAGNOSIS_TREE.get(field)


def diagnose(answers) -> str | None:
    """Where the answers lead: a ``Diagnosis``, or None before a leaf."""
    path = tree_path(answers)
    if not path:
        return None
    question, answer = path[-1]
    leaf = question.yes if answer else question.no
    return None if leaf in DIAGNOSIS_TREE else leaf


def answers_on_path(answers) -> dict[str, bool | None]:
    """Every tree field: its answer if on the path, else None (kept as given)."""
    kept = {question.field: answer for question, answer in tree_path(answers)}
    return {field: kept.get(field) for field in TREE_FIELDS}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Fix:
    """What a diagnosis leads to, recorded as the next step's detail:
    system → the competing task to remove; will/knowledge → the why re-sold;
    skill → drills assigned; transfer → a shadowing session and a real-time
    nudge."""

    task: str = ""
    drills: bool = False
    note: str = ""
    shadowing_on: dt.date | None = None
    realtime_nudge: bool = False
    # The why of the re-issued commitment, re-sold (None: not re-issued).
    why: str | None = None
    why_confirmed: bool = False

    def kept_for(self, diagnosis: str) -> "Fix":
        """Only the parts of the fix ``diagnosis`` leads to."""
        if diagnosis not in Diagnosis.values or diagnosis == Diagnosis.UNSURE:
            return Fix()
        why_fix = diagnosis in (Diagnosis.WILL, Diagnosis.KNOWLEDGE)
        return Fix(
            task=self.task.strip() if diagnosis == Diagnosis.SYSTEM else "",
            drills=self.drills and diagnosis == Diagnosis.SKILL,
            note=self.note.strip(),
            shadowing_on=self.shadowing_on if diagnosis == Diagnosis.TRANSFER else None,
            realtime_nudge=self.realtime_nudge and diagnosis == Diagnosis.TRANSFER,
            why=self.why.strip() if why_fix and self.why is not None else None,
            why_confirmed=self.why_confirmed and why_fix,
        )


def diagnosis_problem(outcome: str, diagnosis: str) -> str:
    """Why a check with ``outcome`` cannot be saved with ``diagnosis``, or ''."""
    if outcome in NEEDS_DIAGNOSIS and diagnosis not in Diagnosis.values:
        return (
            "Diagnose it first, no judgment: answer the questions, pick what got in "
            "the way, or choose “Not sure yet”."
        )
    return ""


def fix_problems(diagnosis: str, fix: Fix, *, today: dt.date, old_why: str | None = None) -> dict:
    """The fix each diagnosis needs, by form field; empty when complete.
    ``old_why`` is the why of the commitment being re-issued (None: no re-issue)."""
    problems = {}
    if diagnosis == Diagnosis.SYSTEM and not fix.task.strip():
        problems["fix_task"] = "Name the competing task to remove: the fix for a system gap."
    if diagnosis == Diagnosis.TRANSFER:
        if fix.shadowing_on is None:
            problems["fix_shadowing_on"] = "Plan a live shadowing session: pick its date."
        elif fix.shadowing_on < today:
            problems["fix_shadowing_on"] = "The shadowing session can't be in the past."
    if diagnosis in (Diagnosis.WILL, Diagnosis.KNOWLEDGE) and old_why is not None:
        why = (fix.why or "").strip()
        if not why:
            problems["fix_why"] = "Re-sell the why: tie it to the rep's own goal."
        elif why == old_why.strip() and not fix.why_confirmed:
            problems["fix_why"] = (
                "That is the same why as before: re-sell it in new words, "
                "or tick “Keep this why” to confirm it."
            )
    return problems


def change_reason_problem(outcome: str, next_step: str, reason: str) -> str:
    """A different one thing after a miss (or partly kept) says why."""
    if outcome in NEEDS_DIAGNOSIS and next_step == NextStep.NEW and not reason.strip():
        return "Say why it's a different one thing rather than the same again."
    return ""


def beyond_coaching_misses() -> int:
    """Misses in a row (each pointing beyond coaching) before the flag:
    ``settings.BEYOND_COACHING_MISSES``, default 3, at least 1."""
    return max(1, getattr(settings, "BEYOND_COACHING_MISSES", BEYOND_COACHING_MISSES))


def points_beyond_coaching(
    *,
    outcome: str,
    diagnosis: str,
    buys_why: bool | None = None,
    understands_why: bool | None = None,
    has_time: bool | None = None,
    can_do_in_drill: bool | None = None,
    **_other_answers,
) -> bool:
    """One check where more coaching is ruled out, following the tree: a
    miss diagnosed as will or transfer (they can do it in a drill, or they
    buy the why and had the time), with no kept answer saying otherwise."""
    if outcome != Outcome.MISSED or diagnosis not in (Diagnosis.WILL, Diagnosis.TRANSFER):
        return False
    return False not in (buys_why, understands_why, has_time, can_do_in_drill)


# --- loop facts as SQL: each defined once --------------------------------
# ``loop_today`` is the rep's own calendar date (``with_loop_facts``).
IS_ACTIVE = Q(status=CommitmentStatus.ACTIVE)
IS_CLOSED = ~IS_ACTIVE
IS_OVERDUE = IS_ACTIVE & Q(check_date__lt=F("loop_today"))
# The day it was checked (the rep's zone) is on or before the check date.
CHECKED_ON_TIME = IS_CLOSED & Q(check_result__checked_on__lte=F("check_date"))
# A week judged kept or not: no opportunity is neither.
IS_JUDGED = ~Q(status=CommitmentStatus.NO_OPP)


def private_to(viewer: User, *, author: str) -> Q:
    """Rows whose private notes or diagnosis ``viewer`` may read: only the
    manager who wrote them — not an org admin, not the rep, not the rep's
    next manager."""
    if not viewer.is_authenticated or not viewer.is_manager:
        return Q(pk__in=[])
    return Q(**{author: viewer.pk})


# A check's columns private to its author, as the diagnosis is: the tree's
# answers and the fix. Read as ``private_<name>`` (``private_check_facts``);
# for anyone else the column is not even loaded.
PRIVATE_CHECK_FIELDS = (
    "attempted",
    "buys_why",
    "understands_why",
    "has_time",
    "can_do_in_drill",
    "diagnosed_at",
    "fix_task",
    "fix_drills",
    "fix_note",
    "fix_shadowing_on",
    "fix_realtime_nudge",
    "fix_why_resold",
    "fix_why_confirmed",
)


def private_check_facts(viewer: User, *, prefix: str = "check_result__") -> dict:
    """``private_<name>`` for each of ``PRIVATE_CHECK_FIELDS``: the value for
    the check's author, an empty one for anyone else."""
    own = private_to(viewer, author=f"{prefix}checked_by")
    facts = {}
    for name in PRIVATE_CHECK_FIELDS:
        field = Check._meta.get_field(name)
        if isinstance(field, models.CharField):
            empty, output = Value(""), models.CharField()
        elif isinstance(field, models.BooleanField):
            empty, output = Value(None), models.BooleanField(null=True)
        else:
            empty, output = Value(None), field.__class__(null=True)
        facts[f"private_{name}"] = Case(
            When(own, then=F(f"{prefix}{name}")), default=empty, output_field=output
        )
    return facts


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
            **private_check_facts(viewer),
        )

    def for_history(self, viewer: User):
        """Closed weeks as ``viewer`` may see them: ``with_history_facts``
        and the check, without its raw diagnosis column."""
        return (
            self.select_related("check_result")
            .defer("check_result__diagnosis")
            .defer(*(f"check_result__{name}" for name in PRIVATE_CHECK_FIELDS))
            .with_history_facts(viewer)
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
                # No opportunity is never a miss: out of the kept rate altogether.
                judged=Count("pk", filter=IS_CLOSED & IS_JUDGED & recent),
            )
        )
        health = {}
        for row in rows:
            due = row["checked"] + row["overdue"]
            row["on_time_pct"] = round(100 * row["on_time"] / due) if due else None
            judged = row["judged"]
            row["kept_pct"] = round(100 * row["kept"] / judged) if judged else None
            health[row.pop("manager_id")] = row
        return health

    def method_health(self, now: dt.datetime) -> "MethodHealth":
        """How the method is working over the last ``TREND_WEEKS`` weeks, in
        aggregates only: why loops were missed (the root-cause mix of the
        diagnoses, never whose), how often a miss was re-issued, and each
        week's checks, kept share and on-time share. Two queries.

        Loops of reps still on a team, by the week of their check date."""
        since = week_monday(now.date()) - dt.timedelta(weeks=TREND_WEEKS - 1)
        checked = self.of_current_reps().filter(IS_CLOSED, check_date__gte=since).order_by()
        not_kept = Q(status__in=NOT_KEPT)
        undiagnosed = Q(check_result__diagnosis__in=["", Diagnosis.UNSURE])
        causes = [value for value in Diagnosis.values if value != Diagnosis.UNSURE]
        totals = checked.aggregate(
            misses=Count("pk", filter=not_kept),
            undiagnosed=Count("pk", filter=not_kept & undiagnosed),
            reissued=Count("pk", filter=Q(reissue_of__isnull=False)),
            diagnosed_reps=Count("rep", distinct=True, filter=not_kept & ~undiagnosed),
            # From the check that recorded the miss to its diagnosis: 0 when
            # diagnosed at once, days when "not sure yet" was chased later.
            to_diagnosis=Avg(
                ExpressionWrapper(
                    F("check_result__diagnosed_at") - F("check_result__checked_at"),
                    output_field=DurationField(),
                ),
                filter=not_kept & ~undiagnosed & Q(check_result__diagnosed_at__isnull=False),
            ),
            **{
                f"cause_{value}": Count("pk", filter=not_kept & Q(check_result__diagnosis=value))
                for value in causes
            },
        )
        weeks = {
            row["week"]: row
            for row in checked.annotate(week=TruncWeek("check_date"))
            .values("week")
            .annotate(
                checked=Count("pk"),
                kept=Count("pk", filter=Q(status=CommitmentStatus.KEPT)),
                on_time=Count("pk", filter=CHECKED_ON_TIME),
            )
        }
        trend = []
        for n in range(TREND_WEEKS):
            monday = since + dt.timedelta(weeks=n)
            row = weeks.get(monday)
            trend.append(
                TrendWeek(
                    monday=monday,
                    checked=row["checked"] if row else 0,
                    kept=row["kept"] if row else 0,
                    on_time=row["on_time"] if row else 0,
                )
            )
        mix = [
            RootCause(Diagnosis(value), totals[f"cause_{value}"])
            for value in causes
            if totals[f"cause_{value}"]
        ]
        mix.sort(key=lambda cause: -cause.count)
        to_diagnosis = totals["to_diagnosis"]
        return MethodHealth(
            days_to_diagnosis=round(to_diagnosis.total_seconds() / 86400, 1)
            if to_diagnosis is not None
            else None,
            diagnosed_reps=totals["diagnosed_reps"],
            misses=totals["misses"],
            undiagnosed=totals["undiagnosed"],
            reissued=totals["reissued"],
            causes=mix,
            trend=trend,
        )


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
    # A kept one reinforced for another week (attempt 1 again), and one
    # carried on after a week with no opportunity (the same attempt).
    reinforces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reinforced_as"
    )
    carries_on = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_on_as"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

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

    # --- the week's diagnosis and fix as its viewer may read them (issue 7).
    # Each needs ``with_history_facts(viewer)``: '' / None for anyone but
    # the check's author.

    @property
    def private_answers(self) -> dict:
        return {name: getattr(self, f"private_{name}", None) for name in TREE_FIELDS}

    @property
    def private_tree_path(self) -> list[tuple[TreeQuestion, bool]]:
        """The tree's questions as they were answered, in order."""
        return tree_path(self.private_answers)

    @property
    def points_beyond_coaching(self) -> bool:
        return points_beyond_coaching(
            outcome=self.status, diagnosis=self.private_diagnosis, **self.private_answers
        )

    @property
    def private_fix(self) -> str:
        """The fix the diagnosis led to, in words."""
        diagnosis = self.private_diagnosis
        parts = []
        if diagnosis == Diagnosis.SYSTEM and self.private_fix_task:
            parts.append(f"remove the competing task: {self.private_fix_task}")
        if diagnosis in (Diagnosis.WILL, Diagnosis.KNOWLEDGE):
            if self.private_fix_why_resold:
                parts.append("the why re-sold")
            elif self.private_fix_why_confirmed:
                parts.append("the why confirmed as it was")
        if self.private_fix_drills:
            parts.append("drills assigned")
        if self.private_fix_shadowing_on:
            parts.append(f"live shadowing on {self.private_fix_shadowing_on:%a %-d %b}")
        if self.private_fix_realtime_nudge:
            parts.append("a real-time nudge")
        if self.private_fix_note:
            parts.append(self.private_fix_note)
        return "; ".join(parts)

    @property
    def diagnosed_later(self) -> bool:
        """An unsure diagnosis completed after the check (needs the check)."""
        at = getattr(self, "private_diagnosed_at", None)
        return at is not None and at > self.check_result.checked_at

    @property
    def follows_as(self) -> str:
        """How this week came after the one before, in words ('' for a fresh one)."""
        if self.carries_on_id:
            return "carried on: no opportunity the week before"
        if self.reinforces_id:
            return "reinforced: the same behaviour another week"
        if self.reissue_of_id:
            return f"attempt {self.attempt}"
        if self.builds_on_id:
            return "layered on a standing behaviour"
        return ""


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
    # --- the diagnosis tree's answers and the fix (issue 7); private to
    # ``checked_by`` like the diagnosis (``PRIVATE_CHECK_FIELDS``).
    attempted = models.BooleanField("did the rep attempt it?", null=True, blank=True)
    buys_why = models.BooleanField("do they buy the why?", null=True, blank=True)
    understands_why = models.BooleanField(
        "do they understand why it matters?", null=True, blank=True
    )
    has_time = models.BooleanField("did they have the time?", null=True, blank=True)
    can_do_in_drill = models.BooleanField("can they do it in a drill?", null=True, blank=True)
    diagnosed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the diagnosis was made (empty while not sure yet)."
    )
    fix_task = models.CharField("competing task to remove", max_length=200, blank=True)
    fix_drills = models.BooleanField("drills assigned", default=False)
    fix_note = models.CharField("about the fix", max_length=300, blank=True)
    fix_shadowing_on = models.DateField("live shadowing session", null=True, blank=True)
    fix_realtime_nudge = models.BooleanField("real-time nudge", default=False)
    fix_why_resold = models.BooleanField("the why re-sold", default=False)
    fix_why_confirmed = models.BooleanField("the why confirmed as it was", default=False)
    # Shared with the rep: why a miss got a different one thing, not the same again.
    change_reason = models.CharField("why a different one thing", max_length=300, blank=True)

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
        active = Commitment.objects.active().with_loop_facts(now).with_practice_count()
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
            # Enough weeks for ``beyond_coaching`` to step over weeks with no
            # opportunity; the strip shows the last ``HISTORY_AT_A_GLANCE``.
            Prefetch("commitments", queryset=recent[: recent_weeks()], to_attr="recent_closed"),
        )

    # --- the 1:1 queue ---------------------------------------------------
    def in_queue_order(self, now: dt.datetime):
        """Reps in the order their 1:1s come up (``QueueRank``), in each
        rep's own day: overdue checks first (the oldest first), then those
        due today, then reps with no one thing (nothing to wait for: it can
        be set at any 1:1), then the rest by check date; by name within a
        day. Annotates ``queue_today``, ``queue_check_date`` (the active
        commitment's, or None) and ``queue_rank``; part of the reps' own
        query, so a page of the queue costs no extra query."""
        check_date = Subquery(
            Commitment.objects.active().filter(rep=OuterRef("pk")).values("check_date")[:1]
        )
        return (
            self.annotate(
                queue_today=LocalDate("timezone", now=now),
                queue_check_date=check_date,
            )
            .annotate(
                queue_rank=Case(
                    When(queue_check_date__isnull=True, then=Value(QueueRank.NEEDS_ONE_THING)),
                    When(queue_check_date__lt=F("queue_today"), then=Value(QueueRank.OVERDUE)),
                    When(queue_check_date=F("queue_today"), then=Value(QueueRank.DUE_TODAY)),
                    default=Value(QueueRank.UPCOMING),
                )
            )
            .order_by("queue_rank", "queue_check_date", "name", "pk")
        )

    def in_queue(self, show: str):
        """The part of the queue ``show`` (a ``QueueFilter``) asks for; needs
        ``in_queue_order``. Anything else is the whole queue."""
        if show == QueueFilter.OVERDUE:
            return self.filter(queue_rank=QueueRank.OVERDUE)
        if show == QueueFilter.DUE:
            # Overdue counts as due; "this week" is the next seven days, today included.
            week_end = ExpressionWrapper(
                F("queue_today") + dt.timedelta(days=QUEUE_DUE_DAYS - 1),
                output_field=models.DateField(),
            )
            return self.filter(queue_check_date__lte=week_end)
        if show == QueueFilter.NO_ONE_THING:
            return self.filter(queue_rank=QueueRank.NEEDS_ONE_THING)
        return self

    def next_due(self, *, now: dt.datetime, after: User) -> "Rep | None":
        """The next rep due after updating ``after``: the first of the queue
        (``in_queue_order``) who is not ``after`` and whose update is not
        already done today (their today: a check recorded or a one thing
        agreed), or None. One query."""
        done_today = Commitment.objects.filter(rep=OuterRef("pk")).filter(
            Q(issued_on=OuterRef("queue_today"))
            | Q(check_result__checked_on=OuterRef("queue_today"))
        )
        return (
            self.exclude(pk=after.pk)
            .in_queue_order(now)
            .exclude(Exists(done_today))
            .only("pk", "name", "timezone")
            .first()
        )


# --- the 1:1 queue: who comes next ------------------------------------------
class QueueRank(models.IntegerChoices):
    """Where a rep stands in the manager's 1:1 queue, first to last."""

    OVERDUE = 0, "Overdue"
    DUE_TODAY = 1, "Due today"
    NEEDS_ONE_THING = 2, "Needs a one thing"
    UPCOMING = 3, "Upcoming"


class QueueFilter(models.TextChoices):
    """The parts of the queue the team page can show (``?show=``)."""

    ALL = "all", "All"
    DUE = "due", "Due this week"
    OVERDUE = "overdue", "Overdue"
    NO_ONE_THING = "none", "No one thing"


# "Due this week": a check within this many days, today included.
QUEUE_DUE_DAYS = 7


class Rep(User):
    """A rep as the loop sees them: the facts read from ``for_team_page``."""

    objects = RepQuerySet.as_manager()

    class Meta:
        proxy = True

    @property
    def active_commitment(self) -> Commitment | None:
        return self.active_list[0] if self.active_list else None

    @property
    def queue_status(self) -> str:
        """Where the rep stands in the 1:1 queue, in words (``in_queue_order``)."""
        return QueueRank(self.queue_rank).label

    @property
    def recent_oldest_first(self) -> list[Commitment]:
        return list(reversed(self.recent_closed[:HISTORY_AT_A_GLANCE]))

    @property
    def recent_judged(self) -> list[Commitment]:
        """The latest closed weeks, newest first, stepping over weeks with
        no opportunity: they neither count as a miss nor break a run."""
        return [c for c in self.recent_closed if c.status != CommitmentStatus.NO_OPP]

    @property
    def missed_in_a_row(self) -> int:
        """How many of the latest checks were misses, back to the last one
        that wasn't (no opportunity neither counts nor breaks the run)."""
        count = 0
        for commitment in self.recent_judged:
            if commitment.status != CommitmentStatus.MISSED:
                break
            count += 1
        return count

    @property
    def beyond_coaching(self) -> bool:
        """Missed week after week though skill, time and the why were ruled out.

        The seed: when a rep can do it in a drill, buys the why, has the time
        and still won't run it, it is a will or fit problem for a frank
        performance conversation, not more coaching. Here, following the
        tree: the last ``beyond_coaching_misses()`` checks (no opportunity
        stepped over) were misses, each diagnosed by the viewer (diagnoses
        are private to their author) and each pointing beyond coaching
        (``points_beyond_coaching``). Needs ``for_team_page`` with diagnoses.
        """
        needed = beyond_coaching_misses()
        latest = self.recent_judged[:needed]
        if len(latest) < needed:
            return False
        return all(c.points_beyond_coaching for c in latest)


def recent_weeks() -> int:
    """How many closed weeks ``for_team_page`` loads per rep."""
    return max(HISTORY_AT_A_GLANCE, 2 * beyond_coaching_misses())


# --- the method's health across an organisation -----------------------------
# Not kept: the loops that were diagnosed (or should have been).
NOT_KEPT = (CommitmentStatus.MISSED, CommitmentStatus.PARTLY)
# A root cause is the organisation's pattern when it is at least this share
# of the diagnosed misses.
DOMINANT_CAUSE_SHARE = 0.4
# The mix is shown only over enough diagnosed misses of enough reps that no
# one rep's diagnosis can be read from it (diagnoses are private to their author).
MIX_MIN_MISSES = 5
MIX_MIN_REPS = 3
# What a dominant root cause says the fix is: above all, when "system"
# dominates the fix is operations, not more coaching.
ROOT_CAUSE_FIX = {
    Diagnosis.SYSTEM: "Most misses are system gaps: the fix is operations (protect the "
    "time block, move the meeting, fix the tool or the territory), not more coaching.",
    Diagnosis.SKILL: "Most misses are skill: more drills and role-plays between checks.",
    Diagnosis.WILL: "Most misses are will: re-sell the why and tie each one thing to the "
    "rep's own goal; a rep who still won't is a performance conversation.",
    Diagnosis.KNOWLEDGE: "Most misses are knowledge: explain why before what.",
    Diagnosis.TRANSFER: "Most misses are transfer: fine in drills, not live. Shadow live "
    "calls and nudge in the moment.",
}


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclasses.dataclass(frozen=True)
class RootCause:
    diagnosis: Diagnosis
    count: int


@dataclasses.dataclass(frozen=True)
class TrendWeek:
    """One week of checks (by check date): how many, kept, on time."""

    monday: dt.date
    checked: int
    kept: int
    on_time: int

    @property
    def kept_pct(self) -> int | None:
        return round(100 * self.kept / self.checked) if self.checked else None

    @property
    def on_time_pct(self) -> int | None:
        return round(100 * self.on_time / self.checked) if self.checked else None


@dataclasses.dataclass(frozen=True)
class MethodHealth:
    """``CommitmentQuerySet.method_health``: aggregates, never whose."""

    misses: int
    undiagnosed: int
    reissued: int
    causes: list[RootCause]
    trend: list[TrendWeek]
    diagnosed_reps: int = 0
    # The mean days from a miss's check to its diagnosis (None: none diagnosed).
    days_to_diagnosis: float | None = None
    min_misses: ClassVar[int] = MIX_MIN_MISSES
    min_reps: ClassVar[int] = MIX_MIN_REPS

    @property
    def diagnosed(self) -> int:
        return sum(cause.count for cause in self.causes)

    @property
    def mix_shown(self) -> bool:
        """Enough diagnosed misses of enough reps that the mix is anonymous."""
        return self.diagnosed >= MIX_MIN_MISSES and self.diagnosed_reps >= MIX_MIN_REPS

    def share(self, cause: RootCause) -> int:
        return round(100 * cause.count / self.diagnosed) if self.diagnosed else 0

    @property
    def dominant(self) -> RootCause | None:
        """The root cause that is the organisation's pattern, if one is."""
        if not self.causes or not self.mix_shown:
            return None
        top = self.causes[0]
        return top if top.count >= DOMINANT_CAUSE_SHARE * self.diagnosed else None

    @property
    def fix(self) -> str:
        dominant = self.dominant
        return ROOT_CAUSE_FIX.get(dominant.diagnosis, "") if dominant else ""


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


# --- diagnoses completed later, performance conversations (issue 7) --------


class DiagnosisChange(models.Model):
    """A "not sure yet" diagnosis completed later by its author: recorded
    with its time, never a silent rewrite. Private to its author."""

    check_result = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="diagnosis_changes"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    before = models.CharField(max_length=9, choices=Diagnosis)
    after = models.CharField(max_length=9, choices=Diagnosis)

    class Meta:
        ordering = ["at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(before__in=Diagnosis.values) & Q(after__in=Diagnosis.values),
                name="commitments_diagnosischange_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.before} → {self.after} on {self.at:%Y-%m-%d}"


def undiagnosed_check(rep: User, viewer: User) -> "Check | None":
    """The miss to chase: the rep's latest judged check (no opportunity
    stepped over), when it was missed or partly kept and its author,
    ``viewer``, said "not sure yet". None for anyone else: the diagnosis
    column is read only for its author."""
    latest = (
        Check.objects.filter(commitment__rep=rep)
        .exclude(outcome=Outcome.NO_OPP)
        .select_related("commitment")
        .defer("diagnosis", *PRIVATE_CHECK_FIELDS)
        .annotate(
            own_diagnosis=Case(
                When(private_to(viewer, author="checked_by"), then=F("diagnosis")),
                default=Value(""),
                output_field=models.CharField(),
            )
        )
        .order_by("-checked_at", "-pk")
        .first()
    )
    if (
        latest is None
        or latest.outcome not in NEEDS_DIAGNOSIS
        or latest.own_diagnosis != Diagnosis.UNSURE
    ):
        return None
    return latest


class PerformanceConversationQuerySet(models.QuerySet):
    def own(self, viewer: User):
        """Only the manager who held them reads them."""
        return self.filter(private_to(viewer, author="manager"))


class PerformanceConversation(models.Model):
    """The frank conversation beyond coaching calls for, recorded. The
    note is private to the manager who held it."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(help_text="In the rep's time zone.")
    note = models.TextField(blank=True, help_text="Private to you.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PerformanceConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-created_at"]
        indexes = [
            # The rep page: a rep's conversations, latest first.
            models.Index(fields=["rep", "-held_on"], name="commitments_perfconv_rep_on"),
        ]

    def __str__(self) -> str:
        return f"Performance conversation with {self.rep} on {self.held_on}"
