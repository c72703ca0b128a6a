"""Guidance in the product's voice: a one thing needs a count or a when,
vague wording gets a concrete rewrite, proven one things can be picked and
edited, and in weeks 9–12 the rep drafts and the manager approves or edits.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays.
"""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from commitments import services
from commitments.library import LIBRARY
from commitments.models import (
    NEEDS_COUNT_OR_WHEN,
    Commitment,
    CommitmentDraft,
    Fix,
    commitment_wording_problem,
    vague_wording_hint,
)
from tests.factories import AdminFactory, CommitmentFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

ME = reverse("commitments:my_one_thing")
PROPOSE = reverse("commitments:commitment_propose")
SEED_REWRITE = (
    "Send 10 personalised first-touch emails using the trigger-event opener, "
    "every morning before 10 a.m."
)
TODAY = dt.date(2026, 11, 30)


def field_error(response, field_id: str) -> str:
    marker = f'id="{field_id}_error">'
    assert marker in response.text, f"no error next to {field_id}"
    return html.unescape(response.text.split(marker, 1)[1].split("</small>", 1)[0])


def one_thing(**overrides) -> dict:
    return {
        "behaviour": "Prospect more",
        "target_count": "",
        "target_unit": "",
        "target_days": "",
        "by_time": "",
        "why": "Your pipeline is thin for Q1.",
        "check_date": "2026-12-07",
        **overrides,
    }


# --- a count or a when: the rule book, the service, the form ----------------------


@pytest.mark.parametrize(
    "behaviour",
    [
        "Prospect more",
        "Be more confident",
        "Follow up better",
        "Work on discovery",
        "Be more proactive",
        "Improve my demos",
        "Get organised",
        "Listen better",
    ],
)
def test_the_rule_book_refuses_vague_wording_without_a_count_or_a_when(behaviour):
    assert commitment_wording_problem(behaviour=behaviour) == NEEDS_COUNT_OR_WHEN
    assert vague_wording_hint(behaviour) is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"target_count": 10},
        {"target_days": "Monday to Thursday"},
        {"by_time": dt.time(10, 0)},
    ],
)
def test_a_count_or_a_when_in_the_fields_is_enough(fields):
    assert commitment_wording_problem(behaviour="Prospect more", **fields) == ""


@pytest.mark.parametrize(
    "behaviour",
    [
        "Book the next meeting before hanging up",
        "Ask for a referral on every closed-won call",
        "Cold-call 20 prospects",
        SEED_REWRITE,
    ],
)
def test_a_count_or_a_when_in_the_words_is_enough(behaviour):
    assert commitment_wording_problem(behaviour=behaviour) == ""


def test_the_service_refuses_a_one_thing_without_a_count_or_a_when(rep, manager):
    spec = services.CommitmentSpec(behaviour="Prospect more", check_date=dt.date(2026, 12, 7))

    with pytest.raises(ValidationError) as refused:
        services.commitment_create(rep=rep, by=manager, spec=spec)

    assert refused.value.message_dict == {"target_count": [NEEDS_COUNT_OR_WHEN]}
    assert not Commitment.objects.exists()


def test_the_manager_sees_the_rule_next_to_the_field_and_the_seeds_rewrite(manager_client, new_url):
    response = manager_client.post(new_url, one_thing())

    assert response.status_code == 422
    assert "Add a count or a when" in field_error(response, "id_target_count")
    page = html.unescape(response.text)
    assert "“Prospect more” is hard to check" in page
    assert SEED_REWRITE in page
    # What was typed is all still there.
    assert 'value="Prospect more"' in response.text
    assert not Commitment.objects.exists()


def test_a_vague_phrase_with_a_count_is_saved_the_hint_does_not_block(manager_client, new_url, rep):
    response = manager_client.post(
        new_url, one_thing(target_count="10", target_unit="first-touch emails")
    )

    assert response.status_code == 302
    assert Commitment.objects.get(rep=rep).target_count == 10


