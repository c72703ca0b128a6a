"""The rep pages run a constant number of queries however many weeks there are.

Two sizes: 2 reps × 2 weeks and 12 reps × 20 weeks, each week with a 1:1
(shared and private notes), a check, practice, re-issues after misses, and an
active commitment with practice and its reminders.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments.models import HISTORY_AT_A_GLANCE, Rep
from reps.models import User
from tests.commitments.history import team_with_history
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

SIZES = [
    pytest.param({"reps": 2, "weeks": 2}, id="2 reps x 2 weeks"),
    pytest.param({"reps": 12, "weeks": 20}, id="12 reps x 20 weeks"),
]

# The rep with its loop facts (3), practice, history (2) and its skips, notes, reminders,
# the active commitment's skips, calls; session, user; last week's undiagnosed miss and
# the manager's performance conversations; the rep-authored share and the rep's open
# draft (a rep in or just out of ramp mode: their daily answers too).
REP_PAGE_QUERIES = 17
# The practice plan: the drills, the indicator chart's commitments and its values.
PRACTICE_PLAN_QUERIES = 3
# The ladder and its re-checks, the history's check corrections, re-checks and
# revisions, the active commitment's revisions and practice corrections.
LADDER_QUERIES = 7
REP_PAGE_QUERIES += PRACTICE_PLAN_QUERIES + LADDER_QUERIES
# Session, user; the active commitment; history count, practice, history page and its
# skips; shared notes; the active commitment's skips.
MY_ONE_THING_QUERIES = 9
MY_ONE_THING_QUERIES += PRACTICE_PLAN_QUERIES + LADDER_QUERIES


def queries_for(client, path: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(captured)


def rep_page(rep: User) -> str:
    return reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})


@pytest.mark.parametrize("size", SIZES)
def test_for_team_page_loads_what_the_team_page_reads_in_three_queries(
    manager, size, django_assert_num_queries
):
    team_with_history(manager, **size)

    with django_assert_num_queries(3):
        reps = list(
            Rep.objects.reps()
            .filter(manager=manager)
            .for_team_page(viewer=manager, now=timezone.now())
        )

    # Everything the team page reads from each row: no query at all.
    with django_assert_num_queries(0):
        for rep in reps:
            active = rep.active_commitment
            assert active.behaviour
            assert active.practice_count == 3
            assert active.attempt == 1
            assert active.is_overdue is False
            assert active.due_in == 1
            assert rep.missed_in_a_row >= 0
            assert rep.beyond_coaching in (True, False)
            assert len(rep.recent_closed) == min(size["weeks"], HISTORY_AT_A_GLANCE)
            for commitment in rep.recent_oldest_first:
                assert commitment.status in {"kept", "missed", "partly"}
                assert commitment.issued_on
                assert commitment.get_status_display()


def test_a_rep_without_commitments_has_none_active_and_no_history(rep, django_assert_num_queries):
    reps = list(Rep.objects.filter(pk=rep.pk).for_team_page(viewer=rep, now=timezone.now()))

    with django_assert_num_queries(0):
        assert reps[0].active_commitment is None
        assert reps[0].recent_closed == []


@pytest.mark.parametrize("size", SIZES)
def test_the_rep_page_runs_a_fixed_number_of_queries(
    manager_client, manager, size, django_assert_num_queries
):
    rep = team_with_history(manager, **size)[-1]

    with django_assert_num_queries(REP_PAGE_QUERIES):
        response = manager_client.get(rep_page(rep))

    assert response.status_code == 200
    assert response.text.count('class="history-line"') == min(size["weeks"], 12)


def test_the_rep_page_runs_the_same_queries_at_both_sizes(manager_client, manager):
    small = team_with_history(manager, reps=2, weeks=2)[0]
    large = team_with_history(manager, reps=10, weeks=20)[0]

    assert queries_for(manager_client, rep_page(small)) == queries_for(
        manager_client, rep_page(large)
    )


def test_the_rep_page_for_an_org_admin_runs_the_same_queries_at_both_sizes(client, manager):
    small = team_with_history(manager, reps=2, weeks=2)[0]
    large = team_with_history(manager, reps=10, weeks=20)[0]
    client.force_login(AdminFactory(organisation=manager.organisation))

    assert queries_for(client, rep_page(small)) == queries_for(client, rep_page(large))


def test_every_page_of_the_rep_history_runs_the_same_queries(manager_client, manager):
    rep = team_with_history(manager, reps=1, weeks=30)[0]

    counts = {
        queries_for(manager_client, f"{rep_page(rep)}?page={page}", HX_Request="true")
        for page in (1, 2, 3)
    }

    assert len(counts) == 1


@pytest.mark.parametrize("size", SIZES)
def test_my_one_thing_runs_a_fixed_number_of_queries(
    client, manager, size, django_assert_num_queries
):
    rep = team_with_history(manager, **size)[-1]
    client.force_login(rep)

    with django_assert_num_queries(MY_ONE_THING_QUERIES):
        response = client.get(reverse("commitments:my_one_thing"))

    assert response.status_code == 200
