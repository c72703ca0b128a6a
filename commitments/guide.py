"""The organisation page's first steps, each done or not from the data itself."""

from dataclasses import dataclass

from .models import Commitment


@dataclass(frozen=True)
class Step:
    title: str
    done: bool


def start_guide(*, organisation_id: int, managers: list, health: dict) -> list[Step]:
    """Invite a manager, invite reps, record the first 1:1 (whose outcome is a
    rep's first one thing).

    Read from what the organisation page has loaded already: its managers
    with their ``rep_count`` and their ``loop_health``. Only an organisation
    with reps but no recent loop costs one more query (an older commitment).
    """
    has_managers = bool(managers)
    has_reps = any(manager.rep_count for manager in managers)
    first_one_on_one = bool(health) or (
        has_reps and Commitment.objects.filter(rep__organisation_id=organisation_id).exists()
    )
    return [
        Step("Invite a manager", has_managers),
        Step("Invite your reps", has_reps),
        Step("Record the first 1:1", first_one_on_one),
    ]
