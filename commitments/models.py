"""The coaching loop: 1:1 sessions, the one commitment, its check, practice.

This module is the loop's rule book. Every loop fact is defined here once and
in the rep's own local day — overdue, due in N days, checked on time, missed
in a row, beyond coaching, the next steps an outcome allows, and who may read
private notes and diagnoses. Pages, tiles, emails and digests read these; none
recomputes them.
"""

import dataclasses
import datetime as dt
import difflib
import re
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
from reps.models import RAMP_DAYS, User, UserQuerySet

from .library import BY_SLUG, LibraryEntry
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

    def with_ladder_history(self):
        """The check's corrections (without the private diagnoses), the
        standing behaviour's re-checks and the wording's revisions
        prefetched: three queries. Needs ``for_history``."""
        return self.prefetch_related(
            Prefetch(
                "check_result__corrections",
                queryset=CheckCorrection.objects.defer("old_diagnosis", "new_diagnosis"),
            ),
            Prefetch("rechecks", queryset=StandingRecheck.objects.order_by("answered_at", "pk")),
            "revisions",
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
                # No opportunity is no judgment: out of the kept share.
                judged=Count("pk", filter=IS_JUDGED),
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
                    judged=row["judged"] if row else 0,
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
    # Weeks 9–12: the rep drafted it and the manager edited it before approving.
    REP_EDITED = "rep_edit", "Rep drafted, manager edited"


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
    # The rep's "Deal": they said it back and took it on (at creation when
    # they proposed it themself).
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The leading indicator: a number the rep logs and both watch move.
    indicator_unit = models.CharField(
        "leading indicator",
        max_length=80,
        blank=True,
        help_text="A number to watch each week, e.g. “discovery calls with 3+ questions”.",
    )
    indicator_target = models.PositiveIntegerField(
        "weekly target", null=True, blank=True, validators=[MinValueValidator(1)]
    )

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
            models.CheckConstraint(
                condition=Q(indicator_target__isnull=True) | Q(indicator_target__gt=0),
                name="commitments_commitment_indicator_target_positive",
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

    # Standing behaviours (``standing_behaviours`` loads what these read).
    @property
    def kept_on(self) -> dt.date:
        """The day it was kept (needs ``check_result`` loaded)."""
        return self.check_result.checked_on

    @property
    def recheck_answers(self) -> list["StandingRecheck"]:
        """Its re-checks, oldest first (loaded by ``standing_behaviours``)."""
        if hasattr(self, "recheck_list"):
            return self.recheck_list
        return list(self.rechecks.all())

    @property
    def slipped_recheck(self) -> "StandingRecheck | None":
        """The re-check at which it slipped (the latest answer was "slipped")."""
        answers = self.recheck_answers
        return answers[-1] if answers and not answers[-1].still_running else None

    @property
    def next_recheck_on(self) -> dt.date | None:
        """When it is next re-checked (``recheck_due_on``); ``None`` once it
        slipped or passed every re-check. Needs ``rechecks`` prefetched."""
        if self.slipped_recheck is not None:
            return None
        running = [r.answered_on for r in self.recheck_answers if r.still_running]
        return recheck_due_on(self.kept_on, running)

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
            # Enough weeks for ``beyond_coaching`` to step over weeks with no
            # opportunity; the strip shows the last ``HISTORY_AT_A_GLANCE``.
            Prefetch("commitments", queryset=recent[: recent_weeks()], to_attr="recent_closed"),
        )

    def with_guidance_facts(self, now: dt.datetime):
        """In the same query (no extra one): today's ramp answer
        (``ramp_answer_today``: True, False or None), whether ramp ended
        early (``ramp_ended_early``), and the rep-authored share's counts
        (``authored_total``, ``authored_by_rep``, first issues only)."""
        answers = DailyAnswer.objects.filter(rep=OuterRef("pk")).order_by()
        firsts = Commitment.objects.filter(rep=OuterRef("pk"), reissue_of__isnull=True).order_by()

        def count(queryset):
            counted = queryset.values("rep").annotate(n=Count("pk")).values("n")
            return Coalesce(Subquery(counted), 0)

        return self.alias(guidance_today=LocalDate("timezone", now=now)).annotate(
            ramp_answer_today=Subquery(
                answers.filter(day=OuterRef("guidance_today")).values("did_it")[:1]
            ),
            ramp_ended_early=Exists(
                answers.filter(ends_ramp=True, day__lt=OuterRef("guidance_today"))
            ),
            authored_total=count(firsts),
            authored_by_rep=count(firsts.filter(AUTHORED_BY_REP)),
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
        if show == QueueFilter.NEEDS_HELP:
            # The rep's latest mid-week answer about their active one thing.
            latest = RepPulse.objects.filter(
                IS_ACTIVE_PULSE, commitment__rep=OuterRef("pk")
            ).order_by("-at", "-pk")
            return self.alias(queue_pulse=Subquery(latest.values("answer")[:1])).filter(
                queue_pulse=PulseAnswer.NEED_HELP
            )
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
    NEEDS_HELP = "help", "Needs help"


# A pulse about the rep's active one thing (``RepPulse``).
IS_ACTIVE_PULSE = Q(commitment__status=CommitmentStatus.ACTIVE)


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
    def in_ramp_now(self) -> bool:
        """Ramp mode today, the calendar's and the answers' (needs
        ``with_guidance_facts``): over early once the behaviour stuck."""
        return self.in_ramp() and not self.ramp_ended_early

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
    """One week of checks (by check date): how many, judged, kept, on time."""

    monday: dt.date
    checked: int
    kept: int
    on_time: int
    # Checked weeks that judged the behaviour (no opportunity is not one).
    judged: int = 0

    @property
    def kept_pct(self) -> int | None:
        return round(100 * self.kept / self.judged) if self.judged else None

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


# --- practice plan (drills) and leading indicators --------------------------
# At most this many drills or role-plays per commitment: a week has room for
# a few deliberate reps, not a curriculum.
DRILLS_MAX = 3
# A logged indicator value above this is a typo, not a week's work.
INDICATOR_VALUE_MAX = 10_000
# The chart shows this many of the rep's weeks, the current one last.
CHART_WEEKS = 12
# The strength score looks back over this many checked weeks of one behaviour.
STRENGTH_WEEKS = 6
# Each older week weighs this much of the week after it: recent weeks count
# most, and one miss among kept weeks lowers the score without zeroing it.
STRENGTH_DECAY = 0.8
STRENGTH_STRONG = 70
STRENGTH_TAKING_HOLD = 40
# What a checked week is worth to the strength score. Any other closed
# status (no opportunity: the situation never came up) is left out, never
# counted as a miss.
OUTCOME_CREDIT: dict[str, float] = {
    CommitmentStatus.KEPT: 1.0,
    CommitmentStatus.PARTLY: 0.5,
    CommitmentStatus.MISSED: 0.0,
}
# How each check is marked on the chart: a symbol and words, never colour
# alone. A closed status not listed (no opportunity) is marked "–".
OUTCOME_MARK: dict[str, tuple[str, str]] = {
    CommitmentStatus.KEPT: ("✓", "kept"),
    CommitmentStatus.PARTLY: ("◐", "partly kept"),
    CommitmentStatus.MISSED: ("✗", "missed"),
}
NO_OPPORTUNITY_MARK = ("○", "no opportunity")
# The diagnosis letter on the chart (for its author only): S for skill,
# sYstem as Y so it differs from skill.
DIAGNOSIS_LETTER: dict[str, str] = {
    Diagnosis.SKILL: "S",
    Diagnosis.WILL: "W",
    Diagnosis.KNOWLEDGE: "K",
    Diagnosis.SYSTEM: "Y",
    Diagnosis.TRANSFER: "T",
}


def outcome_mark(status: str) -> tuple[str, str]:
    """The symbol and the words a closed week is marked with."""
    return OUTCOME_MARK.get(status, NO_OPPORTUNITY_MARK)


def drill_default_day(
    *, issued_on: dt.date, check_date: dt.date, today: dt.date, index: int
) -> dt.date:
    """The day the ``index``-th drill (0-based) is planned for by default.

    Drills are spread over the working days (Monday to Friday) after the 1:1
    that agreed the commitment — from today, when they are added later — and
    before the 1:1 that checks it: the first early, the second mid-week, the
    third late. Spaced practice beats a block the night before the check.
    """
    start = max(issued_on + dt.timedelta(days=1), today)
    days = [start + dt.timedelta(days=n) for n in range((check_date - start).days)]
    working = [day for day in days if day.weekday() < 5] or days or [max(today, issued_on)]
    slot = min(index, DRILLS_MAX - 1)
    return working[min(int((slot + 0.5) * len(working) / DRILLS_MAX), len(working) - 1)]


def rep_week_start(rep: User, day: dt.date) -> dt.date:
    """The start of the rep's week holding ``day``: their weeks run from one
    1:1 weekday to the next, so a week's values line up with a commitment."""
    return day - dt.timedelta(days=(day.weekday() - rep.one_on_one_weekday) % 7)


@dataclasses.dataclass(frozen=True)
class Strength:
    """How established a behaviour is: ``score`` 0-100 (None before its first
    check), a word for it and one plain line explaining it."""

    score: int | None
    label: str
    text: str
    weeks: int = 0
    kept: int = 0
    partly: int = 0
    missed: int = 0


def strength_of(statuses) -> Strength:
    """The strength of a behaviour from its checked weeks' statuses, newest first.

    An exponentially weighted share of kept weeks (kept 1, partly ½, missed
    0) over the last ``STRENGTH_WEEKS`` checked weeks, each older week
    weighing ``STRENGTH_DECAY`` of the one after it. The weights of all
    ``STRENGTH_WEEKS`` slots are the denominator, so a behaviour becomes
    established by being kept week after week, not by one good week; and
    because it is a share, not a streak, one miss lowers it without undoing
    it (kept 5 of 6 with the latest missed is still strong). Weeks with no
    opportunity are left out.
    """
    weeks = [s for s in statuses if s in OUTCOME_CREDIT][:STRENGTH_WEEKS]
    if not weeks:
        return Strength(
            None, "Not checked yet", "Not checked yet: the score starts at the first check."
        )
    weights = [STRENGTH_DECAY**n for n in range(STRENGTH_WEEKS)]
    earned = sum(w * OUTCOME_CREDIT[s] for w, s in zip(weights, weeks, strict=False))
    score = round(100 * earned / sum(weights))
    kept = weeks.count(CommitmentStatus.KEPT)
    partly = weeks.count(CommitmentStatus.PARTLY)
    missed = weeks.count(CommitmentStatus.MISSED)
    if score >= STRENGTH_STRONG:
        label = "Strong"
    elif score >= STRENGTH_TAKING_HOLD:
        label = "Taking hold"
    elif kept or partly:
        label = "Early days"
    else:
        label = "Not yet"
    n = len(weeks)
    done = f"kept {kept}" + (f", partly {partly}" if partly else "")
    last = "the last week" if n == 1 else f"the last {n} weeks"
    text = f"{label}: {done} of {last}"
    if label == "Strong" and missed == 1:
        text += "; one miss doesn't undo it."
    elif label == "Strong" and missed:
        text += "; the misses don't undo it."
    elif label == "Strong":
        text += "."
    elif n < STRENGTH_WEEKS:
        text += "; each kept week makes it stronger."
    elif not kept and not partly:
        text += ": diagnose what gets in the way before trying again."
    else:
        text += "; keep it up to make it stick."
    return Strength(score, label, text, n, kept, partly, missed)


def same_behaviour(a: str, b: str) -> bool:
    """Two commitments are the same behaviour's line (a re-issue, a week
    reinforced) when they say the same thing, whatever the spacing or case."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class DrillKind(models.TextChoices):
    DRILL = "drill", "Drill"
    ROLE_PLAY = "roleplay", "Role-play"


class Drill(models.Model):
    """A drill or role-play the manager attaches to a commitment: the prompt,
    a talk track and a model answer word for word, on a planned day. The rep
    ticks it off once; the tick is a practice entry, so it counts as practice."""

    Kind = DrillKind

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="drills")
    kind = models.CharField(max_length=8, choices=Kind, default=Kind.DRILL)
    prompt = models.CharField(
        "prompt", max_length=300, help_text="The situation, e.g. “Just send me some information.”"
    )
    talk_track = models.TextField("talk track", blank=True, max_length=2000)
    model_answer = models.TextField("model answer, word for word", blank=True, max_length=2000)
    planned_on = models.DateField("planned for")
    done_at = models.DateTimeField(null=True, blank=True)
    practice_log = models.OneToOneField(
        PracticeLog, on_delete=models.SET_NULL, null=True, blank=True, related_name="drill"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DrillKind.values), name="commitments_drill_kind_valid"
            ),
        ]
        indexes = [
            # The rep page and /me/: the drills of the active commitment.
            models.Index(fields=["commitment", "planned_on"], name="commitments_drill_c_on"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.prompt}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


def drills_done_summary(drills) -> str:
    """“2 of 3 drills done”, or '' when none is planned."""
    drills = list(drills)
    if not drills:
        return ""
    done = sum(d.is_done for d in drills)
    return f"{done} of {len(drills)} drill{'s' if len(drills) != 1 else ''} done"


class IndicatorEntry(models.Model):
    """A value of the commitment's leading indicator the rep logged for a day."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="indicator_entries"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="indicator_entries"
    )
    day = models.DateField()
    value = models.PositiveIntegerField(validators=[MaxValueValidator(INDICATOR_VALUE_MAX)])
    # One tap, one entry (as for practice): a retried request logs nothing twice.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=INDICATOR_VALUE_MAX),
                name="commitments_indicatorentry_value_in_range",
            ),
            models.UniqueConstraint(
                fields=["rep", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="commitments_indicatorentry_one_per_key",
            ),
        ]
        indexes = [
            # The chart: one rep's values over the last weeks.
            models.Index(fields=["rep", "day"], name="commitments_indicator_rep_day"),
        ]

    def __str__(self) -> str:
        return f"{self.value} on {self.day}"


