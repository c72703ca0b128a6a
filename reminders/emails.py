"""Reminder emails: built by ``common.emails.email_build`` (subject, text
and HTML templates in ``templates/emails/<kind>*``); every one carries a signed
link to a page where the recipient changes or stops their emails, no sign-in,
and a one-click unsubscribe (RFC 8058) for that kind of email in its headers.
"""

import datetime as dt
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from common.emails import email_build

PREFERENCES_SALT = "reminders.preferences"
# A forwarded email should not hand out control of someone's emails forever.
PREFERENCES_LINK_MAX_AGE = dt.timedelta(days=90)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def preferences_token(user_id: int, kind: str = "") -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=PREFERENCES_SALT, compress=True)


def read_preferences_token(token: str) -> tuple[int, str]:
    """The person a signed link is for; ``signing.BadSignature`` if tampered with."""
    data = signing.loads(token, salt=PREFERENCES_SALT, max_age=PREFERENCES_LINK_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("Malformed preferences token")
    return data["u"], str(data.get("k", ""))


def preferences_url(user_id: int, kind: str = "") -> str:
    return manage_url(preferences_token(user_id, kind))


def manage_url(token: str) -> str:
    """The page where the person a token is for changes or stops each email."""
    return absolute(reverse("reminders:manage", kwargs={"token": token}))


# RFC 8058: the body a mail provider POSTs to the List-Unsubscribe URL (and
# the value of the List-Unsubscribe-Post header that invites it to).
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"
ONE_CLICK = f"{ONE_CLICK_FIELD}={ONE_CLICK_VALUE}"


def unsubscribe_url(token: str) -> str:
    """The one-click unsubscribe endpoint for a preferences token: a GET
    shows a button, a POST stops the kind of email the token names."""
    return absolute(reverse("reminders:unsubscribe", kwargs={"token": token}))


class UnfoldedHeader(str):
    """A header value the email package writes as is, on one line.

    Django sends with ``email.policy.SMTP``, which folds any header longer
    than 78 characters; a long URL has no space to fold at, so it would be
    turned into RFC 2047 encoded-words, and mail clients then ignore
    ``List-Unsubscribe``. The policy stores a value that already has a
    ``name`` as a header object and calls its ``fold()``, so this keeps the
    line whole (RFC 5322 allows up to 998 characters).
    """

    max_length = 998

    def __new__(cls, name: str, value: str):
        line = f"{name}: {value}"
        if "\r" in line or "\n" in line or len(line) > cls.max_length:
            raise ValueError(f"{name} must be a single line of at most {cls.max_length}")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self):  # copy and pickle (the locmem backend deep-copies)
        return (self.name, str(self))

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def message_id(key: str) -> str:
    """The same Message-ID for every attempt at one reminder, so a mail client
    can fold the one duplicate no mail system can rule out (sent, then the
    worker died before recording it)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:24]
    domain = urlsplit(settings.SITE_URL).hostname or "coachloop.localhost"
    return f"<reminder.{digest}@{domain}>"


def build_reminder_email(*, kind: str, to, context: dict, key: str) -> EmailMultiAlternatives:
    """A reminder through the project's one email builder, plus the signed
    preferences link in the body and, with the same token, the one-click
    unsubscribe (``List-Unsubscribe`` and ``List-Unsubscribe-Post``, RFC 8058)
    in the headers."""
    token = preferences_token(to.pk, kind)
    return email_build(
        kind,
        to=to,
        context={**context, "manage_url": manage_url(token)},
        headers={
            "Message-ID": message_id(key),
            "List-Unsubscribe": UnfoldedHeader("List-Unsubscribe", f"<{unsubscribe_url(token)}>"),
            "List-Unsubscribe-Post": ONE_CLICK,
            "Auto-Submitted": "auto-generated",
        },
    )
