"""Celery tasks. Thin: each calls one service, which reads the database.

Beat runs ``tick`` every ``REMINDER_SWEEP_SECONDS``; the tick plans the
calendar's rows and fans out to as many ``sweep`` tasks as there is work for,
up to ``REMINDER_SWEEPS`` (one per worker process), so a burst is shared.
Time limits are the project's (``CELERY_TASK_SOFT_TIME_LIMIT`` and
``CELERY_TASK_TIME_LIMIT``); a sweep's budget is half the soft one.
"""

import logging
import time

from celery import shared_task
from django.conf import settings

from .services import reminder_dispatch_due
from .services.dispatch import reminder_tick

log = logging.getLogger(__name__)


@shared_task(name="reminders.tasks.tick", ignore_result=True, bind=True)
def tick(self) -> None:
    # The sweeps go to the queue the tick came from: the workers listening there.
    queue = (self.request.delivery_info or {}).get("routing_key")
    for _ in range(reminder_tick(max_sweeps=settings.REMINDER_SWEEPS)):
        sweep.apply_async(expires=settings.REMINDER_SWEEP_SECONDS, queue=queue)


@shared_task(name="reminders.tasks.sweep", ignore_result=True)
def sweep() -> None:
    """Send what is due. Safe to run many at once: rows are claimed, not read."""
    reminder_dispatch_due(plan=False)


# When the broker did not answer, this process stops asking it for this
# long: the client's own retries take seconds, which a web request must not
# wait for write after write. The email is in the ledger; the tick sends it.
BROKER_QUIET_SECONDS = 60
_broker_failed_at: float | None = None


def sweep_soon() -> None:
    """Start a sweep now (an invitation, a reset, "Need help" was just
    recorded) rather than at the next tick. With the broker down the next
    tick sends it: the email is in the ledger either way."""
    global _broker_failed_at
    if not settings.REMINDERS_SWEEP_ON_REQUEST:
        return
    if _broker_failed_at is not None and time.time() - _broker_failed_at < (BROKER_QUIET_SECONDS):
        return
    try:
        sweep.apply_async(
            expires=settings.REMINDER_SWEEP_SECONDS,
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
            retry=False,
        )
    except Exception:  # The broker is down: not the request's problem.
        _broker_failed_at = time.time()
        log.warning("Could not start a sweep now; the next tick sends it", exc_info=True)
    else:
        _broker_failed_at = None
