import datetime as dt

from commitments.services import CommitmentSpec, commitment_create
from reps.models import User
from tests.factories import ManagerFactory, OrganisationFactory, RepFactory


def rep_in(tz: str, *, manager_tz: str | None = None, **fields) -> User:
    organisation = OrganisationFactory()
    manager = ManagerFactory(organisation=organisation, timezone=manager_tz or tz)
    return RepFactory(organisation=organisation, manager=manager, timezone=tz, **fields)


BEHAVIOUR = "Ask for the next step on every call"


def commit(rep: User, *, check_date: dt.date, behaviour: str = BEHAVIOUR):
    """A commitment made the way the app makes them (so reminders get planned)."""
    return commitment_create(
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
