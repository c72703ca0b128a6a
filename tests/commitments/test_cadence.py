"""Weekly or fortnightly 1:1s: the default check date and the far-date warning follow."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from commitments.models import Commitment, check_window_days, next_check_default
from reps.models import User

pytestmark = pytest.mark.django_db

# Monday 30 Nov 2026; the rep's 1:1 is on Tuesdays.
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def fortnightly(rep):
    rep.one_on_one_every_weeks = User.Cadence.FORTNIGHTLY
    rep.save(update_fields=["one_on_one_every_weeks"])
    return rep


def test_a_weekly_rep_is_checked_at_the_first_1_1_that_leaves_a_real_week(rep):
    assert next_check_default(rep, today=TODAY) == dt.date(2026, 12, 8)
    assert check_window_days(rep) == 7


def test_a_fortnightly_rep_is_checked_two_weeks_after_that_1_1(fortnightly):
    # Set at the 1:1 (Tuesday 1 Dec) or early (Monday): the 1:1 of Tuesday 15 Dec.
    assert next_check_default(fortnightly, today=TODAY) == dt.date(2026, 12, 15)
    assert next_check_default(fortnightly, today=dt.date(2026, 12, 1)) == dt.date(2026, 12, 15)
    assert fortnightly.next_one_on_one(after=dt.date(2026, 12, 15)) == dt.date(2026, 12, 29)
    assert check_window_days(fortnightly) == 14


def test_the_rep_page_suggests_the_fortnightly_check_date(manager_client, fortnightly, rep_page):
    html = manager_client.get(rep_page).text

    assert 'name="check_date" value="2026-12-15"' in html
    assert "1:1 every other Tuesday" in html


def test_a_fortnightly_check_within_two_weeks_needs_no_confirmation(
    manager_client, fortnightly, new_url
):
    response = manager_client.post(
        new_url, {"behaviour": "Open every call with the agenda", "check_date": "2026-12-14"}
    )

    assert response.status_code == 302
    assert Commitment.objects.get(rep=fortnightly).check_date == dt.date(2026, 12, 14)


def test_the_same_date_for_a_weekly_rep_asks_for_confirmation(manager_client, rep, new_url):
    response = manager_client.post(
        new_url, {"behaviour": "Open every call with the agenda", "check_date": "2026-12-14"}
    )

    assert response.status_code == 422
    assert "a check within 7 days works best" in response.text
    assert not Commitment.objects.filter(rep=rep).exists()


def test_a_fortnightly_check_past_two_weeks_asks_for_confirmation(
    manager_client, fortnightly, new_url
):
    data = {"behaviour": "Open every call with the agenda", "check_date": "2026-12-16"}

    refused = manager_client.post(new_url, data)

    assert refused.status_code == 422
    assert "That is 16 days away" in refused.text
    assert "a check within 14 days works best" in refused.text
    assert "more than 14 days away" in refused.text
    assert not Commitment.objects.filter(rep=fortnightly).exists()

    confirmed = manager_client.post(new_url, {**data, "confirm_far_check": "on"})

    assert confirmed.status_code == 302
    assert Commitment.objects.get(rep=fortnightly).check_date == dt.date(2026, 12, 16)


def test_the_weekly_update_suggests_the_fortnightly_next_check(
    manager_client, fortnightly, active, rep_page
):
    html = manager_client.get(rep_page).text

    assert 'name="next-check_date" value="2026-12-15"' in html


def test_a_manager_makes_a_rep_fortnightly_on_the_settings_page(manager_client, rep):
    url = reverse("reps:rep_settings", kwargs={"rep_id": rep.pk})
    assert 'name="one_on_one_every_weeks"' in manager_client.get(url).text

    response = manager_client.post(
        url,
        {
            "one_on_one_weekday": "1",
            "one_on_one_time": "10:00",
            "one_on_one_every_weeks": "2",
            "timezone": "Europe/London",
            "ramp": "off",
            "start_date": "2026-01-05",
        },
    )

    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.one_on_one_every_weeks == User.Cadence.FORTNIGHTLY


def test_a_cadence_other_than_weekly_or_fortnightly_is_refused(manager_client, rep):
    url = reverse("reps:rep_settings", kwargs={"rep_id": rep.pk})

    response = manager_client.post(
        url,
        {
            "one_on_one_weekday": "1",
            "one_on_one_time": "10:00",
            "one_on_one_every_weeks": "3",
            "timezone": "Europe/London",
            "ramp": "off",
        },
    )

    assert response.status_code == 422
    rep.refresh_from_db()
    assert rep.one_on_one_every_weeks == User.Cadence.WEEKLY
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=rep.pk).update(one_on_one_every_weeks=3)
