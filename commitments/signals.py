"""What ``reminders`` (the floor above) hears from the loop.

``loop_changed`` is sent inside the transaction of every write that changes
what a rep's reminders depend on: a commitment created or closed, a rep's
coaching set-up changed. The reminders are re-planned in that transaction.
"""

from django.dispatch import Signal

# kwargs: rep_id
loop_changed = Signal()

# Facts for the outside world (the organisation's webhook), sent inside the
# write's transaction so an event is recorded exactly when the write commits.
# kwargs: check, now — a check was recorded (its commitment closed).
check_recorded = Signal()
# kwargs: commitment, now — a new commitment was made (a re-issue and a layer too).
commitment_made = Signal()
