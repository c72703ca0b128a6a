"""The 30-second weekly update through the pages a manager uses.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays, so the next 1:1 is Tuesday 1 December.
"""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from commitments.forms import WeeklyUpdateForm
from commitments.models import Check, CoachingSession, Commitment
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)
NEXT_WEEK = dt.date(2026, 12, 7)


def first_commitment(**overrides) -> dict:
    return {
        "behaviour": "10 trigger-event emails before 10 a.m.",
        "target_count": "10",
        "target_unit": "emails",
        "target_days": "Monday to Thursday",
        "by_time": "10:00",
        "why": "Your goal: three new meetings a week.",
        "check_date": "2026-12-07",
        **overrides,
    }


def weekly_update(active: Commitment, **overrides) -> dict:
    return {
        "commitment_id": active.pk,
        "outcome": "kept",
        "evidence": "Showed me the ten emails in the CRM.",
        "diagnosis": "",
        "shared_notes": "Great openers this week.",
        "private_notes": "Ready for more stretch.",
        "next_step": "layer",
        "next-behaviour": "Book the next meeting before hanging up",
        "next-target_count": "",
        "next-target_unit": "",
        "next-target_days": "",
        "next-by_time": "",
        "next-why": "Meetings booked on the call don't slip.",
        "next-check_date": "2026-12-07",
        **overrides,
    }


def saved_rows() -> tuple[int, int, int]:
    return Commitment.objects.count(), Check.objects.count(), CoachingSession.objects.count()


def field_error(response, field_id: str) -> str:
    """The error rendered right under the field (partials/field.html)."""
    text = response.text
    marker = f'id="{field_id}_error">'
    assert marker in text, f"no error next to {field_id}"
    return html.unescape(text.split(marker, 1)[1].split("</small>", 1)[0])


# --- the first commitment -------------------------------------------------------


def test_a_manager_sets_a_reps_first_commitment(manager_client, rep, manager, new_url, rep_page):
    response = manager_client.post(new_url, first_commitment())

    assert response.status_code == 302
    assert response.url == rep_page
    commitment = Commitment.objects.get(rep=rep)
    assert commitment.status == Commitment.Status.ACTIVE
    assert commitment.behaviour == "10 trigger-event emails before 10 a.m."
    assert commitment.target_count == 10
    assert commitment.by_time == dt.time(10, 0)
    assert commitment.issued_on == TODAY
    assert commitment.check_date == NEXT_WEEK
    assert commitment.attempt == 1
    assert commitment.proposed_by == Commitment.ProposedBy.MANAGER
    assert commitment.proposed_by_user == manager
    assert commitment.manager == manager
    page = manager_client.get(rep_page).text
    assert "10 trigger-event emails before 10 a.m." in page
    assert "Saved. You&#x27;ll check it on Mon 7 Dec." in page


def test_the_new_commitment_form_suggests_the_first_one_on_one_that_leaves_a_real_week(
    manager_client, rep, rep_page
):
    # Monday: tomorrow's 1:1 would leave one day of practice, so the one after.
    page = manager_client.get(rep_page).text

    assert "What's the one thing?" in html.unescape(page)
    assert 'name="check_date" value="2026-12-08"' in page
    assert "confirm_far_check" not in page


def test_a_commitment_needs_a_behaviour_next_to_the_field(manager_client, rep, new_url):
    response = manager_client.post(new_url, first_commitment(behaviour="   "))

    assert response.status_code == 422
    assert field_error(response, "id_behaviour") == "Write the one thing the rep will do."
    assert saved_rows() == (0, 0, 0)


# --- "How did the one thing go?" ------------------------------------------------------


def test_the_rep_page_asks_how_the_one_thing_went(manager_client, active, rep_page):
    page = manager_client.get(rep_page).text

    assert "How did the one thing go?" in page
    assert active.behaviour in page
    assert f'name="commitment_id" value="{active.pk}"' in page
    # Checked on Monday for Tuesday's 1:1: early, and the next check leaves a real week.
    assert "This is an early check" in page
    assert 'name="next-check_date" value="2026-12-08"' in page


