"""The timing rules, in the recipient's zone, across zones and DST changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from reminders import timing
from reminders.models import Reminder
from reminders.services import reminder_dispatch_due, reminder_plan_calendar
from reps.models import User

from .factories import commit, rep_in

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def rows_for(rep) -> dict[str, Reminder]:
    return {r.kind: r for r in Reminder.objects.filter(rep=rep)}


def nudge(issued: str, check: str) -> str | None:
    """``nudge_day`` with days written as "Mon 30 Nov" (2026) for readability."""

    def day(text: str) -> dt.date:
        return dt.datetime.strptime(f"{text} 2026", "%a %d %b %Y").date()

    found = timing.nudge_day(day(issued), day(check))
    return f"{found:%a} {found.day} {found:%b}" if found else None


def test_a_monday_loop_is_nudged_by_wednesday():
    # Working days between: Tue Wed Thu Fri. 40 % of 7 days is 2.8 days: Thursday
    # is nearest, but the middle working day (the earlier of Wed and Thu) caps it.
    assert nudge("Mon 30 Nov", "Mon 7 Dec") == "Wed 2 Dec"


def test_a_tuesday_loop_is_nudged_on_thursday():
    # Wed Thu Fri Mon between; 2.8 days is nearest Friday, capped at Thursday.
    assert nudge("Tue 1 Dec", "Tue 8 Dec") == "Thu 3 Dec"


def test_a_wednesday_loop_skips_the_weekend_to_the_nearest_working_day():
    # 2.8 days from Wednesday is Saturday: Friday (0.8 away) beats Monday (2.2).
    assert nudge("Wed 2 Dec", "Wed 9 Dec") == "Fri 4 Dec"


def test_a_loop_set_a_day_before_the_1_1_lands_on_the_middle_working_day():
    # Mon 30 Nov → Tue 8 Dec: Tue..Fri, Mon between; 3.2 days is Thursday, the middle one.
    assert nudge("Mon 30 Nov", "Tue 8 Dec") == "Thu 3 Dec"


def test_a_fortnightly_loop_is_nudged_in_its_second_week_at_the_latest_in_the_middle():
    # 40 % of 14 days is 5.6 days (Sunday): Monday 7 Dec is nearest and the
    # middle of the nine working days between.
    assert nudge("Mon 30 Nov", "Mon 14 Dec") == "Mon 7 Dec"
    # Tue → Tue: 5.6 days is Monday 7 Dec; the middle of nine is Monday too.
    assert nudge("Tue 1 Dec", "Tue 15 Dec") == "Mon 7 Dec"


def test_short_loops_with_one_or_two_working_days_between():
    assert nudge("Mon 30 Nov", "Wed 2 Dec") == "Tue 1 Dec"  # the one day between
    assert nudge("Mon 30 Nov", "Thu 3 Dec") == "Tue 1 Dec"  # 1.2 days; the earlier middle
    assert nudge("Thu 3 Dec", "Mon 7 Dec") == "Fri 4 Dec"  # only Friday between
    assert nudge("Thu 3 Dec", "Tue 8 Dec") == "Fri 4 Dec"  # Fri, Mon: 2 days is Saturday


def test_there_is_no_nudge_when_no_working_day_lies_between():
    assert timing.nudge_day(dt.date(2026, 12, 4), dt.date(2026, 12, 7)) is None  # Fri → Mon
    assert timing.nudge_day(dt.date(2026, 12, 1), dt.date(2026, 12, 2)) is None
    assert timing.nudge_day(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) is None


def test_the_nudge_is_never_later_than_the_middle_working_day_of_any_loop():
    start = dt.date(2026, 11, 30)
    for issued in (start + dt.timedelta(days=n) for n in range(14)):
        for length in range(1, 29):
            check = issued + dt.timedelta(days=length)
            between = [
                issued + dt.timedelta(days=n)
                for n in range(1, length)
                if timing.is_working_day(issued + dt.timedelta(days=n))
            ]
            day = timing.nudge_day(issued, check)
            if not between:
                assert day is None
                continue
            assert day in between
            assert day <= between[(len(between) - 1) // 2], (issued, check)


@pytest.mark.django_db
def test_a_skipped_1_1_moves_the_nudge_with_the_check(clock):
    from commitments.services import commitment_skip_week

    rep = rep_in("Europe/London")  # 1:1 on Tuesdays
    commitment = commit(rep, check_date=dt.date(2026, 12, 1))  # Mon → Tue: Tuesday is too soon
    assert "nudge" not in rows_for(rep)
    # A holiday: the 1:1 moves to Tue 8 Dec and a nudge fits now, on Thursday 3 Dec.
    commitment_skip_week(commitment=commitment, by=rep.manager, reason="holiday")
    assert rows_for(rep)["nudge"].due_at == utc(2026, 12, 3, 8, 0)


@pytest.mark.django_db
def test_the_nudge_is_at_eight_in_the_morning_in_the_reps_own_zone():
    rep = rep_in("Asia/Tokyo", one_on_one_weekday=0)
    commit(rep, check_date=dt.date(2026, 12, 7))  # agreed Mon 30 Nov (18:00 in Tokyo)
    # Wednesday 2 Dec 08:00 in Tokyo is Tuesday 23:00 UTC.
    assert rows_for(rep)["nudge"].due_at == utc(2026, 12, 1, 23, 0)


@pytest.mark.django_db
def test_a_new_commitment_plans_the_nudge_and_the_prompt_in_local_time():
    rep = rep_in("Europe/London")  # 1:1 on Tuesdays at 10:00
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))

    rows = rows_for(rep)
    assert rows["nudge"].key == f"nudge:c{commitment.pk}"
    assert rows["nudge"].recipient == rep
    assert rows["nudge"].due_at == utc(2026, 12, 3, 8, 0)  # Thursday: 40 % of the way
    assert rows["prompt"].recipient == rep.manager
    assert rows["prompt"].due_at == utc(2026, 12, 8, 8, 0)
    assert {r.status for r in rows.values()} == {"pending"}


@pytest.mark.django_db
def test_an_early_one_on_one_moves_the_prompt_to_the_working_day_before():
    rep = rep_in("Europe/London", one_on_one_weekday=0, one_on_one_time=dt.time(8, 30))
    commit(rep, check_date=dt.date(2026, 12, 7))  # Monday 08:30

    assert rows_for(rep)["prompt"].due_at == utc(2026, 12, 4, 8, 0)  # the Friday before


@pytest.mark.django_db
def test_a_manager_far_ahead_in_time_gets_the_prompt_on_their_own_morning_before():
    # Tue 8 Dec 10:00 in New York is Wed 00:00 in Tokyo: Wed 08:00 is too late.
    rep = rep_in("America/New_York", manager_tz="Asia/Tokyo")
    commit(rep, check_date=dt.date(2026, 12, 8))

    prompt = rows_for(rep)["prompt"]
    assert prompt.due_at.astimezone(ZoneInfo("Asia/Tokyo")) == dt.datetime(
        2026, 12, 8, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo")
    )
    assert prompt.due_at == utc(2026, 12, 7, 23, 0)


@pytest.mark.django_db
def test_the_nudge_keeps_its_wall_clock_time_when_new_york_leaves_daylight_saving(clock):
    # Clocks go back on Sun 1 Nov 2026 in New York.
    clock.move_to(dt.datetime(2026, 10, 26, 14, 0, tzinfo=UTC))  # Mon, EDT
    before = rep_in("America/New_York")
    commit(before, check_date=dt.date(2026, 10, 30))
    assert rows_for(before)["nudge"].due_at == utc(2026, 10, 28, 12, 0)  # 08:00 EDT

    clock.move_to(dt.datetime(2026, 10, 29, 14, 0, tzinfo=UTC))  # Thu, EDT
    across = rep_in("America/New_York")
    commit(across, check_date=dt.date(2026, 11, 5))
    # Halfway is Sunday 1 Nov; Monday 2 Nov 08:00 is now EST (UTC-5).
    assert rows_for(across)["nudge"].due_at == utc(2026, 11, 2, 13, 0)


@pytest.mark.django_db
def test_the_prompt_keeps_its_wall_clock_time_when_london_enters_summer_time(clock):
    # Clocks go forward on Sun 28 Mar 2027 in London.
    clock.move_to(dt.datetime(2027, 3, 22, 9, 0, tzinfo=UTC))  # Mon, GMT
    rep = rep_in("Europe/London", one_on_one_weekday=0)
    commit(rep, check_date=dt.date(2027, 3, 29))

    rows = rows_for(rep)
    assert rows["nudge"].due_at == utc(2027, 3, 24, 8, 0)  # Wed 08:00 GMT
    assert rows["prompt"].due_at == utc(2027, 3, 29, 7, 0)  # Mon 08:00 BST


@pytest.mark.django_db
def test_changing_the_one_on_one_time_re_times_an_untried_prompt():
    from reminders.services import reminder_schedule_for_rep

    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    rep.one_on_one_time = dt.time(8, 15)
    rep.save(update_fields=["one_on_one_time"])
    reminder_schedule_for_rep(rep_id=rep.pk)

    assert rows_for(rep)["prompt"].due_at == utc(2026, 12, 7, 8, 0)
    assert Reminder.objects.filter(rep=rep).count() == 2


@pytest.mark.django_db
def test_the_digest_is_planned_for_monday_morning_in_each_managers_zone():
    # Now: Mon 30 Nov 09:00 UTC — 20:00 Monday in Sydney, 04:00 Monday in New York.
    sydney = rep_in("Europe/London", manager_tz="Australia/Sydney").manager
    new_york = rep_in("Europe/London", manager_tz="America/New_York").manager

    reminder_plan_calendar()
    reminder_plan_calendar()  # planning twice changes nothing

    def digests(manager):
        return {
            r.key: r.due_at
            for r in Reminder.objects.filter(recipient=manager, kind=Reminder.Kind.DIGEST)
        }

    assert digests(sydney) == {
        f"digest:u{sydney.pk}:2026-W49": utc(2026, 11, 29, 21, 0),  # Mon 08:00 AEDT
        f"digest:u{sydney.pk}:2026-W50": utc(2026, 12, 6, 21, 0),
    }
    assert digests(new_york) == {
        f"digest:u{new_york.pk}:2026-W49": utc(2026, 11, 30, 13, 0),  # Mon 08:00 EST
        f"digest:u{new_york.pk}:2026-W50": utc(2026, 12, 7, 13, 0),
    }


@pytest.mark.django_db
def test_a_ramping_rep_gets_a_daily_check_on_working_days_of_the_first_two_weeks(clock):
    from reps.models import User

    rep = rep_in("America/Los_Angeles", start_date=dt.date(2026, 11, 23), ramp=User.Ramp.AUTO)
    commit(rep, check_date=dt.date(2026, 12, 8))

    def dailies():
        return sorted(
            r.key.rsplit(":", 1)[1]
            for r in Reminder.objects.filter(rep=rep, kind=Reminder.Kind.DAILY)
        )

    # 09:00 UTC Monday is 01:00 Monday in Los Angeles: today and the next working day.
    assert dailies() == ["2026-11-30", "2026-12-01"]
    assert Reminder.objects.get(key=f"daily:u{rep.pk}:2026-11-30").due_at == utc(
        2026, 12, 1, 0, 0
    )  # 16:00 PST

    clock.move_to(dt.datetime(2026, 12, 2, 18, 0, tzinfo=UTC))  # Wed 10:00 local
    reminder_plan_calendar()
    # Thursday 3 Dec is the nudge's day (one reminder a day at most).
    assert dailies() == ["2026-11-30", "2026-12-01", "2026-12-02"]

    clock.move_to(dt.datetime(2026, 12, 4, 18, 0, tzinfo=UTC))  # Fri 10:00 local
    reminder_plan_calendar()
    # Friday gets its daily check; Monday 7 Dec is day 15 of the job: out of ramp.
    assert dailies() == ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-04"]

    clock.move_to(dt.datetime(2026, 12, 5, 18, 0, tzinfo=UTC))  # Saturday
    reminder_plan_calendar()
    assert dailies() == ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-04"]


@pytest.mark.django_db
def test_a_rep_out_of_ramp_gets_no_daily_check():
    rep = rep_in("Europe/London")  # started in January, ramp "off" in the factory
    commit(rep, check_date=dt.date(2026, 12, 8))
    reminder_plan_calendar()

    assert not Reminder.objects.filter(kind=Reminder.Kind.DAILY).exists()


@pytest.mark.django_db
def test_a_commitment_set_after_four_gets_no_daily_check_minutes_later(clock):
    # Monday 30 Nov, 16:30 in London: the 16:00 daily check has passed and a
    # commitment this fresh needs a few hours of life before "how did today go?".
    clock.move_to(dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    rep = rep_in("Europe/London", ramp=User.Ramp.ON)
    commit(rep, check_date=dt.date(2026, 12, 8))

    days = sorted(r.key.rsplit(":", 1)[1] for r in Reminder.objects.filter(rep=rep, kind="daily"))
    assert days == ["2026-12-01"]


@pytest.mark.django_db
def test_a_commitment_set_in_the_morning_gets_that_afternoon_s_daily_check(clock):
    clock.move_to(dt.datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    rep = rep_in("Europe/London", ramp=User.Ramp.ON)
    commit(rep, check_date=dt.date(2026, 12, 8))

    assert Reminder.objects.filter(key=f"daily:u{rep.pk}:2026-11-30").exists()


@pytest.mark.django_db
def test_a_ramp_rep_gets_at_most_one_reminder_a_day_all_week(clock, mailoutbox):
    clock.move_to(dt.datetime(2026, 11, 30, 7, 0, tzinfo=UTC))
    rep = rep_in("Europe/London", ramp=User.Ramp.ON)
    commit(rep, check_date=dt.date(2026, 12, 8))
    reminder_dispatch_due()
    mailoutbox.clear()

    per_day = {}
    moment = dt.datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    while moment < dt.datetime(2026, 12, 8, 7, 0, tzinfo=UTC):
        moment += dt.timedelta(hours=1)
        clock.move_to(moment)
        before = len(mailoutbox)
        reminder_dispatch_due()
        to_rep = [m for m in mailoutbox[before:] if rep.email in m.to[0]]
        per_day[moment.date()] = per_day.get(moment.date(), 0) + len(to_rep)

    assert max(per_day.values()) == 1
    # The nudge (Thursday) took the place of that day's daily check.
    nudge = Reminder.objects.get(rep=rep, kind="nudge")
    assert nudge.status == "sent"
    assert nudge.sent_at.date() == dt.date(2026, 12, 3)
    assert not Reminder.objects.filter(key=f"daily:u{rep.pk}:2026-12-03").exists()