def test_the_hint_is_shown_live_as_the_one_thing_is_typed(manager_client, rep_page):
    hint = reverse("commitments:wording_hint")

    vague = manager_client.get(hint, {"behaviour": "prospect more"}, headers={"HX-Request": "true"})
    concrete = manager_client.get(
        hint, {"next-behaviour": SEED_REWRITE}, headers={"HX-Request": "true"}
    )

    assert SEED_REWRITE in html.unescape(vague.text)
    assert concrete.text.strip() == ""


def test_the_rep_proposing_vague_wording_sees_the_rule_and_the_hint(rep_client):
    response = rep_client.post(PROPOSE, one_thing(behaviour="Be more confident"))

    assert response.status_code == 422
    assert "Add a count or a when" in field_error(response, "id_target_count")
    assert "“Be more confident” is hard to check" in html.unescape(response.text)
    assert not Commitment.objects.exists()


def test_a_new_one_thing_in_the_weekly_update_needs_a_count_or_a_when(
    manager_client, active, rep_page
):
    update = reverse("commitments:weekly_update", args=[active.rep_id])
    response = manager_client.post(
        update,
        {
            "commitment_id": active.pk,
            "outcome": "kept",
            "next_step": "layer",
            "next-behaviour": "Follow up better",
            "next-check_date": "2026-12-08",
        },
    )

    assert response.status_code == 422
    assert "Add a count or a when" in field_error(response, "id_next-target_count")
    assert Commitment.objects.get().status == Commitment.Status.ACTIVE


def test_an_old_vague_one_thing_can_still_be_re_issued_as_it_was(manager, rep):
    # Agreed before the rule: a re-issue repeats it, it does not re-word it.
    old = CommitmentFactory(
        rep=rep,
        behaviour="Prospect more",
        target_count=None,
        target_unit="",
        target_days="",
        by_time=None,
        issued_on=dt.date(2026, 11, 24),
        check_date=dt.date(2026, 12, 1),
    )

    _, again = services.check_record(
        commitment=old,
        by=manager,
        outcome="missed",
        diagnosis="system",
        fix=Fix(task="The 9 a.m. stand-up"),
        next_step="reissue",
        next_spec=services.CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8)),
    )

    assert again.behaviour == "Prospect more"
    assert again.attempt == 2


@pytest.mark.parametrize(
    ("outcome", "next_step", "link"),
    [("no_opp", "carry_on", "carries_on"), ("kept", "reinforce", "reinforces")],
)
def test_an_old_vague_one_thing_carries_on_or_is_reinforced_through_the_page(
    client, manager, rep, outcome, next_step, link
):
    # The same wording again is no new wording: a week with no opportunity
    # (whose only next step is carrying on) or a reinforcement records.
    old = CommitmentFactory(
        rep=rep,
        behaviour="Prospect more",
        target_count=None,
        target_unit="",
        target_days="",
        by_time=None,
        issued_on=dt.date(2026, 11, 24),
        check_date=dt.date(2026, 12, 1),
    )
    client.force_login(manager)

    response = client.post(
        reverse("commitments:weekly_update", args=[rep.pk]),
        {
            "commitment_id": old.pk,
            "outcome": outcome,
            "next_step": next_step,
            "next-check_date": "2026-12-08",
        },
    )

    assert response.status_code == 302
    following = Commitment.objects.active().get(rep=rep)
    assert following.behaviour == "Prospect more"
    assert getattr(following, f"{link}_id") == old.pk


# --- the library of proven one things ---------------------------------------------


def test_the_library_has_proven_one_things_each_with_a_count_or_a_when_and_a_why():
    assert 8 <= len(LIBRARY) <= 12
    for entry in LIBRARY:
        assert entry.why
        assert commitment_wording_problem(**_wording(entry)) == ""
    assert SEED_REWRITE in {entry.example for entry in LIBRARY}


def _wording(entry) -> dict:
    return {
        "behaviour": entry.behaviour,
        "target_count": entry.target_count,
        "target_days": entry.target_days,
        "by_time": entry.by_time,
    }


def test_a_pick_without_javascript_fills_in_the_new_one_thing_form(manager_client, rep_page):
    page = manager_client.get(rep_page)
    assert "Start from a proven one thing" in page.text
    assert "?pick=power-hour" in page.text

    picked = manager_client.get(rep_page, {"pick": "power-hour"})

    assert picked.status_code == 200
    assert 'value="Run a protected power hour of cold calls before the stand-up"' in picked.text
    assert 'name="target_count" value="25"' in picked.text
    assert 'value="09:00"' in picked.text
    assert "Filled in from “A protected power hour of cold calls”" in html.unescape(picked.text)