def test_a_kept_commitment_becomes_standing_and_the_next_one_is_layered_on_it(
    manager_client, manager, rep, active, update_url, rep_page
):
    response = manager_client.post(update_url, weekly_update(active))

    assert response.status_code == 302
    assert response.url == rep_page
    active.refresh_from_db()
    assert active.status == Commitment.Status.KEPT
    assert active.closed_at is not None
    check = active.check_result
    assert check.outcome == Check.Outcome.KEPT
    assert check.evidence == "Showed me the ten emails in the CRM."
    assert check.checked_by == manager
    assert check.checked_on == TODAY
    assert check.session.shared_notes == "Great openers this week."
    assert check.session.private_notes == "Ready for more stretch."
    layered = Commitment.objects.active().get(rep=rep)
    assert layered.behaviour == "Book the next meeting before hanging up"
    assert layered.builds_on == active
    assert layered.reissue_of is None
    assert layered.attempt == 1
    assert layered.session == check.session
    assert layered.check_date == NEXT_WEEK
    page = manager_client.get(rep_page).text
    assert "Checked: kept, early (the 1:1 was set for Tue 1 Dec). Next check on Mon 7 Dec." in page
    assert "Book the next meeting before hanging up" in page


def test_a_missed_commitment_is_re_issued_as_the_same_behaviour_on_a_second_attempt(
    manager_client, rep, active, update_url
):
    response = manager_client.post(
        update_url,
        weekly_update(
            active,
            outcome="missed",
            diagnosis="system",
            fix_task="The 9 a.m. stand-up",
            next_step="reissue",
            # Whatever is in the next-commitment fields, a re-issue repeats the old one.
            **{"next-behaviour": "", "next-why": "", "next-check_date": "2026-12-03"},
        ),
    )

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == Commitment.Status.MISSED
    assert active.check_result.diagnosis == Check.Diagnosis.SYSTEM
    again = Commitment.objects.active().get(rep=rep)
    assert again.reissue_of == active
    assert again.attempt == 2
    assert again.builds_on is None
    assert again.check_date == dt.date(2026, 12, 3)
    assert (again.behaviour, again.why, again.target_count, again.target_unit) == (
        active.behaviour,
        active.why,
        active.target_count,
        active.target_unit,
    )


def test_a_second_miss_counts_the_third_attempt(manager_client, rep, active, update_url):
    manager_client.post(
        update_url,
        weekly_update(active, outcome="missed", diagnosis="skill", next_step="reissue"),
    )
    second = Commitment.objects.active().get(rep=rep)

    manager_client.post(
        update_url,
        weekly_update(second, outcome="missed", diagnosis="skill", next_step="reissue"),
    )

    third = Commitment.objects.active().get(rep=rep)
    assert third.attempt == 3
    assert third.reissue_of == second
    assert second.reissue_of == active


def test_a_partly_kept_commitment_is_recorded_as_partly(manager_client, rep, active, update_url):
    response = manager_client.post(
        update_url,
        weekly_update(
            active,
            outcome="partly",
            diagnosis="skill",
            next_step="new",
            change_reason="Half of it stuck; the rest needs a smaller step.",
        ),
    )

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == Commitment.Status.PARTLY
    assert active.check_result.diagnosis == Check.Diagnosis.SKILL
    following = Commitment.objects.active().get(rep=rep)
    assert following.builds_on is None
    assert following.reissue_of is None


def test_no_new_commitment_leaves_the_rep_without_one(manager_client, rep, active, update_url):
    response = manager_client.post(update_url, weekly_update(active, next_step="none"))

    assert response.status_code == 302
    assert not Commitment.objects.active().filter(rep=rep).exists()


def test_a_kept_commitment_drops_any_diagnosis(manager_client, active, update_url):
    manager_client.post(update_url, weekly_update(active, outcome="kept", diagnosis="will"))

    assert Check.objects.get().diagnosis == ""


# --- bad input: a message next to the field, the input kept, nothing saved ------------


def test_re_issuing_a_kept_commitment_is_refused_next_to_the_field(
    manager_client, active, update_url
):
    before = saved_rows()

    response = manager_client.post(update_url, weekly_update(active, next_step="reissue"))

    assert response.status_code == 422
    assert "Layer the next one thing instead" in field_error(response, "id_next_step")
    assert saved_rows() == before
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE


def test_a_check_date_in_the_past_is_refused_next_to_the_field(manager_client, active, update_url):
    before = saved_rows()

    response = manager_client.post(
        update_url, weekly_update(active, **{"next-check_date": "2026-11-27"})
    )

    assert response.status_code == 422
    assert field_error(response, "id_next-check_date") == "The check date can't be in the past."
    assert saved_rows() == before


def test_a_first_commitment_with_a_past_check_date_is_refused_next_to_the_field(
    manager_client, new_url
):
    response = manager_client.post(new_url, first_commitment(check_date="2026-11-29"))

    assert response.status_code == 422
    assert field_error(response, "id_check_date") == "The check date can't be in the past."
    assert saved_rows() == (0, 0, 0)


