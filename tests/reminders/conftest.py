"""Fixtures for the reminder engine: a real SMTP server, a real broker, a real worker."""

import contextlib
import email
import email.policy
import functools
import os
import socket
import threading
import uuid

import pytest
from aiosmtpd.controller import Controller

from coachloop.celery import app as celery_app
from reminders import tasks
from reminders.services import dispatch, reminder_dispatch_due

# A Redis database of its own, so a test run never eats a developer's queue
# (and each test also sends to a queue of its own: see private_queue).
# REMINDERS_TEST_BROKER_URL moves it, e.g. for parallel runs on one Redis.
TEST_BROKER_URL = os.environ.get("REMINDERS_TEST_BROKER_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The factories hash a password per person; PBKDF2 would make that seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the SMTP server received: envelope and parsed message, in order."""

    def __init__(self):
        self.received: list[dict] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.arrived:
            self.received.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "raw": envelope.original_content,
                    "message": message,
                }
            )
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [item["message"] for item in self.received]

    def wait_for(self, count: int, timeout: float = 20) -> list:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
        return self.messages


@contextlib.contextmanager
def smtp_server(port: int | None = None):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def smtp_mailer(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and MAILERS pointing at it."""
    with smtp_server() as (inbox, port):
        settings.MAILERS = smtp_mailer(port)
        inbox.port = port
        yield inbox


@contextlib.contextmanager
def broker(url: str):
    """Point the Celery app at ``url`` (and drop cached connections either side)."""
    previous = celery_app.conf.broker_url

    def reset():
        celery_app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            celery_app.__dict__["amqp"]._producer_pool = None

    celery_app.conf.broker_url = url
    reset()
    try:
        yield celery_app
    finally:
        celery_app.conf.broker_url = previous
        reset()


@pytest.fixture
def private_queue():
    """A queue only this test's worker consumes. Redis is shared (other test
    runs, CI jobs, a developer's worker): a task sent to the default queue
    could be taken by someone else's worker, against someone else's database."""
    name = f"reminders-test-{uuid.uuid4().hex}"
    yield name
    import redis

    client = redis.Redis.from_url(TEST_BROKER_URL)
    try:
        for key in client.scan_iter(match=f"*{name}*"):
            client.zrem(b"_kombu.binding_deadlines", key)
            client.delete(key)
    finally:
        client.close()


def batches_of(size: int, monkeypatch) -> None:
    """The sweep task and the beat's tick with batches of ``size`` instead of
    100: a backlog of several batches without hundreds of reminders."""
    monkeypatch.setattr(dispatch, "BATCH_SIZE", size)
    monkeypatch.setattr(
        tasks, "reminder_dispatch_due", functools.partial(reminder_dispatch_due, batch_size=size)
    )
