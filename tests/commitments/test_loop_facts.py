"""Each loop fact, pinned where the rep's day and the UTC day part.

At 23:30 UTC on Tuesday 1 December it is already Wednesday 2 December in
Sydney (UTC+11); at 09:00 UTC on Wednesday 2 December it is still Tuesday
1 December, 23:00, in Honolulu (UTC−10). A fact computed on the UTC date is
wrong on one side of each pair. For every fact the team row, the team tiles,
the organisation page, the rep page (the manager's and the rep's own) and the
weekly digest must say the same thing.
"""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import services
from commitments.models import (
    Check,
    CoachingSession,
    Commitment,
    Fix,
    NextStep,
    Outcome,
    next_steps_after,
)
from reminders.services.compose import reminder_digest_context
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SYDNEY = "Australia/Sydney"
HONOLULU = "Pacific/Honolulu"
# Tue 1 Dec 23:30 UTC = Wed 2 Dec 10:30 in Sydney.
SYDNEY_NIGHT = dt.datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
# Wed 2 Dec 09:00 UTC = Tue 1 Dec 23:00 in Honolulu.
HONOLULU_MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TUE_1 = dt.date(2026, 12, 1)
WED_2 = dt.date(2026, 12, 2)
DIGEST_MONDAY = dt.date(2026, 11, 30)


@pytest.fixture
def org():
    return OrganisationFactory(name="Acme")


@pytest.fixture
def admin(org):
    return AdminFactory(organisation=org, name="Ada Admin")


@pytest.fixture
def manager(org):
    return ManagerFactory(organisation=org, name="Maria Manager")


def rep_in(zone: str, manager, name: str = "Rita Rep"):
    return RepFactory(organisation=manager.organisation, manager=manager, name=name, timezone=zone)


# --- reading each surface ---------------------------------------------------------


def get(client, user, path: str, **kwargs) -> str:
    client.force_login(user)
    response = client.get(path, **kwargs)
    assert response.status_code == 200, path
    return html.unescape(response.text)


def team_page(client, manager) -> str:
    return get(client, manager, reverse("commitments:team"))


def team_row(page: str, rep) -> str:
    link = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})
    [row] = [r for r in page.split("<tr>") if f'href="{link}"' in r]
    return row.split("</tr>", 1)[0]


def tile(page: str, label: str) -> str:
    match = re.search(rf"<strong>([^<]*)</strong><span>{re.escape(label)}</span>", page)
    assert match, f"no tile {label!r}"
    return match.group(1)


def organisation_cell(client, admin, manager, label: str) -> str:
    page = get(client, admin, reverse("commitments:organisation"))
    link = reverse("commitments:team_of", kwargs={"manager_id": manager.pk})
    [row] = [r for r in page.split("<tr>") if f'href="{link}"' in r]
    return re.search(rf'data-label="{re.escape(label)}">([^<]*)<', row).group(1).strip()


def hero(page: str) -> str:
    return page.split('id="one-thing-heading"', 1)[1].split("</section>", 1)[0]


def rep_page(client, viewer, rep) -> str:
    return get(client, viewer, reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))


def my_page(client, rep) -> str:
    return get(client, rep, reverse("commitments:my_one_thing"))


def history(page: str) -> str:
    return page.split('id="history-heading"', 1)[1]


def check_through_the_page(client, manager, active, **fields):
    """The manager's weekly update, posted at the clock's moment."""
    client.force_login(manager)
    data = {
        "commitment_id": active.pk,
        "outcome": "kept",
        "evidence": "",
        "diagnosis": "",
        "shared_notes": "",
        "private_notes": "",
        "next_step": "none",
        **fields,
    }
    response = client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": active.rep_id}), data
    )
    assert response.status_code == 302, html.unescape(response.text)[-3000:]
    return Commitment.objects.active().filter(rep_id=active.rep_id).first()


# --- overdue ----------------------------------------------------------------------

