"""The org admin runs the year: moves reps, deactivates leavers, manages invitations."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from commitments.models import Commitment
from reminders.models import Reminder
from reminders.services import reminder_schedule_for_rep
from reps import services
from reps.models import User
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CheckFactory,
    CoachingSessionFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE = reverse("reps:people")
NEW_PASSWORD = "plum-otter-lantern-92"


@pytest.fixture
def org():
    return OrganisationFactory(name="Acme")


@pytest.fixture
def admin(org):
    return AdminFactory(organisation=org, name="Ada Admin")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def move_url(person):
    return reverse("reps:rep_move", args=[person.pk])


def deactivate_url(person):
    return reverse("reps:person_deactivate", args=[person.pk])


def invite(client, **fields) -> User:
    data = {
        "name": "Ivy Invited",
        "email": "ivy@example.com",
        "role": "manager",
        "timezone": "Europe/Paris",
        "one_on_one_weekday": "1",
        "one_on_one_time": "10:00",
        **fields,
    }
    assert client.post(reverse("reps:invite"), data).status_code == 302
    return User.objects.get(email=data["email"])


def link_in(message) -> str:
    for word in message.body.split():
        if "/invite/" in word:
            return urlsplit(word).path
    raise AssertionError(f"no link in {message.body!r}")


# --- the page -----------------------------------------------------------------


def test_the_people_page_lists_the_organisations_managers_and_reps_with_role_manager_and_status(
    admin_client, org
):
    manager = ManagerFactory(organisation=org, name="Maria Manager")
    RepFactory(organisation=org, manager=manager, name="Rita Rep")
    RepFactory(organisation=org, manager=manager, name="Lou Leaver", is_active=False)
    RepFactory(name="Greta Globex")  # another organisation

    page = admin_client.get(PEOPLE).content.decode()

    assert "Maria Manager" in page and "Rita Rep" in page and "Lou Leaver" in page
    assert "Deactivated" in page
    assert "Greta Globex" not in page


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_only_an_org_admin_opens_the_people_page(client, org, role):
    manager = ManagerFactory(organisation=org)
    person = manager if role == "manager" else RepFactory(organisation=org, manager=manager)
    client.force_login(person)

    assert client.get(PEOPLE).status_code == 404


# --- moving a rep -------------------------------------------------------------


def test_moving_a_rep_hands_the_active_commitment_and_its_prompt_to_the_new_manager(
    admin_client, org
):
    old, new = ManagerFactory(organisation=org), ManagerFactory(organisation=org, name="Nina New")
    rep = RepFactory(organisation=org, manager=old, timezone="Europe/London")
    session = CoachingSessionFactory(rep=rep, private_notes="Old manager's private worry")
    past = CommitmentFactory(rep=rep, status=Commitment.Status.KEPT, session=session)
    CheckFactory(commitment=past)
    active = CommitmentFactory(rep=rep, check_date=dt.date(2026, 12, 8))
    reminder_schedule_for_rep(rep_id=rep.pk)

    response = admin_client.post(move_url(rep), {"manager": new.pk})

    assert response.status_code == 302
    rep.refresh_from_db()
    active.refresh_from_db()
    past.refresh_from_db()
    assert rep.manager == new
    assert active.manager == new
    assert past.manager == old  # history stays with the manager who coached it
    prompts = Reminder.objects.filter(kind="prompt", commitment=active, status="pending")
    assert [p.recipient for p in prompts] == [new]
    # The private note stays with its author: the new manager reads the history without it.
    admin_client.force_login(new)
    page = admin_client.get(reverse("commitments:rep_detail", args=[rep.pk])).content.decode()
    assert "Old manager&#x27;s private worry" not in page
    assert "Old manager's private worry" not in page


def test_a_rep_cannot_be_moved_to_a_manager_of_another_organisation(admin_client, org):
    rep = RepFactory(organisation=org)
    outsider = ManagerFactory()

    response = admin_client.post(move_url(rep), {"manager": outsider.pk})

    assert response.status_code == 422
    rep.refresh_from_db()
    assert rep.manager != outsider


def test_the_move_service_refuses_a_manager_of_another_organisation():
    rep = RepFactory()
    admin = AdminFactory(organisation=rep.organisation)

    with pytest.raises(services.ValidationError):
        services.rep_move(by=admin, rep=rep, manager=ManagerFactory())


# --- deactivating a leaver ----------------------------------------------------


def test_a_deactivated_rep_is_signed_out_on_their_next_request(client, org, admin):
    rep = RepFactory(organisation=org, email="rita@example.com")
    assert client.login(username="rita@example.com", password=PASSWORD)
    assert client.get(reverse("commitments:my_one_thing")).status_code == 200

    services.person_deactivate(by=admin, person=rep)
    response = client.get(reverse("commitments:my_one_thing"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not client.login(username="rita@example.com", password=PASSWORD)


def test_deactivating_asks_first_and_then_stops_the_reps_reminders_keeping_their_history(
    admin_client, org
):
    manager = ManagerFactory(organisation=org)
    rep = RepFactory(organisation=org, manager=manager, name="Lou Leaver")
    past = CommitmentFactory(rep=rep, status=Commitment.Status.KEPT, behaviour="Ask for budget")
    CheckFactory(commitment=past)
    active = CommitmentFactory(rep=rep)
    reminder_schedule_for_rep(rep_id=rep.pk)
    assert Reminder.objects.filter(rep=rep, status="pending").exists()

    confirm = admin_client.get(deactivate_url(rep))
    assert confirm.status_code == 200
    rep.refresh_from_db()
    assert rep.is_active  # a GET only asks
    response = admin_client.post(deactivate_url(rep))

    assert response.status_code == 302
    rep.refresh_from_db()
    assert not rep.is_active
    assert not Reminder.objects.filter(rep=rep, status="pending").exists()
    assert Commitment.objects.filter(pk__in=[past.pk, active.pk]).count() == 2


def test_a_leavers_record_stays_readable_by_their_manager_and_the_admin_but_not_writable(
    client, org, admin
):
    manager = ManagerFactory(organisation=org)
    rep = RepFactory(organisation=org, manager=manager, name="Lou Leaver")
    past = CommitmentFactory(rep=rep, status=Commitment.Status.KEPT, behaviour="Ask for budget")
    CheckFactory(commitment=past)
    services.person_deactivate(by=admin, person=rep)
    rep_page = reverse("commitments:rep_detail", args=[rep.pk])

    client.force_login(manager)
    team = client.get(reverse("commitments:team")).content.decode()
    former = client.get(reverse("commitments:former_reps")).content.decode()
    page = client.get(rep_page)
    update = client.post(
        reverse("commitments:commitment_new", args=[rep.pk]),
        {"behaviour": "Open every call with the agenda", "check_date": "2026-12-07"},
    )
    other_manager = ManagerFactory(organisation=org)
    client.force_login(other_manager)
    not_theirs = client.get(rep_page)
    not_their_former = client.get(reverse("commitments:former_reps")).content.decode()
    client.force_login(admin)
    for_admin = client.get(rep_page)

    assert "Lou Leaver" not in team  # no row on the team page
    assert reverse("commitments:former_reps") in team
    assert rep_page in former and "Lou Leaver" in former
    assert page.status_code == 200
    assert "Ask for budget" in page.content.decode()
    assert reverse("commitments:weekly_update", args=[rep.pk]) not in page.content.decode()
    assert update.status_code == 404
    assert not_theirs.status_code == 404
    assert "Lou Leaver" not in not_their_former
    assert for_admin.status_code == 200 and "Ask for budget" in for_admin.content.decode()


def test_a_manager_who_still_coaches_reps_is_not_deactivated(admin_client, org):
    manager = ManagerFactory(organisation=org)
    RepFactory(organisation=org, manager=manager)

    response = admin_client.post(deactivate_url(manager))

    assert response.status_code == 422
    assert "move them to another manager first" in response.content.decode()
    manager.refresh_from_db()
    assert manager.is_active


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(deactivate_url(admin))

    assert response.status_code == 422
    admin.refresh_from_db()
    assert admin.is_active


# --- invitations --------------------------------------------------------------


def test_pending_invitations_are_listed_with_when_they_were_sent(admin_client, org):
    invited = invite(admin_client)
    RepFactory(organisation=org, name="Joined Already")

    page = admin_client.get(PEOPLE)

    assert list(page.context["pending"]) == [invited]
    assert "30 Nov 2026" in page.content.decode()


def test_resending_an_invitation_emails_a_working_link(client, admin_client, org):
    invited = invite(admin_client)
    mail.outbox.clear()

    response = admin_client.post(reverse("reps:invitation_resend", args=[invited.pk]))

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["Ivy Invited <ivy@example.com>"]
    assert Reminder.objects.filter(kind="invite", recipient=invited).count() == 2
    opened = client.get(link_in(message), follow=True)
    assert opened.context["validlink"]


def test_an_invitation_already_accepted_is_not_resent_or_revoked(admin_client, org):
    joined = RepFactory(organisation=org)
    joined.last_login = joined.date_joined
    joined.save()
    mail.outbox.clear()

    resend = admin_client.post(reverse("reps:invitation_resend", args=[joined.pk]))
    revoke = admin_client.post(reverse("reps:invitation_revoke", args=[joined.pk]))

    assert resend.status_code == revoke.status_code == 422
    assert mail.outbox == []
    joined.refresh_from_db()
    assert joined.is_active


def test_revoking_an_invitation_kills_the_link_already_emailed(client, admin_client, org):
    invited = invite(admin_client)
    [message] = mail.outbox
    link = link_in(message)

    response = admin_client.post(reverse("reps:invitation_revoke", args=[invited.pk]))

    assert response.status_code == 302
    invited.refresh_from_db()
    assert not invited.is_active
    assert list(admin_client.get(PEOPLE).context["pending"]) == []
    opened = client.get(link, follow=True)
    assert not opened.context["validlink"]
    # Nor can they ask for a fresh link themselves.
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": "ivy@example.com"})
    assert mail.outbox == []


# --- another organisation -------------------------------------------------------


def test_every_people_url_is_a_404_for_another_organisations_person(admin_client, org):
    elsewhere = OrganisationFactory(name="Globex")
    their_manager = ManagerFactory(organisation=elsewhere)
    their_rep = RepFactory(organisation=elsewhere, manager=their_manager)
    their_invited = ManagerFactory(organisation=elsewhere)
    their_invited.set_unusable_password()
    their_invited.save()
    our_manager = ManagerFactory(organisation=org)
    mail.outbox.clear()

    requests = [
        ("get", deactivate_url(their_rep), None),
        ("post", deactivate_url(their_rep), {}),
        ("post", move_url(their_rep), {"manager": our_manager.pk}),
        ("post", move_url(their_rep), {"manager": their_manager.pk}),
        ("post", reverse("reps:invitation_resend", args=[their_invited.pk]), {}),
        ("post", reverse("reps:invitation_revoke", args=[their_invited.pk]), {}),
        ("post", reverse("reps:person_reinvite", args=[their_rep.pk]), {}),
    ]
    for method, url, data in requests:
        response = getattr(admin_client, method)(url, data)
        assert response.status_code == 404, (method, url)

    their_rep.refresh_from_db()
    their_invited.refresh_from_db()
    assert their_rep.is_active and their_rep.manager == their_manager
    assert their_invited.is_active
    assert mail.outbox == []


def test_every_people_post_needs_the_csrf_token(org, admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    rep = RepFactory(organisation=org)

    revoke = reverse("reps:invitation_revoke", args=[rep.pk])
    reinvite = reverse("reps:person_reinvite", args=[rep.pk])
    for url in (deactivate_url(rep), move_url(rep), revoke, reinvite):
        assert client.post(url, {"manager": rep.manager_id}).status_code == 403


def test_an_invitation_link_is_dead_for_a_deactivated_person(client, admin_client, org, admin):
    invited = invite(admin_client)
    [message] = mail.outbox

    services.person_deactivate(by=admin, person=invited)
    opened = client.get(link_in(message), follow=True)

    assert not opened.context["validlink"]


def test_resending_counts_against_the_admins_invitation_limit(admin_client, org, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite:person": "2/h"}
    invited = invite(admin_client)  # 1
    resend = reverse("reps:invitation_resend", args=[invited.pk])
    assert admin_client.post(resend).status_code == 302  # 2
    mail.outbox.clear()

    response = admin_client.post(resend)

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert mail.outbox == []


# --- inviting again -----------------------------------------------------------------


def test_a_revoked_invitation_can_be_made_again_and_its_new_link_works(client, admin_client, org):
    invited = invite(admin_client)
    old_link = link_in(mail.outbox[0])
    admin_client.post(reverse("reps:invitation_revoke", args=[invited.pk]))
    # Typing the address into the invite form points to the People page.
    again = admin_client.post(
        reverse("reps:invite"),
        {
            "name": "Ivy",
            "email": "IVY@example.com",
            "role": "manager",
            "timezone": "UTC",
            "one_on_one_weekday": "1",
            "one_on_one_time": "10:00",
        },
    )
    assert again.status_code == 422
    assert "invite them again from the People page" in again.text
    assert "Invite again" in admin_client.get(PEOPLE).text
    mail.outbox.clear()

    response = admin_client.post(reverse("reps:person_reinvite", args=[invited.pk]))

    assert response.status_code == 302
    assert "is invited again" in admin_client.get(PEOPLE).text
    invited.refresh_from_db()
    assert invited.is_active and invited.is_invitation_pending
    [message] = mail.outbox
    assert not client.get(old_link, follow=True).context["validlink"]
    opened = client.get(link_in(message), follow=True)
    assert opened.context["validlink"]


def test_a_leaver_invited_again_comes_back_to_their_manager_with_their_history(
    client, admin_client, org, admin
):
    manager = ManagerFactory(organisation=org)
    rep = RepFactory(organisation=org, manager=manager, name="Rita Rep")
    CheckFactory(commitment__rep=rep)
    services.person_deactivate(by=admin, person=rep)
    mail.outbox.clear()

    admin_client.post(reverse("reps:person_reinvite", args=[rep.pk]))

    rep.refresh_from_db()
    assert rep.is_active and rep.manager == manager
    assert Commitment.objects.filter(rep=rep).count() == 1
    # The old password is gone: they set a new one from the invitation.
    assert not client.login(email=rep.email, password=PASSWORD)
    [message] = [m for m in mail.outbox if "/invite/" in m.body]
    assert message.to == [f"Rita Rep <{rep.email}>"]


def test_a_rep_whose_manager_left_is_moved_before_being_invited_again(admin_client, org, admin):
    manager = ManagerFactory(organisation=org)
    rep = RepFactory(organisation=org, manager=manager)
    services.person_deactivate(by=admin, person=rep)
    services.person_deactivate(by=admin, person=manager)
    mail.outbox.clear()

    response = admin_client.post(reverse("reps:person_reinvite", args=[rep.pk]))

    assert response.status_code == 422
    assert "move" in response.text and "to an active manager first" in response.text
    rep.refresh_from_db()
    assert not rep.is_active
    assert mail.outbox == []


def test_an_active_person_is_not_invited_again(admin_client, org):
    rep = RepFactory(organisation=org)
    mail.outbox.clear()

    response = admin_client.post(reverse("reps:person_reinvite", args=[rep.pk]))

    assert response.status_code == 422
    assert mail.outbox == []
