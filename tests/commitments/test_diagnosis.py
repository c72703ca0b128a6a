"""Miss → diagnose → re-issue, through the pages a manager uses.

A miss (or partly kept) is not saved without a diagnosis; the seed's tree
is asked one question at a time and its answers are kept; each diagnosis
leads to its fix; "not sure yet" is allowed and chased; a different one
thing after a miss says why. Diagnoses, answers and fixes are private to the
manager who wrote them.

Time is pinned to Monday 30 November 2026, 09:00 UTC; the rep is in London
with a 1:1 on Tuesdays.
"""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import services
from commitments.models import (
    DIAGNOSIS_TREE,
    PRIVATE_CHECK_FIELDS,
    Check,
    Commitment,
    Diagnosis,
    DiagnosisChange,
    Fix,
    diagnose,
    next_question,
)
from reminders.models import Reminder
from reminders.services.compose import reminder_compose
from tests.commitments.test_weekly_update import field_error, saved_rows, weekly_update
from tests.factories import AdminFactory, CheckFactory, CommitmentFactory, ManagerFactory

pytestmark = pytest.mark.django_db

NEXT_TUESDAY = "2026-12-08"


def missed(active, **overrides) -> dict:
    fields = {
        "outcome": "missed",
        "evidence": "Nothing to show.",
        "next_step": "reissue",
        "next-behaviour": "",
        "next-why": "",
        "next-check_date": NEXT_TUESDAY,
    }
    return weekly_update(active, **{**fields, **overrides})


def page_text(client, path) -> str:
    return html.unescape(client.get(path).text)


def history(page: str) -> str:
    return page.split('id="history-heading"', 1)[1]


# --- a miss is diagnosed first ---------------------------------------------------


@pytest.mark.parametrize("outcome", ["missed", "partly"])
def test_a_miss_without_a_diagnosis_is_refused_next_to_the_field_and_nothing_is_saved(
    manager_client, active, update_url, outcome
):
    response = manager_client.post(update_url, missed(active, outcome=outcome, diagnosis=""))

    assert response.status_code == 422
    error = field_error(response, "id_diagnosis")
    assert error.startswith("Diagnose it first, no judgment")
    assert "Next question: Did the rep attempt it?" in error
    assert saved_rows() == (1, 0, 0)
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE


def test_the_service_refuses_a_miss_without_a_diagnosis(active):
    with pytest.raises(ValidationError) as refused:
        services.check_record(commitment=active, by=active.manager, outcome="missed")

    assert "diagnosis" in refused.value.message_dict
    assert saved_rows() == (1, 0, 0)


def test_a_half_answered_tree_asks_its_next_question(manager_client, active, update_url):
    response = manager_client.post(update_url, missed(active, attempted="no"))

    assert response.status_code == 422
    assert "Next question: Do they buy the why?" in field_error(response, "id_diagnosis")
    # What was answered is still answered.
    assert 'value="no" id="id_attempted_no" checked' in response.text
    assert saved_rows() == (1, 0, 0)


TREE_PATHS = [
    ({"attempted": "no", "buys_why": "no", "understands_why": "yes"}, Diagnosis.WILL),
    ({"attempted": "no", "buys_why": "no", "understands_why": "no"}, Diagnosis.KNOWLEDGE),
    ({"attempted": "no", "buys_why": "yes", "has_time": "no"}, Diagnosis.SYSTEM),
    ({"attempted": "no", "buys_why": "yes", "has_time": "yes"}, Diagnosis.WILL),
    ({"attempted": "yes", "can_do_in_drill": "no"}, Diagnosis.SKILL),
    ({"attempted": "yes", "can_do_in_drill": "yes"}, Diagnosis.TRANSFER),
]
# Whatever each diagnosis needs for its fix.
FIXES = {
    "fix_task": "The 9 a.m. stand-up",
    "fix_shadowing_on": "2026-12-03",
    "fix_why": "Three meetings a week is your step to senior AE.",
}


