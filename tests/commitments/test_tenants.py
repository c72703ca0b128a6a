"""Tenants never mix: a manager coaches only reps of their own organisation.

The model refuses a manager from another organisation (and the Django admin,
where support staff could otherwise set one, shows the refusal next to the
field); and should such a row reach the database anyway, every team query is
scoped to the viewer's organisation as well, so nothing of the other tenant
shows.
"""

import datetime as dt
import html

import pytest
from django.urls import reverse

from reminders.services.compose import reminder_digest_context
from reps.models import User
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

THEIR_BEHAVIOUR = "Globex: call every lapsed customer"


@pytest.fixture
def acme():
    return OrganisationFactory(name="Acme")


@pytest.fixture
def globex():
    return OrganisationFactory(name="Globex")


@pytest.fixture
def manager(acme):
    return ManagerFactory(organisation=acme, name="Maria Manager")


@pytest.fixture
def admin(acme):
    return AdminFactory(organisation=acme, name="Ada Admin")


@pytest.fixture
def their_rep(globex):
    return RepFactory(organisation=globex, name="Greta Globex")


@pytest.fixture
def support(client):
    staff = User.objects.create_superuser("support@example.com", "pw-support-123", name="Sup")
    client.force_login(staff)
    return client


def admin_change(client, person: User, **changes):
    """Post the admin's change form for ``person`` as it is, with ``changes``."""
    url = reverse("admin:reps_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None
        and k not in ("password", "groups", "user_permissions", "last_login", "date_joined")
    }
    data.update(
        one_on_one_time="10:00",
        last_login_0="",
        last_login_1="",
        date_joined_0="2026-01-01",
        date_joined_1="09:00",
    )
    if data.get("start_date"):
        data["start_date"] = f"{data['start_date']:%Y-%m-%d}"
    data.update(changes)
    return client.post(url, data)


def field_errors(response, field: str) -> list[str]:
    return list(response.context["adminform"].form.errors.get(field, []))


# --- the model refuses it ---------------------------------------------------------


def test_the_admin_refuses_a_manager_from_another_organisation_next_to_the_field(
    support, manager, their_rep
):
    their_manager = their_rep.manager

    response = admin_change(support, their_rep, manager=manager.pk)

    assert response.status_code == 200
    assert field_errors(response, "manager") == [
        "Choose a manager from the rep's own organisation."
    ]
    their_rep.refresh_from_db()
    assert their_rep.manager == their_manager


def test_the_admin_still_moves_a_rep_to_a_manager_of_their_own_organisation(
    support, globex, their_rep
):
    colleague = ManagerFactory(organisation=globex)

    response = admin_change(support, their_rep, manager=colleague.pk)

    assert response.status_code == 302, response.context["adminform"].form.errors
    their_rep.refresh_from_db()
    assert their_rep.manager == colleague


def test_the_admin_refuses_to_move_a_rep_away_from_their_managers_organisation(
    support, globex, their_rep
):
    response = admin_change(support, their_rep, organisation=OrganisationFactory().pk)

    assert response.status_code == 200
    assert field_errors(response, "manager") == [
        "Choose a manager from the rep's own organisation."
    ]
    their_rep.refresh_from_db()
    assert their_rep.organisation == globex


def test_the_admin_refuses_to_move_a_manager_away_from_the_organisation_of_their_reps(
    support, acme, globex, manager
):
    RepFactory(organisation=acme, manager=manager, name="Rita Rep")

    response = admin_change(support, manager, organisation=globex.pk)

    assert response.status_code == 200
    assert field_errors(response, "organisation") == [
        "This manager coaches reps in their organisation: give them another manager first."
    ]
    manager.refresh_from_db()
    assert manager.organisation == acme


def test_a_manager_without_reps_can_move_to_another_organisation(support, globex, manager):
    response = admin_change(support, manager, organisation=globex.pk)

    assert response.status_code == 302, response.context["adminform"].form.errors
    manager.refresh_from_db()
    assert manager.organisation == globex


# --- and should such a row exist, no team query shows it --------------------------


@pytest.fixture
def crossed(manager, their_rep):
    """The other tenant's rep, with this week's one thing and last week's
    check, forced onto ``manager`` behind the model's back."""
    last_week = CommitmentFactory(
        rep=their_rep,
        status="kept",
        issued_on=dt.date(2026, 11, 17),
        check_date=dt.date(2026, 11, 24),
    )
    CheckFactory(commitment=last_week, checked_on=dt.date(2026, 11, 24))
    active = CommitmentFactory(
        rep=their_rep,
        behaviour=THEIR_BEHAVIOUR,
        issued_on=dt.date(2026, 11, 20),
        check_date=dt.date(2026, 11, 27),
    )
    User.objects.filter(pk=their_rep.pk).update(manager=manager)
    type(active).objects.filter(rep=their_rep).update(manager=manager)
    return their_rep


def page_text(client, viewer, path: str) -> str:
    client.force_login(viewer)
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.text)


def test_the_managers_team_page_does_not_list_another_organisations_rep(client, manager, crossed):
    mine = RepFactory(organisation=manager.organisation, manager=manager, name="Rita Rep")

    page = page_text(client, manager, reverse("commitments:team"))

    assert mine.name in page
    assert crossed.name not in page
    assert THEIR_BEHAVIOUR not in page
    assert "<strong>1</strong><span>reps</span>" in page
    assert "<strong>0</strong><span>with a one thing</span>" in page
    assert "<strong>0</strong><span>checks overdue</span>" in page
    assert "<strong>—</strong><span>checked on time (8 weeks)</span>" in page


def test_the_org_admin_sees_neither_the_rep_nor_their_loops_in_the_managers_figures(
    client, admin, manager, crossed
):
    team = page_text(
        client, admin, reverse("commitments:team_of", kwargs={"manager_id": manager.pk})
    )
    organisation = page_text(client, admin, reverse("commitments:organisation"))

    assert crossed.name not in team
    assert THEIR_BEHAVIOUR not in team
    row = organisation.split("Maria Manager", 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Reps">0<' in row
    assert 'data-label="With a one thing">0<' in row
    assert 'data-label="Checks overdue">0<' in row
    assert "No checks yet" in row


def test_the_other_organisations_rep_page_is_not_found_for_the_manager(client, manager, crossed):
    client.force_login(manager)

    for name in ("rep_detail", "weekly_update", "commitment_new"):
        path = reverse(f"commitments:{name}", kwargs={"rep_id": crossed.pk})
        assert client.get(path).status_code == 404, name


def test_the_managers_digest_leaves_out_the_other_organisations_rep_and_loops(manager, crossed):
    digest = reminder_digest_context(manager=manager, monday=dt.date(2026, 11, 30))

    assert digest["team_size"] == 0
    assert digest["due"] == digest["without"] == digest["missed_twice"] == []
    assert (digest["loops_total"], digest["loops_on_time"]) == (0, 0)
