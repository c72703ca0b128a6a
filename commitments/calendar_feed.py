"""Each person's secret calendar feed (iCalendar) of the checks coming up.

A manager's feed has one event per active commitment of their reps, at the
1:1: the check date at the rep's 1:1 time, in the rep's zone (the event
carries the zone and its VTIMEZONE, so a calendar in New York shows a
Honolulu rep's 10:00 at the right hour on either side of a DST change). A
rep's feed has their own check. The secret token in the URL is the only
credential: replacing it revokes every copy of the old link.
"""

import datetime as dt
import secrets
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reps.models import User

from .models import Commitment

ONE_ON_ONE_LENGTH = dt.timedelta(minutes=30)
PRODID = "-//CoachLoop//Checks//EN"


def calendar_token_renew(*, person: User) -> str:
    """A new secret link for ``person``; the old one stops working at once."""
    with transaction.atomic():
        person.calendar_token = secrets.token_urlsafe(32)
        person.save(update_fields=["calendar_token"])
    return person.calendar_token


def calendar_token_revoke(*, person: User) -> None:
    """No calendar link at all until a new one is made."""
    with transaction.atomic():
        person.calendar_token = None
        person.save(update_fields=["calendar_token"])


def person_for_token(token: str) -> User | None:
    """The active person whose feed this token opens, or None."""
    return User.objects.filter(calendar_token=token, is_active=True).first()


def checks_for(person: User):
    """The active commitments in ``person``'s calendar: their reps' (a
    manager) or their own (a rep); an org admin runs no 1:1s."""
    checks = Commitment.objects.active().select_related("rep", "manager")
    if person.is_manager:
        return checks.filter(rep__in=User.objects.reps_visible_to(person))
    if person.is_rep:
        return checks.filter(rep=person)
    return checks.none()


def one_on_one_at(commitment: Commitment) -> dt.datetime:
    """The check's 1:1: its date at the rep's 1:1 time, in the rep's zone."""
    rep = commitment.rep
    return dt.datetime.combine(commitment.check_date, rep.one_on_one_time, tzinfo=rep.tzinfo)


def _event(commitment: Commitment, *, for_rep: bool, host: str, now: dt.datetime):
    start = one_on_one_at(commitment)
    event = icalendar.Event()
    # Stable across fetches, so a calendar updates the event instead of adding one.
    event.add("uid", f"check-{commitment.pk}-{'rep' if for_rep else 'manager'}@{host}")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + ONE_ON_ONE_LENGTH)
    if for_rep:
        event.add("summary", f"1:1 with {commitment.manager.name}: check your one thing")
    else:
        event.add("summary", f"1:1 with {commitment.rep.name}: how did the one thing go?")
    description = commitment.behaviour
    if target := commitment.target_summary:
        description += f"\n{target}"
    event.add("description", description)
    return event


def feed_for(person: User, *, now: dt.datetime | None = None) -> bytes:
    """``person``'s calendar as iCalendar bytes: valid with no events too."""
    now = now or timezone.now()
    # The site's own name, not the request's Host: UIDs stay the same whichever
    # address the calendar app fetched.
    host = urlsplit(settings.SITE_URL).hostname or "coachloop"
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "CoachLoop checks")
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for commitment in checks_for(person).order_by("check_date", "pk"):
        cal.add_component(_event(commitment, for_rep=person.is_rep, host=host, now=now))
    cal.add_missing_timezones()
    return cal.to_ical()
