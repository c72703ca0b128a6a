"""Kept → reinforce another week, or layer; and the next step each outcome
pre-selects on the rep's 30/60/90 horizon.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays.
"""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError

from commitments import services
from commitments.models import Commitment, NextStep, Outcome, default_next_step
from tests.commitments.test_weekly_update import field_error, saved_rows, weekly_update

pytestmark = pytest.mark.django_db

WEEK_3_START = dt.date(2026, 11, 16)  # Monday 30 Nov is in week 3
WEEK_5_START = dt.date(2026, 11, 2)  # Monday 30 Nov is in week 5


def kept(active, **overrides) -> dict:
    return weekly_update(
        active,
        **{"next-behaviour": "", "next-why": "", "next-check_date": "2026-12-08", **overrides},
    )


def test_a_kept_commitment_is_reinforced_for_another_week(
    manager_client, rep, active, update_url, rep_page
):
    response = manager_client.post(update_url, kept(active, next_step="reinforce"))

    assert response.status_code == 302
    again = Commitment.objects.active().get(rep=rep)
    assert (again.reinforces, again.attempt, again.reissue_of, again.builds_on) == (
        active,
        1,
        None,
        None,
    )
    assert (again.behaviour, again.why, again.target_count) == (
        active.behaviour,
        active.why,
        active.target_count,
    )
    assert again.check_date == dt.date(2026, 12, 8)
    page = html.unescape(manager_client.get(rep_page).text)
    assert "reinforced: another week to prove it sticks" in page.split('id="one-thing-heading"')[1]


def test_the_history_says_reinforced(manager_client, rep, active, update_url, rep_page):
    manager_client.post(update_url, kept(active, next_step="reinforce"))
    again = Commitment.objects.active().get(rep=rep)
    manager_client.post(update_url, weekly_update(again, next_step="none"))

    history = html.unescape(manager_client.get(rep_page).text).split('id="history-heading"')[1]

    assert history.count('class="history-line"') == 2
    assert "(reinforced: the same behaviour another week)" in history


@pytest.mark.parametrize("outcome", ["missed", "partly"])
def test_only_a_kept_commitment_is_reinforced(manager_client, active, update_url, outcome):
    response = manager_client.post(
        update_url, kept(active, outcome=outcome, diagnosis="skill", next_step="reinforce")
    )

    assert response.status_code == 422
    assert "Only a kept commitment is reinforced" in field_error(response, "id_next_step")
    assert saved_rows() == (1, 0, 0)


def test_the_service_reinforces_only_a_kept_one(active):
    spec = services.CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8))

    with pytest.raises(ValidationError):
        services.commitment_create(rep=active.rep, by=active.manager, spec=spec, reinforces=active)
    assert saved_rows() == (1, 0, 0)


@pytest.mark.parametrize(
    ("outcome", "week", "step"),
    [
        (Outcome.KEPT, 1, NextStep.REINFORCE),
        (Outcome.KEPT, 4, NextStep.REINFORCE),
        (Outcome.KEPT, 5, NextStep.LAYER),
        (Outcome.KEPT, 12, NextStep.LAYER),
        (Outcome.KEPT, None, NextStep.LAYER),
        (Outcome.MISSED, 2, NextStep.REISSUE),
        (Outcome.PARTLY, 7, NextStep.REISSUE),
        (Outcome.NO_OPP, 3, NextStep.CARRY_ON),
    ],
)
def test_the_rule_book_gives_the_default_next_step(outcome, week, step):
    assert default_next_step(outcome, week) == step


def test_in_weeks_1_to_4_a_kept_one_is_reinforced_by_default(
    manager_client, rep, active, update_url, rep_page
):
    rep.start_date = WEEK_3_START
    rep.save(update_fields=["start_date"])
    page = manager_client.get(rep_page).text
    assert re.search(r'id="id_next_step_reinforce" data-after="kept" data-default-for="kept"', page)

    response = manager_client.post(update_url, kept(active, next_step=""))

    assert response.status_code == 302
    assert Commitment.objects.active().get(rep=rep).reinforces == active


def test_from_week_5_a_kept_one_is_layered_on_by_default(
    manager_client, rep, active, update_url, rep_page
):
    rep.start_date = WEEK_5_START
    rep.save(update_fields=["start_date"])
    page = manager_client.get(rep_page).text
    assert re.search(r'id="id_next_step_layer" data-after="kept" data-default-for="kept"', page)

    response = manager_client.post(
        update_url,
        kept(active, next_step="", **{"next-behaviour": "Book the next meeting before hanging up"}),
    )

    assert response.status_code == 302
    assert Commitment.objects.active().get(rep=rep).builds_on == active


def test_a_refused_update_shows_the_default_it_took(manager_client, rep, active, update_url):
    rep.start_date = WEEK_5_START
    rep.save(update_fields=["start_date"])

    # Layering needs the next one thing: refused, with "layer" pre-selected.
    response = manager_client.post(update_url, kept(active, next_step=""))

    assert response.status_code == 422
    assert re.search(r'value="layer" id="id_next_step_layer"[^>]*\bchecked', response.text)


def test_every_choice_is_a_radio_group_with_a_legend_and_stable_ids(
    manager_client, active, rep_page
):
    page = html.unescape(manager_client.get(rep_page).text)

    for legend in (
        "Outcome",
        "Did the rep attempt it?",
        "Do they buy the why?",
        "Do they understand why it matters?",
        "Did they have the time?",
        "Can they do it in a drill?",
        "What got in the way?",
        "What's next?",
    ):
        assert re.search(rf"<legend>{re.escape(legend)}( <span|</legend>)", page), legend
    for radio_id in (
        "id_outcome_no_opp",
        "id_attempted_yes",
        "id_attempted_no",
        "id_diagnosis_unsure",
        "id_next_step_carry_on",
        "id_next_step_reinforce",
    ):
        assert f'id="{radio_id}"' in page
        assert f'for="{radio_id}"' in page
    assert 'id="diagnosis-tree"' in page  # the tree as data, for the keyboard script
