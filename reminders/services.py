def reminder_schedule_for_rep(*, rep_id: int) -> None:
    """Placeholder until the reminder engine lands (issue 3)."""
