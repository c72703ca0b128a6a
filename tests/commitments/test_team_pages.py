"""The manager's team page and the org admin's loop-health page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments.views import TEAM_PAGE_SIZE
from tests.commitments.history import team_with_history
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PracticeLogFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

SIZES = [
    pytest.param({"reps": 2, "weeks": 2}, id="2 reps x 2 weeks"),
    pytest.param({"reps": 12, "weeks": 20}, id="12 reps x 20 weeks"),
]
# Session, user; loop health; the page of reps (with their count, in the same
# query), their active commitments (with practice counts), their recent weeks
# (one window query).
TEAM_PAGE_QUERIES = 6
# Session, user; managers with rep counts; loop health for all of them.
ORGANISATION_PAGE_QUERIES = 6


@pytest.fixture
def org():
    return OrganisationFactory(name="Acme")


@pytest.fixture
def manager(org):
    return ManagerFactory(organisation=org, name="Maria Manager")


@pytest.fixture
def admin(org):
    return AdminFactory(organisation=org)


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# --- query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_team_page_runs_a_fixed_number_of_queries(
    client, manager, size, django_assert_num_queries
):
    team_with_history(manager, **size)
    client.force_login(manager)

    with django_assert_num_queries(TEAM_PAGE_QUERIES):
        response = client.get(reverse("commitments:team"))

    assert response.text.count('<th scope="row">') == size["reps"]


def test_the_team_page_runs_the_same_queries_for_a_small_and_a_large_team(client, org):
    small, large = ManagerFactory(organisation=org), ManagerFactory(organisation=org)
    team_with_history(small, reps=2, weeks=2)
    team_with_history(large, reps=12, weeks=20)
    client.force_login(AdminFactory(organisation=org))

    counts = [
        queries_for(client, reverse("commitments:team_of", kwargs={"manager_id": m.pk}))
        for m in (small, large)
    ]

    # One more than a manager's own page: looking the manager up.
    assert counts[0] == counts[1] == TEAM_PAGE_QUERIES + 1


@pytest.mark.parametrize("teams", [1, 4], ids=["1 team", "4 teams"])
def test_the_organisation_page_runs_a_fixed_number_of_queries(
    client, org, admin, teams, django_assert_num_queries
):
    for _ in range(teams):
        team_with_history(ManagerFactory(organisation=org), reps=2 * teams, weeks=3 * teams)
    client.force_login(admin)

    with django_assert_num_queries(ORGANISATION_PAGE_QUERIES):
        response = client.get(reverse("commitments:organisation"))

    assert response.status_code == 200
    # One row per team in the loop-health table, before the method's health.
    teams_table = response.text.split('id="method-health"', 1)[0]
    assert teams_table.count('<th scope="row">') == teams


# --- pages of reps ----------------------------------------------------------------------


@pytest.fixture
def big_team(manager, org):
    return [
        RepFactory(organisation=org, manager=manager, name=f"Rep {i:02}")
        for i in range(TEAM_PAGE_SIZE + 3)
    ]


def rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)


def test_a_large_team_is_shown_a_page_at_a_time_with_the_whole_count(client, manager, big_team):
    client.force_login(manager)

    first = client.get(reverse("commitments:team")).text
    second = client.get(reverse("commitments:team") + "?page=2").text

    assert rows(first) == [r.name for r in big_team[:TEAM_PAGE_SIZE]]
    assert rows(second) == [r.name for r in big_team[TEAM_PAGE_SIZE:]]
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    for page in (first, second):
        assert f"<strong>{TEAM_PAGE_SIZE + 3}</strong><span>reps</span>" in page


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("9", 2), ("0", 2), ("-1", 2), ("abc", 1), ("", 1), ("2.0", 1)],
)
def test_a_page_number_out_of_range_shows_the_last_page_and_not_a_number_the_first(
    client, manager, big_team, asked, shown
):
    client.force_login(manager)

    page = client.get(reverse("commitments:team") + f"?page={asked}").text

    assert f"Page {shown} of 2" in page
    assert f"<strong>{TEAM_PAGE_SIZE + 3}</strong><span>reps</span>" in page


def test_a_manager_without_reps_sees_none_counted(client, manager):
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert "<strong>0</strong><span>reps</span>" in page
    assert "No reps yet." in page


# --- what the team page shows --------------------------------------------------------


def test_the_team_page_shows_each_reps_one_thing_check_date_and_practice(client, manager):
    rep = RepFactory(organisation=manager.organisation, manager=manager, name="Rita Rep")
    active = CommitmentFactory(rep=rep, check_date=dt.date(2026, 12, 3))
    PracticeLogFactory.create_batch(2, commitment=active)
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert "Rita Rep" in page
    assert active.behaviour in page
    assert "Thu 3 Dec" in page
    assert "2 entries</td>" in page


def test_a_row_reads_the_attempt_a_check_due_today_and_one_practice_entry(client, manager):
    rep = RepFactory(
        organisation=manager.organisation, manager=manager, name="Rob <b>Rep</b>", timezone="UTC"
    )
    active = CommitmentFactory(
        rep=rep,
        behaviour="Ask <script>for</script> the next step & the date",
        attempt=2,
        issued_on=dt.date(2026, 11, 23),
        check_date=dt.date(2026, 11, 30),
    )
    PracticeLogFactory(commitment=active)
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    row = page[page.index('<th scope="row">') : page.index("</tr>", page.index('<th scope="row">'))]
    assert f'<a href="/reps/{rep.pk}/">Rob &lt;b&gt;Rep&lt;/b&gt;</a>' in row
    assert (
        '<td data-label="The one thing">Ask &lt;script&gt;for&lt;/script&gt; the next step '
        '&amp; the date <span class="muted">(attempt 2)</span>'
        '<br><small class="muted">not yet accepted</small></td>'
    ) in row
    assert (
        '<td data-label="Check">Mon 30 Nov <span class="badge badge-active">Today</span></td>'
    ) in row
    assert '<td data-label="Practice">1 entry</td>' in row


def test_a_rep_without_a_commitment_reads_no_commitment(client, manager):
    RepFactory(organisation=manager.organisation, manager=manager, name="Nora New")
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert "No commitment" in page
    assert "No checks yet" in page


def test_an_overdue_check_stands_out_in_words_not_only_colour(client, manager):
    rep = RepFactory(organisation=manager.organisation, manager=manager)
    CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 20), check_date=dt.date(2026, 11, 27))
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert "Overdue" in page


def test_the_recent_weeks_read_as_words_for_screen_readers(client, manager):
    rep = RepFactory(organisation=manager.organisation, manager=manager)
    for week, outcome in ((3, "kept"), (2, "missed"), (1, "missed")):
        issued = dt.date(2026, 11, 30) - dt.timedelta(weeks=week)
        CheckFactory(
            commitment=CommitmentFactory(
                rep=rep, status=outcome, issued_on=issued, check_date=issued + dt.timedelta(7)
            )
        )
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert "9 Nov: kept" in page
    assert "16 Nov: missed" in page
    assert "23 Nov: missed" in page
    assert "Missed 2 in a row" in page


def test_the_recent_weeks_are_a_strip_of_marks_oldest_first(client, manager):
    rep = RepFactory(organisation=manager.organisation, manager=manager)
    for week, outcome in ((3, "partly"), (2, "kept"), (1, "missed")):
        issued = dt.date(2026, 11, 30) - dt.timedelta(weeks=week)
        CheckFactory(
            commitment=CommitmentFactory(
                rep=rep, status=outcome, issued_on=issued, check_date=issued + dt.timedelta(7)
            )
        )
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert (
        '<ul class="strip" aria-label="Last 3 checks, oldest first">'
        '<li class="partly"><span aria-hidden="true">◐</span>'
        '<span class="visually-hidden">9 Nov: partly kept</span></li>'
        '<li class="kept"><span aria-hidden="true">✓</span>'
        '<span class="visually-hidden">16 Nov: kept</span></li>'
        '<li class="missed"><span aria-hidden="true">✗</span>'
        '<span class="visually-hidden">23 Nov: missed</span></li></ul>'
    ) in page


def test_the_team_page_lists_only_the_managers_own_active_reps(client, manager, org):
    RepFactory(organisation=org, manager=manager, name="Mine")
    RepFactory(organisation=org, manager=manager, name="Gone", is_active=False)
    RepFactory(organisation=org, manager=ManagerFactory(organisation=org), name="Theirs")
    client.force_login(manager)

    page = client.get(reverse("commitments:team")).text

    assert "Mine" in page
    assert "Gone" not in page
    assert "Theirs" not in page


def test_the_organisation_page_shows_loop_health_per_manager_in_aggregates(
    client, org, admin, manager
):
    team_with_history(manager, reps=2, weeks=3)
    client.force_login(admin)

    page = client.get(reverse("commitments:organisation")).text

    assert "Maria Manager" in page
    assert reverse("commitments:team_of", kwargs={"manager_id": manager.pk}) in page
    assert "Week 1 private" not in page
    assert "Evidence 1" not in page