OVERDUE_AT_THE_BOUNDARY = [
    pytest.param(SYDNEY, SYDNEY_NIGHT, True, id="Sydney at 23:30 UTC: Wed 2 Dec, overdue"),
    pytest.param(HONOLULU, HONOLULU_MORNING, False, id="Honolulu at 09:00 UTC: Tue 1 Dec, today"),
]


@pytest.mark.parametrize(("zone", "moment", "overdue"), OVERDUE_AT_THE_BOUNDARY)
def test_a_check_date_is_overdue_from_the_reps_next_day_on_every_page_and_in_the_digest(
    client, clock, admin, manager, zone, moment, overdue
):
    rep = rep_in(zone, manager)
    CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    clock.move_to(moment)

    team = team_page(client, manager)
    row = team_row(team, rep)
    manager_hero = hero(rep_page(client, manager, rep))
    own_hero = hero(my_page(client, rep))
    [due] = reminder_digest_context(manager=manager, monday=DIGEST_MONDAY)["due"]

    assert ("Overdue" in row) is overdue
    assert ("Today" in row) is not overdue
    assert tile(team, "checks overdue") == ("1" if overdue else "0")
    assert organisation_cell(client, admin, manager, "Checks overdue").startswith(
        "1" if overdue else "0"
    )
    for page in (manager_hero, own_hero):
        assert ("Overdue" in page) is overdue
        assert ("Today" in page) is not overdue
    assert due["overdue"] is overdue


DUE_IN_AT_THE_BOUNDARY = [
    # In UTC it is still Tue 1 Dec: Fri 4 Dec would be three days away.
    pytest.param(SYDNEY, SYDNEY_NIGHT, dt.date(2026, 12, 4), 2, id="Sydney, Fri 4 Dec: 2 days"),
    pytest.param(SYDNEY, SYDNEY_NIGHT, WED_2, 0, id="Sydney, Wed 2 Dec: today"),
    # In UTC it is already Wed 2 Dec: Thu 3 Dec would be tomorrow.
    pytest.param(
        HONOLULU, HONOLULU_MORNING, dt.date(2026, 12, 3), 2, id="Honolulu, Thu 3 Dec: 2 days"
    ),
    pytest.param(HONOLULU, HONOLULU_MORNING, TUE_1, 0, id="Honolulu, Tue 1 Dec: today"),
]


@pytest.mark.parametrize(("zone", "moment", "check_date", "days"), DUE_IN_AT_THE_BOUNDARY)
def test_due_in_n_days_counts_the_reps_own_days_on_every_page_and_in_the_digest(
    client, clock, manager, zone, moment, check_date, days
):
    rep = rep_in(zone, manager)
    active = CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 24), check_date=check_date)
    clock.move_to(moment)

    row = team_row(team_page(client, manager), rep)
    heroes = [hero(rep_page(client, manager, rep)), hero(my_page(client, rep))]
    [due] = reminder_digest_context(manager=manager, monday=DIGEST_MONDAY)["due"]

    assert Commitment.objects.with_loop_facts(moment).get(pk=active.pk).due_in == days
    assert "Overdue" not in row
    assert ("Today" in row) is (days == 0)
    for page in heroes:
        assert "Overdue" not in page
        if days == 0:
            assert "Today" in page
        else:
            assert f"(in {days} days)" in page
    assert due["overdue"] is False


# --- checked on time --------------------------------------------------------------

CHECKED_AT_THE_BOUNDARY = [
    # Checked at 23:30 UTC on the check date: the next day in Sydney, a day late.
    pytest.param(SYDNEY, TUE_1, SYDNEY_NIGHT, WED_2, False, id="Sydney: a day late"),
    # Checked at 09:00 UTC the day after: still the check date in Honolulu, on time.
    pytest.param(
        HONOLULU,
        WED_2,
        dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        WED_2,
        True,
        id="Honolulu: on time",
    ),
]


