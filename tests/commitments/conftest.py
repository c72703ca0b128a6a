import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import CommitmentFactory, ManagerFactory, OrganisationFactory, RepFactory


@pytest.fixture
def manager(db):
    return ManagerFactory(organisation=OrganisationFactory(name="Acme"), name="Maria Manager")


@pytest.fixture
def rep(manager):
    # 1:1 on Tuesdays at 10:00, London: on Monday 30 Nov the next one is Tuesday 1 Dec.
    return RepFactory(organisation=manager.organisation, manager=manager, name="Rita Rep")


@pytest.fixture
def active(rep):
    """Last Monday's commitment, checked at this week's 1:1."""
    return CommitmentFactory(
        rep=rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


@pytest.fixture
def rep_page(rep):
    return reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})


@pytest.fixture
def update_url(rep):
    return reverse("commitments:weekly_update", kwargs={"rep_id": rep.pk})


@pytest.fixture
def new_url(rep):
    return reverse("commitments:commitment_new", kwargs={"rep_id": rep.pk})