def test_a_check_date_of_today_leaves_no_time_to_practise(manager_client, new_url):
    response = manager_client.post(new_url, first_commitment(check_date="2026-11-30"))

    assert response.status_code == 422
    assert "at least a day" in field_error(response, "id_check_date")


@pytest.mark.parametrize("where", ["first commitment", "next commitment"])
def test_a_target_of_zero_is_refused_next_to_the_field(
    manager_client, rep, new_url, update_url, where
):
    if where == "first commitment":
        response = manager_client.post(new_url, first_commitment(target_count="0"))
        field = "id_target_count"
    else:
        active = CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 24))
        response = manager_client.post(
            update_url, weekly_update(active, **{"next-target_count": "0"})
        )
        field = "id_next-target_count"

    assert response.status_code == 422
    assert field_error(response, field)
    assert "commitments_commitment_target_positive" not in response.text


def test_a_behaviour_is_shown_as_text_never_as_markup(manager_client, rep, new_url, rep_page):
    manager_client.post(new_url, first_commitment(behaviour="<script>alert(1)</script>"))

    for path in (rep_page, reverse("commitments:team")):
        page = manager_client.get(path).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_layer_needs_a_behaviour(manager_client, active, update_url):
    response = manager_client.post(update_url, weekly_update(active, **{"next-behaviour": ""}))

    assert response.status_code == 422
    assert "Write the next one thing" in field_error(response, "id_next-behaviour")
    active.refresh_from_db()
    assert active.is_active


def test_a_re_issue_needs_a_check_date(manager_client, active, update_url):
    response = manager_client.post(
        update_url,
        weekly_update(active, outcome="missed", next_step="reissue", **{"next-check_date": ""}),
    )

    assert response.status_code == 422
    assert field_error(response, "id_next-check_date") == "Pick the date of the next 1:1."
    assert Check.objects.count() == 0


def test_the_outcome_is_required(manager_client, active, update_url):
    response = manager_client.post(update_url, weekly_update(active, outcome=""))

    assert response.status_code == 422
    assert field_error(response, "id_outcome")
    assert Check.objects.count() == 0


def test_a_check_date_more_than_a_week_out_warns_and_keeps_the_typed_input(
    manager_client, active, update_url
):
    before = saved_rows()

    response = manager_client.post(
        update_url, weekly_update(active, **{"next-check_date": "2026-12-14"})
    )

    assert response.status_code == 422
    warning = field_error(response, "id_next-check_date")
    assert "That is 14 days away" in warning
    assert "Tick the box below" in warning
    assert 'name="next-confirm_far_check"' in response.text
    assert saved_rows() == before


def test_a_far_check_date_is_accepted_once_the_box_is_ticked(
    manager_client, rep, active, update_url
):
    response = manager_client.post(
        update_url,
        weekly_update(active, **{"next-check_date": "2026-12-14", "next-confirm_far_check": "on"}),
    )

    assert response.status_code == 302
    assert Commitment.objects.active().get(rep=rep).check_date == dt.date(2026, 12, 14)


def test_a_far_first_check_date_is_accepted_only_with_the_box_ticked(manager_client, rep, new_url):
    warned = manager_client.post(new_url, first_commitment(check_date="2026-12-10"))
    assert warned.status_code == 422
    assert "That is 10 days away" in field_error(warned, "id_check_date")
    assert not Commitment.objects.exists()

    confirmed = manager_client.post(
        new_url, first_commitment(check_date="2026-12-10", confirm_far_check="on")
    )

    assert confirmed.status_code == 302
    assert Commitment.objects.get(rep=rep).check_date == dt.date(2026, 12, 10)


def test_a_refused_update_re_renders_everything_that_was_typed(manager_client, active, update_url):
    data = weekly_update(
        active,
        outcome="missed",
        evidence="Only sent four; the CRM was down Tuesday",
        diagnosis="system",
        fix_task="CRM access tickets",
        change_reason="The CRM comes first",
        shared_notes="Let's fix the CRM access first",
        private_notes="Not a will problem",
        next_step="new",
        **{
            "next-behaviour": "Ask IT for a CRM login on day one",
            "next-target_count": "3",
            "next-target_unit": "tickets",
            "next-why": "No CRM, no emails",
            "next-check_date": "2026-11-01",
        },
    )

    response = manager_client.post(update_url, data)

    assert response.status_code == 422
    page = response.text
    assert 'value="Ask IT for a CRM login on day one"' in page
    assert 'value="3"' in page
    assert 'value="tickets"' in page
    assert "No CRM, no emails</textarea>" in page
    assert 'value="2026-11-01"' in page
    assert "Only sent four; the CRM was down Tuesday</textarea>" in page
    assert "Let&#x27;s fix the CRM access first</textarea>" in page
    assert "Not a will problem</textarea>" in page
    assert re.search(r'<input type="radio" name="outcome" value="missed"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="diagnosis" value="system"[^>]*checked', page)
    assert 'value="CRM access tickets"' in page
    assert saved_rows() == (1, 0, 0)


