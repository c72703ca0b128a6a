"""Inviting people: the email, the signed expiring link, and setting a password."""

import datetime as dt
import re
import socket
import threading
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.emails import email_build
from reminders.models import Reminder
from reminders.services import reminder_dispatch_due
from reps import services
from reps.models import User
from tests.factories import AdminFactory, ManagerFactory, OrganisationFactory, RepFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-otter-lantern-92"
INVITE = reverse("reps:invite")


@pytest.fixture
def manager():
    return ManagerFactory(organisation=OrganisationFactory(name="Acme"), name="Maria Manager")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def invitation(**overrides) -> dict:
    return {
        "name": "Ivy Invited",
        "email": "Ivy@Example.com",
        "timezone": "America/Chicago",
        "start_date": "2026-12-01",
        "one_on_one_weekday": "3",
        "one_on_one_time": "14:30",
        **overrides,
    }


def link_in(message) -> str:
    """The invitation link's path, found in the text part."""
    for word in message.body.split():
        if "/invite/" in word or "/reset/" in word:
            return urlsplit(word).path
    raise AssertionError(f"no link in {message.body!r}")


def html_part(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def set_password(client, path: str, password: str = NEW_PASSWORD):
    """Follow the emailed link as Django's confirm view expects: GET, then POST the form."""
    opened = client.get(path, follow=True)
    assert opened.status_code == 200
    form_path = opened.redirect_chain[-1][0] if opened.redirect_chain else path
    return client.post(form_path, {"new_password1": password, "new_password2": password})


def without_tokens(page: str) -> str:
    """The page without what differs on every response: the CSRF token and CSP nonces."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", page)
    return re.sub(r'nonce="[^"]*"', "", page)


def sign_in(client, email: str, password: str = NEW_PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


# --- a manager invites a rep --------------------------------------------------------


def test_a_manager_invites_a_rep_to_their_team_and_an_email_goes_out(manager_client, manager):
    response = manager_client.post(INVITE, invitation())

    assert response.status_code == 302
    assert response.url == INVITE
    person = User.objects.get(email="ivy@example.com")
    assert person.role == User.Role.REP
    assert person.manager == manager
    assert person.organisation == manager.organisation
    assert person.timezone == "America/Chicago"
    assert person.start_date == dt.date(2026, 12, 1)
    assert (person.one_on_one_weekday, person.one_on_one_time) == (3, dt.time(14, 30))
    assert not person.has_usable_password()

    [message] = mail.outbox
    assert message.to == ["Ivy Invited <ivy@example.com>"]
    assert message.subject == "Maria Manager invited you to CoachLoop"
    link = link_in(message)
    assert link.startswith("/invite/")
    assert "Maria Manager invited you to CoachLoop" in message.body
    assert "the link works for three days" in message.body
    html = html_part(message)
    assert "Maria Manager invited you to CoachLoop" in html
    assert f'href="http://127.0.0.1:8000{link}"' in html
    assert "Invitation on its way to ivy@example.com" in manager_client.get(INVITE).text


def test_a_managers_invite_form_has_no_role_or_manager_to_choose(manager_client):
    page = manager_client.get(INVITE).text

    assert 'name="role"' not in page
    assert 'name="manager"' not in page


def test_the_invited_rep_sets_a_password_for_their_named_account_and_is_signed_in(
    client, manager_client
):
    manager_client.post(INVITE, invitation())
    link = link_in(mail.outbox[0])
    client.logout()

    opened = client.get(link, follow=True)
    assert "Welcome to CoachLoop — choose a password" in opened.text
    assert "for <strong>Ivy Invited</strong> (ivy@example.com)" in opened.text
    done = set_password(client, link)

    assert done.status_code == 302
    assert done.url == reverse("commitments:home")
    home = client.get(done.url, follow=True)
    assert home.redirect_chain == [(reverse("commitments:my_one_thing"), 302)]
    assert "Welcome to CoachLoop, Ivy Invited. Your password is set." in home.text
    assert "Hi Ivy Invited" in home.text
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="ivy@example.com").pk
    # And the new password works next time.
    client.logout()
    assert sign_in(client, "ivy@example.com").status_code == 302


def test_an_invited_manager_lands_on_their_team_page(client, manager):
    client.force_login(AdminFactory(organisation=manager.organisation))
    client.post(INVITE, invitation(role="manager"))
    client.logout()

    done = set_password(client, link_in(mail.outbox[0]))

    assert client.get(done.url).url == reverse("commitments:team")


def test_the_invited_person_is_signed_in_when_several_backends_are_configured(
    client, manager_client, settings
):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "django.contrib.auth.backends.RemoteUserBackend",
    ]
    manager_client.post(INVITE, invitation())
    client.logout()

    done = set_password(client, link_in(mail.outbox[0]))

    assert done.url == reverse("commitments:home")
    assert client.get(done.url).url == reverse("commitments:my_one_thing")


def test_an_invitation_link_works_only_once(client, manager_client):
    manager_client.post(INVITE, invitation())
    link = link_in(mail.outbox[0])
    client.logout()
    set_password(client, link)

    again = client.get(link, follow=True)

    assert "This link no longer works" in again.text


def test_an_expired_invitation_link_is_refused(client, clock, settings, manager_client):
    manager_client.post(INVITE, invitation())
    link = link_in(mail.outbox[0])
    client.logout()

    clock.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    opened = client.get(link, follow=True)

    assert "This link no longer works" in opened.text
    assert 'name="new_password1"' not in opened.text
    assert not User.objects.get(email="ivy@example.com").has_usable_password()


def test_an_invitation_link_still_works_just_before_it_expires(
    client, clock, settings, manager_client
):
    manager_client.post(INVITE, invitation())
    link = link_in(mail.outbox[0])
    client.logout()

    clock.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 3600))

    assert set_password(client, link).status_code == 302
    assert User.objects.get(email="ivy@example.com").has_usable_password()


def test_someone_whose_invitation_expired_can_still_get_in_through_a_password_reset(
    client, clock, settings, manager_client
):
    manager_client.post(INVITE, invitation())
    mail.outbox.clear()
    clock.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))
    client.logout()

    client.post(reverse("password_reset"), {"email": "ivy@example.com"})

    [message] = mail.outbox
    assert set_password(client, link_in(message)).status_code == 302
    assert sign_in(client, "ivy@example.com").status_code == 302


def test_a_tampered_invitation_link_is_refused(client, manager_client):
    manager_client.post(INVITE, invitation())
    link = link_in(mail.outbox[0])
    client.logout()

    opened = client.get(link[:-3] + "abc/", follow=True)

    assert "This link no longer works" in opened.text


# --- bad input ------------------------------------------------------------------------


def test_an_address_already_in_the_organisation_is_refused_next_to_the_field(
    manager_client, manager
):
    RepFactory(organisation=manager.organisation, email="ivy@example.com")

    response = manager_client.post(INVITE, invitation(email="IVY@example.com"))

    assert response.status_code == 422
    assert 'id="id_email_error">ivy@example.com is already in your organisation.' in (response.text)
    assert 'value="Ivy Invited"' in response.text
    assert User.objects.filter(email__iexact="ivy@example.com").count() == 1
    assert mail.outbox == []


def test_an_address_in_another_organisation_gets_the_answer_of_a_fresh_invite(
    manager_client, manager
):
    elsewhere = RepFactory(email="ivy@example.com", name="Ivy Elsewhere")
    fresh = manager_client.post(INVITE, invitation(email="fresh@example.com"), follow=True)
    mail.outbox.clear()

    response = manager_client.post(INVITE, invitation(), follow=True)

    assert response.redirect_chain == fresh.redirect_chain == [(INVITE, 302)]
    assert response.status_code == fresh.status_code == 200
    assert (
        "Invitation on its way to ivy@example.com. The link works for three days." in response.text
    )
    assert without_tokens(response.text.replace("ivy@example.com", "fresh@example.com")) == (
        without_tokens(fresh.text)
    )
    assert "already" not in response.text
    # Nothing was created or changed, and no invitation went out.
    assert User.objects.filter(email__iexact="ivy@example.com").count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.name == "Ivy Elsewhere"
    assert elsewhere.organisation_id != manager.organisation_id
    assert mail.outbox == []


def test_the_service_creates_nothing_for_an_address_in_another_organisation(manager):
    RepFactory(email="ivy@example.com")

    person = services.person_invite(
        by=manager, name="Ivy", email="Ivy@Example.com", role="rep", timezone="UTC"
    )

    assert person is None
    assert User.objects.filter(email__iexact="ivy@example.com").count() == 1
    assert mail.outbox == []


def test_a_missing_name_and_a_bad_email_are_refused_next_to_their_fields(manager_client):
    response = manager_client.post(INVITE, invitation(name="", email="not-an-email"))

    assert response.status_code == 422
    assert 'id="id_name_error"' in response.text
    assert 'id="id_email_error"' in response.text
    assert not User.objects.filter(name="").exists()
    assert mail.outbox == []


def test_when_the_mail_server_is_down_the_invitation_waits_in_the_ledger_and_goes_out_later(
    manager_client, settings
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 2},
        }
    }

    response = manager_client.post(INVITE, invitation())

    # The request never talks to the mail server: the person is saved, the
    # email recorded, and the worker's sweep could not send it yet.
    assert response.status_code == 302
    ivy = User.objects.get(email="ivy@example.com")
    row = Reminder.objects.get(recipient=ivy, kind=Reminder.Kind.INVITE)
    assert (row.status, row.attempts) == (Reminder.Status.PENDING, 0)
    assert "ConnectionRefusedError" in row.last_error

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        reminder_dispatch_due(plan=False)
    [message] = mail.outbox
    assert message.to == ["Ivy Invited <ivy@example.com>"]
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT


def test_a_name_with_a_line_break_is_refused_and_nothing_is_sent(manager_client):
    response = manager_client.post(INVITE, invitation(name="Ivy\r\nBcc: everyone@example.com"))

    assert response.status_code == 422
    assert 'id="id_name_error"' in response.text
    assert not User.objects.filter(email="ivy@example.com").exists()
    assert mail.outbox == []


def test_the_service_refuses_a_name_with_a_line_break_too(manager):
    with pytest.raises(ValidationError) as error:
        services.person_invite(
            by=manager,
            name="Ivy\nBcc: everyone@example.com",
            email="ivy@example.com",
            role=User.Role.REP,
            timezone="Europe/London",
        )

    assert "name" in error.value.message_dict
    assert not User.objects.filter(email="ivy@example.com").exists()
    assert mail.outbox == []


def test_a_name_stored_before_names_were_checked_cannot_smuggle_headers(manager):
    # The factory skips validation, like a row saved before the check existed.
    person = RepFactory(name="Ivy\r\nBcc: everyone@example.com", email="ivy@example.com")
    message = email_build(
        "invite", to=person, context={"person": person, "by": manager, "url": "x"}
    )

    headers = message.message()
    assert headers["Bcc"] is None
    assert "\n" not in headers["To"] and "\r" not in headers["To"]
    assert message.recipients() == ['"Ivy Bcc: everyone@example.com" <ivy@example.com>']


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_invitation_sent_three_times_at_once_creates_one_person(manager):
    """The existence check races; the unique index decides and the losers get
    the form error, not a 500."""
    clients = []
    for _ in range(3):
        client = Client(raise_request_exception=False)
        client.force_login(manager)
        clients.append(client)
    start = threading.Barrier(len(clients))
    responses = [None] * len(clients)
    save = User.save

    def slow_save(self, *args, **kwargs):
        # Hold the winner's transaction open after its INSERT, so the others
        # pass every existence check and meet the unique index.
        save(self, *args, **kwargs)
        if self.email == "ivy@example.com":
            time.sleep(0.5)

    def post(i, client):
        try:
            start.wait(timeout=10)
            responses[i] = client.post(INVITE, invitation())
        finally:
            connection.close()

    with mock.patch.object(User, "save", slow_save):
        threads = [threading.Thread(target=post, args=(i, c)) for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(r.status_code for r in responses) == [302, 422, 422]
    for response in responses:
        if response.status_code == 422:
            assert 'id="id_email_error">ivy@example.com is already in your organisation.' in (
                response.text
            )
    assert User.objects.filter(email__iexact="ivy@example.com").count() == 1
    assert len(mail.outbox) == 1


# --- an org admin invites ----------------------------------------------------------


def test_an_org_admin_invites_a_manager(client, manager):
    admin = AdminFactory(organisation=manager.organisation, name="Ada Admin")
    client.force_login(admin)

    response = client.post(INVITE, invitation(role="manager"))

    assert response.status_code == 302
    person = User.objects.get(email="ivy@example.com")
    assert (person.role, person.manager, person.organisation) == (
        User.Role.MANAGER,
        None,
        admin.organisation,
    )
    [message] = mail.outbox
    assert message.subject == "Ada Admin invited you to CoachLoop"
    assert "log your practice" not in message.body


def test_an_org_admin_invites_a_rep_for_one_of_their_managers(client, manager):
    client.force_login(AdminFactory(organisation=manager.organisation))

    response = client.post(INVITE, invitation(role="rep", manager=manager.pk))

    assert response.status_code == 302
    assert User.objects.get(email="ivy@example.com").manager == manager


def test_an_org_admin_must_choose_the_manager_of_a_new_rep(client, manager):
    client.force_login(AdminFactory(organisation=manager.organisation))

    response = client.post(INVITE, invitation(role="rep"))

    assert response.status_code == 422
    assert 'id="id_manager_error">Choose the manager who will coach this rep.' in response.text
    assert mail.outbox == []


# --- rep-only fields ------------------------------------------------------------------

REP_ONLY = ["manager", "start_date", "one_on_one_weekday", "one_on_one_time"]


def rep_only_group(page: str) -> str:
    match = re.search(r'<fieldset class="rep-only".*?</fieldset>\s*<!-- /rep-only -->', page, re.S)
    assert match, "no rep-only group on the page"
    return match.group(0)


def test_the_role_is_a_radio_choice_and_the_rep_only_fields_are_one_marked_group(client, manager):
    client.force_login(AdminFactory(organisation=manager.organisation))

    page = client.get(INVITE).text

    assert re.search(r'<input type="radio" name="role" value="rep"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="role" value="manager"', page)
    group = rep_only_group(page)
    outside = page.replace(group, "")
    for name in REP_ONLY:
        assert f'name="{name}"' in group
        assert f'name="{name}"' not in outside
    for name in ["name", "email", "timezone", "role"]:
        assert f'name="{name}"' in outside
        assert f'name="{name}"' not in group


def test_the_stylesheet_hides_the_rep_only_group_when_manager_is_chosen():
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()

    assert (
        'form:has(input[name="role"][value="manager"]:checked) .rep-only { display: none; }' in css
    )


def test_a_managers_invite_form_shows_the_rep_fields_it_needs(manager_client):
    group = rep_only_group(manager_client.get(INVITE).text)

    for name in ["start_date", "one_on_one_weekday", "one_on_one_time"]:
        assert f'name="{name}"' in group


def test_an_org_admin_inviting_a_manager_is_not_stopped_by_hidden_rep_fields(client, manager):
    client.force_login(AdminFactory(organisation=manager.organisation))

    response = client.post(
        INVITE,
        invitation(role="manager", manager=manager.pk, one_on_one_time="", start_date="junk"),
    )

    assert response.status_code == 302
    person = User.objects.get(email="ivy@example.com")
    assert (person.role, person.manager, person.start_date) == (User.Role.MANAGER, None, None)


def test_the_service_ignores_rep_only_values_for_a_manager(manager):
    admin = AdminFactory(organisation=manager.organisation)

    person = services.person_invite(
        by=admin,
        name="Mo Manager",
        email="mo@example.com",
        role=User.Role.MANAGER,
        timezone="Europe/Paris",
        manager=manager,
        start_date=dt.date(2026, 12, 1),
        one_on_one_weekday=User.Weekday.FRIDAY,
        one_on_one_time=dt.time(16, 0),
    )

    person.refresh_from_db()
    assert person.role == User.Role.MANAGER
    assert person.manager is None
    assert person.start_date is None
    assert (person.one_on_one_weekday, person.one_on_one_time) == (
        User.Weekday.TUESDAY,
        dt.time(10, 0),
    )
    assert person.timezone == "Europe/Paris"


# --- password reset ---------------------------------------------------------------------


def test_a_forgotten_password_is_reset_from_an_emailed_link(client, manager):
    response = client.post(reverse("password_reset"), {"email": manager.email})

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "Reset your CoachLoop password"
    assert message.to == [f"{manager.name} <{manager.email}>"]
    link = link_in(message)
    assert set_password(client, link).status_code == 302
    assert sign_in(client, manager.email).status_code == 302
    assert client.get(reverse("commitments:home")).url == reverse("commitments:team")


def test_the_password_reset_email_has_a_text_and_an_html_part(client, manager):
    client.post(reverse("password_reset"), {"email": manager.email})

    [message] = mail.outbox
    link = link_in(message)
    assert link in message.body
    assert link in html_part(message)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_expired_password_reset_link_is_refused(client, clock, settings, manager):
    client.post(reverse("password_reset"), {"email": manager.email})
    link = link_in(mail.outbox[0])

    clock.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60))

    assert "This link no longer works" in client.get(link, follow=True).text
