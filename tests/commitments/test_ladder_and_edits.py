"""Standing behaviours as a ladder, spaced re-checks, and edit and undo:
corrections of a check or a practice entry, clarified or re-versioned wording.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays.
"""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from commitments.models import (
    RECHECK_WEEKS,
    Check,
    CheckCorrection,
    Commitment,
    CommitmentRevision,
    PracticeCorrection,
    PracticeLog,
    StandingRecheck,
    days_in,
    recheck_due_on,
    standing_behaviours,
    weakenings,
)
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)
ME = reverse("commitments:my_one_thing")
XSS = "<script>alert('x')</script>"


def kept(rep, behaviour: str, kept_on: dt.date, builds_on=None) -> Commitment:
    """A commitment kept at the 1:1 of ``kept_on``."""
    commitment = CommitmentFactory(
        rep=rep,
        behaviour=behaviour,
        issued_on=kept_on - dt.timedelta(days=7),
        check_date=kept_on,
        status=Commitment.Status.KEPT,
        builds_on=builds_on,
    )
    CheckFactory(
        commitment=commitment,
        outcome="kept",
        checked_on=kept_on,
        checked_at=dt.datetime.combine(kept_on, dt.time(10), tzinfo=dt.UTC),
    )
    return commitment


def url(name: str, rep) -> str:
    return reverse(f"commitments:{name}", kwargs={"rep_id": rep.pk})


def text(response) -> str:
    return html.unescape(response.text)


