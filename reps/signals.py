"""What the floors above hear from ``reps``, which imports none of them.

``person_changed`` is sent inside the transaction of every write that changes
a person's coaching set-up (their manager, 1:1 day, time or cadence, time zone, start
date, ramp mode, or whether they are active). ``commitments`` hands the
active commitment over to a new manager and tells ``reminders`` to re-time
what depends on it — in that same transaction.
"""

from django.dispatch import Signal

# kwargs: person (the User), fields (the names of the fields that changed)
person_changed = Signal()

COACHING_FIELDS = frozenset(
    {
        "manager",
        "timezone",
        "one_on_one_weekday",
        "one_on_one_time",
        "one_on_one_every_weeks",
        "start_date",
        "ramp",
        "is_active",
    }
)


# Sent inside the transaction that makes an email necessary (an invitation, a
# password reset). ``reminders`` records it in its delivery ledger, and the
# worker sends it — never the web request. kwargs: kind, person, by (or None)
email_requested = Signal()
