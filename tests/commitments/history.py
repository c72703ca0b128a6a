"""Build a team with weeks of history quickly, for query-count tests at two sizes."""

import datetime as dt

from django.utils import timezone

from commitments.models import Check, CoachingSession, Commitment, PracticeLog
from reminders.services import reminder_schedule_for_rep
from reps.models import User
from tests.factories import RepFactory

MONDAY = dt.date(2026, 11, 30)
OUTCOMES = ["kept", "missed", "partly", "kept", "missed"]


def team_with_history(manager: User, *, reps: int, weeks: int) -> list[User]:
    """``reps`` reps, each with ``weeks`` checked weeks (sessions with notes,
    practice, re-issues after misses) and an active commitment with practice."""
    people = [
        RepFactory(organisation=manager.organisation, manager=manager, name=f"Rep {i:02}")
        for i in range(reps)
    ]
    now = timezone.now()
    for rep in people:
        previous = None
        for week in range(weeks, 0, -1):
            issued = MONDAY - dt.timedelta(weeks=week)
            outcome = OUTCOMES[week % len(OUTCOMES)]
            session = CoachingSession.objects.create(
                rep=rep,
                manager=manager,
                held_at=now - dt.timedelta(weeks=week),
                shared_notes=f"Week {week} shared",
                private_notes=f"Week {week} private",
            )
            missed_before = previous is not None and previous.status == "missed"
            commitment = Commitment.objects.create(
                rep=rep,
                manager=manager,
                proposed_by_user=manager,
                session=session,
                behaviour=f"Behaviour {week}",
                issued_on=issued,
                check_date=issued + dt.timedelta(days=7),
                status=outcome,
                closed_at=now,
                attempt=previous.attempt + 1 if missed_before else 1,
                reissue_of=previous if missed_before else None,
                builds_on=previous if previous is not None and not missed_before else None,
            )
            Check.objects.create(
                commitment=commitment,
                session=session,
                outcome=outcome,
                evidence=f"Evidence {week}",
                diagnosis="system" if outcome != "kept" else "",
                checked_at=now,
                checked_on=issued + dt.timedelta(days=7),
                checked_by=manager,
            )
            PracticeLog.objects.bulk_create(
                PracticeLog(commitment=commitment, rep=rep, practiced_on=issued, kind=kind)
                for kind in ("drill", "live")
            )
            previous = commitment
        active = Commitment.objects.create(
            rep=rep,
            manager=manager,
            proposed_by_user=manager,
            behaviour="This week's one thing",
            issued_on=MONDAY,
            check_date=MONDAY + dt.timedelta(days=1),
            builds_on=previous,
        )
        PracticeLog.objects.bulk_create(
            PracticeLog(commitment=active, rep=rep, practiced_on=MONDAY, kind=kind)
            for kind in ("drill", "roleplay", "live")
        )
        reminder_schedule_for_rep(rep_id=rep.pk)
    return people
