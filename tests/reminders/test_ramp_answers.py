"""Ramp mode's daily yes/no: one tap on the rep's page or from the daily
email's signed link, on the manager's pages the same day, and ramp ending
early once the behaviour sticks (yes on 5 of the last 6 working days) — the
daily checks stop then, re-planned with the answer.

Time starts on Monday 30 November 2026, 09:00 UTC; reps are in London.
"""

import datetime as dt

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from commitments.links import daily_answer_path
from commitments.models import DailyAnswer, ramp_sticks
from reminders.models import Reminder
from reminders.services import reminder_dispatch_due, reminder_plan_calendar
from reps.models import User

from .factories import commit, rep_in

UTC = dt.UTC
ME = reverse("commitments:my_one_thing")
ANSWER = reverse("commitments:daily_answer")
pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def new_rep(clock):
    """Started Monday 23 November (ramp: two weeks); their one thing agreed
    that morning, checked at the 1:1 on Tuesday 1 December."""
    clock.move_to(at(23))
    rep = rep_in(
        "Europe/London", name="Lukas New", start_date=dt.date(2026, 11, 23), ramp=User.Ramp.AUTO
    )
    commit(rep, check_date=dt.date(2026, 12, 1))
    return rep


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def answer_on_page(clock, rep, moment, answer="yes"):
    clock.move_to(moment)
    return client_for(rep).post(ANSWER, {"answer": answer})


def daily_rows(rep, status=Reminder.Status.PENDING):
    return set(
        Reminder.objects.filter(rep=rep, kind=Reminder.Kind.DAILY, status=status).values_list(
            "key", flat=True
        )
    )


# --- the rule --------------------------------------------------------------------


def test_the_behaviour_sticks_with_a_yes_on_5_of_the_last_6_working_days():
    monday = dt.date(2026, 11, 30)
    week = [dt.date(2026, 11, d) for d in (23, 24, 25, 26, 27)]

    assert ramp_sticks({*week[1:], monday}, today=monday)  # 5 of 6, Monday 23 missed
    assert not ramp_sticks(set(week[2:]) | {monday}, today=monday)  # 4 of 6
    # Weekends are not working days: Friday to Monday is two days in a row.
    assert ramp_sticks(set(week), today=dt.date(2026, 11, 29))


# --- one tap on the rep's page, the manager sees it the same day ------------------------


def test_the_rep_answers_in_one_tap_and_the_manager_sees_it_the_same_day(clock, new_rep):
    clock.move_to(at(30))
    page = client_for(new_rep).get(ME).text
    assert "Did you do the one thing today?" in page

    response = answer_on_page(clock, new_rep, at(30, 12), "no")

    assert response.status_code == 302
    answer = DailyAnswer.objects.get(rep=new_rep)
    assert (answer.day, answer.did_it, answer.via) == (dt.date(2026, 11, 30), False, "page")
    assert "✗</span> not today" in client_for(new_rep).get(ME).text
    manager = client_for(new_rep.manager)
    rep_page = manager.get(reverse("commitments:rep_detail", args=[new_rep.pk])).text
    assert "Ramp mode: did Lukas New do the one thing each day?" in rep_page
    assert "Mon 30 Nov: no" in rep_page
    team = manager.get(reverse("commitments:team")).text
    assert 'Ramp, today: <span aria-hidden="true">✗</span> not today' in team


def test_a_second_tap_the_same_day_keeps_the_first_answer(clock, new_rep):
    answer_on_page(clock, new_rep, at(30, 12), "yes")
    answer_on_page(clock, new_rep, at(30, 13), "no")

    assert list(DailyAnswer.objects.values_list("did_it", flat=True)) == [True]