@pytest.mark.parametrize(
    ("zone", "check_date", "moment", "checked_on", "on_time"), CHECKED_AT_THE_BOUNDARY
)
def test_checked_on_time_is_judged_on_the_reps_date_of_the_check_everywhere(
    client, clock, admin, manager, zone, check_date, moment, checked_on, on_time
):
    rep = rep_in(zone, manager)
    active = CommitmentFactory(
        rep=rep, issued_on=check_date - dt.timedelta(days=7), check_date=check_date
    )
    clock.move_to(moment)

    check_through_the_page(client, manager, active)

    assert Check.objects.get(commitment=active).checked_on == checked_on
    percent = "100%" if on_time else "0%"
    assert tile(team_page(client, manager), "checked on time (8 weeks)") == percent
    assert organisation_cell(client, admin, manager, "Checked on time").startswith(percent)
    late = f"(late: due {check_date:%-d %b})"
    assert (late in history(rep_page(client, manager, rep))) is not on_time
    assert (late in history(my_page(client, rep))) is not on_time
    digest = reminder_digest_context(manager=manager, monday=dt.date(2026, 12, 7))
    assert (digest["loops_on_time"], digest["loops_total"]) == (1 if on_time else 0, 1)


@pytest.mark.parametrize(
    ("zone", "moment", "percent"),
    [
        # Sun 6 Dec 23:30 UTC: Mon 7 Dec in Sydney, so Sunday's check is overdue.
        pytest.param(SYDNEY, dt.datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "50%", id="Sydney"),
        # Mon 7 Dec 09:00 UTC: still Sunday in Honolulu, so it is due today.
        pytest.param(HONOLULU, dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "100%", id="Honolulu"),
    ],
)
def test_an_unchecked_loop_past_its_date_counts_against_checked_on_time(
    client, clock, admin, manager, zone, moment, percent
):
    checked = rep_in(zone, manager, name="Cora Checked")
    done = CommitmentFactory(
        rep=checked,
        status=Commitment.Status.KEPT,
        issued_on=dt.date(2026, 11, 24),
        check_date=TUE_1,
    )
    CheckFactory(commitment=done, checked_on=TUE_1)
    open_rep = rep_in(zone, manager, name="Otto Open")
    CommitmentFactory(
        rep=open_rep, issued_on=dt.date(2026, 11, 29), check_date=dt.date(2026, 12, 6)
    )
    clock.move_to(moment)

    team = team_page(client, manager)

    assert tile(team, "checked on time (8 weeks)") == percent
    assert tile(team, "checks overdue") == ("1" if percent == "50%" else "0")
    assert organisation_cell(client, admin, manager, "Checked on time").startswith(percent)


def test_the_digest_counts_an_unchecked_loop_past_its_date_as_not_closed_on_time(clock, manager):
    # Monday morning in Sydney, when a Sydney manager's digest goes out.
    manager.timezone = SYDNEY
    manager.save(update_fields=["timezone"])
    checked = rep_in(SYDNEY, manager, name="Cora Checked")
    done = CommitmentFactory(
        rep=checked,
        status=Commitment.Status.KEPT,
        issued_on=dt.date(2026, 11, 24),
        check_date=TUE_1,
    )
    CheckFactory(commitment=done, checked_on=TUE_1)
    open_rep = rep_in(SYDNEY, manager, name="Otto Open")
    CommitmentFactory(
        rep=open_rep, issued_on=dt.date(2026, 11, 29), check_date=dt.date(2026, 12, 6)
    )
    clock.move_to(dt.datetime(2026, 12, 6, 23, 30, tzinfo=UTC))

    digest = reminder_digest_context(manager=manager, monday=dt.date(2026, 12, 7))

    assert (digest["loops_on_time"], digest["loops_total"]) == (1, 2)
    assert [(row["rep"], row["overdue"]) for row in digest["due"]] == [(open_rep, True)]


# --- missed in a row, beyond coaching ---------------------------------------------