@dataclasses.dataclass(frozen=True)
class ChartWeek:
    start: dt.date
    value: int | None  # the week's sum; None: nothing logged
    target: int | None
    unit: str


@dataclasses.dataclass(frozen=True)
class ChartPeriod:
    """A commitment's span on the chart: agreed on ``start``, checked (or
    due) on ``end``."""

    start: dt.date
    end: dt.date
    behaviour: str
    target: int | None
    unit: str


@dataclasses.dataclass(frozen=True)
class ChartCheck:
    day: dt.date
    status: str
    symbol: str
    words: str
    letter: str  # the diagnosis letter, for the diagnosis's author only
    diagnosis: str


@dataclasses.dataclass(frozen=True)
class IndicatorChart:
    """The leading indicator across the rep's last weeks, as ``viewer`` may see it."""

    first_day: dt.date
    last_day: dt.date  # the day after the window
    weeks: list[ChartWeek]
    periods: list[ChartPeriod]
    checks: list[ChartCheck]
    unit: str
    target: int | None
    this_week: int | None
    strength: Strength

    @property
    def has_values(self) -> bool:
        return any(w.value is not None for w in self.weeks)

    @property
    def mixed_units(self) -> bool:
        """The weeks shown count different things (a layered behaviour
        watches a new number): each is read against its own target."""
        return len({w.unit for w in self.weeks if w.value is not None}) > 1


