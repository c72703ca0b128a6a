"""Everyone's own account: name, time zone and password."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from reminders.models import Reminder
from reminders.services import reminder_schedule_for_rep
from reps.models import User
from tests.factories import PASSWORD, AdminFactory, CommitmentFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("reps:account")
PASSWORD_CHANGE = reverse("reps:password_change")
NEW_PASSWORD = "plum-otter-lantern-92"


@pytest.mark.parametrize("factory", [AdminFactory, ManagerFactory, RepFactory])
def test_everyone_changes_their_own_name_and_time_zone(client, factory):
    person = factory(name="Old Name", timezone="Europe/London")
    client.force_login(person)

    response = client.post(ACCOUNT, {"name": "New Name", "timezone": "Asia/Kolkata"})

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.timezone) == ("New Name", "Asia/Kolkata")


def test_the_time_zone_is_a_searchable_list_of_current_zones_not_every_raw_name(client):
    client.force_login(RepFactory())

    page = client.get(ACCOUNT).content.decode()

    assert 'list="timezone-zones"' in page
    assert '<option value="Europe/London">' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    # Old links and fixed offsets are not offered.
    assert "US/Eastern" not in page and "Etc/GMT+5" not in page
    assert page.count("<option value=") < 450


@pytest.mark.parametrize("zone", ["US/Eastern", "Mars/Olympus_Mons", "localtime", "Etc/GMT+5", ""])
def test_a_zone_not_on_the_list_is_refused(client, zone):
    rep = RepFactory(timezone="Europe/London")
    client.force_login(rep)

    response = client.post(ACCOUNT, {"name": rep.name, "timezone": zone})

    assert response.status_code == 422
    rep.refresh_from_db()
    assert rep.timezone == "Europe/London"


def test_a_zone_typed_with_spaces_is_the_zone(client):
    rep = RepFactory(timezone="Europe/London")
    client.force_login(rep)

    client.post(ACCOUNT, {"name": rep.name, "timezone": "America/New York"})

    rep.refresh_from_db()
    assert rep.timezone == "America/New_York"


@pytest.mark.parametrize("name", ["", "   ", "Evil\nBcc: x@example.com"])
def test_a_blank_or_forged_name_is_refused(client, name):
    rep = RepFactory(name="Rita Rep")
    client.force_login(rep)

    response = client.post(ACCOUNT, {"name": name, "timezone": "Europe/London"})

    assert response.status_code == 422
    rep.refresh_from_db()
    assert rep.name == "Rita Rep"


def test_a_manager_moving_time_zone_re_times_their_prompts(client):
    rep = RepFactory(timezone="Europe/London")
    manager = rep.manager
    manager.timezone = "Europe/London"
    manager.save()
    active = CommitmentFactory(rep=rep, check_date=dt.date(2026, 12, 8))
    reminder_schedule_for_rep(rep_id=rep.pk)
    prompt = Reminder.objects.get(kind="prompt", commitment=active, status="pending")
    before = prompt.scheduled_at
    client.force_login(manager)

    client.post(ACCOUNT, {"name": manager.name, "timezone": "America/Los_Angeles"})

    prompt.refresh_from_db()
    # The same morning hour, now in the manager's new zone.
    assert prompt.scheduled_at != before
    london, los_angeles = ZoneInfo("Europe/London"), ZoneInfo("America/Los_Angeles")
    assert prompt.scheduled_at.astimezone(los_angeles).time() == before.astimezone(london).time()


def test_changing_the_password_keeps_this_session_and_ends_the_others(client):
    rep = RepFactory(email="rita@example.com")
    elsewhere = Client()
    assert client.login(username="rita@example.com", password=PASSWORD)
    assert elsewhere.login(username="rita@example.com", password=PASSWORD)

    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response.url == ACCOUNT
    assert client.get(ACCOUNT).status_code == 200
    assert elsewhere.get(ACCOUNT).status_code == 302
    rep.refresh_from_db()
    assert rep.check_password(NEW_PASSWORD)


def test_the_password_is_not_changed_without_the_current_one(client):
    rep = RepFactory()
    client.force_login(rep)

    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "incorrect" in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_the_account_pages_need_a_signed_in_person(client):
    for url in (ACCOUNT, PASSWORD_CHANGE):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_nav_links_the_account_page_and_for_an_org_admin_the_people_page(client):
    admin = AdminFactory()
    rep = RepFactory(organisation=admin.organisation)
    client.force_login(admin)
    admin_page = client.get(ACCOUNT).content.decode()
    client.force_login(rep)
    rep_page = client.get(ACCOUNT).content.decode()

    assert reverse("reps:people") in admin_page and ACCOUNT in admin_page
    assert reverse("reps:people") not in rep_page and ACCOUNT in rep_page
    assert User.objects.count() == 3