def miss_weekly(client, clock, manager, rep, diagnoses):
    """Weekly misses, each checked at 23:30 UTC on its check date (the
    next morning in Sydney) and re-issued for the following Tuesday."""
    active = CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    for week, diagnosis in enumerate(diagnoses):
        check_date = TUE_1 + dt.timedelta(weeks=week)
        clock.move_to(dt.datetime.combine(check_date, dt.time(23, 30), tzinfo=UTC))
        active = check_through_the_page(
            client,
            manager,
            active,
            outcome="missed",
            diagnosis=diagnosis,
            # Each diagnosis's fix (only the one it leads to is kept).
            fix_task="The Monday stand-up",
            fix_shadowing_on=f"{check_date + dt.timedelta(days=2):%Y-%m-%d}",
            fix_why=f"Re-sold in week {week + 1}: your own goal of three meetings.",
            next_step="reissue",
            **{"next-check_date": f"{check_date + dt.timedelta(weeks=1):%Y-%m-%d}"},
        )
    return active


def test_missed_in_a_row_shows_on_the_team_row_and_in_the_digest_and_ends_with_a_keep(
    client, clock, manager
):
    rep = rep_in(SYDNEY, manager)

    active = miss_weekly(client, clock, manager, rep, ["skill", "system"])

    assert "Missed 2 in a row" in team_row(team_page(client, manager), rep)
    digest = reminder_digest_context(manager=manager, monday=dt.date(2026, 12, 14))
    assert [row["rep"] for row in digest["missed_twice"]] == [rep]
    assert active.attempt == 3

    clock.move_to(dt.datetime(2026, 12, 15, 23, 30, tzinfo=UTC))
    check_through_the_page(client, manager, active)

    assert "in a row" not in team_row(team_page(client, manager), rep)
    digest = reminder_digest_context(manager=manager, monday=dt.date(2026, 12, 21))
    assert digest["missed_twice"] == []


def test_one_miss_is_not_missed_in_a_row_anywhere(client, clock, manager):
    rep = rep_in(SYDNEY, manager)

    miss_weekly(client, clock, manager, rep, ["skill"])

    assert "in a row" not in team_row(team_page(client, manager), rep)
    assert (
        reminder_digest_context(manager=manager, monday=dt.date(2026, 12, 7))["missed_twice"] == []
    )


def test_beyond_coaching_is_flagged_for_the_diagnosing_manager_only(client, clock, admin, manager):
    rep = rep_in(SYDNEY, manager)
    miss_weekly(client, clock, manager, rep, ["transfer", "will", "will"])
    monday = dt.date(2026, 12, 21)

    assert "Beyond coaching?" in rep_page(client, manager, rep)
    [row] = reminder_digest_context(manager=manager, monday=monday)["missed_twice"]
    assert row["beyond_coaching"] is True
    assert "Missed 3 in a row" in team_row(team_page(client, manager), rep)
    assert "Beyond coaching?" not in rep_page(client, admin, rep)

    # A new manager did not diagnose these misses: not for them to conclude.
    new_manager = ManagerFactory(organisation=manager.organisation, name="Nico Next")
    rep.manager = new_manager
    rep.save(update_fields=["manager"])

    assert "Beyond coaching?" not in rep_page(client, new_manager, rep)
    [row] = reminder_digest_context(manager=new_manager, monday=monday)["missed_twice"]
    assert row["beyond_coaching"] is False
    assert "Missed 3 in a row" in team_row(team_page(client, new_manager), rep)


def test_three_misses_with_a_coachable_diagnosis_are_not_beyond_coaching_anywhere(
    client, clock, manager
):
    rep = rep_in(SYDNEY, manager)
    miss_weekly(client, clock, manager, rep, ["will", "skill", "will"])

    assert "Beyond coaching?" not in rep_page(client, manager, rep)
    [row] = reminder_digest_context(manager=manager, monday=dt.date(2026, 12, 21))["missed_twice"]
    assert row["beyond_coaching"] is False


# --- the next steps an outcome allows ---------------------------------------------

ALL_PAIRS = [(outcome, step) for outcome in Outcome.values for step in NextStep.values]
REFUSED = [(o, s) for o, s in ALL_PAIRS if s not in next_steps_after(o)]
ALLOWED = [(o, s) for o, s in ALL_PAIRS if s in next_steps_after(o)]