def indicator_chart(
    *, rep: User, viewer: User, today: dt.date, subject: "Commitment | None"
) -> IndicatorChart:
    """The chart's data and the strength of ``subject``'s behaviour (the
    active commitment, or else the latest): two queries however many weeks.

    The weeks are the rep's (``rep_week_start``), the last ``CHART_WEEKS`` up to
    the one holding ``today``; each week's value is the sum of what was
    logged that week. A check shows its outcome, and its diagnosis letter
    only to the manager who wrote it (``private_to``)."""
    first_day = rep_week_start(rep, today) - dt.timedelta(weeks=CHART_WEEKS - 1)
    last_day = first_day + dt.timedelta(weeks=CHART_WEEKS)
    window = Q(check_date__gte=first_day) | Q(closed_at__date__gte=first_day) | IS_ACTIVE
    if subject is not None:
        window |= Q(behaviour=subject.behaviour)
    rows = list(
        Commitment.objects.filter(rep=rep, issued_on__lt=last_day)
        .filter(window)
        .for_history(viewer)
        .order_by("issued_on", "created_at", "pk")
    )
    if subject is None:
        closed = [c for c in rows if not c.is_active]
        subject = closed[-1] if closed else None
    periods, checks = [], []
    for c in rows:
        # A closed week has its check; one closed without (by hand, in the
        # admin) is drawn as a period with no mark.
        checked = None if c.is_active else getattr(c, "check_result", None)
        end = checked.checked_on if checked else c.check_date
        if end < first_day:
            continue
        periods.append(
            ChartPeriod(c.issued_on, end, c.behaviour, c.indicator_target, c.indicator_unit)
        )
        if checked and first_day <= checked.checked_on < last_day:
            symbol, words = outcome_mark(c.status)
            checks.append(
                ChartCheck(
                    checked.checked_on,
                    c.status,
                    symbol,
                    words,
                    DIAGNOSIS_LETTER.get(c.private_diagnosis, ""),
                    Diagnosis(c.private_diagnosis).label
                    if c.private_diagnosis in Diagnosis.values
                    else "",
                )
            )
    sums: dict[dt.date, int] = {}
    for day, value in IndicatorEntry.objects.filter(
        rep=rep, day__gte=first_day, day__lt=last_day
    ).values_list("day", "value"):
        start = rep_week_start(rep, day)
        sums[start] = sums.get(start, 0) + value
    weeks = []
    for n in range(CHART_WEEKS):
        start = first_day + dt.timedelta(weeks=n)
        # The commitment the week belongs to: the one running at its start
        # (or the first agreed in it).
        period = next(
            (p for p in reversed(periods) if p.start <= start < p.end),
            next((p for p in periods if start <= p.start < start + dt.timedelta(days=7)), None),
        )
        weeks.append(
            ChartWeek(
                start,
                sums.get(start),
                period.target if period else None,
                period.unit if period else "",
            )
        )
    line = [
        c.status
        for c in reversed(rows)
        if subject is not None
        and not c.is_active
        and same_behaviour(c.behaviour, subject.behaviour)
    ]
    named = [p for p in periods if p.unit]
    unit = subject.indicator_unit if subject and subject.indicator_unit else ""
    if not unit and named:
        unit = named[-1].unit
    return IndicatorChart(
        first_day=first_day,
        last_day=last_day,
        weeks=weeks,
        periods=periods,
        checks=checks,
        unit=unit,
        target=subject.indicator_target if subject else None,
        this_week=weeks[-1].value,
        strength=strength_of(line),
    )


