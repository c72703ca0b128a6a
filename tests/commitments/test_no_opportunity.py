"""No opportunity: no discovery calls that week. The cycle pauses, the same
commitment carries on, and it never counts as a miss — in the history, the
kept rate, missed in a row, beyond coaching, the team row or the export.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays.
"""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.models import Check, Commitment, Rep
from reminders.services.compose import reminder_digest_context
from tests.commitments.test_weekly_update import field_error, saved_rows, weekly_update
from tests.factories import CheckFactory, CommitmentFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


def no_opp(active, **overrides) -> dict:
    fields = {
        "outcome": "no_opp",
        "evidence": "No discovery calls booked this week.",
        "next_step": "carry_on",
        "next-behaviour": "",
        "next-why": "",
        "next-check_date": "2026-12-08",
    }
    return weekly_update(active, **{**fields, **overrides})


def closed_week(rep, weeks_ago: int, outcome: str, diagnosis: str = "") -> Commitment:
    issued = TODAY - dt.timedelta(weeks=weeks_ago)
    commitment = CommitmentFactory(
        rep=rep, status=outcome, issued_on=issued, check_date=issued + dt.timedelta(days=7)
    )
    CheckFactory(commitment=commitment, outcome=outcome, diagnosis=diagnosis)
    return commitment


def team_row(client, manager, rep) -> str:
    client.force_login(manager)
    page = html.unescape(client.get(reverse("commitments:team")).text)
    link = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})
    [row] = [r for r in page.split("<tr>") if f'href="{link}"' in r]
    return row.split("</tr>", 1)[0]


def test_no_opportunity_closes_the_week_and_the_same_commitment_carries_on(
    manager_client, rep, active, update_url, rep_page
):
    response = manager_client.post(update_url, no_opp(active))

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == Commitment.Status.NO_OPP
    assert active.check_result.outcome == Check.Outcome.NO_OPP
    carried = Commitment.objects.active().get(rep=rep)
    assert carried.carries_on == active
    assert carried.attempt == active.attempt == 1
    assert carried.reissue_of is None
    assert (carried.behaviour, carried.why, carried.target_count, carried.by_time) == (
        active.behaviour,
        active.why,
        active.target_count,
        active.by_time,
    )
    assert carried.check_date == dt.date(2026, 12, 8)
    page = html.unescape(manager_client.get(rep_page).text)
    # One line for the week, in words and a symbol, never "Missed".
    history = page.split('id="history-heading"', 1)[1]
    assert history.count('class="history-line"') == 1
    assert '<span aria-hidden="true">○</span> No opportunity' in history
    assert "Week of 24 Nov: 0 practice entries, no opportunity." in history  # the chart
    assert "Missed" not in history
    assert "carried on (no opportunity last week)" in page.split('id="one-thing-heading"', 1)[1]


def test_the_carried_on_week_shows_in_the_history_once_it_is_checked(
    manager_client, rep, active, update_url, rep_page
):
    manager_client.post(update_url, no_opp(active))
    carried = Commitment.objects.active().get(rep=rep)
    manager_client.post(update_url, weekly_update(carried, next_step="none"))

    history = html.unescape(manager_client.get(rep_page).text).split('id="history-heading"')[1]

    assert history.count('class="history-line"') == 2
    assert "(carried on: no opportunity the week before)" in history


def test_left_blank_the_next_step_after_no_opportunity_is_carrying_on(
    manager_client, rep, active, update_url
):
    response = manager_client.post(update_url, no_opp(active, next_step=""))

    assert response.status_code == 302
    assert Commitment.objects.active().get(rep=rep).carries_on == active


@pytest.mark.parametrize("step", ["reissue", "new", "none", "layer", "reinforce"])
def test_after_no_opportunity_only_carrying_on_is_allowed(manager_client, active, update_url, step):
    response = manager_client.post(
        update_url, no_opp(active, next_step=step, **{"next-behaviour": "Something else"})
    )

    assert response.status_code == 422
    assert "the same one thing carries on" in field_error(response, "id_next_step")
    assert saved_rows() == (1, 0, 0)


def test_carrying_on_is_only_for_a_week_with_no_opportunity(manager_client, active, update_url):
    response = manager_client.post(update_url, weekly_update(active, next_step="carry_on"))

    assert response.status_code == 422
    assert "no opportunity" in field_error(response, "id_next_step")
    assert saved_rows() == (1, 0, 0)


def test_the_service_carries_on_only_after_no_opportunity(active):
    spec = services.CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8))

    with pytest.raises(ValidationError) as refused:
        services.check_record(
            commitment=active, by=active.manager, outcome="no_opp", next_step="none"
        )
    assert "next_step" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.commitment_create(rep=active.rep, by=active.manager, spec=spec, carries_on=active)
    assert saved_rows() == (1, 0, 0)


