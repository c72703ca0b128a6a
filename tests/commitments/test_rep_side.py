"""The rep's side of the loop, through the pages: "Deal?" in one tap, the
mid-week pulse from the page and from a signed link, what the manager sees,
and the recognition of a kept check."""

import datetime as dt

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import services
from commitments.links import PULSE_LINK_MAX_AGE, pulse_token
from commitments.models import Commitment, RepPulse
from commitments.services import CommitmentSpec
from reminders.models import Reminder
from tests.factories import CheckFactory, CommitmentFactory, RepFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ME = reverse("commitments:my_one_thing")
ACCEPT = reverse("commitments:commitment_accept")
PULSE = reverse("commitments:pulse_new")


@pytest.fixture
def rep_client(rep):
    """Each person their own browser: the shared ``client`` has one session."""
    client = Client()
    client.force_login(rep)
    return client


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


def set_by_manager(rep, *, behaviour="Ask for the next step on every call") -> Commitment:
    return services.commitment_create(
        rep=rep,
        by=rep.manager,
        spec=CommitmentSpec(behaviour=behaviour, check_date=dt.date(2026, 12, 8)),
    )


def link_path(commitment: Commitment, answer: str) -> str:
    token = pulse_token(commitment_id=commitment.pk, rep_id=commitment.rep_id, answer=answer)
    return reverse("commitments:pulse_link", kwargs={"token": token})


def csrf_post(client: Client, path: str, data: dict | None = None):
    """A form post the way a browser makes it: the page's CSRF token, checks on."""
    page = client.get(path)
    token = page.context["csrf_token"] if page.context else client.cookies["csrftoken"].value
    return client.post(path, {"csrfmiddlewaretoken": str(token), **(data or {})})


# --- "Deal?" -----------------------------------------------------------------


def test_a_new_commitment_asks_the_rep_to_say_it_back_on_their_page(rep, rep_client):
    set_by_manager(rep)

    body = rep_client.get(ME).text

    assert "Say it back: “Ask for the next step on every call” … Deal?" in body
    assert f'action="{ACCEPT}"' in body


