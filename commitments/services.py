"""Writes of the coaching loop. Each is one transaction; views call exactly one.

Every rule a form pre-checks for a friendly message is enforced here again:
a service called directly (a script, the admin, another app) cannot break
the loop.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reps.models import User

from .models import (
    CHECK_LIMIT_DAYS,
    CORRECTION_WINDOW,
    DRILLS_MAX,
    INDICATOR_VALUE_MAX,
    NEEDS_DIAGNOSIS,
    REVISABLE_FIELDS,
    Check,
    CheckCorrection,
    CoachingSession,
    Commitment,
    CommitmentDraft,
    CommitmentRevision,
    CommitmentSkip,
    DailyAnswer,
    Diagnosis,
    DiagnosisChange,
    Drill,
    Fix,
    IndicatorEntry,
    NextStep,
    PerformanceConversation,
    PracticeCorrection,
    PracticeLog,
    PulseAnswer,
    RepPulse,
    StandingRecheck,
    answers_on_path,
    change_reason_problem,
    check_date_after_skip,
    commitment_wording_problem,
    correction_open,
    daily_answer_day_problem,
    diagnose,
    diagnosis_problem,
    drill_default_day,
    fix_problems,
    next_check_default,
    next_steps_after,
    ramp_state,
    ramp_sticks,
    revision_values,
    same_behaviour,
    weakenings,
)
from .signals import check_recorded, commitment_made, loop_changed


class ActiveCommitmentExists(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "There is already an active commitment for this rep. Check it first, "
            "then set the next one. Nothing you typed was saved; it is still in the form.",
            code="active_exists",
        )


class AlreadyChecked(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "This commitment was already checked (perhaps in another tab). "
            "Nothing you typed was saved; it is still in the form.",
            code="already_checked",
        )


class NoActiveCommitment(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "There is no active commitment to log practice against yet.", code="no_active"
        )


@dataclass(frozen=True, kw_only=True)
class CommitmentSpec:
    """What the manager (or the rep, when self-coaching) agrees to."""

    behaviour: str
    check_date: dt.date
    why: str = ""
    target_count: int | None = None
    target_unit: str = ""
    target_days: str = ""
    by_time: dt.time | None = None
    indicator_unit: str = ""
    indicator_target: int | None = None

    @classmethod
    def repeat(cls, commitment: Commitment, *, check_date: dt.date) -> "CommitmentSpec":
        return cls(
            behaviour=commitment.behaviour,
            check_date=check_date,
            why=commitment.why,
            target_count=commitment.target_count,
            target_unit=commitment.target_unit,
            target_days=commitment.target_days,
            by_time=commitment.by_time,
            indicator_unit=commitment.indicator_unit,
            indicator_target=commitment.indicator_target,
        )


def check_date_problem(check_date: dt.date | None, *, today: dt.date) -> str:
    """Why ``check_date`` cannot be a check date when agreed on ``today``, or ''."""
    if check_date is None:
        return "Pick the date of the next 1:1."
    if check_date < today:
        return "The check date can't be in the past."
    if check_date == today:
        return "Give the rep at least a day to practise."
    if (check_date - today).days > CHECK_LIMIT_DAYS:
        return (
            f"Pick a date within {CHECK_LIMIT_DAYS // 7} weeks: "
            "the loop only works if you check it soon."
        )
    return ""


def commitment_create(
    *,
    rep: User,
    by: User,
    spec: CommitmentSpec,
    session: CoachingSession | None = None,
    reissue_of: Commitment | None = None,
    builds_on: Commitment | None = None,
    reinforces: Commitment | None = None,
    carries_on: Commitment | None = None,
    repeats_agreed: bool = False,
    now: dt.datetime | None = None,
    draft: CommitmentDraft | None = None,
) -> Commitment:
    """Make ``spec`` the rep's one active commitment, agreed at ``now``.

    The conditional unique constraint is the arbiter: when two requests race,
    the loser's insert fails and it gets ``ActiveCommitmentExists``. The
    reminders are planned in the same transaction.
    """
    now = now or timezone.now()
    if rep.manager_id is None:
        raise ValidationError(
            "This rep has no manager yet: an org admin assigns one first.", code="no_manager"
        )
    if not spec.behaviour.strip():
        raise ValidationError({"behaviour": "Write the one thing the rep will do."})
    # A re-issue, a reinforcement, a carry-on or a slipped standing behaviour
    # made the one thing again (``repeats_agreed``) repeats what was agreed
    # before, as it was worded then: only new wording must name a count or a when.
    repeats = repeats_agreed or any(c is not None for c in (reissue_of, reinforces, carries_on))
    if not repeats and (problem := _wording_problem(spec)):
        raise ValidationError({"target_count": problem}, code="needs_count_or_when")
    today = rep.local_today(now)
    if problem := check_date_problem(spec.check_date, today=today):
        raise ValidationError({"check_date": problem})
    indicator_problem(spec.indicator_unit, spec.indicator_target)
    if builds_on is not None and builds_on.status != Commitment.Status.KEPT:
        raise ValidationError(
            "Only a kept commitment becomes a standing behaviour to layer on.",
            code="layer_needs_kept",
        )
    if reinforces is not None and reinforces.status != Commitment.Status.KEPT:
        raise ValidationError(
            "Only a kept commitment is reinforced for another week.", code="reinforce_needs_kept"
        )
    if carries_on is not None and carries_on.status != Commitment.Status.NO_OPP:
        raise ValidationError(
            "Only a week with no opportunity carries the same one thing on.",
            code="carry_on_needs_no_opp",
        )
    if reissue_of:
        attempt = reissue_of.attempt + 1
    elif carries_on:
        # No opportunity was no attempt: the same attempt carries on.
        attempt = carries_on.attempt
    else:
        attempt = 1
    proposed_by = Commitment.ProposedBy.REP if by.pk == rep.pk else Commitment.ProposedBy.MANAGER
    author = by
    if draft is not None:
        # The rep drafted it (weeks 9–12); the manager approved it, perhaps edited.
        author = rep
        edited = draft.edited_by(spec)
        proposed_by = Commitment.ProposedBy.REP_EDITED if edited else Commitment.ProposedBy.REP
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                rep=rep,
                manager_id=rep.manager_id,
                session=session,
                behaviour=spec.behaviour,
                target_count=spec.target_count,
                target_unit=spec.target_unit,
                target_days=spec.target_days,
                by_time=spec.by_time,
                indicator_unit=spec.indicator_unit,
                indicator_target=spec.indicator_target,
                why=spec.why,
                proposed_by=proposed_by,
                proposed_by_user=author,
                issued_on=today,
                check_date=spec.check_date,
                attempt=attempt,
                reissue_of=reissue_of,
                builds_on=builds_on,
                reinforces=reinforces,
                carries_on=carries_on,
                created_at=now,
                # The rep's own proposal needs no "Deal?": they said it first.
                accepted_at=now if proposed_by == Commitment.ProposedBy.REP else None,
            )
            loop_changed.send(sender=Commitment, rep_id=rep.pk, now=now)
            commitment_made.send(sender=Commitment, commitment=commitment, now=now)
    except IntegrityError:
        if Commitment.objects.active().filter(rep=rep).exists():
            raise ActiveCommitmentExists() from None
        raise
    return commitment


def check_record(
    *,
    commitment: Commitment,
    by: User,
    outcome: str,
    evidence: str = "",
    diagnosis: str = "",
    shared_notes: str = "",
    private_notes: str = "",
    next_step: str = NextStep.NONE,
    next_spec: CommitmentSpec | None = None,
    answers: dict | None = None,
    fix: Fix | None = None,
    change_reason: str = "",
    now: dt.datetime | None = None,
    draft: CommitmentDraft | None = None,
) -> tuple[Check, Commitment | None]:
    """Close the loop on ``commitment`` at ``now`` and, in the same step, set the next one.

    Either everything is saved (the 1:1, the check, the next commitment, the
    re-planned reminders) or nothing is: a failure halfway leaves the old
    commitment active.

    ``draft``: the next one thing is the rep's draft (weeks 9–12), approved
    here as it is or edited; a re-issue leaves the draft waiting.
    """
    now = now or timezone.now()
    if outcome not in Check.Outcome.values:
        raise ValidationError({"outcome": "Choose how it went."})
    if next_step not in next_steps_after(outcome):
        allowed = ", ".join(NextStep(step).label.lower() for step in next_steps_after(outcome))
        raise ValidationError(
            {"next_step": f"After “{Check.Outcome(outcome).label}” the next step is: {allowed}."},
            code="next_step_not_allowed",
        )
    if next_step != NextStep.NONE and next_spec is None:
        raise ValidationError({"next_step": "Say what the next one thing is."})
    # A miss is diagnosed first (the tree's answers lead to it, or the
    # manager picks it), and the diagnosis leads to its fix.
    answers = answers_on_path(answers or {})
    if outcome in NEEDS_DIAGNOSIS:
        diagnosis = diagnosis or diagnose(answers) or ""
        if problem := diagnosis_problem(outcome, diagnosis):
            raise ValidationError({"diagnosis": problem}, code="diagnosis_needed")
        fix = (fix or Fix()).kept_for(diagnosis)
        old_why = commitment.why if next_step == NextStep.REISSUE else None
        problems = fix_problems(
            diagnosis, fix, today=commitment.rep.local_today(now), old_why=old_why
        )
        if problems:
            raise ValidationError(problems, code="fix_needed")
    else:
        diagnosis, answers, fix = "", answers_on_path({}), Fix()
    if problem := change_reason_problem(outcome, next_step, change_reason):
        raise ValidationError({"change_reason": problem}, code="reason_needed")
    if not (outcome in NEEDS_DIAGNOSIS and next_step == NextStep.NEW):
        change_reason = ""
    # Will or knowledge, re-issued: the why re-sold (edited) or confirmed.
    resell = next_step == NextStep.REISSUE and diagnosis in (Diagnosis.WILL, Diagnosis.KNOWLEDGE)
    why_resold = resell and fix.why is not None and fix.why != commitment.why.strip()
    why_confirmed = resell and not why_resold and fix.why_confirmed
    with transaction.atomic():
        # Lock the row so two managers' tabs can't both check it.
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if locked.status != Commitment.Status.ACTIVE:
            raise AlreadyChecked()
        rep = locked.rep
        if draft is not None and draft.rep_id != rep.pk:
            raise ValidationError("This draft is another rep's.", code="draft_not_this_reps")
        session = CoachingSession.objects.create(
            rep=rep,
            manager=by,
            held_at=now,
            shared_notes=shared_notes,
            private_notes=private_notes,
        )
        check = Check.objects.create(
            commitment=locked,
            session=session,
            outcome=outcome,
            evidence=evidence,
            diagnosis=diagnosis,
            checked_at=now,
            checked_on=rep.local_today(now),
            checked_by=by,
            **answers,
            diagnosed_at=now if diagnosis and diagnosis != Diagnosis.UNSURE else None,
            fix_task=fix.task,
            fix_drills=fix.drills,
            fix_note=fix.note,
            fix_shadowing_on=fix.shadowing_on,
            fix_realtime_nudge=fix.realtime_nudge,
            fix_why_resold=why_resold,
            fix_why_confirmed=why_confirmed,
            change_reason=change_reason.strip(),
        )
        locked.status = outcome
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        check_recorded.send(sender=Check, check=check, now=now)

        following = None
        if next_step == NextStep.REISSUE:
            spec = CommitmentSpec.repeat(locked, check_date=next_spec.check_date)
            if why_resold:
                # Will or knowledge: the why re-sold is the re-issue's why.
                spec = dataclasses.replace(spec, why=fix.why)
            following = commitment_create(
                rep=rep,
                by=by,
                spec=spec,
                session=session,
                reissue_of=locked,
                now=now,
            )
        elif next_step in (NextStep.REINFORCE, NextStep.CARRY_ON):
            following = commitment_create(
                rep=rep,
                by=by,
                spec=CommitmentSpec.repeat(locked, check_date=next_spec.check_date),
                session=session,
                reinforces=locked if next_step == NextStep.REINFORCE else None,
                carries_on=locked if next_step == NextStep.CARRY_ON else None,
                now=now,
            )
        elif next_step in (NextStep.LAYER, NextStep.NEW):
            following = commitment_create(
                rep=rep,
                by=by,
                spec=next_spec,
                session=session,
                builds_on=locked if next_step == NextStep.LAYER else None,
                now=now,
                draft=draft,
            )
            if draft is not None:
                _draft_approved(draft, by=by, commitment=following, now=now)
        else:
            loop_changed.send(sender=Commitment, rep_id=rep.pk, now=now)
    return check, following


def commitment_skip_week(
    *,
    commitment: Commitment,
    by: User,
    reason: str,
    check_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> CommitmentSkip:
    """Skip the 1:1 at which ``commitment`` was to be checked (holiday,
    travel): its check moves to the next 1:1 by the rep's cadence, its
    reminders with it, and the skip is recorded — a skip, never a miss.

    ``check_date`` is the 1:1 the manager saw (default: the current check
    date): if it was skipped meanwhile (a double-click, another tab), that
    skip is returned and nothing moves again. Only the rep's own manager
    skips, only an active commitment, and each 1:1 once (the row lock and a
    unique constraint).
    """
    now = now or timezone.now()
    if reason not in CommitmentSkip.Reason.values:
        raise ValidationError({"reason": "Say why the 1:1 is skipped."})
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().select_related("rep").get(pk=commitment.pk)
        rep = locked.rep
        if locked.status != Commitment.Status.ACTIVE:
            raise ValidationError(
                "This commitment was already checked: there is no 1:1 left to skip.",
                code="not_active",
            )
        if by.pk != rep.manager_id:
            raise ValidationError("Only the rep's own manager skips a 1:1.", code="not_the_manager")
        skipped = locked.check_date
        if check_date is not None and check_date != skipped:
            earlier = CommitmentSkip.objects.filter(
                commitment=locked, skipped_check_date=check_date
            ).first()
            if earlier is not None:
                return earlier
            raise ValidationError(
                "The check date changed since this page was loaded: reload it and try again.",
                code="out_of_date",
            )
        today = rep.local_today(now)
        new_date = check_date_after_skip(rep, check_date=skipped, today=today)
        if problem := check_date_problem(new_date, today=today):
            raise ValidationError(problem, code="too_far")
        if CommitmentSkip.objects.filter(commitment=locked, skipped_check_date=skipped).exists():
            raise ValidationError("This 1:1 was already skipped.", code="already_skipped")
        skip = CommitmentSkip.objects.create(
            commitment=locked,
            skipped_check_date=skipped,
            new_check_date=new_date,
            reason=reason,
            by=by,
            at=now,
        )
        locked.check_date = new_date
        locked.save(update_fields=["check_date"])
        loop_changed.send(sender=Commitment, rep_id=rep.pk, now=now)
    commitment.check_date = new_date
    return skip


def practice_log(
    *,
    rep: User,
    kind: str,
    practiced_on: dt.date,
    count: int | None = None,
    note: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> PracticeLog:
    """Log one practice rep against the active commitment, at ``now``.

    The same ``idempotency_key`` twice (a double-click, a retried request)
    logs once and returns the first entry.
    """
    if idempotency_key:
        existing = PracticeLog.objects.filter(rep=rep, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    commitment = Commitment.objects.active().filter(rep=rep).first()
    if commitment is None:
        raise NoActiveCommitment()
    if practiced_on < commitment.issued_on:
        raise ValidationError(
            {
                "practiced_on": f"Your one thing started on {commitment.issued_on:%a %-d %b}: "
                "log practice from that day on."
            }
        )
    if practiced_on > rep.local_today(now):
        raise ValidationError(
            {"practiced_on": "Log practice once it has happened, not ahead of time."}
        )
    try:
        with transaction.atomic():
            return PracticeLog.objects.create(
                commitment=commitment,
                rep=rep,
                kind=kind,
                practiced_on=practiced_on,
                count=count,
                note=note,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # The same tap arrived twice at once: the other request logged it.
        existing = PracticeLog.objects.filter(rep=rep, idempotency_key=idempotency_key).first()
        if not idempotency_key or existing is None:
            raise
        return existing


def rep_setup_changed(*, person: User, fields: set[str]) -> None:
    """A person's coaching set-up changed (see ``reps.signals``).

    A rep with a new manager takes their active commitment along (past ones
    stay with the manager who coached them); then every rep concerned gets
    their reminders re-planned. A manager's new time zone re-times their reps'
    prompts.
    """
    with transaction.atomic():
        if person.is_rep:
            if "manager" in fields and person.manager_id is not None:
                Commitment.objects.active().filter(rep=person).exclude(
                    manager_id=person.manager_id
                ).update(manager_id=person.manager_id)
            loop_changed.send(sender=User, rep_id=person.pk, now=timezone.now())
        elif person.is_manager and fields & {"timezone", "is_active"}:
            for rep_id in User.objects.reps().filter(manager=person).values_list("pk", flat=True):
                loop_changed.send(sender=User, rep_id=rep_id, now=timezone.now())


# --- diagnoses completed later, performance conversations (issue 7) --------


def check_diagnose(
    *,
    check: Check,
    by: User,
    diagnosis: str = "",
    answers: dict | None = None,
    fix: Fix | None = None,
    now: dt.datetime | None = None,
) -> Check:
    """Complete a "not sure yet" diagnosis, at ``now``, by its author: a
    recorded change (``DiagnosisChange``), never a silent rewrite."""
    now = now or timezone.now()
    answers = answers_on_path(answers or {})
    diagnosis = diagnosis or diagnose(answers) or ""
    if diagnosis not in Diagnosis.values or diagnosis == Diagnosis.UNSURE:
        raise ValidationError(
            {"diagnosis": "Pick what got in the way, or answer the questions to the end."},
            code="diagnosis_needed",
        )
    with transaction.atomic():
        locked = (
            Check.objects.select_for_update().select_related("commitment__rep").get(pk=check.pk)
        )
        if locked.checked_by_id != by.pk:
            raise ValidationError(
                "Only the manager who checked it diagnoses it.", code="not_the_author"
            )
        if locked.diagnosis != Diagnosis.UNSURE:
            raise ValidationError(
                "This week is already diagnosed (perhaps in another tab).",
                code="already_diagnosed",
            )
        fix = (fix or Fix()).kept_for(diagnosis)
        today = locked.commitment.rep.local_today(now)
        if problems := fix_problems(diagnosis, fix, today=today):
            raise ValidationError(problems, code="fix_needed")
        DiagnosisChange.objects.create(
            check_result=locked, by=by, at=now, before=locked.diagnosis, after=diagnosis
        )
        locked.diagnosis = diagnosis
        locked.diagnosed_at = now
        for field, answer in answers.items():
            setattr(locked, field, answer)
        locked.fix_task = fix.task
        locked.fix_drills = fix.drills
        locked.fix_note = fix.note
        locked.fix_shadowing_on = fix.shadowing_on
        locked.fix_realtime_nudge = fix.realtime_nudge
        locked.save(
            update_fields=[
                "diagnosis",
                "diagnosed_at",
                *answers,
                "fix_task",
                "fix_drills",
                "fix_note",
                "fix_shadowing_on",
                "fix_realtime_nudge",
            ]
        )
    return locked


def performance_conversation_record(
    *,
    rep: User,
    by: User,
    held_on: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> PerformanceConversation:
    """Record the frank conversation beyond coaching calls for: by the
    rep's own manager, on a day that has come (the rep's zone)."""
    now = now or timezone.now()
    if by.pk != rep.manager_id:
        raise ValidationError(
            "Only the rep's own manager records this conversation.", code="not_the_manager"
        )
    if held_on > rep.local_today(now):
        raise ValidationError({"held_on": "Record the conversation once it has happened."})
    with transaction.atomic():
        return PerformanceConversation.objects.create(
            rep=rep, manager=by, held_on=held_on, note=note.strip(), created_at=now
        )


# --- practice plan (drills) and leading indicators --------------------------


class TooManyDrills(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            f"This one thing already has {DRILLS_MAX} drills, the most a week has room for. "
            "Nothing was added.",
            code="too_many_drills",
        )


def indicator_problem(unit: str, target: int | None) -> None:
    """Refuse a weekly target that counts nothing, or counts nothing real."""
    if target is not None and target < 1:
        raise ValidationError({"indicator_target": "A weekly target is at least 1."})
    longest = Commitment._meta.get_field("indicator_unit").max_length
    if len(unit) > longest:
        raise ValidationError({"indicator_unit": f"Keep it to {longest} characters."})
    if target is not None and not unit.strip():
        raise ValidationError(
            {"indicator_unit": "Name what the weekly target counts, e.g. “discovery calls”."}
        )


def _active_for_manager(commitment: Commitment, by: User) -> Commitment:
    """``commitment`` locked, checked to be active and coached by ``by``.
    The lock makes concurrent changes to it (two tabs adding drills) queue."""
    locked = Commitment.objects.select_for_update().select_related("rep").get(pk=commitment.pk)
    if locked.status != Commitment.Status.ACTIVE:
        raise ValidationError(
            "This one thing was already checked: plan practice for the next one.",
            code="not_active",
        )
    if by.pk != locked.rep.manager_id:
        raise ValidationError("Only the rep's own manager plans their practice.", code="not_coach")
    return locked


def commitment_set_indicator(
    *,
    commitment: Commitment,
    by: User,
    unit: str,
    target: int | None,
    now: dt.datetime | None = None,
) -> Commitment:
    """Name (or change, or clear) the active commitment's leading indicator."""
    unit = unit.strip()
    indicator_problem(unit, target)
    with transaction.atomic():
        locked = _active_for_manager(commitment, by)
        locked.indicator_unit = unit
        locked.indicator_target = target
        locked.save(update_fields=["indicator_unit", "indicator_target"])
    return locked