def test_a_refused_first_commitment_re_renders_what_was_typed(manager_client, new_url):
    response = manager_client.post(
        new_url, first_commitment(behaviour="Cold-call 20 prospects", check_date="2026-10-01")
    )

    assert response.status_code == 422
    assert 'value="Cold-call 20 prospects"' in response.text
    assert "Your goal: three new meetings a week.</textarea>" in response.text
    assert not Commitment.objects.exists()


# --- double submit ------------------------------------------------------------------


def test_submitting_the_same_update_twice_says_already_checked_and_duplicates_nothing(
    manager_client, rep, active, update_url
):
    data = weekly_update(active)
    first = manager_client.post(update_url, data)
    assert first.status_code == 302
    after_first = saved_rows()

    second = manager_client.post(update_url, data)

    assert second.status_code == 422
    assert "already checked" in html.unescape(second.text)
    assert saved_rows() == after_first
    assert Check.objects.filter(commitment=active).count() == 1
    assert Commitment.objects.active().filter(rep=rep).count() == 1
    # What was typed is still there, so nothing is lost.
    assert 'value="Book the next meeting before hanging up"' in second.text


def test_setting_a_first_commitment_twice_keeps_the_first_and_says_so(manager_client, rep, new_url):
    manager_client.post(new_url, first_commitment())

    again = manager_client.post(new_url, first_commitment(behaviour="Something else entirely"))

    assert again.status_code == 422
    assert "already an active commitment" in html.unescape(again.text)
    assert 'value="Something else entirely"' in again.text
    assert list(Commitment.objects.values_list("behaviour", flat=True)) == [
        "10 trigger-event emails before 10 a.m."
    ]


# --- htmx and progressive enhancement -------------------------------------------------


def test_an_htmx_update_returns_the_loop_partial_not_a_page(
    manager_client, rep, active, update_url
):
    response = manager_client.post(
        update_url, weekly_update(active), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<body" not in response.text
    assert (
        "Checked: kept, early (the 1:1 was set for Tue 1 Dec). Next check on Mon 7 Dec."
        in response.text
    )
    assert "Book the next meeting before hanging up" in response.text
    # The new one thing and its check date, not a blank check form for it.
    assert "Next check: Monday 7 December" in response.text
    assert 'id="update-heading"' not in response.text
    assert 'name="commitment_id"' not in response.text


def test_an_htmx_update_with_errors_returns_the_partial_with_the_errors(
    manager_client, active, update_url
):
    response = manager_client.post(
        update_url, weekly_update(active, next_step="reissue"), headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert "<html" not in response.text
    assert "Layer the next one thing instead" in field_error(response, "id_next_step")


def test_an_htmx_first_commitment_returns_the_loop_partial(manager_client, new_url):
    response = manager_client.post(new_url, first_commitment(), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "10 trigger-event emails before 10 a.m." in response.text
    assert "Next check: Monday 7 December" in response.text
    assert 'id="update-heading"' not in response.text


def test_without_htmx_the_update_redirects_to_the_rep_page(
    manager_client, active, update_url, rep_page
):
    response = manager_client.post(update_url, weekly_update(active))

    assert response.status_code == 302
    assert response.url == rep_page


def test_the_forms_work_without_javascript(manager_client, active, rep_page, update_url):
    page = manager_client.get(rep_page).text

    assert f'method="post" action="{update_url}"' in page
    assert f'hx-post="{update_url}"' in page


def test_the_history_shows_one_line_per_checked_week(
    manager_client, rep, active, update_url, rep_page
):
    manager_client.post(
        update_url,
        weekly_update(active, outcome="missed", diagnosis="skill", next_step="reissue"),
    )

    page = manager_client.get(rep_page).text

    history = page.split('id="history-heading"', 1)[1]
    assert history.count('class="history-line"') == 1
    assert "Missed" in history


def test_three_misses_ending_in_will_flag_a_performance_conversation_for_the_manager_only(
    client,
):
    rep = RepFactory()
    admin = AdminFactory(organisation=rep.organisation)
    today = rep.local_today()
    for weeks_ago, diagnosis in ((3, "transfer"), (2, "will"), (1, "will")):
        issued = today - dt.timedelta(weeks=weeks_ago)
        commitment = CommitmentFactory(
            rep=rep,
            status=Commitment.Status.MISSED,
            issued_on=issued,
            check_date=issued + dt.timedelta(days=7),
        )
        CheckFactory(commitment=commitment, outcome=Check.Outcome.MISSED, diagnosis=diagnosis)
    url = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})

    client.force_login(rep.manager)
    assert "Beyond coaching?" in client.get(url).text
    client.force_login(admin)
    assert "Beyond coaching?" not in client.get(url).text


def test_three_misses_with_a_system_gap_among_them_are_not_beyond_coaching(client):
    rep = RepFactory()
    today = rep.local_today()
    for weeks_ago, diagnosis in ((3, "will"), (2, "system"), (1, "will")):
        issued = today - dt.timedelta(weeks=weeks_ago)
        commitment = CommitmentFactory(
            rep=rep,
            status=Commitment.Status.MISSED,
            issued_on=issued,
            check_date=issued + dt.timedelta(days=7),
        )
        CheckFactory(commitment=commitment, outcome=Check.Outcome.MISSED, diagnosis=diagnosis)
    client.force_login(rep.manager)

    page = client.get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})).text

    assert "Beyond coaching?" not in page