def words(response) -> str:
    """What a reader sees: no tags, one space between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


# --- the ladder ------------------------------------------------------------


def test_kept_behaviours_are_a_ladder_newest_on_top_under_the_current_one_thing_on_both_pages(
    manager_client, client, rep, rep_page
):
    first = kept(rep, "Open with the trigger event", dt.date(2026, 11, 10))
    second = kept(rep, "Ask two discovery questions", dt.date(2026, 11, 17), builds_on=first)
    CommitmentFactory(
        rep=rep, behaviour="Book the next meeting on the call", issued_on=TODAY, builds_on=second
    )

    for page in (text(manager_client.get(rep_page)), None):
        if page is None:
            client.force_login(rep)
            page = text(client.get(ME))
        ladder = page.split('id="ladder"', 1)[1].split("</section>", 1)[0]
        now = ladder.index("Now:")
        assert (
            now
            < ladder.index("Book the next meeting on the call")
            < ladder.index("Ask two discovery questions")
        )
        assert ladder.index("Ask two discovery questions") < ladder.index(
            "Open with the trigger event"
        )
        assert "builds on “Ask two discovery questions”" in ladder
        assert "builds on “Open with the trigger event”" in ladder
        assert "Kept Tue 17 Nov 2026" in ladder
        assert "Kept Tue 10 Nov 2026" in ladder


def test_a_missed_commitment_is_no_standing_behaviour(manager_client, rep, rep_page):
    CommitmentFactory(rep=rep, behaviour="Missed one", status=Commitment.Status.MISSED)

    assert 'id="ladder"' not in manager_client.get(rep_page).text


def test_standing_behaviours_take_two_queries_and_nothing_more_to_read(
    rep, manager, django_assert_num_queries
):
    previous = None
    for week in range(10, 0, -1):
        previous = kept(rep, f"Behaviour {week}", TODAY - dt.timedelta(weeks=week), previous)
        StandingRecheck.objects.create(
            commitment=previous,
            due_on=TODAY,
            answered_on=TODAY,
            answered_at=dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC),
            still_running=True,
            by=manager,
        )
    # Kept again (reinforced): one rung, its latest keeping.
    kept(rep, "behaviour  1", TODAY)

    with django_assert_num_queries(2):
        ladder = standing_behaviours(rep)

    with django_assert_num_queries(0):
        assert [r.behaviour for r in ladder][:3] == ["behaviour  1", "Behaviour 2", "Behaviour 3"]
        assert len(ladder) == 10
        for rung in ladder:
            assert rung.kept_on
            assert rung.next_recheck_on is None or rung.next_recheck_on > TODAY
            if rung.builds_on_id:
                assert rung.builds_on.behaviour


# --- spaced re-checks ------------------------------------------------------


def test_the_re_check_schedule_is_2_4_and_8_weeks_after_it_was_kept():
    kept_on = dt.date(2026, 11, 2)

    assert RECHECK_WEEKS == (2, 4, 8)
    assert recheck_due_on(kept_on, []) == dt.date(2026, 11, 16)
    assert recheck_due_on(kept_on, [dt.date(2026, 11, 16)]) == dt.date(2026, 11, 30)
    assert recheck_due_on(kept_on, [dt.date(2026, 11, 16), dt.date(2026, 11, 30)]) == dt.date(
        2026, 12, 28
    )
    assert recheck_due_on(kept_on, [kept_on] * 3) is None
    # Answered a week late: the next gap counts from the answer.
    assert recheck_due_on(kept_on, [dt.date(2026, 11, 23)]) == dt.date(2026, 12, 7)


def answer(client, rep, standing, due_on, yes=True):
    return client.post(
        url("recheck_answer", rep),
        {
            "recheck-commitment_id": standing.pk,
            "recheck-due_on": due_on.isoformat(),
            "recheck-answer": "yes" if yes else "no",
        },
    )


def test_a_standing_behaviour_is_re_checked_at_2_4_and_8_weeks_then_established(
    manager_client, rep, rep_page, clock
):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 16))
    CommitmentFactory(rep=rep, behaviour="Something else this week", issued_on=TODAY)

    page = text(manager_client.get(rep_page))
    assert "Still running “Open with the trigger event”?" in page
    # Just above the weekly update's form.
    assert page.index('id="recheck"') < page.index('id="update-heading"')

    assert answer(manager_client, rep, standing, dt.date(2026, 11, 30)).status_code == 302
    assert "Still running" not in manager_client.get(rep_page).text
    assert "re-check due Mon 14 Dec" in text(manager_client.get(rep_page))

    clock.move_to("2026-12-13 09:00:00+00:00")
    manager_client.force_login(rep.manager)
    assert "Still running" not in manager_client.get(rep_page).text
    clock.move_to("2026-12-14 09:00:00+00:00")
    manager_client.force_login(rep.manager)
    assert "Still running" in manager_client.get(rep_page).text
    answer(manager_client, rep, standing, dt.date(2026, 12, 14))

    clock.move_to("2027-01-11 09:00:00+00:00")
    manager_client.force_login(rep.manager)
    assert "Still running" in manager_client.get(rep_page).text
    answer(manager_client, rep, standing, dt.date(2027, 1, 11))

    clock.move_to("2027-06-01 09:00:00+00:00")
    manager_client.force_login(rep.manager)
    page = text(manager_client.get(rep_page))
    assert "Still running" not in page
    assert "established: every re-check passed" in page
    assert list(StandingRecheck.objects.values_list("due_on", "still_running")) == [
        (dt.date(2026, 11, 30), True),
        (dt.date(2026, 12, 14), True),
        (dt.date(2027, 1, 11), True),
    ]


def test_an_htmx_answer_swaps_only_the_re_check_and_leaves_the_update_form_alone(
    manager_client, rep
):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 16))
    CommitmentFactory(rep=rep, behaviour="Something else this week", issued_on=TODAY)

    response = manager_client.post(
        url("recheck_answer", rep),
        {
            "recheck-commitment_id": standing.pk,
            "recheck-due_on": "2026-11-30",
            "recheck-answer": "yes",
        },
        headers={"HX-Request": "true"},
    )

    # Only the re-check's slot: the weekly update's form keeps what was typed.
    assert response.status_code == 200
    assert response.text.strip().startswith('<div id="recheck-slot">')
    assert response.text.strip().endswith("</div>")
    assert "Noted: “Open with the trigger event” is still running." in text(response)
    assert 'id="recheck"' not in response.text
    assert 'id="update-heading"' not in response.text
    assert StandingRecheck.objects.get().still_running


def test_a_re_check_not_yet_due_is_refused_and_nothing_is_recorded(manager_client, rep):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 20))

    response = answer(manager_client, rep, standing, dt.date(2026, 12, 4))

    assert response.status_code == 422
    assert not StandingRecheck.objects.exists()


def test_a_refused_htmx_answer_comes_back_in_its_slot_with_the_reason(manager_client, rep):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 20))

    response = manager_client.post(
        url("recheck_answer", rep),
        {
            "recheck-commitment_id": standing.pk,
            "recheck-due_on": "2026-12-04",
            "recheck-answer": "yes",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert response.text.strip().startswith('<div id="recheck-slot">')
    assert "This re-check is due on Fri 4 Dec, not yet." in text(response)
    assert not StandingRecheck.objects.exists()


def test_answering_the_same_re_check_twice_records_it_once(manager_client, rep):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 16))

    answer(manager_client, rep, standing, dt.date(2026, 11, 30))
    second = answer(manager_client, rep, standing, dt.date(2026, 11, 30))

    assert second.status_code == 302
    assert StandingRecheck.objects.count() == 1


def test_at_most_one_re_check_question_per_update(manager_client, rep, rep_page):
    kept(rep, "Open with the trigger event", dt.date(2026, 11, 2))
    kept(rep, "Ask two discovery questions", dt.date(2026, 11, 9))

    page = text(manager_client.get(rep_page))

    assert page.count('id="recheck-heading"') == 1
    # The longest due first.
    assert "Still running “Open with the trigger event”?" in page


def test_no_re_check_of_the_behaviour_the_active_commitment_asks_for(manager_client, rep, rep_page):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 16))
    CommitmentFactory(rep=rep, behaviour="open with the  trigger event", issued_on=TODAY)

    assert "Still running" not in manager_client.get(rep_page).text
    response = answer(manager_client, rep, standing, dt.date(2026, 11, 30))
    assert response.status_code == 422
    assert "its check is the re-check" in text(response)
    assert not StandingRecheck.objects.exists()


def test_a_slipped_behaviour_is_re_issued_only_when_no_one_thing_is_active(
    manager_client, client, rep, rep_page
):
    standing = kept(rep, "Open with the trigger event", dt.date(2026, 11, 16))
    active = CommitmentFactory(rep=rep, behaviour="Something else", issued_on=TODAY)
    answer(manager_client, rep, standing, dt.date(2026, 11, 30), yes=False)
    recheck = StandingRecheck.objects.get()
    assert recheck.still_running is False

    page = text(manager_client.get(rep_page))
    assert "slipped at the re-check of Mon 30 Nov" in page
    assert "Make it the one thing again once this week's one thing is checked" in page
    refused = manager_client.post(url("recheck_reissue", rep), {"reissue-recheck_id": recheck.pk})
    assert refused.status_code == 422
    assert "already an active commitment" in text(refused)
    assert Commitment.objects.active().get() == active

    active.status, active.closed_at = Commitment.Status.MISSED, active.issued_on
    active.save()
    page = text(manager_client.get(rep_page))
    assert "Make it the one thing again" in page
    for _ in range(2):
        response = manager_client.post(
            url("recheck_reissue", rep), {"reissue-recheck_id": recheck.pk}
        )
        assert response.status_code == 302
    again = Commitment.objects.active().get()
    assert again.behaviour == "Open with the trigger event"
    assert again.check_date == dt.date(2026, 12, 8)
    recheck.refresh_from_db()
    assert recheck.reissued_as == again
    # Shown in the history of both pages.
    assert "Re-checked 30 Nov: slipped (re-issued)" in text(manager_client.get(rep_page))
    client.force_login(rep)
    assert "Re-checked 30 Nov: slipped (re-issued)" in text(client.get(ME))


# --- correcting a check ----------------------------------------------------


def check_then(manager_client, rep, active, next_step="none", outcome="kept"):
    response = manager_client.post(
        url("weekly_update", rep),
        {
            "commitment_id": active.pk,
            "outcome": outcome,
            "evidence": "Showed the emails.",
            # A miss is diagnosed (skill: no fix to name beyond drills).
            "diagnosis": "" if outcome == "kept" else "skill",
            "next_step": next_step,
            "next-behaviour": "Book the next meeting before hanging up",
            "next-check_date": "2026-12-07",
        },
    )
    assert response.status_code == 302
    return Check.objects.get(commitment=active)


def correct(client, rep, check, **overrides):
    return client.post(
        url("check_correct", rep),
        {
            "correct-check_id": check.pk,
            "correct-outcome": "missed",
            "correct-evidence": "No emails sent after all.",
            "correct-diagnosis": "system",
            "correct-reason": "Clicked kept by mistake",
            **overrides,
        },
    )


def test_the_author_corrects_a_mistyped_outcome_and_both_pages_show_the_correction(
    manager_client, client, rep, manager, active, rep_page, clock
):
    check = check_then(manager_client, rep, active)
    clock.move_to("2026-12-01 08:00:00+00:00")
    assert "Mistyped the check of Mon 30 Nov?" in text(manager_client.get(rep_page))

    response = correct(manager_client, rep, check)

    assert response.status_code == 302
    check.refresh_from_db()
    active.refresh_from_db()
    assert (check.outcome, check.diagnosis, check.evidence) == (
        "missed",
        "system",
        "No emails sent after all.",
    )
    assert active.status == Commitment.Status.MISSED
    fix = CheckCorrection.objects.get()
    assert (fix.old_outcome, fix.new_outcome, fix.by, fix.old_evidence) == (
        "kept",
        "missed",
        manager,
        "Showed the emails.",
    )
    line = (
        "Check corrected on 1 Dec from kept to missed (evidence changed): Clicked kept by mistake"
    )
    assert line in text(manager_client.get(rep_page))
    client.force_login(rep)
    page = text(client.get(ME))
    assert line in page
    assert "System" not in page


def test_a_correction_after_the_window_is_refused_and_nothing_changes(
    manager_client, rep, active, rep_page, clock
):
    check = check_then(manager_client, rep, active)
    clock.move_to("2026-12-01 09:00:01+00:00")
    assert "Mistyped the check" not in manager_client.get(rep_page).text

    response = correct(manager_client, rep, check)

    assert response.status_code == 422
    assert "more than 24 hours ago: it can't be corrected any more. Nothing was changed." in text(
        response
    )
    check.refresh_from_db()
    active.refresh_from_db()
    assert (check.outcome, active.status) == ("kept", "kept")
    assert not CheckCorrection.objects.exists()


def test_the_next_step_taken_stays_so_a_layer_cannot_become_a_miss(manager_client, rep, active):
    check = check_then(manager_client, rep, active, next_step="layer")

    response = correct(manager_client, rep, check)

    assert response.status_code == 422
    assert "it stays, so this correction can't be made" in text(response)
    check.refresh_from_db()
    assert check.outcome == "kept"
    assert Commitment.objects.active().get().builds_on == active


def test_missed_corrected_to_partly_keeps_the_re_issue(manager_client, rep, active):
    check = check_then(manager_client, rep, active, next_step="reissue", outcome="missed")

    response = correct(
        manager_client, rep, check, **{"correct-outcome": "partly", "correct-diagnosis": ""}
    )

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == "partly"
    assert Commitment.objects.active().get().reissue_of == active


def test_a_correction_of_the_diagnosis_alone_is_seen_by_its_author_only(
    manager_client, client, rep, active, rep_page
):
    check = check_then(manager_client, rep, active, next_step="reissue", outcome="missed")
    response = correct(
        manager_client,
        rep,
        check,
        **{
            "correct-outcome": "missed",
            "correct-evidence": check.evidence,
            "correct-diagnosis": "will",
            "correct-reason": "It was will after all",
        },
    )
    assert response.status_code == 302

    assert "It was will after all" in text(manager_client.get(rep_page))
    client.force_login(rep)
    assert "It was will after all" not in text(client.get(ME))
    client.force_login(AdminFactory(organisation=rep.organisation))
    assert "It was will after all" not in text(client.get(rep_page))


def test_only_the_author_corrects_a_check(client, rep, active):
    other = ManagerFactory(organisation=rep.organisation)
    check = CheckFactory(commitment=CommitmentFactory(rep=rep, status="kept"), checked_by=other)
    client.force_login(rep.manager)

    response = correct(client, rep, check)

    assert response.status_code == 422
    assert "Only the manager who recorded this check may correct it." in text(response)


# --- correcting practice ---------------------------------------------------


def test_a_rep_corrects_a_practice_entry_and_both_see_the_correction(
    rep_client, client, rep, manager, active, rep_page
):
    entry = PracticeLog.objects.create(
        commitment=active, rep=rep, practiced_on=TODAY, kind="drill", count=3
    )
    assert "Correct or delete" in rep_client.get(ME).text

    response = rep_client.post(
        reverse("commitments:practice_correct", args=[entry.pk]),
        {
            f"fix{entry.pk}-kind": "live",
            f"fix{entry.pk}-practiced_on": "2026-11-30",
            f"fix{entry.pk}-count": "5",
            f"fix{entry.pk}-note": XSS,
        },
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.kind, entry.count, entry.note) == ("live", 5, XSS)
    fix = PracticeCorrection.objects.get()
    assert fix.old == {"kind": "drill", "practiced_on": "2026-11-30", "count": 3, "note": ""}
    line = "“Drill, Mon 30 Nov × 3” corrected to “Live attempt, Mon 30 Nov × 5: " + XSS + "”"
    page = rep_client.get(ME)
    assert line in text(page)
    assert XSS not in page.text
    client.force_login(manager)
    page = client.get(rep_page)
    assert line in text(page)
    assert XSS not in page.text


def test_a_rep_deletes_a_practice_entry_logged_by_mistake_and_the_record_stays(
    rep_client, rep, active
):
    entry = PracticeLog.objects.create(commitment=active, rep=rep, practiced_on=TODAY, kind="drill")

    response = rep_client.post(reverse("commitments:practice_delete", args=[entry.pk]))

    assert response.status_code == 302
    assert not PracticeLog.objects.exists()
    assert PracticeCorrection.objects.get().action == "delete"
    assert "deleted “Drill, Mon 30 Nov”" in text(rep_client.get(ME))


def test_practice_cannot_be_changed_after_the_window(rep_client, rep, active, clock):
    entry = PracticeLog.objects.create(commitment=active, rep=rep, practiced_on=TODAY, kind="drill")
    clock.move_to("2026-12-01 09:00:01+00:00")
    assert "Correct or delete" not in rep_client.get(ME).text

    deleted = rep_client.post(reverse("commitments:practice_delete", args=[entry.pk]))
    edited = rep_client.post(
        reverse("commitments:practice_correct", args=[entry.pk]),
        {f"fix{entry.pk}-kind": "live", f"fix{entry.pk}-practiced_on": "2026-11-30"},
    )

    for response in (deleted, edited):
        assert response.status_code == 422
        assert "more than 24 hours ago: it can't be changed any more. Nothing was changed." in (
            text(response)
        )
    entry.refresh_from_db()
    assert entry.kind == "drill"
    assert not PracticeCorrection.objects.exists()


# --- clarifying or re-versioning the wording -------------------------------


def edit(client, rep, active, **overrides):
    return client.post(
        url("commitment_edit", rep),
        {
            "edit-commitment_id": active.pk,
            "edit-behaviour": active.behaviour,
            "edit-target_count": "10",
            "edit-target_unit": "emails",
            "edit-target_days": "Monday to Thursday",
            "edit-by_time": "10:00",
            "edit-why": active.why,
            **overrides,
        },
    )


def test_a_typo_is_clarified_without_confirmation(manager_client, rep, active):
    response = edit(
        manager_client,
        rep,
        active,
        **{"edit-behaviour": "10 personalized first-touch emails with the trigger-event opener"},
    )

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.behaviour == "10 personalized first-touch emails with the trigger-event opener"
    revision = CommitmentRevision.objects.get()
    assert revision.kind == "clarify"
    assert revision.old == {
        "behaviour": "10 personalised first-touch emails with the trigger-event opener"
    }


def test_a_weaker_edit_needs_confirmation_then_both_pages_show_the_new_version(
    manager_client, client, rep, active, rep_page
):
    refused = edit(manager_client, rep, active, **{"edit-target_count": "5"})

    assert refused.status_code == 422
    assert "the count goes down from 10 to 5" in text(refused)
    assert 'name="edit-confirm_new_version"' in refused.text
    active.refresh_from_db()
    assert active.target_count == 10
    assert not CommitmentRevision.objects.exists()

    saved = edit(
        manager_client, rep, active, **{"edit-target_count": "5", "edit-confirm_new_version": "on"}
    )

    assert saved.status_code == 302
    active.refresh_from_db()
    assert active.target_count == 5
    assert CommitmentRevision.objects.get().kind == "new_version"
    line = "New version: changed on Mon 30 Nov · how many from “10” to “5”"
    assert line in words(manager_client.get(rep_page))
    client.force_login(rep)
    assert line in words(client.get(ME))
    # Once checked, the week's line in the history keeps it, for both.
    active.status, active.closed_at = Commitment.Status.KEPT, active.issued_on
    active.save()
    CheckFactory(commitment=active)
    assert "New version: changed on 30 Nov · how many from “10” to “5”" in words(client.get(ME))


def test_a_reworded_one_thing_is_a_new_version_and_its_words_stay_inert(
    manager_client, client, rep, active, rep_page
):
    refused = edit(manager_client, rep, active, **{"edit-behaviour": f"10 {XSS}"})
    assert refused.status_code == 422
    assert "the one thing is reworded, not just corrected" in text(refused)

    edit(
        manager_client,
        rep,
        active,
        **{"edit-behaviour": f"10 {XSS}", "edit-confirm_new_version": "on"},
    )

    assert CommitmentRevision.objects.get().kind == "new_version"
    pages = [manager_client.get(rep_page)]
    client.force_login(rep)
    pages.append(client.get(ME))
    for page in pages:
        assert "changed on Mon 30 Nov" in page.text
        assert XSS not in page.text
        assert "&lt;script&gt;" in page.text


def test_a_checked_commitment_is_not_reworded(manager_client, rep):
    closed = CommitmentFactory(rep=rep, status="kept")

    response = edit(manager_client, rep, closed, **{"edit-behaviour": closed.behaviour + "!"})

    assert response.status_code == 422
    assert "a checked week stays as it was" in text(response)


@pytest.mark.parametrize(
    ("old", "new", "weaker"),
    [
        ({"target_count": 10}, {"target_count": 5}, "the count goes down from 10 to 5"),
        ({"target_count": 10}, {"target_count": None}, "the count (10) is removed"),
        ({"target_count": 10}, {"target_count": 12}, ""),
        ({"by_time": "10:00"}, {"by_time": "11:30"}, "the by-time moves later"),
        ({"by_time": "10:00"}, {"by_time": None}, "the by-time (10:00) is removed"),
        ({"by_time": "10:00"}, {"by_time": "09:00"}, ""),
        ({"target_days": "Monday to Thursday"}, {"target_days": "Mon-Wed"}, "fewer days"),
        ({"target_days": "Monday to Thursday"}, {"target_days": ""}, "the days"),
        ({"target_days": "Mondya to Thursday"}, {"target_days": "Monday to Thursday"}, ""),
        ({"target_days": "Mon, Wed"}, {"target_days": "weekdays"}, ""),
        ({"why": "old"}, {"why": "a new why entirely"}, ""),
    ],
)
def test_the_rule_book_says_what_is_weaker(old, new, weaker):
    base = {
        "behaviour": "Send emails",
        "target_count": None,
        "target_unit": "",
        "target_days": "",
        "by_time": None,
        "why": "",
    }

    reasons = weakenings({**base, **old}, {**base, **new})

    assert ("; ".join(reasons).startswith(weaker) and reasons) if weaker else reasons == []


def test_days_in_reads_ranges_lists_and_words():
    assert days_in("Monday to Thursday") == 4
    assert days_in("Mon–Fri") == 5
    assert days_in("Mon, Wed, Fri") == 3
    assert days_in("every day") == 7
    assert days_in("weekdays") == 5
    assert days_in("when I can") is None


# --- access ----------------------------------------------------------------

MANAGER_URLS = ["recheck_answer", "recheck_reissue", "check_correct", "commitment_edit"]


@pytest.mark.parametrize("name", MANAGER_URLS)
def test_another_manager_or_the_rep_gets_404_on_every_coach_url(client, rep, active, name):
    kept_one = kept(rep, "Open with the trigger event", dt.date(2026, 11, 16))
    check = kept_one.check_result
    data = {
        "recheck-commitment_id": kept_one.pk,
        "recheck-due_on": "2026-11-30",
        "recheck-answer": "no",
        "reissue-recheck_id": 1,
        "correct-check_id": check.pk,
        "correct-outcome": "missed",
        "correct-reason": "x",
        "edit-commitment_id": active.pk,
        "edit-behaviour": "x",
    }
    for person in (
        ManagerFactory(organisation=rep.organisation),
        rep,
        AdminFactory(organisation=rep.organisation),
    ):
        client.force_login(person)
        assert client.get(url(name, rep)).status_code == 404
        assert client.post(url(name, rep), data).status_code == 404
    assert not StandingRecheck.objects.exists()
    assert not CheckCorrection.objects.exists()
    assert not CommitmentRevision.objects.exists()


def test_another_managers_objects_are_404_through_my_own_reps_urls(manager_client, rep, active):
    other_rep = RepFactory(organisation=rep.organisation)
    theirs = kept(other_rep, "Theirs", dt.date(2026, 11, 16))
    their_active = CommitmentFactory(rep=other_rep, issued_on=TODAY)

    assert answer(manager_client, rep, theirs, dt.date(2026, 11, 30)).status_code == 404, (
        "another rep's standing behaviour through my rep's URL"
    )
    assert correct(manager_client, rep, theirs.check_result).status_code == 404
    assert edit(manager_client, rep, their_active).status_code == 404


@pytest.mark.parametrize("name", ["practice_correct", "practice_delete"])
def test_another_rep_or_a_manager_gets_404_on_a_practice_entry(client, rep, active, name):
    entry = PracticeLog.objects.create(commitment=active, rep=rep, practiced_on=TODAY, kind="drill")
    target = reverse(f"commitments:{name}", args=[entry.pk])
    for person in (RepFactory(organisation=rep.organisation), rep.manager):
        client.force_login(person)
        assert client.get(target).status_code == 404
        assert client.post(target, {f"fix{entry.pk}-kind": "live"}).status_code == 404
    assert PracticeLog.objects.get().kind == "drill"
    assert not PracticeCorrection.objects.exists()