# --- guidance: wording, drafts (30/60/90), ramp answers --------------------
# A commitment is checkable only with a count or a when. Either may be in the
# fields (how many, which days, by what time) or in the words themselves
# ("before hanging up", "on every call", "25 cold calls").
_COUNT_IN_WORDS = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty"
    r"|thirty|forty|fifty|hundred|dozen|couple)\b",
    re.IGNORECASE,
)
_WHEN_IN_WORDS = re.compile(
    r"\b(every|each|daily|weekly|before|after|within|until|mornings?|afternoons?|evenings?"
    r"|today|tonight|tomorrow|this week|next week|weekdays?|noon|first thing|end of (the )?day"
    r"|per (day|week|call|meeting)|a (day|week)"
    r"|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?)\b"
    r"|\b[ap]\.m\.",
    re.IGNORECASE,
)
NEEDS_COUNT_OR_WHEN = (
    "Add a count or a when: how many (e.g. 10 emails), which days, or by what time. "
    "Then you can both tell whether it happened."
)


def commitment_wording_problem(
    *,
    behaviour: str,
    target_count: int | None = None,
    target_days: str = "",
    by_time: dt.time | None = None,
) -> str:
    """Why this one thing cannot be checked as worded, or ''.

    It needs a count or a when, in the fields or in the words. (An empty
    behaviour is a separate rule: "write the one thing".)"""
    if not behaviour.strip():
        return ""
    if target_count or target_days.strip() or by_time is not None:
        return ""
    if _COUNT_IN_WORDS.search(behaviour) or _WHEN_IN_WORDS.search(behaviour):
        return ""
    return NEEDS_COUNT_OR_WHEN


@dataclasses.dataclass(frozen=True)
class WordingHint:
    """Vague wording and the concrete rewrite offered instead (a library pick)."""

    phrase: str
    slug: str

    @property
    def entry(self) -> LibraryEntry:
        return BY_SLUG[self.slug]

    @property
    def text(self) -> str:
        return f"“{self.phrase}” is hard to check. Instead, try: “{self.entry.example}”"


