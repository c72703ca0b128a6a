"""When each reminder is due. Pure functions: no queries, no clock.

Every rule is a wall-clock time in the *recipient's* zone, turned into UTC
only at the end, so 08:00 stays 08:00 across a daylight-saving change.

- Working days are Monday to Friday; the morning is 08:00 local.
- Mid-week nudge (to the rep): before the rep reverts (the seed: "by
  Wednesday"). Of the working days strictly between the day it was agreed
  and the check date, the one nearest 40 % of the way from one to the other
  (a tie goes to the earlier day), but never later than the middle one of
  them (the earlier of two middles). No working day in between (a check one
  or two days away, Friday to Monday): no nudge. A weekly Monday loop is
  nudged on Wednesday, a Tuesday loop on Thursday.
- "How did the one thing go?" (to the manager): 08:00 in the manager's zone
  on the day of the 1:1 (check date at the rep's 1:1 time, in the rep's
  zone). If that is less than an hour before the 1:1 (an early 1:1, or a
  manager far ahead in time), it moves to 08:00 on the working day before.
- Daily check (to a rep in ramp mode with an active commitment): 16:00 local
  on every working day of the ramp — but never on the nudge's day (one
  reminder per rep per day at most) and never for a commitment agreed less
  than four hours before.
- Weekly digest (to each manager with reps): Monday 08:00 in their zone.
- Late, after downtime: a nudge still goes out until the day before the check
  date, a prompt until the 1:1 starts, a daily check on the same day, a digest
  until Friday of its week. Past that it is recorded as skipped, with why.
"""

import datetime as dt
from zoneinfo import ZoneInfo

MORNING = dt.time(8, 0)
DAILY_CHECK_AT = dt.time(16, 0)
PROMPT_LEAD = dt.timedelta(hours=1)
# A commitment agreed at 16:30 gets no "how did today go?" at 16:00 tomorrow
# minus a few minutes; it needs a few hours of life first.
DAILY_MIN_AGE = dt.timedelta(hours=4)
DIGEST_LAST_WEEKDAY = 4  # Friday: a digest is stale after its working week.

ONE_DAY = dt.timedelta(days=1)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def at_local(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """``day`` at wall-clock ``time`` in ``tz``, as UTC."""
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def previous_working_day(day: dt.date) -> dt.date:
    day -= ONE_DAY
    while not is_working_day(day):
        day -= ONE_DAY
    return day


def next_working_day(day: dt.date) -> dt.date:
    day += ONE_DAY
    while not is_working_day(day):
        day += ONE_DAY
    return day


NUDGE_AT_FRACTION = 0.4


def nudge_day(issued_on: dt.date, check_date: dt.date) -> dt.date | None:
    """The day of the mid-week nudge (see the module's rules), or None."""
    days = (check_date - issued_on).days
    working = [
        issued_on + dt.timedelta(days=offset)
        for offset in range(1, days)
        if is_working_day(issued_on + dt.timedelta(days=offset))
    ]
    if not working:
        return None
    target = NUDGE_AT_FRACTION * days
    nearest = min(working, key=lambda day: (abs((day - issued_on).days - target), day))
    middle = working[(len(working) - 1) // 2]
    return min(nearest, middle)


def nudge_at(*, issued_on: dt.date, check_date: dt.date, rep_tz: ZoneInfo) -> dt.datetime | None:
    day = nudge_day(issued_on, check_date)
    return at_local(day, MORNING, rep_tz) if day else None


def one_on_one_at(*, check_date: dt.date, time: dt.time, rep_tz: ZoneInfo) -> dt.datetime:
    return at_local(check_date, time, rep_tz)


def prompt_at(*, one_on_one: dt.datetime, manager_tz: ZoneInfo) -> dt.datetime:
    meeting_day = one_on_one.astimezone(manager_tz).date()
    same_morning = at_local(meeting_day, MORNING, manager_tz)
    if same_morning <= one_on_one - PROMPT_LEAD:
        return same_morning
    return at_local(previous_working_day(meeting_day), MORNING, manager_tz)


def daily_check_at(day: dt.date, rep_tz: ZoneInfo) -> dt.datetime:
    return at_local(day, DAILY_CHECK_AT, rep_tz)


def daily_check_days(
    *,
    candidates: tuple[dt.date, ...],
    committed_at: dt.datetime,
    issued_on: dt.date,
    check_date: dt.date,
    rep_tz: ZoneInfo,
) -> list[dt.date]:
    """Which of ``candidates`` get a daily check for this commitment."""
    nudge = nudge_day(issued_on, check_date)
    return [
        day
        for day in candidates
        if is_working_day(day)
        and day != nudge
        and daily_check_at(day, rep_tz) >= committed_at + DAILY_MIN_AGE
    ]


def digest_at(monday: dt.date, manager_tz: ZoneInfo) -> dt.datetime:
    return at_local(monday, MORNING, manager_tz)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
