"""Every email leaves through the worker: invitations and password resets are
recorded by the request (in its transaction) and sent, retried and recorded by
the sweep, like any reminder. And every email speaks the reader's time zone."""

import datetime as dt
import socket
import threading

import pytest
from django.test import Client
from django.urls import reverse

from reminders.models import Reminder
from reminders.services import reminder_dispatch_due
from reps.models import User
from tests.factories import ManagerFactory, OrganisationFactory, RepFactory

from .conftest import TEST_BROKER_URL, broker, smtp_mailer
from .factories import commit
from .test_worker import counting_finished_sweeps, worker

UTC = dt.UTC
pytestmark = pytest.mark.django_db


class SilentMailServer:
    """Accepts connections and never says a word: a hung mail server. Counts
    how many times anyone connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(conn)

    def close(self):
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def hung_mail_server(settings):
    server = SilentMailServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 1},
        }
    }
    yield server
    server.close()


def invitation(**fields):
    return {
        "name": "Ivy Invited",
        "email": "ivy@example.com",
        "timezone": "Europe/London",
        "one_on_one_weekday": "1",
        "one_on_one_time": "10:00",
        **fields,
    }


def test_an_invitation_never_talks_to_the_mail_server_inside_the_request(client, hung_mail_server):
    manager = ManagerFactory()
    client.force_login(manager)

    response = client.post(reverse("reps:invite"), invitation())

    assert response.status_code == 302
    assert hung_mail_server.connections == 0
    ivy = User.objects.get(email="ivy@example.com")
    row = Reminder.objects.get(recipient=ivy)
    assert (row.kind, row.status, row.requested_by) == ("invite", "pending", manager)


def test_a_password_reset_with_the_mail_server_down_is_kept_and_sent_once_it_is_back(
    client, clock, settings, smtp
):
    manager = ManagerFactory(email="maria@example.com")
    live = settings.MAILERS
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.MAILERS = smtp_mailer(closed)

    response = client.post(reverse("password_reset"), {"email": "maria@example.com"})
    assert response.status_code == 302  # "on its way" — and now it is true
    reminder_dispatch_due(plan=False)  # the worker tries: the server is down
    row = Reminder.objects.get(recipient=manager, kind=Reminder.Kind.PASSWORD_RESET)
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.last_error

    settings.MAILERS = live
    clock.move_to(dt.datetime(2026, 11, 30, 9, 5, tzinfo=UTC))
    reminder_dispatch_due(plan=False)

    [item] = smtp.received
    assert item["rcpt_tos"] == ["maria@example.com"]
    message = item["message"]
    assert message["Subject"] == "Reset your CoachLoop password"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "/accounts/reset/" in text
    assert "/accounts/reset/" in html
    row.refresh_from_db()
    assert row.status == "sent"


def test_a_reset_for_an_unknown_address_records_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert not Reminder.objects.exists()


def test_an_invitation_already_accepted_is_not_sent_again(client, mailoutbox):
    manager = ManagerFactory()
    client.force_login(manager)
    client.post(reverse("reps:invite"), invitation())
    ivy = User.objects.get(email="ivy@example.com")
    ivy.set_password("a long and fine password")
    ivy.save(update_fields=["password"])

    reminder_dispatch_due(plan=False)

    assert mailoutbox == []
    row = Reminder.objects.get(recipient=ivy)
    assert (row.status, row.skip_reason) == ("skipped", "already joined")


@pytest.mark.django_db(transaction=True)
def test_an_invitation_starts_a_sweep_on_a_real_worker_at_once(
    clock, smtp, private_queue, settings
):
    settings.REMINDERS_SWEEP_ON_REQUEST = True
    settings.CELERY_TASK_DEFAULT_QUEUE = private_queue
    manager = ManagerFactory()
    client = Client()
    client.force_login(manager)

    with (
        broker(TEST_BROKER_URL) as app,
        counting_finished_sweeps() as finished,
        worker(app, private_queue),
    ):
        response = client.post(reverse("reps:invite"), invitation())
        assert response.status_code == 302
        assert finished.acquire(timeout=30)

    [item] = smtp.received
    assert item["rcpt_tos"] == ["ivy@example.com"]
    assert "invited you to CoachLoop" in item["message"]["Subject"]
    assert Reminder.objects.get(kind="invite").status == "sent"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Winter: New York is UTC-5, Honolulu UTC-10 all year: 10:00 there is 15:00 here.
        (dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "15:00"),
        # Summer: New York is UTC-4: the same 1:1 is at 16:00 for the manager.
        (dt.datetime(2026, 7, 6, 9, 0, tzinfo=UTC), "16:00"),
    ],
    ids=["winter", "summer"],
)
def test_the_prompt_tells_a_new_york_manager_the_honolulu_reps_1_1_in_new_york_time(
    clock, mailoutbox, moment, expected
):
    clock.move_to(moment)
    organisation = OrganisationFactory()
    manager = ManagerFactory(organisation=organisation, timezone="America/New_York")
    rep = RepFactory(
        organisation=organisation,
        manager=manager,
        timezone="Pacific/Honolulu",
        one_on_one_weekday=User.Weekday.FRIDAY,
        one_on_one_time=dt.time(10, 0),
    )
    today = rep.local_today()
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)
    commitment = commit(rep, check_date=friday)
    prompt = Reminder.objects.get(commitment=commitment, kind="prompt")
    clock.move_to(prompt.due_at)

    reminder_dispatch_due(plan=False)

    [message] = [m for m in mailoutbox if "one thing go" in m.subject]
    text = message.body
    html = message.alternatives[0].content
    for part in (text, html):
        assert f"at {expected}" in part
        assert "(America/New_York)" in part