# Vague wording → the proven commitment (``library.LIBRARY``) offered instead.
VAGUE_WORDING: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), slug)
    for pattern, slug in (
        (r"\bprospect(ing)? (more|harder|better)\b", "first-touch-emails"),
        (r"\b(send|write) (more|better) (cold )?emails\b", "first-touch-emails"),
        (r"\bfollow(ing)?[- ]?up (more|better|faster|quicker)\b", "follow-up-within-48h"),
        (r"\b(be|get|sound) more confident\b", "permission-opener"),
        (r"\b(make|do) more (cold )?calls\b", "power-hour"),
        (
            r"\b(work on|improve|better|do better) (my |your |their )?discovery\b",
            "discovery-why-now",
        ),
        (r"\bask (more|better) questions\b", "discovery-why-now"),
        (r"\bbe more proactive\b", "dated-next-step"),
        (r"\b(close|closing) (more|better)\b", "dated-next-step"),
        (r"\b(be more|get) organi[sz]ed\b", "crm-within-the-hour"),
        (r"\b(update|keep) (the )?crm (better|up to date)\b", "crm-within-the-hour"),
        (r"\blisten (more|better)\b", "pain-playback"),
        (r"\b(better |improve (my |your |their )?)demos?\b", "pain-playback"),
        (r"\b(control|manage) deals better\b", "mutual-action-plan"),
        (r"\b(multi-?thread|more contacts)\b(?!.*\d)", "multi-thread"),
    )
)


def vague_wording_hint(behaviour: str) -> WordingHint | None:
    """The first vague phrase in ``behaviour`` and the rewrite it gets, or None.

    A hint, not a rule: it blocks nothing when there is a count or a when."""
    for pattern, slug in VAGUE_WORDING:
        if match := pattern.search(behaviour or ""):
            return WordingHint(phrase=match.group(0), slug=slug)
    return None


# Who authored a commitment: re-issues repeat one, so only first issues count.
AUTHORED_BY_REP = Q(proposed_by__in=[ProposedBy.REP, ProposedBy.REP_EDITED])
HORIZON_REP_DRAFTS = range(9, 13)


def rep_drafts_for_approval(rep: User, *, today: dt.date) -> bool:
    """Weeks 9–12 of the 30/60/90 path: the rep drafts the one thing and the
    manager approves it as is or edits it; any other week a rep's proposal
    is their commitment at once (self-coaching)."""
    horizon = rep.horizon(today)
    return horizon is not None and horizon["week"] in HORIZON_REP_DRAFTS


def authorship(commitments) -> dict:
    """``total``, ``by_rep`` and ``pct`` (rep-authored share, or None) over
    a queryset of commitments' first issues. One query."""
    row = commitments.filter(reissue_of__isnull=True).aggregate(
        total=Count("pk"), by_rep=Count("pk", filter=AUTHORED_BY_REP)
    )
    row["pct"] = round(100 * row["by_rep"] / row["total"]) if row["total"] else None
    return row


class DraftStatus(models.TextChoices):
    OPEN = "open", "Waiting for the manager"
    APPROVED = "approved", "Approved"


