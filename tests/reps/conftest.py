import pytest
from django.core.signals import request_finished

from reminders.services import reminder_dispatch_due


@pytest.fixture(autouse=True)
def worker_after_each_request(db):
    """Invitations and resets are recorded by the request and sent by the
    worker. Here the worker's real sweep runs as soon as each test request
    has finished, so tests read ``mail.outbox`` as a person reads their inbox
    moments later. (tests/reps/test_email_delivery.py shows the request itself
    sends nothing.)"""

    def sweep(**kwargs):
        reminder_dispatch_due(plan=False)

    request_finished.connect(sweep, weak=False, dispatch_uid="tests.worker_after_each_request")
    yield
    request_finished.disconnect(dispatch_uid="tests.worker_after_each_request")