def test_an_answer_with_htmx_comes_back_in_place(clock, new_rep):
    clock.move_to(at(30, 12))
    response = client_for(new_rep).post(ANSWER, {"answer": "yes"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Recorded for Mon 30 Nov: yes, you did it." in response.text


def test_a_rep_out_of_ramp_is_not_asked_and_cannot_answer(clock):
    rep = rep_in("Europe/London", start_date=dt.date(2026, 1, 5), ramp=User.Ramp.AUTO)
    commit(rep, check_date=dt.date(2026, 12, 8))
    client = client_for(rep)

    assert "Did you do the one thing today?" not in client.get(ME).text
    response = client.post(ANSWER, {"answer": "yes"}, headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert "Ramp mode is over" in response.text
    assert not DailyAnswer.objects.exists()


def test_a_manager_cannot_answer_for_a_rep(clock, new_rep):
    response = client_for(new_rep.manager).post(ANSWER, {"answer": "yes"})

    assert response.status_code == 404
    assert not DailyAnswer.objects.exists()


def test_the_database_keeps_one_answer_per_rep_per_day(clock, new_rep):
    answer_on_page(clock, new_rep, at(30, 12))
    first = DailyAnswer.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        DailyAnswer.objects.create(
            rep=new_rep,
            commitment=first.commitment,
            day=first.day,
            did_it=False,
            via="page",
            answered_at=first.answered_at,
        )


# --- from the daily email: a signed link, a page with one button ---------------------


def test_the_daily_email_links_a_yes_and_a_no_in_both_parts(clock, new_rep, smtp):
    clock.move_to(at(30, 16))
    smtp.received.clear()

    reminder_dispatch_due()

    [message] = [
        i["message"]
        for i in smtp.received
        if i["rcpt_tos"] == [new_rep.email] and "quick daily check" in i["message"].as_string()
    ]
    text = message.get_body(preferencelist=("plain",)).get_content()
    page = message.get_body(preferencelist=("html",)).get_content()
    day = dt.date(2026, 11, 30)
    yes = "http://127.0.0.1:8000" + daily_answer_path(new_rep.pk, day, did_it=True)
    no = "http://127.0.0.1:8000" + daily_answer_path(new_rep.pk, day, did_it=False)
    assert f"Yes, I did it: {yes}" in text
    assert f"Not today: {no}" in text
    assert f'href="{yes}"' in page
    assert f'href="{no}"' in page


def test_the_signed_link_shows_one_button_and_a_get_changes_nothing(clock, new_rep):
    clock.move_to(at(30, 7))
    reminder_plan_calendar()
    clock.move_to(at(30, 15))
    link = daily_answer_path(new_rep.pk, dt.date(2026, 11, 30), did_it=True)
    anonymous = Client(enforce_csrf_checks=True)

    shown = anonymous.get(link)

    assert shown.status_code == 200
    assert "Did you do the one thing today?" in shown.text
    assert shown.text.count('type="submit"') == 1
    assert "Yes, I did it" in shown.text
    assert not DailyAnswer.objects.exists()

    token = anonymous.cookies["csrftoken"].value
    recorded = anonymous.post(link, {"csrfmiddlewaretoken": token})

    assert recorded.status_code == 200
    assert "Recorded for Mon 30 Nov: yes, you did it." in recorded.text
    answer = DailyAnswer.objects.get()
    assert (answer.rep, answer.did_it, answer.via) == (new_rep, True, "email")
    # The day's reminder (not sent yet) has nothing left to ask.
    assert daily_rows(new_rep, Reminder.Status.SKIPPED) >= {f"daily:u{new_rep.pk}:2026-11-30"}


def test_the_signed_link_refuses_a_post_without_the_pages_csrf_token(clock, new_rep):
    link = daily_answer_path(new_rep.pk, dt.date(2026, 11, 30), did_it=True)

    response = Client(enforce_csrf_checks=True).post(link)

    assert response.status_code == 403
    assert not DailyAnswer.objects.exists()


def test_an_expired_link_answers_410_and_records_nothing(clock, new_rep):
    clock.move_to(at(24, 16))
    link = daily_answer_path(new_rep.pk, dt.date(2026, 11, 24), did_it=True)
    clock.move_to(at(30, 9))

    shown = Client().get(link)
    posted = Client().post(link)

    assert shown.status_code == posted.status_code == 410
    assert "This link has expired." in shown.text
    assert not DailyAnswer.objects.exists()


def test_a_tampered_link_answers_404_and_records_nothing(clock, new_rep):
    link = daily_answer_path(new_rep.pk, dt.date(2026, 11, 30), did_it=False)
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = reverse(
        "commitments:daily_answer_link",
        kwargs={"token": token[:-2] + ("AA" if not token.endswith("AA") else "BB")},
    )
    other_salt = signing.dumps({"u": new_rep.pk, "d": "2026-11-30", "a": 1}, salt="elsewhere")

    for path in (forged, reverse("commitments:daily_answer_link", args=[other_salt])):
        assert Client().post(path).status_code == 404
    assert "This link is not valid." in Client().get(forged).text
    assert not DailyAnswer.objects.exists()


def test_yesterdays_link_still_answers_yesterday(clock, new_rep):
    clock.move_to(at(27, 16))
    link = daily_answer_path(new_rep.pk, dt.date(2026, 11, 27), did_it=True)
    clock.move_to(at(28, 8))  # Saturday morning, Friday's email

    response = Client().post(link)

    assert response.status_code == 200
    assert DailyAnswer.objects.get().day == dt.date(2026, 11, 27)


# --- ramp ends when the behaviour sticks, and the daily checks stop -------------------


def test_ramp_ends_early_when_the_behaviour_sticks_and_daily_checks_stop(clock, new_rep):
    for day in (24, 25, 26, 27):
        answer_on_page(clock, new_rep, at(day, 17))
    clock.move_to(at(30, 7))
    reminder_plan_calendar()
    assert f"daily:u{new_rep.pk}:2026-11-30" in daily_rows(new_rep)
    assert not DailyAnswer.objects.filter(ends_ramp=True).exists()

    response = answer_on_page(clock, new_rep, at(30, 10))

    assert response.status_code == 302
    last = DailyAnswer.objects.get(day=dt.date(2026, 11, 30))
    assert last.ends_ramp
    # Re-planned with the answer: nothing daily is waiting any more, and the
    # calendar plans none for the rest of the two weeks.
    assert daily_rows(new_rep) == set()
    skipped = Reminder.objects.filter(rep=new_rep, kind="daily", skip_reason__contains="sticks")
    assert skipped.exists()
    for day in (1, 2, 3, 4):
        clock.move_to(dt.datetime(2026, 12, day, 7, 0, tzinfo=UTC))
        reminder_plan_calendar()
    assert daily_rows(new_rep) == set()
    assert new_rep.in_ramp(dt.date(2026, 12, 2))  # the calendar alone says two weeks

    clock.move_to(at(1, 9, month=12))
    rep_page = client_for(new_rep.manager).get(reverse("commitments:rep_detail", args=[new_rep.pk]))
    assert "Ramp ended Mon 30 Nov:" in rep_page.text
    assert "the behaviour stuck: yes on 5 of the last 6 working days" in rep_page.text
    assert "Ramp mode: daily check" not in rep_page.text
    assert "Did you do the one thing today?" not in client_for(new_rep).get(ME).text


def test_a_no_does_not_end_ramp_and_the_next_daily_check_is_planned(clock, new_rep):
    for day in (24, 25, 26, 27):
        answer_on_page(clock, new_rep, at(day, 17))
    answer_on_page(clock, new_rep, at(30, 10), "no")

    clock.move_to(at(1, 7, month=12))
    reminder_plan_calendar()

    assert not DailyAnswer.objects.filter(ends_ramp=True).exists()
    assert f"daily:u{new_rep.pk}:2026-12-01" in daily_rows(new_rep)


def test_a_script_in_the_one_thing_is_inert_on_the_daily_link_page(clock):
    clock.move_to(at(23))
    rep = rep_in("Europe/London", start_date=dt.date(2026, 11, 23), ramp=User.Ramp.AUTO)
    commit(rep, check_date=dt.date(2026, 12, 1), behaviour="<script>alert(1)</script> every day")
    clock.move_to(at(30, 16))

    page = Client().get(daily_answer_path(rep.pk, dt.date(2026, 11, 30), did_it=True)).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; every day" in page


def test_a_daily_check_planned_after_the_day_was_answered_is_not_sent(clock, new_rep, smtp):
    # Answered in the morning, before the calendar planned the day's check.
    answer_on_page(clock, new_rep, at(30, 8))
    clock.move_to(at(30, 9))
    reminder_plan_calendar()
    assert f"daily:u{new_rep.pk}:2026-11-30" in daily_rows(new_rep)
    clock.move_to(at(30, 16))
    smtp.received.clear()

    reminder_dispatch_due()

    row = Reminder.objects.get(key=f"daily:u{new_rep.pk}:2026-11-30")
    assert (row.status, row.skip_reason) == (Reminder.Status.SKIPPED, "answered already")
    assert not any("quick daily check" in i["message"].as_string() for i in smtp.received)
