import datetime as dt

from commitments.services import CommitmentSpec, commitment_accept, commitment_create
from reminders.models import Reminder
from reps.models import User
from tests.factories import ManagerFactory, OrganisationFactory, RepFactory


def rep_in(tz: str, *, manager_tz: str | None = None, **fields) -> User:
    organisation = OrganisationFactory()
    manager = ManagerFactory(organisation=organisation, timezone=manager_tz or tz)
    return RepFactory(organisation=organisation, manager=manager, timezone=tz, **fields)


BEHAVIOUR = "Ask for the next step on every call"


def commit(rep: User, *, check_date: dt.date, behaviour: str = BEHAVIOUR, deal_email=False):
    """A commitment made the way the app makes them (so reminders get planned).

    The rep's "Deal?" email, due at once, is taken out of the way of the
    tests about the nudge, the prompt and the sweep, unless ``deal_email``
    (its own tests: tests/reminders/test_rep_side.py)."""
    commitment = commitment_create(
        rep=rep,
        by=rep.manager,
        spec=CommitmentSpec(
            behaviour=behaviour,
            check_date=check_date,
            why="You want two more meetings a week; the next step is where calls stall.",
            target_count=5,
            target_unit="calls",
        ),
    )
    if not deal_email:
        # The rep said "Deal" at once (so a re-plan plans no "Deal?" again).
        commitment_accept(commitment=commitment, by=rep)
        Reminder.objects.filter(key=f"new:c{commitment.pk}").delete()
    return commitment
