"""Writes of the coaching loop. Each is one transaction; views call exactly one."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reps.models import User

from .models import Check, CoachingSession, Commitment, PracticeLog


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


class NextStep:
    REISSUE = "reissue"
    LAYER = "layer"
    NEW = "new"
    NONE = "none"


def commitment_create(
    *,
    rep: User,
    by: User,
    spec: CommitmentSpec,
    session: CoachingSession | None = None,
    reissue_of: Commitment | None = None,
    builds_on: Commitment | None = None,
) -> Commitment:
    """Make ``spec`` the rep's one active commitment.

    The conditional unique constraint is the arbiter: when two requests race,
    the loser's insert fails and it gets ``ActiveCommitmentExists``.
    """
    if rep.manager_id is None:
        raise ValidationError(
            "This rep has no manager yet: an org admin assigns one first.", code="no_manager"
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
                issued_on=rep.local_today(),
                check_date=spec.check_date,
                attempt=reissue_of.attempt + 1 if reissue_of else 1,
                reissue_of=reissue_of,
                builds_on=builds_on,
            )
    except IntegrityError:
        if Commitment.objects.active().filter(rep=rep).exists():
            raise ActiveCommitmentExists() from None
        raise
    _reschedule(commitment)
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
) -> tuple[Check, Commitment | None]:
    """Close the loop on ``commitment`` and, in the same step, set the next one.

    Either everything is saved (the 1:1, the check, the next commitment) or
    nothing is: a failure halfway leaves the old commitment active.
    """
    now = timezone.now()
    with transaction.atomic():
        # Lock the row so two managers' tabs can't both check it.
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if locked.status != Commitment.Status.ACTIVE:
            raise AlreadyChecked()
        rep = locked.rep
        if next_step == NextStep.LAYER and outcome != Check.Outcome.KEPT:
            raise ValidationError(
                "Only a kept commitment becomes a standing behaviour to layer on.",
                code="layer_needs_kept",
            )
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
            checked_on=rep.local_today(),
            checked_by=by,
        )
        locked.status = outcome
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])

        following = None
        if next_step == NextStep.REISSUE:
            spec = CommitmentSpec.repeat(locked, check_date=next_spec.check_date)
            following = commitment_create(
                rep=rep, by=by, spec=spec, session=session, reissue_of=locked
            )
        elif next_step in (NextStep.LAYER, NextStep.NEW):
            following = commitment_create(
                rep=rep,
                by=by,
                spec=next_spec,
                session=session,
                builds_on=locked if next_step == NextStep.LAYER else None,
            )
        else:
            _reschedule(locked)
    return check, following


def practice_log(
    *,
    rep: User,
    kind: str,
    practiced_on: dt.date,
    count: int | None = None,
    note: str = "",
) -> PracticeLog:
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
    return PracticeLog.objects.create(
        commitment=commitment,
        rep=rep,
        kind=kind,
        practiced_on=practiced_on,
        count=count,
        note=note,
    )


def _reschedule(commitment: Commitment) -> None:
    """Recompute the reminder schedule that depends on this commitment."""
    from reminders.services import reminder_schedule_for_rep

    reminder_schedule_for_rep(rep_id=commitment.rep_id)
