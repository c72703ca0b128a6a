"""The beat task. Thin: the sweep itself lives in services and reads the database."""

from celery import shared_task

from .services import reminder_dispatch_due


@shared_task(name="reminders.tasks.sweep", ignore_result=True, soft_time_limit=240, time_limit=300)
def sweep() -> None:
    """Send what is due. Safe to run twice at once: rows are claimed, not read."""
    reminder_dispatch_due()
