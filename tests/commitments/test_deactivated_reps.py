"""A deactivated rep has left the team: their loop, still open, counts in no
figure — the team page's rows and its tiles, the organisation page and the
digest agree."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from reminders.services.compose import reminder_digest_context
from tests.factories import AdminFactory, CommitmentFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def manager():
    return ManagerFactory(name="Maria Manager")


@pytest.fixture
def team(manager):
    """One rep on track, and one who left with a loop open a week past its date."""
    staying = RepFactory(organisation=manager.organisation, manager=manager, name="Sam Stays")
    CommitmentFactory(rep=staying, issued_on=TODAY, check_date=TODAY + dt.timedelta(days=7))
    leaving = RepFactory(organisation=manager.organisation, manager=manager, name="Lee Left")
    CommitmentFactory(
        rep=leaving,
        issued_on=TODAY - dt.timedelta(days=14),
        check_date=TODAY - dt.timedelta(days=7),
    )
    leaving.is_active = False
    leaving.save(update_fields=["is_active"])
    return staying, leaving


def tile(html: str, label: str) -> str:
    return re.search(rf"<strong>([^<]*)</strong><span>{label}</span>", html).group(1)


def test_a_deactivated_reps_open_loop_is_in_no_tile_of_the_team_page(client, manager, team):
    client.force_login(manager)
    html = client.get(reverse("commitments:team")).content.decode()
    assert "Lee Left" not in html
    assert tile(html, "reps") == "1"
    assert tile(html, "with a one thing") == "1"
    assert tile(html, "checks overdue") == "0"
    assert tile(html, "checked on time \\(8 weeks\\)") == "—"


def test_a_deactivated_reps_open_loop_is_not_overdue_on_the_organisation_page(
    client, manager, team
):
    client.force_login(AdminFactory(organisation=manager.organisation))
    page = client.get(reverse("commitments:organisation"))
    (row,) = page.context["managers"]
    assert row.rep_count == 1
    assert row.health["active"] == 1
    assert row.health["overdue"] == 0
    assert "Needs a nudge" not in page.content.decode()


def test_the_digest_counts_no_loop_of_a_deactivated_rep(manager, team):
    context = reminder_digest_context(manager=manager, monday=TODAY)
    assert context["team_size"] == 1
    assert context["loops_total"] == 0
