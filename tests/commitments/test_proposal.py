"""Self-coaching: a rep with no active commitment brings their own one thing."""

import pytest
from django.urls import reverse

from commitments.models import Commitment
from tests.factories import CommitmentFactory, RepFactory

pytestmark = pytest.mark.django_db

ME = reverse("commitments:my_one_thing")
PROPOSE = reverse("commitments:commitment_propose")


@pytest.fixture
def rep(client):
    rep = RepFactory(name="Rita Rep", timezone="Europe/London")
    client.force_login(rep)
    return rep


def proposal(**overrides):
    data = {
        "behaviour": "Ask for a referral on every closed-won call",
        "why": "I want my pipeline to fill itself.",
        "check_date": "2026-12-01",
    }
    return data | overrides


def test_a_rep_without_a_commitment_sees_the_proposal_form(client, rep):
    page = client.get(ME).text

    assert "Bring your own" in page
    assert "Why it matters to you" in page


def test_a_rep_proposes_their_own_one_thing_and_it_becomes_active(client, rep):
    response = client.post(PROPOSE, proposal())

    assert response.status_code == 302
    commitment = Commitment.objects.get(rep=rep)
    assert commitment.status == Commitment.Status.ACTIVE
    assert commitment.proposed_by == Commitment.ProposedBy.REP
    assert commitment.proposed_by_user == rep
    assert commitment.manager == rep.manager
    page = client.get(ME).text
    assert "Ask for a referral on every closed-won call" in page
    assert "proposed by the rep" in page


def test_the_manager_sees_the_rep_s_proposal_on_the_rep_page(client, rep):
    client.post(PROPOSE, proposal())
    client.force_login(rep.manager)

    page = client.get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})).text

    assert "Ask for a referral on every closed-won call" in page
    assert "proposed by the rep" in page


def test_a_proposal_with_errors_keeps_what_was_typed_and_saves_nothing(client, rep):
    response = client.post(
        PROPOSE, proposal(check_date="2026-11-01"), headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert "<html" not in response.text
    assert "The check date can&#x27;t be in the past." in response.text
    assert "Ask for a referral on every closed-won call" in response.text
    assert not Commitment.objects.exists()


def test_a_rep_with_an_active_commitment_cannot_propose_another(client, rep):
    active = CommitmentFactory(rep=rep)

    response = client.post(PROPOSE, proposal())

    assert response.status_code == 422
    assert "already an active commitment" in response.text
    assert list(Commitment.objects.all()) == [active]
    assert "Bring your own" not in client.get(ME).text


def test_only_reps_propose(client, rep):
    client.force_login(rep.manager)

    assert client.post(PROPOSE, proposal()).status_code == 404
    assert not Commitment.objects.exists()


def test_a_rep_without_a_manager_is_told_instead_of_crashing(client):
    from tests.factories import UserFactory

    lone = UserFactory(role="rep", manager=None)
    client.force_login(lone)

    assert "Bring your own" not in client.get(ME).text
    response = client.post(PROPOSE, proposal())

    assert response.status_code == 422
    assert "You have no manager yet" in response.text
    assert not Commitment.objects.exists()
