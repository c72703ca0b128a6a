"""Reminder writes, split by job:

- ``planning``: the ledger rows each reminder will be sent from, re-planned
  whenever their inputs change (in the same transaction);
- ``dispatch``: the sweep that claims what is due and sends it exactly once;
- ``compose``: what each email says (the weekly digest included);
- ``preferences``: each person's choice of emails (and of email, Slack or both);
- ``delivery``: Slack messages and the organisation's signed webhook events.
"""

from .compose import reminder_compose, reminder_digest_context
from .dispatch import (
    BACKOFF,
    BATCH_SIZE,
    LEASE,
    MAX_ATTEMPTS,
    DispatchResult,
    reminder_claim_due,
    reminder_claim_ids,
    reminder_dispatch_due,
)
from .planning import reminder_plan_calendar, reminder_schedule_for_rep
from .preferences import KINDS_FOR_ROLE, email_preferences_update

__all__ = [
    "BACKOFF",
    "BATCH_SIZE",
    "KINDS_FOR_ROLE",
    "LEASE",
    "MAX_ATTEMPTS",
    "DispatchResult",
    "email_preferences_update",
    "reminder_claim_due",
    "reminder_claim_ids",
    "reminder_compose",
    "reminder_digest_context",
    "reminder_dispatch_due",
    "reminder_plan_calendar",
    "reminder_schedule_for_rep",
]