def test_no_opportunity_needs_no_diagnosis_and_keeps_none(manager_client, active, update_url):
    response = manager_client.post(
        update_url, no_opp(active, diagnosis="will", attempted="no", fix_task="Stand-up")
    )

    assert response.status_code == 302
    check = Check.objects.get()
    assert (check.diagnosis, check.attempted, check.fix_task, check.diagnosed_at) == (
        "",
        None,
        "",
        None,
    )


def test_a_re_issue_carried_on_keeps_its_attempt(manager, rep):
    first = closed_week(rep, 2, "missed", "skill")
    second = CommitmentFactory(
        rep=rep,
        issued_on=dt.date(2026, 11, 24),
        check_date=dt.date(2026, 12, 1),
        reissue_of=first,
        attempt=2,
    )

    _, carried = services.check_record(
        commitment=second,
        by=manager,
        outcome="no_opp",
        next_step="carry_on",
        next_spec=services.CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8)),
    )

    assert (carried.attempt, carried.carries_on, carried.reissue_of) == (2, second, None)


def test_no_opportunity_neither_counts_as_a_miss_nor_breaks_a_run(client, manager, rep):
    # Oldest first: missed, no opportunity, missed — two misses in a row.
    closed_week(rep, 3, "missed", "skill")
    closed_week(rep, 2, "no_opp")
    closed_week(rep, 1, "missed", "skill")

    row = team_row(client, manager, rep)
    assert "Missed 2 in a row" in row
    assert "no opportunity" in row  # the week at a glance, in words
    digest = reminder_digest_context(manager=manager, monday=TODAY)
    assert [r["rep"] for r in digest["missed_twice"]] == [rep]


def test_weeks_with_no_opportunity_alone_are_no_run_of_misses(client, manager, rep):
    closed_week(rep, 2, "no_opp")
    closed_week(rep, 1, "no_opp")

    row = team_row(client, manager, rep)
    assert "in a row" not in row
    [judged] = Rep.objects.filter(pk=rep.pk).for_team_page(viewer=manager, now=timezone.now())
    assert judged.missed_in_a_row == 0


def test_the_kept_rate_leaves_no_opportunity_out(client, manager, rep):
    closed_week(rep, 3, "kept")
    closed_week(rep, 2, "no_opp")
    closed_week(rep, 1, "no_opp")

    health = Commitment.objects.filter(manager=manager).loop_health(timezone.now())[manager.pk]

    assert (health["checked"], health["judged"], health["kept"]) == (3, 1, 1)
    assert health["kept_pct"] == 100


def test_the_organisation_page_shows_the_kept_rate_without_no_opportunity(client, manager, rep):
    from tests.factories import AdminFactory

    admin = AdminFactory(organisation=manager.organisation)
    closed_week(rep, 3, "kept")
    closed_week(rep, 2, "missed", "skill")
    closed_week(rep, 1, "no_opp")
    client.force_login(admin)

    page = client.get(reverse("commitments:organisation")).text

    assert re.search(r'data-label="Kept">50%', page)


def test_beyond_coaching_steps_over_weeks_with_no_opportunity(client, manager, rep, rep_page):
    closed_week(rep, 5, "missed", "will")
    closed_week(rep, 4, "no_opp")
    closed_week(rep, 3, "missed", "will")
    closed_week(rep, 2, "no_opp")
    closed_week(rep, 1, "missed", "transfer")
    CommitmentFactory(rep=rep, issued_on=TODAY, check_date=TODAY + dt.timedelta(days=8))
    client.force_login(manager)

    assert "Beyond coaching?" in client.get(rep_page).text


def test_no_opportunity_is_no_miss_towards_beyond_coaching(client, manager, rep, rep_page):
    closed_week(rep, 3, "missed", "will")
    closed_week(rep, 2, "no_opp")
    closed_week(rep, 1, "missed", "will")
    client.force_login(manager)

    assert "Beyond coaching?" not in client.get(rep_page).text


def test_the_export_says_no_opportunity(client, manager, rep):
    closed_week(rep, 1, "no_opp")
    client.force_login(manager)

    response = client.get(reverse("commitments:team_export"))
    text = b"".join(response.streaming_content).decode()

    assert ",No opportunity," in text
    assert "Missed" not in text


def test_the_rep_sees_no_opportunity_in_their_own_history(client, rep):
    closed_week(rep, 1, "no_opp")
    client.force_login(rep)

    page = html.unescape(client.get(reverse("commitments:my_one_thing")).text)

    assert "No opportunity" in page
    assert "Missed" not in page