def test_a_picked_one_thing_can_be_edited_then_saved(manager_client, rep_page, new_url, rep):
    manager_client.get(rep_page, {"pick": "power-hour"})

    response = manager_client.post(
        new_url,
        one_thing(
            behaviour="Run a protected power hour of cold calls before the stand-up",
            target_count="15",
            target_unit="calls",
            target_days="Monday to Wednesday",
            by_time="09:00",
        ),
    )

    assert response.status_code == 302
    saved = Commitment.objects.get(rep=rep)
    assert (saved.target_count, saved.target_days) == (15, "Monday to Wednesday")


def test_with_htmx_a_pick_swaps_the_form_in_place(manager_client, rep_page):
    response = manager_client.get(
        rep_page, {"pick": "mutual-action-plan"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'value="Send a mutual action plan to every deal in the proposal stage"' in (
        response.text
    )


def test_a_pick_fills_in_the_next_one_thing_of_the_weekly_update(manager_client, active, rep_page):
    response = manager_client.get(rep_page, {"pick": "follow-up-within-48h"})

    assert 'id="id_next-behaviour"' in response.text
    assert 'value="Call every opened first-touch email within 48 hours"' in response.text


def test_a_rep_picks_from_the_library_when_proposing(rep_client):
    response = rep_client.get(ME, {"pick": "discovery-why-now"})

    assert "layered “why now?” questions" in html.unescape(response.text)
    assert 'value="discovery calls"' in response.text


def test_an_unknown_pick_is_ignored(manager_client, rep_page):
    response = manager_client.get(rep_page, {"pick": "<script>alert(1)</script>"})

    assert response.status_code == 200
    assert "Filled in from" not in response.text
    assert "<script>alert(1)" not in response.text


# --- weeks 9–12: the rep drafts, the manager approves or edits ----------------------


@pytest.fixture
def week_ten_rep(manager):
    # Started Monday 28 September: Monday 30 November is the first day of week 10.
    return RepFactory(
        organisation=manager.organisation,
        manager=manager,
        name="Dana Draft",
        start_date=dt.date(2026, 9, 28),
    )


def draft_of(**overrides) -> dict:
    return {
        "behaviour": "Ask three layered 'why now?' questions on every discovery call",
        "target_count": "3",
        "target_unit": "discovery calls",
        "target_days": "this week",
        "by_time": "",
        "why": "My deals slip out of the quarter.",
        "check_date": "2026-12-08",
        **overrides,
    }


def test_in_weeks_9_to_12_a_reps_proposal_is_a_draft_for_the_manager(client, week_ten_rep):
    client.force_login(week_ten_rep)
    assert week_ten_rep.horizon(TODAY)["week"] == 10
    assert "Weeks 9–12: you bring your own one thing" in client.get(ME).text

    response = client.post(PROPOSE, draft_of())

    assert response.status_code == 302
    assert not Commitment.objects.exists()
    draft = CommitmentDraft.objects.get(rep=week_ten_rep)
    assert draft.status == CommitmentDraft.Status.OPEN
    page = html.unescape(client.get(ME).text)
    assert "Your draft is with your manager" in page
    assert draft.behaviour in page


def test_a_rep_has_at_most_one_open_draft(client, week_ten_rep):
    client.force_login(week_ten_rep)
    client.post(PROPOSE, draft_of())

    again = client.post(PROPOSE, draft_of(behaviour="Something else, every day"))

    assert again.status_code == 422
    assert "already have a draft waiting" in html.unescape(again.text)
    assert CommitmentDraft.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentDraft.objects.create(
            rep=week_ten_rep, behaviour="A second one, daily", check_date=dt.date(2026, 12, 8)
        )


def test_the_managers_page_asks_for_the_reps_own_one_thing_in_weeks_9_to_12(
    manager_client, week_ten_rep
):
    page = manager_client.get(reverse("commitments:rep_detail", args=[week_ten_rep.pk]))

    assert "Weeks 9–12: ask Dana Draft to bring their own one thing" in page.text


def _drafted(rep) -> CommitmentDraft:
    return services.commitment_draft_create(
        rep=rep,
        spec=services.CommitmentSpec(
            behaviour="Ask three layered 'why now?' questions on every discovery call",
            check_date=dt.date(2026, 12, 8),
            why="My deals slip out of the quarter.",
            target_count=3,
            target_unit="discovery calls",
            target_days="this week",
        ),
    )


def approve(client, rep, draft, **overrides):
    data = {f"draft-{key}": value for key, value in draft_of(**overrides).items()}
    return client.post(reverse("commitments:draft_approve", args=[rep.pk, draft.pk]), data)


def test_the_manager_approves_the_draft_as_is_and_it_counts_as_the_reps(
    manager_client, week_ten_rep
):
    draft = _drafted(week_ten_rep)
    rep_page = reverse("commitments:rep_detail", args=[week_ten_rep.pk])
    shown = html.unescape(manager_client.get(rep_page).text)
    assert "Dana Draft drafted their own one thing" in shown
    assert "Approve Dana Draft's one thing" in shown

    response = approve(manager_client, week_ten_rep, draft)

    assert response.status_code == 302
    commitment = Commitment.objects.get(rep=week_ten_rep)
    assert commitment.is_active
    assert commitment.proposed_by == Commitment.ProposedBy.REP
    assert commitment.proposed_by_user == week_ten_rep
    draft.refresh_from_db()
    assert (draft.status, draft.commitment) == (CommitmentDraft.Status.APPROVED, commitment)
    page = html.unescape(manager_client.get(rep_page).text)
    assert "Rep-authored: 1 of 1 one thing (100%)" in page
    assert "proposed by the rep" in page


def test_the_manager_edits_the_draft_then_approves_it(manager_client, week_ten_rep):
    draft = _drafted(week_ten_rep)

    response = approve(manager_client, week_ten_rep, draft, target_count="5")

    assert response.status_code == 302
    commitment = Commitment.objects.get(rep=week_ten_rep)
    assert commitment.target_count == 5
    assert commitment.proposed_by == Commitment.ProposedBy.REP_EDITED
    assert commitment.proposed_by_user == week_ten_rep
    rep_page = reverse("commitments:rep_detail", args=[week_ten_rep.pk])
    page = html.unescape(manager_client.get(rep_page).text)
    assert "drafted by the rep, edited by the manager" in page
    assert "Rep-authored: 1 of 1" in page


def test_an_approval_still_needs_a_count_or_a_when(manager_client, week_ten_rep):
    draft = _drafted(week_ten_rep)

    response = approve(
        manager_client,
        week_ten_rep,
        draft,
        behaviour="Work on discovery",
        target_count="",
        target_days="",
    )

    assert response.status_code == 422
    assert "Add a count or a when" in field_error(response, "id_draft-target_count")
    assert not Commitment.objects.exists()


def test_the_rep_authored_share_counts_first_issues_of_all_the_reps_commitments(
    manager_client, rep, rep_page
):
    CommitmentFactory(rep=rep, status=Commitment.Status.KEPT, proposed_by="rep")
    CommitmentFactory(rep=rep, status=Commitment.Status.KEPT, proposed_by="rep_edit")
    CommitmentFactory(rep=rep, status=Commitment.Status.MISSED)
    CommitmentFactory(rep=rep)

    page = manager_client.get(rep_page).text
    team = manager_client.get(reverse("commitments:team")).text

    assert "Rep-authored: 2 of 4 one things (50%)" in page
    assert "rep-authored 2 of 4" in team


@pytest.mark.parametrize("who", ["another manager", "the rep", "an org admin"])
def test_only_the_reps_own_manager_can_approve_a_draft(client, manager, week_ten_rep, who):
    draft = _drafted(week_ten_rep)
    if who == "another manager":
        client.force_login(ManagerFactory(organisation=manager.organisation))
    elif who == "the rep":
        client.force_login(week_ten_rep)
    else:
        client.force_login(AdminFactory(organisation=manager.organisation))

    response = approve(client, week_ten_rep, draft)

    assert response.status_code == 404
    assert not Commitment.objects.exists()


def test_a_draft_of_another_rep_is_a_404_on_this_reps_url(manager_client, manager, week_ten_rep):
    other = RepFactory(
        organisation=manager.organisation, manager=manager, start_date=dt.date(2026, 9, 28)
    )
    theirs = _drafted(other)

    response = approve(manager_client, week_ten_rep, theirs)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CommitmentDraft.Status.OPEN


def test_a_drafted_script_is_shown_as_text(manager, week_ten_rep):
    rep_client, manager_client = Client(), Client()
    rep_client.force_login(week_ten_rep)
    manager_client.force_login(manager)
    rep_client.post(PROPOSE, draft_of(behaviour="<script>alert('x')</script> every morning"))

    page = manager_client.get(reverse("commitments:rep_detail", args=[week_ten_rep.pk])).text

    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; every morning" in page


# --- at the check: the rep's draft becomes the next one thing ------------------------


def test_a_rep_with_a_one_thing_drafts_the_next_one_for_the_check(manager, week_ten_rep):
    active = CommitmentFactory(
        rep=week_ten_rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )
    rep_client = Client()
    rep_client.force_login(week_ten_rep)
    assert "Bring your next one thing to the check" in rep_client.get(ME).text

    response = rep_client.post(PROPOSE, draft_of())

    assert response.status_code == 302
    assert CommitmentDraft.objects.get().status == CommitmentDraft.Status.OPEN
    assert list(Commitment.objects.active()) == [active]
    page = html.unescape(rep_client.get(ME).text)
    assert "Your draft of the next one thing is with your manager" in page


def check_with_draft(client, active, draft, **next_overrides):
    fields = draft_of(check_date="2026-12-08", **next_overrides)
    return client.post(
        reverse("commitments:weekly_update", args=[active.rep_id]),
        {
            "commitment_id": active.pk,
            "from_draft": draft.pk,
            "outcome": "kept",
            "next_step": "layer",
            **{f"next-{key}": value for key, value in fields.items()},
        },
    )


def test_at_the_check_the_next_one_thing_is_filled_in_from_the_draft(manager_client, week_ten_rep):
    CommitmentFactory(
        rep=week_ten_rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )
    draft = _drafted(week_ten_rep)

    page = manager_client.get(reverse("commitments:rep_detail", args=[week_ten_rep.pk])).text

    assert f'name="from_draft" value="{draft.pk}"' in page
    [field] = re.findall(r'<input[^>]*name="next-behaviour"[^>]*>', page)
    assert f'value="{html.escape(draft.behaviour)}"' in field
    assert "the next one thing is filled in from this draft" in page


@pytest.mark.parametrize(
    ("overrides", "author"),
    [({}, Commitment.ProposedBy.REP), ({"target_count": "4"}, Commitment.ProposedBy.REP_EDITED)],
    ids=["as drafted", "edited"],
)
def test_at_the_check_the_draft_is_approved_as_the_next_one_thing(
    manager_client, week_ten_rep, overrides, author
):
    active = CommitmentFactory(
        rep=week_ten_rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )
    draft = _drafted(week_ten_rep)

    response = check_with_draft(manager_client, active, draft, **overrides)

    assert response.status_code == 302
    following = Commitment.objects.active().get(rep=week_ten_rep)
    assert following.builds_on == active
    assert (following.proposed_by, following.proposed_by_user) == (author, week_ten_rep)
    draft.refresh_from_db()
    assert (draft.status, draft.commitment) == (CommitmentDraft.Status.APPROVED, following)


def test_another_reps_draft_cannot_ride_along_on_a_check(manager_client, manager, week_ten_rep):
    active = CommitmentFactory(
        rep=week_ten_rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )
    other = RepFactory(
        organisation=manager.organisation, manager=manager, start_date=dt.date(2026, 9, 28)
    )
    theirs = _drafted(other)

    check_with_draft(manager_client, active, theirs)

    following = Commitment.objects.active().get(rep=week_ten_rep)
    assert following.proposed_by == Commitment.ProposedBy.MANAGER
    theirs.refresh_from_db()
    assert theirs.status == CommitmentDraft.Status.OPEN
