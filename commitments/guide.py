"""The organisation page's first steps, each done or not from the data itself."""

from dataclasses import dataclass

from reps.models import User

from .models import CoachingSession


@dataclass(frozen=True)
class Step:
    title: str
    done: bool


def start_guide(organisation_id: int) -> list[Step]:
    """Invite a manager, invite reps, record the first 1:1: three queries."""
    people = User.objects.filter(organisation_id=organisation_id, is_active=True)
    return [
        Step("Invite a manager", people.managers().exists()),
        Step("Invite your reps", people.reps().exists()),
        Step(
            "Record the first 1:1",
            CoachingSession.objects.filter(rep__organisation_id=organisation_id).exists(),
        ),
    ]
