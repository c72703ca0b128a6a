"""The rep's page: their one thing, and practice logged with one tap."""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commitments.models import PracticeLog
from commitments.services import practice_log
from tests.factories import CheckFactory, CommitmentFactory, RepFactory

pytestmark = pytest.mark.django_db

ME = reverse("commitments:my_one_thing")
PRACTICE = reverse("commitments:practice_new")


def field_error(response, field_id: str) -> str:
    marker = f'id="{field_id}_error">'
    assert marker in response.text, f"no error next to {field_id}"
    return html.unescape(response.text.split(marker, 1)[1].split("</small>", 1)[0])


def test_a_rep_sees_their_one_thing_the_why_and_the_check_date(rep_client, active):
    page = html.unescape(rep_client.get(ME).text)

    assert active.behaviour in page
    assert active.why in page
    assert "Check date" in page
    assert "Tue 1 Dec" in page
    assert "10 emails · Monday to Thursday · by 10:00" in page


def test_a_rep_without_a_commitment_is_told_it_comes_at_the_next_one_on_one(rep_client, rep):
    page = rep_client.get(ME).text

    assert "No commitment yet." in page
    assert "Log a practice rep" not in page


def test_the_one_tap_buttons_log_today_in_the_reps_time_zone(rep_client, active):
    page = rep_client.get(ME).text

    assert "+ Drill today" in page
    assert "+ Role-play today" in page
    assert "+ Live attempt today" in page
    assert 'name="practiced_on" value="2026-11-30"' in page


def test_one_tap_logs_a_practice_rep_against_the_active_commitment(rep_client, rep, active):
    response = rep_client.post(PRACTICE, {"kind": "roleplay", "practiced_on": "2026-11-30"})

    assert response.status_code == 302
    assert response.url == ME
    entry = PracticeLog.objects.get()
    assert (entry.commitment, entry.rep, entry.kind) == (active, rep, PracticeLog.Kind.ROLE_PLAY)
    assert entry.practiced_on == dt.date(2026, 11, 30)
    assert entry.count is None
    page = rep_client.get(ME).text
    assert "Logged: role-play, Mon 30 Nov." in page
    assert "1 entry" in page


def test_one_tap_over_htmx_returns_the_practice_partial(rep_client, active):
    response = rep_client.post(
        PRACTICE, {"kind": "drill", "practiced_on": "2026-11-30"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Logged: drill, Mon 30 Nov." in response.text
    assert "Logged so far" in response.text
    assert "1 entry" in response.text


def test_practice_with_a_day_a_count_and_a_note_is_logged(rep_client, active):
    response = rep_client.post(
        PRACTICE,
        {"kind": "live", "practiced_on": "2026-11-27", "count": "4", "note": "Two replies"},
    )

    assert response.status_code == 302
    entry = PracticeLog.objects.get()
    assert (entry.practiced_on, entry.count, entry.note) == (
        dt.date(2026, 11, 27),
        4,
        "Two replies",
    )


def test_practice_for_a_future_date_is_refused_next_to_the_field(rep_client, active):
    response = rep_client.post(PRACTICE, {"kind": "drill", "practiced_on": "2026-12-01"})

    assert response.status_code == 422
    assert field_error(response, "id_practiced_on") == (
        "Log practice once it has happened, not ahead of time."
    )
    assert 'value="2026-12-01"' in response.text
    assert not PracticeLog.objects.exists()


def test_a_refused_htmx_practice_returns_the_partial_with_the_error(rep_client, active):
    response = rep_client.post(
        PRACTICE, {"kind": "drill", "practiced_on": "2026-12-01"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert "<html" not in response.text
    assert field_error(response, "id_practiced_on")


def test_a_zero_count_is_not_a_server_error(rep_client, active):
    response = rep_client.post(
        PRACTICE, {"kind": "drill", "practiced_on": "2026-11-30", "count": "0"}
    )

    assert response.status_code == 422
    assert not PracticeLog.objects.exists()


def test_a_zero_count_is_refused_next_to_the_field(rep_client, active):
    response = rep_client.post(
        PRACTICE, {"kind": "drill", "practiced_on": "2026-11-30", "count": "0"}
    )

    assert field_error(response, "id_count")
    assert "commitments_practicelog" not in response.text


def test_practice_from_before_the_commitment_was_agreed_is_refused_next_to_the_field(
    rep_client, active
):
    # The commitment was agreed on Tuesday 24 November.
    response = rep_client.post(PRACTICE, {"kind": "drill", "practiced_on": "2026-11-20"})

    assert response.status_code == 422
    assert field_error(response, "id_practiced_on")
    assert not PracticeLog.objects.exists()


def test_practice_on_the_day_the_commitment_was_agreed_counts(rep_client, active):
    response = rep_client.post(PRACTICE, {"kind": "drill", "practiced_on": "2026-11-24"})

    assert response.status_code == 302
    assert active.practice.count() == 1


def test_practice_without_an_active_commitment_is_refused_with_a_message(rep_client, rep):
    response = rep_client.post(PRACTICE, {"kind": "drill", "practiced_on": "2026-11-30"})

    assert response.status_code == 422
    assert "There is no active commitment to log practice against yet." in response.text
    assert not PracticeLog.objects.exists()


def test_today_is_the_reps_own_today_across_the_date_line(client, clock, manager):
    # 11:00 UTC on Monday is already 01:00 on Tuesday in Kiritimati (UTC+14).
    clock.move_to("2026-11-30 11:00:00+00:00")
    rep = RepFactory(
        organisation=manager.organisation, manager=manager, timezone="Pacific/Kiritimati"
    )
    CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 30), check_date=dt.date(2026, 12, 8))
    client.force_login(rep)

    assert 'name="practiced_on" value="2026-12-01"' in client.get(ME).text
    response = client.post(PRACTICE, {"kind": "drill", "practiced_on": "2026-12-01"})

    assert response.status_code == 302
    assert PracticeLog.objects.get().practiced_on == dt.date(2026, 12, 1)


def test_the_rep_sees_their_own_history_with_outcomes(rep_client, rep, active):
    missed = CommitmentFactory(
        rep=rep,
        behaviour="Call back every inbound lead within an hour",
        status="missed",
        issued_on=dt.date(2026, 11, 16),
        check_date=dt.date(2026, 11, 23),
    )
    CheckFactory(commitment=missed, evidence="Three of eight called back", diagnosis="system")

    page = rep_client.get(ME).text

    history = page.split('id="history-heading"', 1)[1]
    assert "Call back every inbound lead within an hour" in history
    assert "Missed" in history
    assert "Evidence: Three of eight called back" in history


def test_practice_logged_at_a_past_moment_is_judged_by_that_moments_day(rep, active):
    # Wednesday 25 November, 18:00 in London: Thursday has not happened yet.
    evening = dt.datetime(2026, 11, 25, 18, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="not ahead of time"):
        practice_log(rep=rep, kind="drill", practiced_on=dt.date(2026, 11, 26), now=evening)

    entry = practice_log(rep=rep, kind="drill", practiced_on=dt.date(2026, 11, 25), now=evening)
    assert (entry.commitment, entry.practiced_on) == (active, dt.date(2026, 11, 25))