def drill_add(
    *,
    commitment: Commitment,
    by: User,
    kind: str,
    prompt: str,
    talk_track: str = "",
    model_answer: str = "",
    planned_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Drill:
    """Attach a drill or role-play to the active commitment, at most
    ``DRILLS_MAX`` of them; by default on the next free day of the spread
    (``drill_default_day``)."""
    now = now or timezone.now()
    if kind not in Drill.Kind.values:
        raise ValidationError({"kind": "Choose a drill or a role-play."})
    if not prompt.strip():
        raise ValidationError({"prompt": "Write the prompt the rep practises."})
    for field, value in (
        ("prompt", prompt),
        ("talk_track", talk_track),
        ("model_answer", model_answer),
    ):
        longest = Drill._meta.get_field(field).max_length
        if len(value.strip()) > longest:
            raise ValidationError({field: f"Keep it to {longest:,} characters."})
    with transaction.atomic():
        # Locked: two tabs adding a third drill at once cannot make four.
        locked = _active_for_manager(commitment, by)
        count = Drill.objects.filter(commitment=locked).count()
        if count >= DRILLS_MAX:
            raise TooManyDrills()
        today = locked.rep.local_today(now)
        if planned_on is None:
            planned_on = drill_default_day(
                issued_on=locked.issued_on, check_date=locked.check_date, today=today, index=count
            )
        elif not locked.issued_on <= planned_on <= locked.check_date:
            raise ValidationError(
                {
                    "planned_on": f"Pick a day between {locked.issued_on:%a %-d %b} and the check "
                    f"on {locked.check_date:%a %-d %b}."
                }
            )
        return Drill.objects.create(
            commitment=locked,
            kind=kind,
            prompt=prompt.strip(),
            talk_track=talk_track.strip(),
            model_answer=model_answer.strip(),
            planned_on=planned_on,
            created_by=by,
            created_at=now,
        )


def drill_tick(*, drill: Drill, rep: User, now: dt.datetime | None = None) -> Drill:
    """The rep did the drill: it is done, and a practice entry of its kind
    is logged for today. Ticking it again changes nothing: the drill's row
    lock makes a second tap wait, then find it done."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Drill.objects.select_for_update().select_related("commitment").get(pk=drill.pk)
        if locked.commitment.rep_id != rep.pk:
            raise ValidationError("This drill is not yours to tick off.", code="not_yours")
        if locked.is_done:
            return locked
        if locked.commitment.status != Commitment.Status.ACTIVE:
            raise ValidationError(
                "This one thing was already checked: the drill can't be ticked off any more.",
                code="not_active",
            )
        entry = practice_log(
            rep=rep,
            kind=locked.kind,
            practiced_on=rep.local_today(now),
            note=f"{locked.get_kind_display()}: {locked.prompt}"[:300],
            now=now,
        )
        locked.done_at = now
        locked.practice_log = entry
        locked.save(update_fields=["done_at", "practice_log"])
    return locked


def indicator_log(
    *,
    rep: User,
    value: int,
    day: dt.date,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> IndicatorEntry:
    """Log a value of the active commitment's leading indicator for ``day``.

    The same ``idempotency_key`` twice logs once and returns the first entry."""
    if idempotency_key:
        existing = IndicatorEntry.objects.filter(rep=rep, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    commitment = Commitment.objects.active().filter(rep=rep).first()
    if commitment is None:
        raise NoActiveCommitment()
    if not commitment.indicator_unit:
        raise ValidationError(
            "Your one thing has no number to watch yet: your manager names one with you.",
            code="no_indicator",
        )
    if not 0 <= value <= INDICATOR_VALUE_MAX:
        raise ValidationError({"value": f"Log a number from 0 to {INDICATOR_VALUE_MAX:,}."})
    if day < commitment.issued_on:
        raise ValidationError(
            {"day": f"Your one thing started on {commitment.issued_on:%a %-d %b}: log from then."}
        )
    if day > rep.local_today(now):
        raise ValidationError({"day": "Log it once it has happened, not ahead of time."})
    try:
        with transaction.atomic():
            return IndicatorEntry.objects.create(
                commitment=commitment,
                rep=rep,
                day=day,
                value=value,
                idempotency_key=idempotency_key,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        existing = IndicatorEntry.objects.filter(rep=rep, idempotency_key=idempotency_key).first()
        if not idempotency_key or existing is None:
            raise
        return existing


# --- guidance: wording, drafts (weeks 9–12), ramp answers ------------------


def _wording_problem(spec: CommitmentSpec) -> str:
    return commitment_wording_problem(
        behaviour=spec.behaviour,
        target_count=spec.target_count,
        target_days=spec.target_days,
        by_time=spec.by_time,
    )


class DraftWaiting(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "You already have a draft waiting for your manager: they approve it or edit it "
            "with you at your next 1:1.",
            code="draft_waiting",
        )


def commitment_draft_create(
    *, rep: User, spec: CommitmentSpec, now: dt.datetime | None = None
) -> CommitmentDraft:
    """The rep drafts their own one thing (weeks 9–12) for their manager to
    approve: now, or at the check of the one active (it becomes the next one
    thing there). At most one open draft per rep (a database constraint)."""
    now = now or timezone.now()
    if rep.manager_id is None:
        raise ValidationError(
            "You have no manager yet: an org admin assigns one first.", code="no_manager"
        )
    if not spec.behaviour.strip():
        raise ValidationError({"behaviour": "Write the one thing you will do."})
    if problem := _wording_problem(spec):
        raise ValidationError({"target_count": problem}, code="needs_count_or_when")
    if problem := check_date_problem(spec.check_date, today=rep.local_today(now)):
        raise ValidationError({"check_date": problem})
    try:
        with transaction.atomic():
            return CommitmentDraft.objects.create(
                rep=rep,
                behaviour=spec.behaviour,
                target_count=spec.target_count,
                target_unit=spec.target_unit,
                target_days=spec.target_days,
                by_time=spec.by_time,
                why=spec.why,
                check_date=spec.check_date,
                created_at=now,
            )
    except IntegrityError:
        if CommitmentDraft.objects.filter(rep=rep, status=CommitmentDraft.Status.OPEN).exists():
            raise DraftWaiting() from None
        raise


def commitment_draft_approve(
    *,
    draft: CommitmentDraft,
    by: User,
    spec: CommitmentSpec,
    now: dt.datetime | None = None,
) -> Commitment:
    """The manager approves the rep's draft as ``spec``: as drafted, or
    edited. It becomes the rep's active commitment, recorded as the rep's
    ("rep drafted, manager edited" when the wording changed)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CommitmentDraft.objects.select_for_update().select_related("rep").get(pk=draft.pk)
        if locked.status != CommitmentDraft.Status.OPEN:
            raise ValidationError("This draft was already approved.", code="draft_decided")
        if by.pk != locked.rep.manager_id:
            raise ValidationError(
                "Only the rep's own manager approves a draft.", code="not_manager"
            )
        commitment = commitment_create(rep=locked.rep, by=by, spec=spec, now=now, draft=locked)
        _draft_approved(locked, by=by, commitment=commitment, now=now)
    return commitment


def _draft_approved(
    draft: CommitmentDraft, *, by: User, commitment: Commitment, now: dt.datetime
) -> None:
    """Close ``draft`` as approved into ``commitment`` (compare-and-set: a
    draft is approved once, also from two tabs)."""
    done = CommitmentDraft.objects.filter(pk=draft.pk, status=CommitmentDraft.Status.OPEN).update(
        status=CommitmentDraft.Status.APPROVED, decided_at=now, decided_by=by, commitment=commitment
    )
    if not done:
        raise ValidationError("This draft was already approved.", code="draft_decided")


def daily_answer_record(
    *,
    rep: User,
    did_it: bool,
    day: dt.date | None = None,
    via: str = DailyAnswer.Via.PAGE,
    now: dt.datetime | None = None,
) -> DailyAnswer:
    """Record the rep's ramp-mode answer for ``day`` (default: their today):
    did they do the one thing? One answer per day: a second tap returns the
    first. A yes that makes the behaviour stick (``ramp_sticks``) ends ramp
    mode, and the daily checks are re-planned in the same transaction."""
    now = now or timezone.now()
    today = rep.local_today(now)
    day = day or today
    if problem := daily_answer_day_problem(day, today=today):
        raise ValidationError(problem, code="day_out_of_range")
    with transaction.atomic():
        # One rep's answers in order: two taps at once cannot both end ramp.
        User.objects.select_for_update().filter(pk=rep.pk).first()
        existing = DailyAnswer.objects.filter(rep=rep, day=day).first()
        if existing is not None:
            return existing
        ended_by = DailyAnswer.objects.ramp_ended().filter(rep=rep).first()
        if not ramp_state(rep, today=day, ended_by=ended_by).on:
            raise ValidationError("Ramp mode is over: no daily check now.", code="not_in_ramp")
        commitment = Commitment.objects.active().filter(rep=rep).first()
        if commitment is None:
            raise ValidationError("There is no one thing to answer about yet.", code="no_active")
        yes_days = set(
            DailyAnswer.objects.filter(rep=rep, did_it=True, day__lt=day).values_list(
                "day", flat=True
            )
        )
        if did_it:
            yes_days.add(day)
        answer = DailyAnswer.objects.create(
            rep=rep,
            commitment=commitment,
            day=day,
            did_it=did_it,
            via=via,
            answered_at=now,
            ends_ramp=did_it and ended_by is None and ramp_sticks(yes_days, today=day),
        )
        loop_changed.send(sender=DailyAnswer, rep_id=rep.pk, now=now)
    return answer


# --- standing behaviours, re-checks, corrections, revisions ----------------
# (The rules are in the rule book: ``recheck_due_on``, ``correction_open``,
# ``weakenings``; each is enforced here again.)


def _refuse_unless_coach(rep: User, by: User) -> None:
    if by.pk != rep.manager_id or not rep.is_active:
        raise ValidationError("Only the rep's own manager does this.", code="not_the_manager")


def recheck_answer(
    *,
    commitment: Commitment,
    by: User,
    still_running: bool,
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> StandingRecheck:
    """Answer "Still running …?" for a standing behaviour at ``now``.

    "Still running" schedules the next re-check (``recheck_due_on``);
    "slipped" ends the schedule and offers the behaviour for re-issuing
    (``recheck_reissue``). ``due_on`` is the re-check the manager saw: if it
    was answered meanwhile (a double-click, another tab), that answer is
    returned and nothing is recorded twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().select_related("rep").get(pk=commitment.pk)
        rep = locked.rep
        _refuse_unless_coach(rep, by)
        if due_on is not None:
            earlier = StandingRecheck.objects.filter(commitment=locked, due_on=due_on).first()
            if earlier is not None:
                return earlier
        if locked.status != Commitment.Status.KEPT:
            raise ValidationError(
                "Only a kept commitment is a standing behaviour to re-check.", code="not_kept"
            )
        today = rep.local_today(now)
        rung = (
            Commitment.objects.filter(pk=locked.pk)
            .select_related("check_result")
            .prefetch_related("rechecks")
            .get()
        )
        due = rung.next_recheck_on
        if due is None:
            raise ValidationError(
                "This behaviour has no re-check left to answer.", code="no_recheck"
            )
        if due_on is not None and due_on != due:
            raise ValidationError(
                "This re-check changed since the page was loaded: reload it and try again.",
                code="out_of_date",
            )
        if due > today:
            raise ValidationError(
                f"This re-check is due on {due:%a %-d %b}, not yet.", code="not_due"
            )
        active = Commitment.objects.active().filter(rep=rep).first()
        if active is not None and same_behaviour(active.behaviour, locked.behaviour):
            raise ValidationError(
                "This behaviour is the one thing being checked now: its check is the re-check.",
                code="collides",
            )
        return StandingRecheck.objects.create(
            commitment=locked,
            due_on=due,
            answered_on=today,
            answered_at=now,
            still_running=still_running,
            by=by,
        )


def recheck_reissue(
    *,
    recheck: StandingRecheck,
    by: User,
    check_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Commitment:
    """Make a standing behaviour that slipped at ``recheck`` the one thing
    again (the same words, a new check date: by default the next 1:1 that
    leaves a real week).

    Only when the rep has no active commitment: the one thing being worked
    on is not pushed aside (the database's one-active constraint would
    refuse it anyway); the offer waits until that one is checked. Twice (a
    double-click) makes it once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            StandingRecheck.objects.select_for_update()
            .select_related("commitment__rep")
            .get(pk=recheck.pk)
        )
        if locked.reissued_as_id is not None:
            return locked.reissued_as
        standing = locked.commitment
        rep = standing.rep
        _refuse_unless_coach(rep, by)
        if locked.still_running:
            raise ValidationError(
                "It is still running: there is nothing to re-issue.", code="still_running"
            )
        if Commitment.objects.active().filter(rep=rep).exists():
            raise ActiveCommitmentExists()
        today = rep.local_today(now)
        following = commitment_create(
            rep=rep,
            by=by,
            spec=CommitmentSpec.repeat(
                standing, check_date=check_date or next_check_default(rep, today=today)
            ),
            repeats_agreed=True,
            now=now,
        )
        locked.reissued_as = following
        locked.save(update_fields=["reissued_as"])
    return following


def _next_step_taken(check: Check) -> str:
    """What the check's 1:1 did next: the commitment it created, if any."""
    following = (
        Commitment.objects.filter(session_id=check.session_id)
        .exclude(pk=check.commitment_id)
        .only("reissue_of_id", "builds_on_id", "reinforces_id", "carries_on_id")
        .first()
        if check.session_id
        else None
    )
    if following is None:
        return NextStep.NONE
    if following.reinforces_id == check.commitment_id:
        return NextStep.REINFORCE
    if following.carries_on_id == check.commitment_id:
        return NextStep.CARRY_ON
    if following.reissue_of_id == check.commitment_id:
        return NextStep.REISSUE
    if following.builds_on_id == check.commitment_id:
        return NextStep.LAYER
    return NextStep.NEW


def check_correct(
    *,
    check: Check,
    by: User,
    outcome: str,
    reason: str,
    evidence: str | None = None,
    diagnosis: str | None = None,
    now: dt.datetime | None = None,
) -> CheckCorrection:
    """Correct a mistyped check: only its author, within ``CORRECTION_WINDOW``.

    The outcome, the evidence and the diagnosis can change; the commitment's
    status follows the outcome. The next step already taken stays (the
    commitment it made is the rep's one thing now): a correction the rule
    book would not allow with that step — a layer on what is now a miss, a
    re-issue of what is now kept — is refused. Both sides are recorded.
    """
    now = now or timezone.now()
    if outcome not in Check.Outcome.values:
        raise ValidationError({"outcome": "Choose how it went."})
    if not reason.strip():
        raise ValidationError({"reason": "Say what was mistyped: both of you see it."})
    with transaction.atomic():
        commitment = Commitment.objects.select_for_update().get(pk=check.commitment_id)
        locked = Check.objects.select_for_update().get(pk=check.pk)
        if by.pk != locked.checked_by_id:
            raise ValidationError(
                "Only the manager who recorded this check may correct it.", code="not_the_author"
            )
        if not correction_open(locked.checked_at, now):
            hours = int(CORRECTION_WINDOW.total_seconds() // 3600)
            raise ValidationError(
                f"This check was recorded more than {hours} hours ago: it can't be corrected "
                "any more. Nothing was changed.",
                code="window_closed",
            )
        step = _next_step_taken(locked)
        if step not in next_steps_after(outcome):
            raise ValidationError(
                {
                    "outcome": "The next step taken at this check "
                    f"({NextStep(step).label.lower()}) does not follow "
                    f"“{Check.Outcome(outcome).label}”: it stays, so this correction can't be made."
                },
                code="next_step_stays",
            )
        if outcome != Check.Outcome.KEPT and commitment.rechecks.exists():
            raise ValidationError(
                {"outcome": "It was already re-checked as a standing behaviour."},
                code="rechecked",
            )
        evidence = locked.evidence if evidence is None else evidence
        diagnosis = locked.diagnosis if diagnosis is None else diagnosis
        if outcome == Check.Outcome.KEPT:
            diagnosis = ""
        if diagnosis not in ("", *Check.Diagnosis.values):
            raise ValidationError({"diagnosis": "Choose a diagnosis from the list."})
        if (outcome, evidence, diagnosis) == (locked.outcome, locked.evidence, locked.diagnosis):
            raise ValidationError("Nothing changed: there is nothing to correct.", code="same")
        correction = CheckCorrection.objects.create(
            check_result=locked,
            old_outcome=locked.outcome,
            new_outcome=outcome,
            old_evidence=locked.evidence,
            new_evidence=evidence,
            old_diagnosis=locked.diagnosis,
            new_diagnosis=diagnosis,
            reason=reason.strip(),
            by=by,
            at=now,
        )
        locked.outcome, locked.evidence, locked.diagnosis = outcome, evidence, diagnosis
        locked.save(update_fields=["outcome", "evidence", "diagnosis"])
        commitment.status = outcome
        commitment.save(update_fields=["status"])
        # What was derived from the check follows it: the CRM hears of the
        # correction, and the reminders are re-planned ("You kept it" for a
        # week corrected to kept; one corrected away from kept is not sent).
        check_recorded.send(sender=Check, check=locked, now=now, correction=correction)
        loop_changed.send(sender=Commitment, rep_id=commitment.rep_id, now=now)
    return correction


def _practice_values(entry: PracticeLog) -> dict:
    return {
        "kind": entry.kind,
        "practiced_on": entry.practiced_on.isoformat(),
        "count": entry.count,
        "note": entry.note,
    }


def _lock_practice_for_correction(entry: PracticeLog, by: User, now: dt.datetime) -> PracticeLog:
    locked = (
        PracticeLog.objects.select_for_update()
        .select_related("commitment")
        .filter(pk=entry.pk)
        .first()
    )
    if locked is None:
        raise ValidationError("This entry was already deleted.", code="gone")
    if by.pk != locked.rep_id:
        raise ValidationError("Only the rep who logged it may correct it.", code="not_the_author")
    if not correction_open(locked.created_at, now):
        hours = int(CORRECTION_WINDOW.total_seconds() // 3600)
        raise ValidationError(
            f"This entry was logged more than {hours} hours ago: it can't be changed any more. "
            "Nothing was changed.",
            code="window_closed",
        )
    if locked.commitment.status != Commitment.Status.ACTIVE:
        raise ValidationError(
            "Its one thing was already checked: the practice it rested on stays as it was.",
            code="checked",
        )
    return locked


def practice_correct(
    *,
    entry: PracticeLog,
    by: User,
    kind: str,
    practiced_on: dt.date,
    count: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> PracticeCorrection:
    """Correct a practice entry: only the rep who logged it, within
    ``CORRECTION_WINDOW``, while its one thing is active. Recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_practice_for_correction(entry, by, now)
        if kind not in PracticeLog.Kind.values:
            raise ValidationError({"kind": "Choose what kind of practice it was."})
        if practiced_on < locked.commitment.issued_on:
            raise ValidationError(
                {
                    "practiced_on": f"Your one thing started on "
                    f"{locked.commitment.issued_on:%a %-d %b}: log practice from that day on."
                }
            )
        if practiced_on > by.local_today(now):
            raise ValidationError(
                {"practiced_on": "Log practice once it has happened, not ahead of time."}
            )
        old = _practice_values(locked)
        locked.kind, locked.practiced_on, locked.count, locked.note = (
            kind,
            practiced_on,
            count,
            note,
        )
        new = _practice_values(locked)
        if old == new:
            raise ValidationError("Nothing changed: there is nothing to correct.", code="same")
        locked.save(update_fields=["kind", "practiced_on", "count", "note"])
        return PracticeCorrection.objects.create(
            entry=locked,
            commitment=locked.commitment,
            action=PracticeCorrection.Action.EDIT,
            old=old,
            new=new,
            by=by,
            at=now,
        )


def practice_delete(
    *, entry: PracticeLog, by: User, now: dt.datetime | None = None
) -> PracticeCorrection:
    """Delete a practice entry logged by mistake: the same rules as
    ``practice_correct``; what it said is kept in the record."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_practice_for_correction(entry, by, now)
        correction = PracticeCorrection.objects.create(
            entry=None,
            commitment=locked.commitment,
            action=PracticeCorrection.Action.DELETE,
            old=_practice_values(locked),
            new=None,
            by=by,
            at=now,
        )
        locked.delete()
    return correction


def commitment_revise(
    *,
    commitment: Commitment,
    by: User,
    behaviour: str,
    target_count: int | None = None,
    target_unit: str = "",
    target_days: str = "",
    by_time: dt.time | None = None,
    why: str = "",
    confirm_new_version: bool = False,
    now: dt.datetime | None = None,
) -> CommitmentRevision:
    """Edit the active commitment's wording; the rep's manager only.

    A clarification (the same count and when: a typo, a clearer word) is
    saved and recorded. An edit that asks less (``weakenings``) is a new
    version: refused unless ``confirm_new_version``, then recorded with its
    reasons, and both pages show "changed on … from … to …".
    """
    now = now or timezone.now()
    if not behaviour.strip():
        raise ValidationError({"behaviour": "Write the one thing the rep will do."})
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().select_related("rep").get(pk=commitment.pk)
        _refuse_unless_coach(locked.rep, by)
        if locked.status != Commitment.Status.ACTIVE:
            raise ValidationError(
                "Only the active one thing can be reworded: a checked week stays as it was.",
                code="not_active",
            )
        old = revision_values(locked)
        for name, value in (
            ("behaviour", behaviour.strip()),
            ("target_count", target_count),
            ("target_unit", target_unit),
            ("target_days", target_days),
            ("by_time", by_time),
            ("why", why),
        ):
            setattr(locked, name, value)
        new = revision_values(locked)
        changed = [name for name in REVISABLE_FIELDS if old[name] != new[name]]
        if not changed:
            raise ValidationError("Nothing changed: there is nothing to save.", code="same")
        reasons = weakenings(old, new)
        if reasons and not confirm_new_version:
            raise ValidationError(
                "This asks less of the rep than what was agreed: "
                + "; ".join(reasons)
                + ". Confirm it to save a new version, which the rep sees with the old one.",
                code="needs_confirmation",
            )
        locked.save(update_fields=changed)
        return CommitmentRevision.objects.create(
            commitment=locked,
            kind=(
                CommitmentRevision.Kind.NEW_VERSION if reasons else CommitmentRevision.Kind.CLARIFY
            ),
            old={name: old[name] for name in changed},
            new={name: new[name] for name in changed},
            reasons=reasons,
            by=by,
            at=now,
        )


# --- the rep's side: "Deal?" and the mid-week pulse ----------------------------


class NotYours(ValidationError):
    def __init__(self) -> None:
        super().__init__("Only the rep answers for their own one thing.", code="not_the_rep")


class NotActive(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "This one thing was already checked: there is nothing to answer any more.",
            code="not_active",
        )


def commitment_accept(
    *, commitment: Commitment, by: User, now: dt.datetime | None = None
) -> Commitment:
    """The rep says "Deal" to their active commitment, at ``now``.

    Only the rep themself, only the active commitment; a second tap (or a
    second tab) keeps the first moment."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if by.pk != locked.rep_id:
            raise NotYours()
        if locked.status != Commitment.Status.ACTIVE:
            raise NotActive()
        if locked.accepted_at is None:
            locked.accepted_at = now
            locked.save(update_fields=["accepted_at"])
    commitment.accepted_at = locked.accepted_at
    return locked


def pulse_record(
    *, commitment: Commitment, by: User, answer: str, now: dt.datetime | None = None
) -> RepPulse:
    """The rep's mid-week answer about their active commitment, at ``now``.

    The same answer again on the same day (a double tap, the email link and
    the page) records nothing new and returns the first. "Need help" plans
    an email to the manager, due at once, in this transaction."""
    now = now or timezone.now()
    if answer not in PulseAnswer.values:
        raise ValidationError({"answer": "Choose how it is going."})
    with transaction.atomic():
        # The row lock serialises two taps, so "the latest answer" is well defined.
        locked = Commitment.objects.select_for_update().select_related("rep").get(pk=commitment.pk)
        if by.pk != locked.rep_id:
            raise NotYours()
        if locked.status != Commitment.Status.ACTIVE:
            raise NotActive()
        today = locked.rep.local_today(now)
        latest = RepPulse.objects.filter(commitment=locked).order_by("-at", "-pk").first()
        if latest is not None and latest.answer == answer and latest.answered_on == today:
            return latest
        pulse = RepPulse.objects.create(commitment=locked, answer=answer, at=now, answered_on=today)
        if answer == PulseAnswer.NEED_HELP:
            loop_changed.send(sender=RepPulse, rep_id=locked.rep_id, now=now)
    return pulse