def test_a_reps_new_manager_does_not_read_the_previous_managers_notes_or_diagnoses(client):
    rep = RepFactory()
    first_manager = rep.manager
    missed = CommitmentFactory(rep=rep, status=Commitment.Status.MISSED)
    CheckFactory(commitment=missed, outcome=Check.Outcome.MISSED, diagnosis="skill")
    CoachingSession.objects.create(
        rep=rep, manager=first_manager, held_at=missed.created_at, private_notes="Old private"
    )
    new_manager = ManagerFactory(organisation=rep.organisation)
    rep.manager = new_manager
    rep.save(update_fields=["manager"])
    client.force_login(new_manager)

    page = client.get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})).text

    assert missed.behaviour in page
    assert "Old private" not in page
    assert Check.Diagnosis.SKILL.label not in page


@pytest.mark.parametrize("outcome", ["missed", "partly"])
def test_only_a_kept_commitment_can_be_layered_on(client, outcome):
    active = CommitmentFactory()
    client.force_login(active.manager)
    url = reverse("commitments:weekly_update", kwargs={"rep_id": active.rep_id})

    response = client.post(
        url,
        {
            "commitment_id": active.pk,
            "outcome": outcome,
            "next_step": "layer",
            "next-behaviour": "Something on top",
            "next-check_date": "2026-12-07",
        },
    )

    assert response.status_code == 422
    assert "Only a kept commitment becomes a standing behaviour" in html.unescape(response.text)
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE


def test_a_check_date_months_away_is_refused_even_when_confirmed(client):
    active = CommitmentFactory()
    client.force_login(active.manager)
    url = reverse("commitments:weekly_update", kwargs={"rep_id": active.rep_id})

    response = client.post(
        url,
        {
            "commitment_id": active.pk,
            "outcome": "kept",
            "next_step": "layer",
            "next-behaviour": "Something on top",
            "next-check_date": "9999-12-31",
            "next-confirm_far_check": "on",
        },
    )

    assert response.status_code == 422
    assert "Pick a date within 8 weeks" in response.text
    assert Commitment.objects.count() == 1


def test_the_htmx_update_swaps_in_fresh_notes_and_reminders_too(client):
    active = CommitmentFactory()
    client.force_login(active.manager)
    url = reverse("commitments:weekly_update", kwargs={"rep_id": active.rep_id})

    response = client.post(
        url,
        {
            "commitment_id": active.pk,
            "outcome": "kept",
            "next_step": "none",
            "shared_notes": "Fresh shared note from today",
            "private_notes": "Fresh private note",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Fresh shared note from today" in response.text
    assert "Fresh private note" in response.text
    assert 'id="reminders-heading"' in response.text


@pytest.mark.parametrize("tampered", ["abc", "", "1e3"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_tampered_hidden_commitment_id_is_told_on_the_page_and_nothing_is_saved(
    manager_client, active, update_url, tampered, htmx
):
    before = saved_rows()
    headers = {"HX-Request": "true"} if htmx else {}

    response = manager_client.post(
        update_url, weekly_update(active, commitment_id=tampered), headers=headers
    )

    assert response.status_code == 422
    assert WeeklyUpdateForm.OUT_OF_DATE in html.unescape(response.text)
    assert saved_rows() == before
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