@pytest.mark.parametrize(("answers", "diagnosis"), TREE_PATHS)
def test_the_trees_answers_are_kept_and_lead_to_the_diagnosis(
    manager_client, active, update_url, answers, diagnosis
):
    response = manager_client.post(update_url, missed(active, **answers, **FIXES))

    assert response.status_code == 302, html.unescape(response.text)[-2000:]
    check = Check.objects.get()
    assert check.diagnosis == diagnosis
    for field in DIAGNOSIS_TREE:
        expected = {"yes": True, "no": False}.get(answers.get(field))
        assert getattr(check, field) is expected, field
    assert check.diagnosed_at is not None


def test_the_tree_is_one_function_of_the_answers():
    assert next_question({}).field == "attempted"
    assert next_question({"attempted": False}).field == "buys_why"
    assert next_question({"attempted": True}).field == "can_do_in_drill"
    assert next_question({"attempted": True, "can_do_in_drill": False}) is None
    assert diagnose({"attempted": True}) is None
    assert diagnose({"attempted": True, "can_do_in_drill": False}) == Diagnosis.SKILL
    # An answer off the path changes nothing.
    assert diagnose({"attempted": True, "can_do_in_drill": True, "has_time": False}) == "transfer"


def test_answers_off_the_path_are_not_kept(manager_client, active, update_url):
    manager_client.post(
        update_url, missed(active, attempted="yes", can_do_in_drill="no", has_time="no")
    )

    check = Check.objects.get()
    assert (check.diagnosis, check.can_do_in_drill, check.has_time) == ("skill", False, None)


def test_the_manager_may_pick_the_diagnosis_and_the_answers_are_still_kept(
    manager_client, active, update_url
):
    manager_client.post(
        update_url,
        missed(active, attempted="yes", can_do_in_drill="no", diagnosis="system", fix_task="Admin"),
    )

    check = Check.objects.get()
    assert (check.diagnosis, check.attempted, check.can_do_in_drill) == ("system", True, False)
    assert check.fix_task == "Admin"


def test_a_kept_check_keeps_no_diagnosis_answers_or_fix(manager_client, active, update_url):
    manager_client.post(
        update_url,
        weekly_update(active, diagnosis="will", attempted="no", fix_task="X", fix_drills="on"),
    )

    check = Check.objects.get()
    assert (check.diagnosis, check.attempted, check.fix_task, check.fix_drills) == (
        "",
        None,
        "",
        False,
    )


# --- each diagnosis leads to its fix ---------------------------------------------


def test_a_system_gap_names_the_competing_task_to_remove(manager_client, active, update_url):
    refused = manager_client.post(update_url, missed(active, diagnosis="system"))

    assert refused.status_code == 422
    assert "competing task" in field_error(refused, "id_fix_task")
    assert saved_rows() == (1, 0, 0)

    manager_client.post(update_url, missed(active, diagnosis="system", fix_task="Stand-up"))
    assert Check.objects.get().fix_task == "Stand-up"


def test_a_transfer_gap_plans_a_shadowing_session_and_a_real_time_nudge(
    manager_client, active, update_url
):
    refused = manager_client.post(update_url, missed(active, diagnosis="transfer"))
    assert "shadowing session" in field_error(refused, "id_fix_shadowing_on")
    past = manager_client.post(
        update_url, missed(active, diagnosis="transfer", fix_shadowing_on="2026-11-20")
    )
    assert "can't be in the past" in field_error(past, "id_fix_shadowing_on")
    assert saved_rows() == (1, 0, 0)

    manager_client.post(
        update_url,
        missed(
            active, diagnosis="transfer", fix_shadowing_on="2026-12-03", fix_realtime_nudge="on"
        ),
    )

    check = Check.objects.get()
    assert (check.fix_shadowing_on, check.fix_realtime_nudge) == (dt.date(2026, 12, 3), True)


def test_a_skill_gap_records_the_drills_assigned(manager_client, active, update_url):
    manager_client.post(
        update_url, missed(active, diagnosis="skill", fix_drills="on", fix_note="Opener drill")
    )

    check = Check.objects.get()
    assert (check.fix_drills, check.fix_note) == (True, "Opener drill")


