"""Signed one-tap links for the rep's mid-week answer (in the nudge email).

The token names one commitment, its rep and one answer, and expires. It is
the permission to answer for that commitment without signing in. Opening it
changes nothing (mail scanners fetch every link in an email): the page it
opens has the answer chosen and one button, which records it.
"""

import datetime as dt

from django.core import signing

from .models import PulseAnswer

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
