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


def test_the_nudge_is_halfway_on_a_working_day_morning():
    # Mon 30 Nov → Tue 8 Dec: halfway is Friday.
    assert timing.nudge_day(dt.date(2026, 11, 30), dt.date(2026, 12, 8)) == dt.date(2026, 12, 4)
    # Wed 2 Dec → Wed 9 Dec: halfway is Saturday, moved to Monday.
    assert timing.nudge_day(dt.date(2026, 12, 2), dt.date(2026, 12, 9)) == dt.date(2026, 12, 7)
    # Thu 3 Dec → Mon 7 Dec: halfway is Saturday, Monday is the check, so Friday.
    assert timing.nudge_day(dt.date(2026, 12, 3), dt.date(2026, 12, 7)) == dt.date(2026, 12, 4)


def test_there_is_no_nudge_when_no_working_day_lies_between():
    assert timing.nudge_day(dt.date(2026, 12, 4), dt.date(2026, 12, 7)) is None  # Fri → Mon
    assert timing.nudge_day(dt.date(2026, 12, 1), dt.date(2026, 12, 2)) is None
    assert timing.nudge_day(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) is None


@pytest.mark.django_db
def test_a_new_commitment_plans_the_nudge_and_the_prompt_in_local_time():
    rep = rep_in("Europe/London")  # 1:1 on Tuesdays at 10:00
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))

    rows = rows_for(rep)
    assert rows["nudge"].key == f"nudge:c{commitment.pk}"
    assert rows["nudge"].recipient == rep
    assert rows["nudge"].due_at == utc(2026, 12, 4, 8, 0)
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
    assert rows["nudge"].due_at == utc(2027, 3, 25, 8, 0)  # Thu 08:00 GMT
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

    clock.move_to(dt.datetime(2026, 12, 4, 18, 0, tzinfo=UTC))  # Fri 10:00 local
    reminder_plan_calendar()
    # Friday 4 Dec is the nudge's day (one reminder a day at most), and Monday
    # 7 Dec is day 15 of the job: out of ramp. No daily check planned.
    assert dailies() == ["2026-11-30", "2026-12-01"]

    clock.move_to(dt.datetime(2026, 12, 5, 18, 0, tzinfo=UTC))  # Saturday
    reminder_plan_calendar()
    assert dailies() == ["2026-11-30", "2026-12-01"]


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
    # The nudge (Friday) took the place of that day's daily check.
    nudge = Reminder.objects.get(rep=rep, kind="nudge")
    assert nudge.status == "sent"
    assert nudge.sent_at.date() == dt.date(2026, 12, 4)
    assert not Reminder.objects.filter(key=f"daily:u{rep.pk}:2026-12-04").exists()