@pytest.mark.parametrize("diagnosis", ["will", "knowledge"])
def test_will_or_knowledge_re_sells_the_why_of_the_re_issue(
    manager_client, rep, active, update_url, diagnosis
):
    same = manager_client.post(update_url, missed(active, diagnosis=diagnosis, fix_why=active.why))
    assert "same why" in field_error(same, "id_fix_why")
    empty = manager_client.post(update_url, missed(active, diagnosis=diagnosis, fix_why=""))
    assert "Re-sell the why" in field_error(empty, "id_fix_why")
    assert saved_rows() == (1, 0, 0)

    new_why = "Three meetings a week is your step to senior AE."
    response = manager_client.post(update_url, missed(active, diagnosis=diagnosis, fix_why=new_why))

    assert response.status_code == 302
    again = Commitment.objects.active().get(rep=rep)
    assert (again.reissue_of, again.why) == (active, new_why)
    assert Check.objects.get().fix_why_resold is True


def test_the_same_why_can_be_confirmed_for_the_re_issue(manager_client, rep, active, update_url):
    response = manager_client.post(
        update_url,
        missed(active, diagnosis="will", fix_why=active.why, fix_why_confirmed="on"),
    )

    assert response.status_code == 302
    assert Commitment.objects.active().get(rep=rep).why == active.why
    check = Check.objects.get()
    assert (check.fix_why_confirmed, check.fix_why_resold) == (True, False)


def test_the_form_offers_the_current_why_to_re_sell(manager_client, active, rep_page):
    page = page_text(manager_client, rep_page)

    assert f"{active.why}</textarea>" in page.split('id="id_fix_why"', 1)[1]


# --- re-issue is the default; a different one thing says why --------------------


def test_re_issuing_is_the_default_after_a_miss(manager_client, rep, active, update_url, rep_page):
    page = manager_client.get(rep_page).text
    assert (
        'id="id_next_step_reissue" data-after="partly missed" data-default-for="partly missed"'
        in (page)
    )
    assert f'value="{NEXT_TUESDAY}"' in page  # the date pre-filled

    response = manager_client.post(update_url, missed(active, diagnosis="skill", next_step=""))

    assert response.status_code == 302
    again = Commitment.objects.active().get(rep=rep)
    assert (again.reissue_of, again.attempt) == (active, 2)


@pytest.mark.parametrize("outcome", ["missed", "partly"])
def test_a_different_one_thing_after_a_miss_asks_for_a_reason(
    manager_client, active, update_url, outcome
):
    data = missed(
        active,
        outcome=outcome,
        diagnosis="skill",
        next_step="new",
        **{"next-behaviour": "Two referral asks a day"},
    )

    refused = manager_client.post(update_url, data)

    assert refused.status_code == 422
    assert "Say why" in field_error(refused, "id_change_reason")
    assert saved_rows() == (1, 0, 0)


def test_the_reason_for_a_different_one_thing_shows_in_the_history_to_both(
    client, manager_client, rep, active, update_url, rep_page
):
    reason = "The emails depend on a CRM fix first; referrals don't."
    response = manager_client.post(
        update_url,
        missed(
            active,
            diagnosis="skill",
            next_step="new",
            change_reason=reason,
            **{"next-behaviour": "Two referral asks a day"},
        ),
    )
    assert response.status_code == 302

    assert f"A different one thing next: {reason}" in history(page_text(manager_client, rep_page))
    client.force_login(rep)
    mine = page_text(client, reverse("commitments:my_one_thing"))
    assert f"A different one thing next: {reason}" in history(mine)


def test_the_service_asks_for_the_reason_too(active):
    with pytest.raises(ValidationError) as refused:
        services.check_record(
            commitment=active,
            by=active.manager,
            outcome="missed",
            diagnosis="skill",
            next_step="new",
            next_spec=services.CommitmentSpec(behaviour="X", check_date=dt.date(2026, 12, 8)),
        )

    assert "change_reason" in refused.value.message_dict


# --- not sure yet: allowed, chased, completed later ------------------------------


@pytest.fixture
def unsure(manager_client, rep, active, update_url):
    response = manager_client.post(update_url, missed(active, diagnosis="unsure"))
    assert response.status_code == 302
    return Check.objects.get()


def test_not_sure_yet_is_allowed_and_chased_on_the_rep_page(manager_client, unsure, rep_page):
    assert (unsure.diagnosis, unsure.diagnosed_at) == ("unsure", None)

    page = page_text(manager_client, rep_page)

    assert "Last week's miss is not diagnosed yet" in page
    assert 'action="/reps/' in page and "/diagnose/" in page