def test_the_rep_accepts_in_one_tap_and_a_double_tap_records_once(rep, rep_client, clock):
    commitment = set_by_manager(rep)

    response = rep_client.post(ACCEPT, {"commitment_id": commitment.pk})
    assert response.status_code == 302
    commitment.refresh_from_db()
    first = commitment.accepted_at
    assert first == dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    clock.move_to(dt.datetime(2026, 11, 30, 9, 5, tzinfo=UTC))
    again = rep_client.post(
        ACCEPT, {"commitment_id": commitment.pk}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 200
    commitment.refresh_from_db()
    assert commitment.accepted_at == first
    assert "Say it back" not in again.text
    assert "Deal ✓ Mon" in again.text


def test_another_reps_commitment_cannot_be_accepted(rep, rep_client, manager):
    other = CommitmentFactory(rep=RepFactory(organisation=manager.organisation, manager=manager))

    response = rep_client.post(ACCEPT, {"commitment_id": other.pk})

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.accepted_at is None


def test_a_manager_cannot_accept_for_the_rep(rep, manager_client):
    commitment = set_by_manager(rep)

    assert manager_client.post(ACCEPT, {"commitment_id": commitment.pk}).status_code == 404
    with pytest.raises(services.NotYours):
        services.commitment_accept(commitment=commitment, by=rep.manager)
    commitment.refresh_from_db()
    assert commitment.accepted_at is None


def test_only_the_active_commitment_is_accepted(rep, rep_client):
    closed = CommitmentFactory(rep=rep, status=Commitment.Status.KEPT)

    assert rep_client.post(ACCEPT, {"commitment_id": closed.pk}).status_code == 404
    with pytest.raises(services.NotActive):
        services.commitment_accept(commitment=closed, by=rep)


def test_a_commitment_the_rep_proposed_is_accepted_at_creation(rep):
    commitment = services.commitment_create(
        rep=rep,
        by=rep,
        spec=CommitmentSpec(behaviour="Call back within a day", check_date=dt.date(2026, 12, 8)),
    )

    assert commitment.accepted_at == dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    # Nothing to say "Deal" to: no email asks for it.
    assert not Reminder.objects.filter(kind=Reminder.Kind.NEW).exists()


def test_the_manager_sees_whether_it_was_accepted_on_the_rep_page_and_team_row(
    rep, rep_client, manager_client, rep_page
):
    commitment = set_by_manager(rep)
    team = reverse("commitments:team")

    assert "not yet accepted" in manager_client.get(rep_page).text
    assert "not yet accepted" in manager_client.get(team).text

    rep_client.post(ACCEPT, {"commitment_id": commitment.pk})

    for path in (rep_page, team):
        body = manager_client.get(path).text
        assert "Deal ✓ Mon" in body
        assert "not yet accepted" not in body


# --- the mid-week pulse from the page ----------------------------------------


def test_three_answers_in_one_tap_each_from_the_page(rep, rep_client):
    commitment = set_by_manager(rep)

    body = rep_client.get(ME).text
    for label in ("On it", "Need help", "No chance yet"):
        assert f">{label}</button>" in body
    response = rep_client.post(PULSE, {"commitment_id": commitment.pk, "answer": "on_it"})

    assert response.status_code == 302
    [pulse] = RepPulse.objects.all()
    assert (pulse.commitment, pulse.answer, pulse.answered_on) == (
        commitment,
        "on_it",
        dt.date(2026, 11, 30),
    )
    assert "Your latest answer: <strong>On it</strong>" in rep_client.get(ME).text


def test_a_double_tap_records_the_answer_once_and_a_new_answer_is_the_latest(rep, rep_client):
    commitment = set_by_manager(rep)
    data = {"commitment_id": commitment.pk, "answer": "no_chance"}

    rep_client.post(PULSE, data)
    rep_client.post(PULSE, data, headers={"HX-Request": "true"})
    assert RepPulse.objects.count() == 1

    rep_client.post(PULSE, {**data, "answer": "on_it"})
    assert list(RepPulse.objects.values_list("answer", flat=True)) == ["on_it", "no_chance"]


def test_another_reps_commitment_gets_no_pulse(rep, rep_client, manager):
    other = CommitmentFactory(rep=RepFactory(organisation=manager.organisation, manager=manager))

    response = rep_client.post(PULSE, {"commitment_id": other.pk, "answer": "need_help"})

    assert response.status_code == 404
    assert not RepPulse.objects.exists()


def test_a_manager_cannot_answer_for_the_rep(rep, manager_client):
    commitment = set_by_manager(rep)

    response = manager_client.post(PULSE, {"commitment_id": commitment.pk, "answer": "on_it"})

    assert response.status_code == 404
    assert not RepPulse.objects.exists()


def test_need_help_shows_on_the_team_row_and_beside_the_check_in_words(
    rep, rep_client, manager_client, rep_page
):
    commitment = set_by_manager(rep)
    rep_client.post(PULSE, {"commitment_id": commitment.pk, "answer": "need_help"})

    team = manager_client.get(reverse("commitments:team")).text
    assert '<span aria-hidden="true">!</span> Needs help</span>' in team
    page = manager_client.get(rep_page).text
    assert "Mid-week, Rita Rep answered: <strong>Needs help</strong>" in page


def test_no_chance_yet_shows_with_its_hint(rep, rep_client, manager_client):
    commitment = set_by_manager(rep)
    rep_client.post(PULSE, {"commitment_id": commitment.pk, "answer": "no_chance"})

    team = manager_client.get(reverse("commitments:team")).text

    assert "No chance yet (maybe no opportunity this week)" in team


def test_the_history_shows_the_reps_answer_beside_the_managers_outcome(
    rep, rep_client, manager_client, rep_page
):
    commitment = set_by_manager(rep)
    rep_client.post(PULSE, {"commitment_id": commitment.pk, "answer": "need_help"})
    services.check_record(
        commitment=commitment, by=rep.manager, outcome="partly", diagnosis="skill"
    )

    for client, path in ((manager_client, rep_page), (rep_client, ME)):
        body = client.get(path).text
        assert "Rep's mid-week answer: Needs help" in body
        assert "Partly kept" in body


# --- the mid-week pulse from a signed link ------------------------------------


def test_opening_a_signed_link_changes_nothing_and_shows_the_answer_chosen(rep):
    commitment = set_by_manager(rep)

    response = Client().get(link_path(commitment, "need_help"))

    assert response.status_code == 200
    assert not RepPulse.objects.exists()
    body = response.text
    assert 'value="need_help" required id="id_answer_1" checked' in body
    assert body.count('<button type="submit"') == 1
    assert "<legend>How is the one thing going?" in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_the_button_on_the_link_page_records_the_answer_without_signing_in(rep):
    commitment = set_by_manager(rep)
    client = Client(enforce_csrf_checks=True)
    path = link_path(commitment, "need_help")

    response = csrf_post(client, path, {"answer": "need_help"})
    again = csrf_post(client, path, {"answer": "need_help"})

    assert response.status_code == again.status_code == 200
    assert "Your manager has been told today." in response.text
    [pulse] = RepPulse.objects.all()
    assert (pulse.commitment_id, pulse.answer) == (commitment.pk, "need_help")


def test_the_link_page_still_needs_its_csrf_token(rep):
    commitment = set_by_manager(rep)

    response = Client(enforce_csrf_checks=True).post(
        link_path(commitment, "on_it"), {"answer": "on_it"}
    )

    assert response.status_code == 403
    assert not RepPulse.objects.exists()


def test_a_tampered_link_gets_a_clear_page_and_records_nothing(rep):
    commitment = set_by_manager(rep)
    path = link_path(commitment, "on_it")
    tampered = path[:-3] + ("A/" if path[-3] != "A" else "B/")
    forged = reverse(
        "commitments:pulse_link",
        kwargs={"token": signing.dumps({"c": commitment.pk, "u": rep.pk, "a": "on_it"}, salt="x")},
    )

    for bad in (tampered, forged, "/pulse/not-a-token/"):
        for response in (Client().get(bad), Client().post(bad, {"answer": "on_it"})):
            assert response.status_code == 404
            assert "This link is not valid or has expired." in response.text
    assert not RepPulse.objects.exists()


def test_an_expired_link_says_so_and_records_nothing(rep, clock):
    commitment = set_by_manager(rep)
    path = link_path(commitment, "on_it")
    clock.move_to(
        dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + PULSE_LINK_MAX_AGE + dt.timedelta(minutes=1)
    )

    for response in (Client().get(path), Client().post(path, {"answer": "on_it"})):
        assert response.status_code == 410
        assert "This link has expired." in response.text
    assert not RepPulse.objects.exists()


def test_a_link_for_a_checked_commitment_says_it_was_checked(rep):
    commitment = set_by_manager(rep)
    path = link_path(commitment, "on_it")
    services.check_record(commitment=commitment, by=rep.manager, outcome="kept")

    response = Client().get(path)

    assert response.status_code == 410
    assert "This one thing was already checked." in response.text


# --- recognition --------------------------------------------------------------


def test_a_kept_check_is_recognised_on_the_reps_page_in_the_products_words(rep, rep_client, clock):
    commitment = set_by_manager(rep, behaviour="Book the next meeting before hanging up")
    clock.move_to(dt.datetime(2026, 12, 8, 11, 0, tzinfo=UTC))
    services.check_record(commitment=commitment, by=rep.manager, outcome="kept")

    body = rep_client.get(ME).text
    assert "You kept it: Book the next meeting before hanging up.</strong>" in body
    assert "That's a standing behaviour now" in body

    clock.move_to(dt.datetime(2026, 12, 15, 11, 0, tzinfo=UTC))  # a week on: it has faded
    assert "You kept it" not in rep_client.get(ME).text


def test_a_missed_check_is_not_recognised(rep, rep_client):
    CheckFactory(commitment=CommitmentFactory(rep=rep, status=Commitment.Status.MISSED))

    assert "You kept it" not in rep_client.get(ME).text


def test_the_one_things_text_is_inert_on_every_page(rep, rep_client, manager_client, rep_page):
    script = '<script>alert("x")</script>'
    commitment = set_by_manager(rep, behaviour=f"Ask {script} twice on every call")
    rep_client.post(PULSE, {"commitment_id": commitment.pk, "answer": "need_help"})

    for body in (
        rep_client.get(ME).text,
        manager_client.get(rep_page).text,
        manager_client.get(reverse("commitments:team")).text,
        Client().get(link_path(commitment, "on_it")).text,
    ):
        assert script not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


# --- the team page stays constant ------------------------------------------------


def team_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("commitments:team"))
    assert response.status_code == 200
    return len(captured)


def test_the_team_page_runs_the_same_queries_with_answers_and_deals(manager, manager_client):
    def rep_with_answers(n: int):
        rep = RepFactory(organisation=manager.organisation, manager=manager, name=f"Rep {n}")
        commitment = set_by_manager(rep)
        services.commitment_accept(commitment=commitment, by=rep)
        for answer in ("on_it", "need_help"):
            services.pulse_record(commitment=commitment, by=rep, answer=answer)

    rep_with_answers(1)
    few = team_queries(manager_client)
    for n in range(2, 8):
        rep_with_answers(n)

    assert team_queries(manager_client) == few
    assert manager_client.get(reverse("commitments:team")).text.count("Needs help</span>") == 7


def test_the_deal_day_is_the_reps_own_day(manager, manager_client, clock):
    # Monday 30 Nov 20:00 UTC is already Tuesday 07:00 in Sydney.
    rep = RepFactory(
        organisation=manager.organisation, manager=manager, timezone="Australia/Sydney"
    )
    commitment = set_by_manager(rep)
    clock.move_to(dt.datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    services.commitment_accept(commitment=commitment, by=rep)

    assert "Deal ✓ Tue" in manager_client.get(reverse("commitments:team")).text
