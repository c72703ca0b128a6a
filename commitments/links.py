"""Signed one-tap links in the rep's emails: the mid-week answer (the
nudge) and ramp mode's daily yes/no (the daily check).

Each token names the rep, what it answers for and one answer, and expires.
It is the permission to answer without signing in. Opening it changes
nothing (mail scanners fetch every link in an email): the page it opens has
the answer chosen and one button, which records it.
"""

import datetime as dt

from django.core import signing
from django.urls import reverse

from .models import DAILY_ANSWER_LATE_DAYS, PulseAnswer

PULSE_SALT = "commitments.pulse"
# A weekly loop, or a fortnightly one, and a little slack: a link from an
# old email should not answer for weeks later.
PULSE_LINK_MAX_AGE = dt.timedelta(days=15)


def pulse_token(*, commitment_id: int, rep_id: int, answer: str) -> str:
    return signing.dumps({"c": commitment_id, "u": rep_id, "a": answer}, salt=PULSE_SALT)


def read_pulse_token(token: str) -> tuple[int, int, str]:
    """(commitment id, rep id, answer); ``signing.SignatureExpired`` when it
    is too old, ``signing.BadSignature`` when tampered with or malformed."""
    data = signing.loads(token, salt=PULSE_SALT, max_age=PULSE_LINK_MAX_AGE)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("c"), int)
        or not isinstance(data.get("u"), int)
        or data.get("a") not in PulseAnswer.values
    ):
        raise signing.BadSignature("Malformed pulse token")
    return data["c"], data["u"], data["a"]


DAILY_LINK_SALT = "commitments.daily_answer"
# The daily email's link answers its own day, on that day or the next; a few
# days more and it says so instead of recording anything.
DAILY_LINK_MAX_AGE = dt.timedelta(days=DAILY_ANSWER_LATE_DAYS + 2)


def daily_answer_token(rep_id: int, day: dt.date, *, did_it: bool) -> str:
    return signing.dumps(
        {"u": rep_id, "d": day.isoformat(), "a": int(did_it)}, salt=DAILY_LINK_SALT, compress=True
    )


def read_daily_answer_token(token: str) -> tuple[int, dt.date, bool]:
    """The rep, day and answer a signed link is for; ``signing.SignatureExpired``
    when too old, ``signing.BadSignature`` when tampered with."""
    data = signing.loads(token, salt=DAILY_LINK_SALT, max_age=DAILY_LINK_MAX_AGE)
    try:
        return int(data["u"]), dt.date.fromisoformat(data["d"]), bool(data["a"])
    except (KeyError, TypeError, ValueError):
        raise signing.BadSignature("Malformed daily answer token") from None


def daily_answer_path(rep_id: int, day: dt.date, *, did_it: bool) -> str:
    token = daily_answer_token(rep_id, day, did_it=did_it)
    return reverse("commitments:daily_answer_link", kwargs={"token": token})