def test_a_kept_commitment_is_layered_on_and_a_miss_is_re_issued_never_the_other_way():
    assert set(REFUSED) == {
        ("kept", "reissue"),
        ("kept", "carry_on"),
        ("partly", "layer"),
        ("partly", "reinforce"),
        ("partly", "carry_on"),
        ("missed", "layer"),
        ("missed", "reinforce"),
        ("missed", "carry_on"),
        # No opportunity: only the same one thing carries on.
        ("no_opp", "reissue"),
        ("no_opp", "layer"),
        ("no_opp", "new"),
        ("no_opp", "none"),
        ("no_opp", "reinforce"),
    }


@pytest.mark.parametrize(("outcome", "step"), REFUSED)
def test_the_service_refuses_a_next_step_the_outcome_does_not_allow(outcome, step):
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    spec = services.CommitmentSpec(
        behaviour="Something next, every morning", check_date=dt.date(2026, 12, 8)
    )

    with pytest.raises(ValidationError) as refused:
        services.check_record(
            commitment=active, by=active.manager, outcome=outcome, next_step=step, next_spec=spec
        )

    assert "next_step" in refused.value.message_dict
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
    assert (Commitment.objects.count(), Check.objects.count()) == (1, 0)
    assert not CoachingSession.objects.exists()


@pytest.mark.parametrize(("outcome", "step"), REFUSED)
def test_the_form_refuses_a_next_step_the_outcome_does_not_allow(client, outcome, step):
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    client.force_login(active.manager)

    response = client.post(
        reverse("commitments:weekly_update", kwargs={"rep_id": active.rep_id}),
        {
            "commitment_id": active.pk,
            "outcome": outcome,
            "next_step": step,
            "next-behaviour": "Something next, every morning",
            "next-check_date": "2026-12-08",
        },
    )

    assert response.status_code == 422
    assert 'id="id_next_step_error"' in response.text
    active.refresh_from_db()
    assert active.status == Commitment.Status.ACTIVE
    assert (Commitment.objects.count(), Check.objects.count()) == (1, 0)


@pytest.mark.parametrize(("outcome", "step"), ALLOWED)
def test_the_service_takes_every_next_step_the_outcome_allows(outcome, step):
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    spec = services.CommitmentSpec(
        behaviour="Something next, every morning", check_date=dt.date(2026, 12, 8)
    )

    missed = outcome in ("missed", "partly")
    check, following = services.check_record(
        commitment=active,
        by=active.manager,
        outcome=outcome,
        next_step=step,
        next_spec=None if step == NextStep.NONE else spec,
        diagnosis="skill" if missed else "",
        change_reason="A smaller step first" if missed and step == NextStep.NEW else "",
    )

    assert check.outcome == outcome
    assert (following is None) is (step == NextStep.NONE)
    if step == NextStep.REISSUE:
        assert (following.reissue_of, following.behaviour) == (active, active.behaviour)
    if step == NextStep.LAYER:
        assert following.builds_on == active


# --- who may read private notes and diagnoses -------------------------------------

PRIVATE_NOTE = "Private: worried about the quota conversation"
DIAGNOSIS = Check.Diagnosis.TRANSFER


@pytest.fixture
def diagnosed(clock, org, admin, manager):
    """A Sydney rep whose miss their first manager diagnosed in private at the
    boundary, now coached by a second manager."""
    rep = rep_in(SYDNEY, manager)
    active = CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    clock.move_to(SYDNEY_NIGHT)
    services.check_record(
        commitment=active,
        by=manager,
        outcome="missed",
        evidence="Shadowed one call",
        diagnosis=DIAGNOSIS,
        shared_notes="Shared: try the opener live",
        private_notes=PRIVATE_NOTE,
        next_step="reissue",
        next_spec=services.CommitmentSpec(behaviour="", check_date=dt.date(2026, 12, 8)),
        fix=Fix(shadowing_on=dt.date(2026, 12, 4), realtime_nudge=True),
    )
    next_manager = ManagerFactory(organisation=org, name="Nico Next")
    rep.manager = next_manager
    rep.save(update_fields=["manager"])
    return rep, next_manager


