"""A company signs up on its own: the form, the emailed signed link, the
organisation page's first steps; rate limits; switched off for
invitation-only deployments; the operator's create_organisation."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from reminders.models import Reminder
from reps.models import Organisation, User
from reps.signup import sign_ups_unverified_purge
from reps.tasks import purge_unverified_sign_ups
from tests.factories import (
    AdminFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

SIGNUP = reverse("reps:signup")
PASSWORD = "plum-otter-lantern-92"


@pytest.fixture(autouse=True)
def signup_on(settings):
    settings.SIGNUP_ENABLED = True


def sign_up(client, **overrides):
    data = {
        "organisation": "Acme Sales",
        "name": "Ada Admin",
        "email": "Ada@Acme.example",
        "password": PASSWORD,
        "timezone": "Europe/Berlin",
        **overrides,
    }
    return client.post(SIGNUP, data, REMOTE_ADDR=overrides.pop("address", "127.0.0.1"))


def verify_path(message) -> str:
    [url] = [word for word in message.body.split() if "/signup/verify/" in word]
    return url[url.index("/signup/verify/") :]


def test_a_company_signs_up_verifies_its_email_and_lands_on_the_first_steps(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("reps:signup_sent")
    assert "Check your email" in client.get(response["Location"]).text
    [message] = mail.outbox
    assert message.to == ["Ada Admin <ada@acme.example>"]
    assert "Acme Sales" in message.subject
    assert "24 hours" in message.body
    assert Reminder.objects.get().kind == Reminder.Kind.VERIFY
    # Not signed in, and the account can't sign in until verified.
    assert not client.login(username="ada@acme.example", password=PASSWORD)

    page = client.get(verify_path(message))
    assert "Confirm and open CoachLoop" in page.text
    assert "_auth_user_id" not in client.session  # a mail scanner's GET signs nobody in
    response = client.post(verify_path(message))

    assert response["Location"] == reverse("commitments:organisation")
    admin = User.objects.get(email="ada@acme.example")
    assert admin.is_active and admin.role == User.Role.ADMIN
    assert admin.timezone == "Europe/Berlin"
    assert admin.organisation.name == "Acme Sales"
    assert not admin.organisation.awaiting_verification
    assert client.session["_auth_user_id"] == str(admin.pk)
    page = client.get(response["Location"]).text
    assert "Welcome to CoachLoop, Ada Admin" in page
    assert "Get your team started" in page
    assert page.count("To do") == 3
    assert f"{reverse('reps:invite')}?role=manager" in page
    # And the password chosen at sign-up is theirs.
    client.logout()
    assert client.login(username="ada@acme.example", password=PASSWORD)


def test_the_invite_form_preselects_a_manager_from_the_first_step(client):
    client.force_login(AdminFactory())

    page = client.get(reverse("reps:invite") + "?role=manager").text

    assert 'value="manager" required id="id_role_1" checked>' in page
    assert 'value="rep" required id="id_role_0">' in page


def test_the_first_steps_are_ticked_from_real_data_and_go_away_when_done(client):
    admin = AdminFactory()
    client.force_login(admin)
    page = reverse("commitments:organisation")
    assert client.get(page).text.count("To do") == 3

    manager = ManagerFactory(organisation=admin.organisation)
    assert client.get(page).text.count("To do") == 2

    rep = RepFactory(organisation=admin.organisation, manager=manager)
    text = client.get(page).text
    assert text.count("To do") == 1
    assert reverse("commitments:team_of", args=[manager.pk]) in text

    # The first 1:1 locks in the rep's first one thing.
    CommitmentFactory(rep=rep)
    assert "Get your team started" not in client.get(page).text


def test_a_first_one_thing_older_than_the_health_window_still_counts(client, clock):
    admin = AdminFactory()
    manager = ManagerFactory(organisation=admin.organisation)
    rep = RepFactory(organisation=admin.organisation, manager=manager)
    CommitmentFactory(
        rep=rep,
        issued_on=dt.date(2026, 6, 1),
        check_date=dt.date(2026, 6, 8),
        status="kept",
    )
    client.force_login(admin)

    assert "Get your team started" not in client.get(reverse("commitments:organisation")).text


def test_another_organisations_1on1s_do_not_tick_the_steps(client):
    admin = AdminFactory()
    elsewhere = ManagerFactory()
    CommitmentFactory(rep=RepFactory(organisation=elsewhere.organisation, manager=elsewhere))
    client.force_login(admin)

    assert client.get(reverse("commitments:organisation")).text.count("To do") == 3


def test_the_link_works_for_24_hours_only(client, clock):
    sign_up(client)
    [message] = mail.outbox

    clock.move_to(dt.datetime(2026, 12, 1, 9, 1, tzinfo=dt.UTC))
    response = client.post(verify_path(message))

    assert response.status_code == 404
    assert (
        "This link doesn&#x27;t work" in response.text or "This link doesn't work" in response.text
    )
    assert not User.objects.get(email="ada@acme.example").is_active


def test_a_tampered_link_opens_nothing(client):
    sign_up(client)
    path = verify_path(mail.outbox[0])
    token = path.split("/")[-2]
    tampered = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))

    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    assert not User.objects.get(email="ada@acme.example").is_active
    assert client.get(reverse("reps:signup_verify", args=["not-a-token"])).status_code == 404


def test_a_second_click_finds_the_email_already_verified(client):
    sign_up(client)
    path = verify_path(mail.outbox[0])
    client.post(path)

    # Same browser: straight on.
    assert client.post(path)["Location"] == reverse("commitments:home")
    # Another browser: told it is verified, and asked to sign in; nothing changes.
    other = client.__class__()
    assert "Already verified" in other.get(path).text
    response = other.post(path)
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in other.session
    assert Organisation.objects.count() == 1
    assert User.objects.count() == 1


def test_an_address_with_an_account_is_not_revealed_and_gets_nothing(client):
    existing = ManagerFactory(email="ada@acme.example", organisation=OrganisationFactory())

    response = sign_up(client, email="ADA@acme.example")

    assert response["Location"] == reverse("reps:signup_sent")
    assert mail.outbox == []
    assert Organisation.objects.count() == 1
    assert list(User.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.role == User.Role.MANAGER and existing.is_active


def test_signing_up_again_before_verifying_replaces_the_first_sign_up(client):
    sign_up(client, organisation="Typo Sales")
    sign_up(client)

    first, second = mail.outbox
    assert client.post(verify_path(first)).status_code == 404
    assert client.post(verify_path(second)).status_code == 302
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Acme Sales"]


def test_the_form_refuses_control_characters_and_weak_passwords(client):
    response = sign_up(client, name="Ada\u202eAdmin", password="password")

    assert response.status_code == 422
    assert "control characters" in response.text
    assert "too common" in response.text
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_sign_ups_are_limited_per_address_typed(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup:email": "3/h"}
    for _ in range(3):
        assert sign_up(client).status_code == 302

    response = sign_up(client)

    assert response.status_code == 429
    assert "Too many sign-ups" in response.text
    assert PASSWORD not in response.text
    assert len(mail.outbox) == 3


def test_sign_ups_are_limited_per_client_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup:address": "2/h"}
    sign_up(client, email="one@example.com", address="10.0.0.9")
    sign_up(client, email="two@example.com", address="10.0.0.9")

    response = sign_up(client, email="three@example.com", address="10.0.0.9")

    assert response.status_code == 429
    assert not User.objects.filter(email="three@example.com").exists()
    assert sign_up(client, email="four@example.com", address="10.0.0.10").status_code == 302


def test_switched_off_signup_is_a_404_and_the_sign_in_page_does_not_offer_it(client, settings):
    assert reverse("reps:signup") in client.get(reverse("login")).text
    settings.SIGNUP_ENABLED = False

    assert client.get(SIGNUP).status_code == 404
    assert sign_up(client).status_code == 404
    assert reverse("reps:signup") not in client.get(reverse("login")).text
    assert User.objects.count() == 0


def test_the_operator_creates_an_organisation_whose_admin_signs_in_at_once(client):
    out = io.StringIO()
    call_command(
        "create_organisation",
        "--name=Globex",
        "--admin-email=Hank@Globex.example",
        "--admin-name=Hank Scorpio",
        "--password-stdin",
        stdin=io.StringIO(PASSWORD + "\n"),
        stdout=out,
    )

    assert "Created Globex" in out.getvalue()
    admin = User.objects.get(email="hank@globex.example")
    assert admin.is_active and admin.is_org_admin and admin.organisation.name == "Globex"
    assert mail.outbox == []
    assert client.login(username="hank@globex.example", password=PASSWORD)


def test_the_operator_command_refuses_a_taken_address_and_a_weak_password():
    ManagerFactory(email="hank@globex.example")

    with pytest.raises(CommandError, match="already has an account"):
        call_command(
            "create_organisation",
            "--name=Globex",
            "--admin-email=hank@globex.example",
            "--admin-name=Hank",
            "--password-stdin",
            stdin=io.StringIO(PASSWORD + "\n"),
        )
    with pytest.raises(CommandError, match="too common"):
        call_command(
            "create_organisation",
            "--name=Globex",
            "--admin-email=new@globex.example",
            "--admin-name=Hank",
            "--password-stdin",
            stdin=io.StringIO("password\n"),
        )
    assert Organisation.objects.filter(name="Globex").count() == 0


# --- sign-ups never verified ----------------------------------------------------------


def test_a_sign_up_never_verified_is_deleted_a_week_on_and_the_address_is_free(client, clock):
    sign_up(client, email="stale@acme.example", organisation="Stale Sales")
    clock.move_to(dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC))
    sign_up(client, email="recent@acme.example", organisation="Recent Sales")
    verified = sign_up(client, email="ada@acme.example")
    client.post(verify_path(mail.outbox[-1]))
    assert verified.status_code == 302

    # Six days and 23 hours on, nothing is old enough.
    clock.move_to(dt.datetime(2026, 12, 7, 8, 59, tzinfo=dt.UTC))
    purge_unverified_sign_ups.apply()
    assert Organisation.objects.count() == 3

    # A week on (beat runs it hourly): the stale one goes, with its admin and its email row.
    clock.move_to(dt.datetime(2026, 12, 11, 9, 0, tzinfo=dt.UTC))
    purge_unverified_sign_ups.apply()

    names = set(Organisation.objects.values_list("name", flat=True))
    assert names == {"Recent Sales", "Acme Sales"}
    assert not User.objects.filter(email="stale@acme.example").exists()
    assert not Reminder.objects.filter(recipient__email="stale@acme.example").exists()
    # The address can be signed up again, and verified.
    mail.outbox.clear()
    sign_up(client.__class__(), email="stale@acme.example", organisation="Stale Sales")
    assert client.__class__().post(verify_path(mail.outbox[0])).status_code == 302


def test_the_purge_never_touches_a_verified_organisation(client, clock):
    sign_up(client)
    client.post(verify_path(mail.outbox[0]))
    clock.move_to(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC))

    assert sign_ups_unverified_purge() == 0
    assert User.objects.get(email="ada@acme.example").is_active