def test_not_sure_yet_is_chased_in_the_next_prompt_email(rep, unsure):
    reissued = Commitment.objects.active().get(rep=rep)
    prompt = Reminder.objects.get(commitment=reissued, kind=Reminder.Kind.PROMPT)

    email = reminder_compose(prompt, reissued)

    assert "Last week's miss is not diagnosed yet" in email.body
    [(html_part, _)] = email.alternatives
    assert "miss is not diagnosed yet</strong>" in html_part


def test_a_diagnosed_miss_is_not_chased(manager_client, rep, active, update_url, rep_page):
    manager_client.post(update_url, missed(active, diagnosis="skill"))
    reissued = Commitment.objects.active().get(rep=rep)
    prompt = Reminder.objects.get(commitment=reissued, kind=Reminder.Kind.PROMPT)

    assert "not diagnosed yet" not in page_text(manager_client, rep_page)
    assert "not diagnosed yet" not in reminder_compose(prompt, reissued).body


def test_an_unsure_diagnosis_is_completed_later_as_a_recorded_change(
    manager_client, clock, manager, rep, unsure, rep_page
):
    clock.move_to("2026-12-02 10:00:00+00:00")
    url = reverse("commitments:check_diagnose", kwargs={"rep_id": rep.pk})

    response = manager_client.post(
        url,
        {
            "diagnose-check_id": unsure.pk,
            "diagnose-attempted": "no",
            "diagnose-buys_why": "yes",
            "diagnose-has_time": "no",
            "diagnose-fix_task": "Quarter-end reporting",
        },
    )

    assert response.status_code == 302
    unsure.refresh_from_db()
    assert unsure.diagnosis == "system"
    assert (unsure.attempted, unsure.buys_why, unsure.has_time) == (False, True, False)
    assert unsure.fix_task == "Quarter-end reporting"
    assert unsure.diagnosed_at.isoformat() == "2026-12-02T10:00:00+00:00"
    [change] = DiagnosisChange.objects.all()
    assert (change.before, change.after, change.by) == ("unsure", "system", manager)
    page = page_text(manager_client, rep_page)
    assert "not diagnosed yet" not in page
    assert "(diagnosed later, on 2 Dec)" in history(page)
    assert "Fix: remove the competing task: Quarter-end reporting" in history(page)


def test_completing_it_needs_a_real_diagnosis_and_its_fix(manager_client, rep, unsure):
    url = reverse("commitments:check_diagnose", kwargs={"rep_id": rep.pk})

    undecided = manager_client.post(url, {"diagnose-check_id": unsure.pk})
    no_task = manager_client.post(
        url, {"diagnose-check_id": unsure.pk, "diagnose-diagnosis": "system"}
    )

    assert undecided.status_code == no_task.status_code == 422
    assert "Pick what got in the way" in field_error(undecided, "id_diagnose-diagnosis")
    assert "competing task" in field_error(no_task, "id_diagnose-fix_task")
    unsure.refresh_from_db()
    assert unsure.diagnosis == "unsure"
    assert not DiagnosisChange.objects.exists()


def test_only_its_author_completes_a_diagnosis(client, manager, rep, unsure):
    url = reverse("commitments:check_diagnose", kwargs={"rep_id": rep.pk})
    data = {"diagnose-check_id": unsure.pk, "diagnose-diagnosis": "skill"}
    next_manager = ManagerFactory(organisation=rep.organisation)
    admin = AdminFactory(organisation=rep.organisation)
    rep.manager = next_manager
    rep.save(update_fields=["manager"])

    for viewer in (next_manager, admin, rep):
        client.force_login(viewer)
        assert client.post(url, data).status_code == 404
    unsure.refresh_from_db()
    assert unsure.diagnosis == "unsure"


def test_a_diagnosed_check_is_not_rewritten_through_the_later_form(manager_client, rep, active):
    closed = CommitmentFactory(rep=rep, status="missed", issued_on=dt.date(2026, 11, 17))
    check = CheckFactory(commitment=closed, outcome="missed", diagnosis="skill")
    url = reverse("commitments:check_diagnose", kwargs={"rep_id": rep.pk})

    response = manager_client.post(
        url, {"diagnose-check_id": check.pk, "diagnose-diagnosis": "will"}
    )

    assert response.status_code == 422
    assert "already diagnosed" in html.unescape(response.text)
    check.refresh_from_db()
    assert check.diagnosis == "skill"