class CommitmentDraft(models.Model):
    """A one thing the rep drafted (weeks 9–12), waiting for their manager to
    approve it as is or edit it. Approving makes it the active commitment."""

    Status = DraftStatus

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commitment_drafts"
    )
    behaviour = models.CharField("the one thing", max_length=300)
    target_count = models.PositiveIntegerField(
        "how many", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    target_unit = models.CharField("of what", max_length=60, blank=True)
    target_days = models.CharField("which days", max_length=60, blank=True)
    by_time = models.TimeField("by what time", null=True, blank=True)
    why = models.TextField("why it matters to the rep", blank=True)
    check_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commitment = models.OneToOneField(
        Commitment, on_delete=models.SET_NULL, null=True, blank=True, related_name="draft"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep"],
                condition=Q(status=DraftStatus.OPEN),
                name="commitments_commitmentdraft_one_open_per_rep",
                violation_error_message="There is already a draft waiting for the manager.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DraftStatus.values),
                name="commitments_commitmentdraft_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(target_count__isnull=True) | Q(target_count__gt=0),
                name="commitments_commitmentdraft_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.behaviour

    WORDING_FIELDS = ("behaviour", "target_count", "target_unit", "target_days", "by_time", "why")

    @property
    def target_summary(self) -> str:
        return Commitment.target_summary.fget(self)

    def edited_by(self, spec) -> bool:
        """The approved ``spec`` changes the draft's wording (the check date
        is the manager's to set and does not count as an edit)."""
        return any(getattr(spec, name) != getattr(self, name) for name in self.WORDING_FIELDS)


# Ramp mode: a daily yes/no on the one behaviour. Ramp ends early when the
# behaviour sticks: a yes on RAMP_STICKS_YES of the last RAMP_STICKS_DAYS
# working days (the rep's own days, today included).
RAMP_STICKS_YES = 5
RAMP_STICKS_DAYS = 6
# An answer may be given on its day or the day after (an evening email read
# the next morning); a daily email's signed link lasts a little longer.
DAILY_ANSWER_LATE_DAYS = 1
RAMP_ROW_DAYS = 10


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def last_working_days(today: dt.date, count: int) -> list[dt.date]:
    """The last ``count`` working days up to ``today``, oldest first."""
    days, day = [], today
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return list(reversed(days))


def ramp_sticks(yes_days, *, today: dt.date) -> bool:
    """The behaviour sticks: yes on 5 of the last 6 working days."""
    window = last_working_days(today, RAMP_STICKS_DAYS)
    return sum(day in set(yes_days) for day in window) >= RAMP_STICKS_YES


def daily_answer_day_problem(day: dt.date, *, today: dt.date) -> str:
    """Why an answer for ``day`` cannot be given on ``today``, or ''."""
    if day > today:
        return "Answer once the day is done, not ahead of time."
    if (today - day).days > DAILY_ANSWER_LATE_DAYS:
        return "That day is over: answer today's question instead."
    return ""


class DailyAnswerVia(models.TextChoices):
    PAGE = "page", "On the page"
    EMAIL = "email", "From the daily email"


class DailyAnswerQuerySet(models.QuerySet):
    def ramp_ended(self):
        """The answers that ended a rep's ramp (at most one per rep)."""
        return self.filter(ends_ramp=True)


class DailyAnswer(models.Model):
    """In ramp mode: did the rep do the one thing that day? One per rep per day."""

    Via = DailyAnswerVia

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_answers"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="daily_answers"
    )
    day = models.DateField(help_text="The rep's day it is about, in their zone.")
    did_it = models.BooleanField()
    via = models.CharField(max_length=5, choices=Via)
    answered_at = models.DateTimeField()
    # This yes made the behaviour stick (``ramp_sticks``): ramp ended that day.
    ends_ramp = models.BooleanField(default=False)

    objects = DailyAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "day"], name="commitments_dailyanswer_one_per_rep_per_day"
            ),
            models.UniqueConstraint(
                fields=["rep"],
                condition=Q(ends_ramp=True),
                name="commitments_dailyanswer_ramp_ends_once",
            ),
            models.CheckConstraint(
                condition=Q(via__in=DailyAnswerVia.values),
                name="commitments_dailyanswer_via_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_ramp=False) | Q(did_it=True),
                name="commitments_dailyanswer_ends_ramp_on_a_yes",
            ),
        ]
        indexes = [
            # The rep and team pages: a rep's recent answers.
            models.Index(fields=["rep", "-day"], name="commitments_daily_rep_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {'yes' if self.did_it else 'no'}"


@dataclasses.dataclass(frozen=True)
class RampState:
    """Where a rep is with ramp mode, for the pages: ``on`` (daily checks),
    and, once over, when and why it ended."""

    on: bool
    ended_on: dt.date | None = None
    why: str = ""


def ramp_state(rep: User, *, today: dt.date, ended_by: "DailyAnswer | None") -> RampState:
    """In ramp on ``today``: ``rep.in_ramp`` and the behaviour has not stuck
    before today (``ended_by``: the answer that ended it, or None)."""
    if ended_by is not None and ended_by.day < today:
        return RampState(
            on=False,
            ended_on=ended_by.day,
            why=f"the behaviour stuck: yes on {RAMP_STICKS_YES} of the last "
            f"{RAMP_STICKS_DAYS} working days",
        )
    if rep.in_ramp(today):
        return RampState(on=True)
    if rep.ramp == rep.Ramp.AUTO and rep.start_date and rep.start_date < today:
        return RampState(
            on=False,
            ended_on=rep.start_date + dt.timedelta(days=RAMP_DAYS),
            why="two weeks from the start date",
        )
    return RampState(on=False)


def ramp_row(answers, *, today: dt.date) -> list[tuple[dt.date, "DailyAnswer | None"]]:
    """The last working days up to ``today`` with their answer (or None),
    oldest first, for the ✓/✗ row on the pages."""
    by_day = {answer.day: answer for answer in answers}
    if not by_day:
        return []
    first = min(by_day)
    return [(d, by_day.get(d)) for d in last_working_days(today, RAMP_ROW_DAYS) if d >= first]


# --- standing behaviours, spaced re-checks, corrections, revisions ----------
# A kept behaviour is a standing behaviour: it is re-checked this many weeks
# after it was kept — 2, then 4, then 8 — each "still running" answer
# scheduling the next gap from the day it was given (an answer given late
# moves the rest along). After the last one the behaviour is established.
RECHECK_WEEKS = (2, 4, 8)
# The author of a check or a practice entry may correct it for this long.
CORRECTION_WINDOW = dt.timedelta(hours=24)
# The ladder shows at most this many standing behaviours (newest first).
LADDER_MAX = 12
# A wording edit this close to the old words (difflib's ratio) is a
# clarification (a typo, a word order); below it, a new version.
CLARIFY_SIMILARITY = 0.8
# The fields of a commitment its wording edit may change (never the dates).
REVISABLE_FIELDS = ("behaviour", "target_count", "target_unit", "target_days", "by_time", "why")


def recheck_due_on(kept_on: dt.date, still_running_on: list[dt.date]) -> dt.date | None:
    """When a standing behaviour kept on ``kept_on`` is next re-checked, given
    the days its earlier re-checks were answered "still running" (in order);
    ``None`` once every re-check in ``RECHECK_WEEKS`` was passed."""
    done = len(still_running_on)
    if done >= len(RECHECK_WEEKS):
        return None
    since = still_running_on[-1] if done else kept_on
    gap = RECHECK_WEEKS[done] - (RECHECK_WEEKS[done - 1] if done else 0)
    return since + dt.timedelta(weeks=gap)


def correction_open(at: dt.datetime, now: dt.datetime) -> bool:
    """Something recorded ``at`` may still be corrected by its author at ``now``."""
    return now - at <= CORRECTION_WINDOW


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def days_in(text: str) -> int | None:
    """How many days a week ``target_days`` names: "Monday to Thursday" 4,
    "Mon, Wed, Fri" 3, "weekdays" 5, "every day" 7; ``None`` when it can't tell."""
    words = text.casefold()
    if not words.strip():
        return None
    if re.search(r"\b(every ?day|daily)\b", words):
        return 7
    if re.search(r"\b(weekdays?|working days?|workdays?)\b", words):
        return 5
    found = [
        _WEEKDAYS.index(m) for m in re.findall(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*", words)
    ]
    if not found:
        return None
    if len(found) == 2 and re.search(r"\b(to|till|until|through|thru)\b|[-–—]", words):
        return (found[1] - found[0]) % 7 + 1
    return len(set(found))


def revision_values(commitment: "Commitment") -> dict:
    """The revisable fields of ``commitment`` as JSON-ready values."""
    values = {name: getattr(commitment, name) for name in REVISABLE_FIELDS}
    values["by_time"] = values["by_time"].strftime("%H:%M") if values["by_time"] else None
    return values


def weakenings(old: dict, new: dict) -> list[str]:
    """Why the edit from ``old`` to ``new`` (``revision_values``) asks less of
    the rep — or may: a lower or removed count, a later or removed by-time,
    fewer or removed days, other numbers in the one thing, or the one thing
    reworded beyond a small correction. Empty: it is a clarification."""
    reasons = []
    before, after = old["target_count"], new["target_count"]
    if before and not after:
        reasons.append(f"the count ({before}) is removed")
    elif before and after and after < before:
        reasons.append(f"the count goes down from {before} to {after}")
    before, after = old["by_time"], new["by_time"]
    if before and not after:
        reasons.append(f"the by-time ({before}) is removed")
    elif before and after and after > before:
        reasons.append(f"the by-time moves later, from {before} to {after}")
    before, after = old["target_days"].strip(), new["target_days"].strip()
    if before and not after:
        reasons.append(f"the days ({before}) are removed")
    elif before and before.casefold() != after.casefold():
        had, has = days_in(before), days_in(after)
        if had is None or has is None:
            reasons.append(f"the days change from “{before}” to “{after}”")
        elif has < had:
            reasons.append(f"fewer days: from “{before}” to “{after}”")
    before, after = old["behaviour"], new["behaviour"]
    if re.findall(r"\d+", before) != re.findall(r"\d+", after):
        reasons.append("the numbers in the one thing change")
    elif difflib.SequenceMatcher(None, before.casefold(), after.casefold()).ratio() < (
        CLARIFY_SIMILARITY
    ):
        reasons.append("the one thing is reworded, not just corrected")
    return reasons


def _ladder_queryset():
    return (
        Commitment.objects.filter(status=CommitmentStatus.KEPT, check_result__isnull=False)
        .select_related("check_result", "builds_on")
        .only(
            "rep_id",
            "behaviour",
            "target_count",
            "target_unit",
            "target_days",
            "by_time",
            "why",
            "issued_on",
            "check_date",
            "status",
            "builds_on__behaviour",
            "check_result__commitment_id",
            "check_result__checked_on",
            "check_result__checked_at",
        )
        .order_by("-check_result__checked_at", "-pk")
    )


def standing_behaviours(rep: User) -> list["Commitment"]:
    """The rep's standing behaviours, the latest kept first: each kept
    commitment with its check (when it was kept), what it builds on and its
    re-checks — two queries. A behaviour kept more than once (reinforced,
    re-issued after it slipped) is one rung, its latest keeping."""
    rungs, seen = [], []
    for commitment in _ladder_queryset().filter(rep=rep)[: LADDER_MAX * 2]:
        if any(same_behaviour(commitment.behaviour, other) for other in seen):
            continue
        seen.append(commitment.behaviour)
        rungs.append(commitment)
    # The re-checks in a second query, run even for an empty ladder: the
    # page's query count does not depend on the data.
    answers: dict[int, list[StandingRecheck]] = {}
    for answer in StandingRecheck.objects.filter(commitment__rep=rep).order_by("answered_at", "pk"):
        answers.setdefault(answer.commitment_id, []).append(answer)
    for rung in rungs:
        rung.recheck_list = answers.get(rung.pk, [])
    return rungs[:LADDER_MAX]


def recheck_due(
    standing: list["Commitment"], *, today: dt.date, active: "Commitment | None"
) -> "Commitment | None":
    """The ONE standing behaviour to re-check at today's update ("Still
    running …?"), the longest due first, or ``None``.

    Never the behaviour the active commitment itself asks for (a
    reinforcement or a re-issue of it): that check is its re-check, and the
    schedule waits until it is closed. The behaviour the active one builds on
    is re-checked: a layer's check does not test the rung below."""
    due = [
        rung
        for rung in standing
        if rung.next_recheck_on is not None
        and rung.next_recheck_on <= today
        and not (active is not None and same_behaviour(active.behaviour, rung.behaviour))
    ]
    return min(due, key=lambda rung: (rung.next_recheck_on, rung.pk), default=None)


class StandingRecheck(models.Model):
    """A spaced re-check of a standing behaviour: "Still running …?",
    answered by the rep's manager at an update."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="rechecks")
    due_on = models.DateField(help_text="The day it was due (``recheck_due_on``).")
    answered_on = models.DateField(help_text="The day it was answered, in the rep's time zone.")
    answered_at = models.DateTimeField()
    still_running = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A slipped behaviour made the one thing again (``recheck_reissue``).
    reissued_as = models.OneToOneField(
        Commitment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reissued_from_recheck",
    )

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            # Each re-check answered once: a double-click or a second tab records nothing twice.
            models.UniqueConstraint(
                fields=["commitment", "due_on"], name="commitments_standingrecheck_once_per_due"
            ),
            models.CheckConstraint(
                condition=Q(still_running=False) | Q(reissued_as__isnull=True),
                name="commitments_standingrecheck_reissue_only_slipped",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-check of {self.commitment} on {self.answered_on}: " + (
            "still running" if self.still_running else "slipped"
        )


class CheckCorrection(models.Model):
    """A mistyped check corrected by its author within ``CORRECTION_WINDOW``:
    recorded, never a silent rewrite. The diagnoses stay private to the
    author, like the check's."""

    check_result = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="corrections")
    old_outcome = models.CharField(max_length=20)
    new_outcome = models.CharField(max_length=20)
    old_evidence = models.TextField(blank=True)
    new_evidence = models.TextField(blank=True)
    old_diagnosis = models.CharField(max_length=20, blank=True)
    new_diagnosis = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Check corrected from {self.old_outcome} to {self.new_outcome}"

    @property
    def is_shared(self) -> bool:
        """It changed what both see (the outcome or the evidence): a change
        of the diagnosis alone, and its reason, stay with its author."""
        return self.old_outcome != self.new_outcome or self.old_evidence != self.new_evidence

    @property
    def old_outcome_label(self) -> str:
        return _outcome_label(self.old_outcome)

    @property
    def new_outcome_label(self) -> str:
        return _outcome_label(self.new_outcome)


def _outcome_label(value: str) -> str:
    return dict(Outcome.choices).get(value, value)


class PracticeCorrectionAction(models.TextChoices):
    EDIT = "edit", "Corrected"
    DELETE = "delete", "Deleted"


class PracticeCorrection(models.Model):
    """A practice entry the rep corrected or deleted within ``CORRECTION_WINDOW``."""

    Action = PracticeCorrectionAction

    entry = models.ForeignKey(
        PracticeLog, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="practice_corrections"
    )
    action = models.CharField(max_length=6, choices=Action)
    old = models.JSONField(help_text="The entry before: kind, day, count, note.")
    new = models.JSONField(null=True, blank=True, help_text="The entry after (none: deleted).")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=PracticeCorrectionAction.values),
                name="commitments_practicecorrection_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(action=PracticeCorrectionAction.DELETE, new__isnull=True)
                | Q(action=PracticeCorrectionAction.EDIT, new__isnull=False),
                name="commitments_practicecorrection_new_matches_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} practice on {self.at:%Y-%m-%d}"

    @staticmethod
    def describe(values: dict | None) -> str:
        if not values:
            return ""
        kind = dict(PracticeKind.choices).get(values.get("kind"), values.get("kind"))
        day = dt.date.fromisoformat(values["practiced_on"])
        text = f"{kind}, {day:%a %-d %b}"
        if values.get("count"):
            text += f" × {values['count']}"
        if values.get("note"):
            text += f": {values['note']}"
        return text

    @property
    def old_text(self) -> str:
        return self.describe(self.old)

    @property
    def new_text(self) -> str:
        return self.describe(self.new)


class RevisionKind(models.TextChoices):
    CLARIFY = "clarify", "Clarified"
    NEW_VERSION = "new_version", "New version"


REVISION_LABELS = {
    "behaviour": "the one thing",
    "target_count": "how many",
    "target_unit": "of what",
    "target_days": "which days",
    "by_time": "by what time",
    "why": "why",
}


class CommitmentRevision(models.Model):
    """A wording edit of an active commitment, both sides recorded. A
    clarification keeps what it asks for; a ``new_version`` asks less
    (``weakenings``), was confirmed, and both manager and rep see it."""

    Kind = RevisionKind

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=11, choices=Kind)
    old = models.JSONField(help_text="The changed fields before.")
    new = models.JSONField(help_text="The changed fields after.")
    reasons = models.JSONField(default=list, blank=True, help_text="Why it is a new version.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RevisionKind.values),
                name="commitments_commitmentrevision_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.at:%Y-%m-%d}"

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(what, from, to) for each changed field, in the form's order."""
        return [
            (REVISION_LABELS[name], _shown(self.old.get(name)), _shown(self.new.get(name)))
            for name in REVISABLE_FIELDS
            if name in self.new
        ]


def _shown(value) -> str:
    return "(none)" if value in (None, "") else str(value)


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