def assert_private(text: str) -> None:
    # The diagnosis field of the manager's own check form lists every label.
    text = re.sub(r"<form.*?</form>", "", text, flags=re.DOTALL)
    assert PRIVATE_NOTE not in text
    assert DIAGNOSIS.label not in text
    assert "Diagnosis (private)" not in text


def test_the_org_admin_the_rep_and_the_next_manager_never_see_private_notes_or_diagnoses(
    client, admin, manager, diagnosed
):
    rep, next_manager = diagnosed
    rep_path = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})
    pages = {
        admin: [
            reverse("commitments:organisation"),
            reverse("commitments:team_of", kwargs={"manager_id": manager.pk}),
            reverse("commitments:team_of", kwargs={"manager_id": next_manager.pk}),
            rep_path,
        ],
        rep: [reverse("commitments:my_one_thing")],
        next_manager: [reverse("commitments:team"), rep_path],
    }
    for viewer, paths in pages.items():
        for path in paths:
            assert_private(get(client, viewer, path))
        if viewer != rep:
            # The history pages, swapped in by htmx.
            assert_private(get(client, viewer, rep_path + "?page=1", headers={"HX-Request": "1"}))
    assert "Shadowed one call" in rep_page(client, next_manager, rep)


def test_the_diagnosing_manager_reads_their_own_diagnosis_while_they_coach_the_rep(
    client, clock, manager
):
    rep = rep_in(SYDNEY, manager)
    active = CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 24), check_date=TUE_1)
    clock.move_to(SYDNEY_NIGHT)
    services.check_record(
        commitment=active,
        by=manager,
        outcome="missed",
        diagnosis=DIAGNOSIS,
        private_notes=PRIVATE_NOTE,
        fix=Fix(shadowing_on=dt.date(2026, 12, 4)),
    )

    page = rep_page(client, manager, rep)

    assert PRIVATE_NOTE in page
    assert f"Diagnosis (private): {DIAGNOSIS.label}" in page


def test_for_history_never_loads_the_diagnosis_for_anyone_but_its_author(admin, manager, diagnosed):
    rep, next_manager = diagnosed
    for viewer, expected in ((manager, DIAGNOSIS), (admin, ""), (rep, ""), (next_manager, "")):
        with CaptureQueriesContext(connection) as captured:
            [week] = Commitment.objects.closed().filter(rep=rep).for_history(viewer)
        [sql] = [q["sql"] for q in captured]

        assert week.private_diagnosis == expected
        # The raw column is read only inside the CASE that checks the author.
        column = '"commitments_check"."diagnosis"'
        assert sql.count(column) == sql.count(f"THEN {column}")
        assert "diagnosis" in week.check_result.get_deferred_fields()


def test_notes_for_never_loads_private_notes_for_anyone_but_their_author(admin, manager, diagnosed):
    rep, next_manager = diagnosed
    for viewer, expected in ((manager, PRIVATE_NOTE), (admin, ""), (rep, ""), (next_manager, "")):
        with CaptureQueriesContext(connection) as captured:
            [session] = CoachingSession.objects.filter(rep=rep).notes_for(viewer)
        [sql] = [q["sql"] for q in captured]

        assert session.private == expected
        column = '"commitments_coachingsession"."private_notes"'
        assert sql.count(column) == sql.count(f"THEN {column}")


def test_a_history_line_rendered_on_its_own_queries_nothing_and_shows_no_diagnosis(
    admin, manager, diagnosed, django_assert_num_queries
):
    rep, next_manager = diagnosed
    for viewer in (admin, rep, next_manager):
        [week] = (
            Commitment.objects.closed()
            .filter(rep=rep)
            .for_history(viewer)
            .with_practice_count()
            .with_skips()
            .with_ladder_history()
        )

        with django_assert_num_queries(0):
            line = html.unescape(render_to_string("partials/history_line.html", {"c": week}))

        assert_private(line)
        assert "Shadowed one call" in line