def test_the_service_refuses_anyone_but_the_author(rep, unsure):
    other = ManagerFactory(organisation=rep.organisation)

    with pytest.raises(ValidationError):
        services.check_diagnose(check=unsure, by=other, diagnosis="skill")


# --- diagnoses, answers and fixes are private to their author ---------------------


@pytest.fixture
def diagnosed(manager, rep, active):
    services.check_record(
        commitment=active,
        by=manager,
        outcome="missed",
        answers={"attempted": True, "can_do_in_drill": True},
        fix=Fix(shadowing_on=dt.date(2026, 12, 3), realtime_nudge=True, note="Ride-along"),
        next_step="reissue",
        next_spec=services.CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8)),
    )
    return Check.objects.get()


SECRETS = ("Ride-along", "live shadowing on", "Can they do it in a drill?", "Transfer:")


def test_the_author_reads_the_answers_and_the_fix_in_the_history(
    manager_client, diagnosed, rep_page
):
    text = history(page_text(manager_client, rep_page))

    assert "Diagnosis (private): Transfer: fine in drills, not live" in text
    assert "Answers: Did the rep attempt it? Yes · Can they do it in a drill? Yes" in text
    assert "Fix: live shadowing on Thu 3 Dec; a real-time nudge; Ride-along" in text


def test_no_one_else_reads_the_diagnosis_its_answers_or_its_fix(client, manager, rep, diagnosed):
    next_manager = ManagerFactory(organisation=rep.organisation)
    admin = AdminFactory(organisation=rep.organisation)
    rep_path = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})
    rep.manager = next_manager
    rep.save(update_fields=["manager"])
    pages = {
        admin: [rep_path, reverse("commitments:organisation_export")],
        next_manager: [rep_path, reverse("commitments:team"), reverse("commitments:team_export")],
        rep: [reverse("commitments:my_one_thing")],
    }
    for viewer, paths in pages.items():
        client.force_login(viewer)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200
            body = (
                b"".join(response.streaming_content).decode()
                if response.streaming
                else html.unescape(response.text)
            )
            # The check form of the next manager lists every label: leave forms out.
            body = history(body) if 'id="history-heading"' in body else body
            for secret in SECRETS:
                assert secret not in body, (viewer, path, secret)


def test_for_history_loads_no_private_column_for_anyone_but_the_author(manager, rep, diagnosed):
    admin = AdminFactory(organisation=rep.organisation)
    for viewer, expected in ((manager, True), (admin, None), (rep, None)):
        with CaptureQueriesContext(connection) as captured:
            [week] = Commitment.objects.closed().filter(rep=rep).for_history(viewer)
        [sql] = [q["sql"] for q in captured]

        assert week.private_fix_realtime_nudge is expected
        for name in PRIVATE_CHECK_FIELDS:
            column = f'"commitments_check"."{name}"'
            assert sql.count(column) == sql.count(f"THEN {column}"), name
            assert name in week.check_result.get_deferred_fields()


def test_the_export_has_the_reason_for_everyone_and_the_fix_for_its_author_only(
    client, manager, rep, active
):
    services.check_record(
        commitment=active,
        by=manager,
        outcome="missed",
        diagnosis="system",
        fix=Fix(task="Quarter-end reporting"),
        change_reason="Referrals first",
        next_step="new",
        next_spec=services.CommitmentSpec(
            behaviour="Ask for a referral on every call", check_date=dt.date(2026, 12, 8)
        ),
    )
    admin = AdminFactory(organisation=rep.organisation)

    def export(viewer, path):
        client.force_login(viewer)
        response = client.get(path)
        return b"".join(response.streaming_content).decode()

    mine = export(manager, reverse("commitments:team_export") + "?private=1")
    theirs = export(admin, reverse("commitments:organisation_export") + "?private=1")

    assert "Referrals first" in mine and "Referrals first" in theirs
    assert "remove the competing task: Quarter-end reporting" in mine
    assert "Quarter-end reporting" not in theirs
