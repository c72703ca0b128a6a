"""Writes of the coaching loop. Each is one transaction; views call exactly one.

Every rule a form pre-checks for a friendly message is enforced here again:
a service called directly (a script, the admin, another app) cannot break
the loop.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reps.models import User

from .models import (
    CHECK_LIMIT_DAYS,
    Check,
    CoachingSession,
    Commitment,
    CommitmentSkip,
    NextStep,
    PracticeLog,
    PulseAnswer,
    RepPulse,
    check_date_after_skip,
    next_steps_after,
)
from .signals import loop_changed


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
    now: dt.datetime | None = None,
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
    today = rep.local_today(now)
    if problem := check_date_problem(spec.check_date, today=today):
        raise ValidationError({"check_date": problem})
    if builds_on is not None and builds_on.status != Commitment.Status.KEPT:
        raise ValidationError(
            "Only a kept commitment becomes a standing behaviour to layer on.",
            code="layer_needs_kept",
        )
    proposed_by = Commitment.ProposedBy.REP if by.pk == rep.pk else Commitment.ProposedBy.MANAGER
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
                why=spec.why,
                proposed_by=proposed_by,
                proposed_by_user=by,
                issued_on=today,
                check_date=spec.check_date,
                attempt=reissue_of.attempt + 1 if reissue_of else 1,
                reissue_of=reissue_of,
                builds_on=builds_on,
                created_at=now,
                # The rep's own proposal needs no "Deal?": they said it first.
                accepted_at=now if proposed_by == Commitment.ProposedBy.REP else None,
            )
            loop_changed.send(sender=Commitment, rep_id=rep.pk, now=now)
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
    now: dt.datetime | None = None,
) -> tuple[Check, Commitment | None]:
    """Close the loop on ``commitment`` at ``now`` and, in the same step, set the next one.

    Either everything is saved (the 1:1, the check, the next commitment, the
    re-planned reminders) or nothing is: a failure halfway leaves the old
    commitment active.
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
    with transaction.atomic():
        # Lock the row so two managers' tabs can't both check it.
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if locked.status != Commitment.Status.ACTIVE:
            raise AlreadyChecked()
        rep = locked.rep
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
            diagnosis=diagnosis if outcome != Check.Outcome.KEPT else "",
            checked_at=now,
            checked_on=rep.local_today(now),
            checked_by=by,
        )
        locked.status = outcome
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])

        following = None
        if next_step == NextStep.REISSUE:
            following = commitment_create(
                rep=rep,
                by=by,
                spec=CommitmentSpec.repeat(locked, check_date=next_spec.check_date),
                session=session,
                reissue_of=locked,
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
            )
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
