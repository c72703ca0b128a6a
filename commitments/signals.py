"""What ``reminders`` (the floor above) hears from the loop.

``loop_changed`` is sent inside the transaction of every write that changes
what a rep's reminders depend on: a commitment created or closed, a rep's
coaching set-up changed. The reminders are re-planned in that transaction.
"""

from django.dispatch import Signal

# kwargs: rep_id
loop_changed = Signal()
