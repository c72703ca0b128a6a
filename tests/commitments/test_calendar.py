"""Each person's secret, revocable calendar feed of the checks coming up,
parsed back with icalendar: valid, and at the right moment in the right zone."""

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import (
    AdminFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
HONOLULU = zoneinfo.ZoneInfo("Pacific/Honolulu")


@pytest.fixture
def team():
    """A New York manager; two Honolulu reps with 1:1s at 10:00 their time,
    checked either side of the US DST change (Sunday 14 March 2027)."""
    org = OrganisationFactory(name="Acme")
    maria = ManagerFactory(organisation=org, name="Maria Manager", timezone="America/New_York")
    hana = RepFactory(
        organisation=org,
        manager=maria,
        name="Hana Rep",
        timezone="Pacific/Honolulu",
        one_on_one_time=dt.time(10, 0),
    )
    kai = RepFactory(
        organisation=org,
        manager=maria,
        name="Kai Rep",
        timezone="Pacific/Honolulu",
        one_on_one_time=dt.time(10, 0),
    )
    before = CommitmentFactory(
        rep=hana,
        behaviour="Ten emails with the trigger-event opener",
        issued_on=dt.date(2027, 3, 2),
        check_date=dt.date(2027, 3, 9),
    )
    after = CommitmentFactory(
        rep=kai,
        behaviour="Ask for the next step on every call",
        issued_on=dt.date(2027, 3, 9),
        check_date=dt.date(2027, 3, 16),
    )
    otto = ManagerFactory(organisation=org, name="Otto Manager")
    CommitmentFactory(rep=RepFactory(organisation=org, manager=otto, name="Oscar Rep"))
    return {"maria": maria, "hana": hana, "kai": kai, "before": before, "after": after}


def make_link(client, person) -> str:
    client.force_login(person)
    response = client.post(reverse("commitments:calendar_link"))
    assert response.status_code == 302
    person.refresh_from_db()
    page = client.get(reverse("commitments:calendar_link")).content.decode()
    feed = reverse("commitments:calendar_feed", kwargs={"token": person.calendar_token})
    assert feed in page
    client.logout()
    return feed


def fetch(client, feed: str) -> icalendar.Calendar:
    response = client.get(feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_a_managers_feed_has_each_reps_1_1_in_the_reps_zone_across_a_dst_change(client, team):
    feed = make_link(client, team["maria"])

    calendar = fetch(client, feed)  # signed out: the link is the credential

    events = {e["summary"]: e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "1:1 with Hana Rep: how did the one thing go?",
        "1:1 with Kai Rep: how did the one thing go?",
    }
    hana = events["1:1 with Hana Rep: how did the one thing go?"]
    kai = events["1:1 with Kai Rep: how did the one thing go?"]
    assert hana.start.tzinfo.key == "Pacific/Honolulu"
    assert hana.start == dt.datetime(2027, 3, 9, 10, 0, tzinfo=HONOLULU)
    assert hana.start.astimezone(dt.UTC) == dt.datetime(2027, 3, 9, 20, 0, tzinfo=dt.UTC)
    # 10:00 in Honolulu (no DST) is 15:00 in New York in winter, 16:00 once DST starts.
    assert hana.start.astimezone(NEW_YORK).time() == dt.time(15, 0)
    assert kai.start.astimezone(NEW_YORK).time() == dt.time(16, 0)
    assert hana.end - hana.start == dt.timedelta(minutes=30)
    assert hana["description"].startswith("Ten emails with the trigger-event opener")
    assert kai["description"].startswith("Ask for the next step on every call")
    # The calendar carries the zone it names.
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Pacific/Honolulu"]


def test_a_reps_feed_has_their_own_check_at_their_1_1(client, team):
    feed = make_link(client, team["hana"])

    calendar = fetch(client, feed)

    [event] = calendar.walk("VEVENT")
    assert event["summary"] == "1:1 with Maria Manager: check your one thing"
    assert event.start == dt.datetime(2027, 3, 9, 10, 0, tzinfo=HONOLULU)
    assert event["description"].startswith("Ten emails with the trigger-event opener")


def test_event_uids_are_stable_from_one_fetch_to_the_next(client, team, clock):
    feed = make_link(client, team["maria"])

    first = {str(e["uid"]) for e in fetch(client, feed).walk("VEVENT")}
    clock.move_to("2026-12-01 09:00:00+00:00")
    second = {str(e["uid"]) for e in fetch(client, feed).walk("VEVENT")}

    assert first == second
    assert len(first) == 2
    # Named after the site (SITE_URL), not whichever Host the app fetched.
    site = urlsplit(settings.SITE_URL).hostname
    assert all(uid.endswith(f"@{site}") for uid in first)


def test_a_checked_commitment_leaves_the_feed(client, team):
    feed = make_link(client, team["maria"])
    team["after"].status = "kept"
    team["after"].closed_at = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    team["after"].save()

    events = fetch(client, feed).walk("VEVENT")

    assert [str(e["summary"]) for e in events] == ["1:1 with Hana Rep: how did the one thing go?"]


def test_an_org_admins_feed_is_a_valid_empty_calendar(client, team):
    admin = AdminFactory(organisation=team["maria"].organisation)
    feed = make_link(client, admin)

    calendar = fetch(client, feed)

    assert calendar["version"] == "2.0"
    assert calendar.walk("VEVENT") == []


def test_a_new_link_revokes_the_old_one(client, team):
    old = make_link(client, team["maria"])

    new = make_link(client, team["maria"])

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_switching_the_calendar_off_revokes_the_link(client, team):
    feed = make_link(client, team["maria"])
    client.force_login(team["maria"])

    client.post(reverse("commitments:calendar_link"), {"action": "off"})

    team["maria"].refresh_from_db()
    assert team["maria"].calendar_token is None
    assert client.get(feed).status_code == 404
    page = client.get(reverse("commitments:calendar_link")).content.decode()
    assert "Make my calendar link" in page


def test_an_unknown_token_is_a_404(client, team):
    make_link(client, team["maria"])

    feed = reverse("commitments:calendar_feed", kwargs={"token": "not-a-real-token"})

    assert client.get(feed).status_code == 404


def test_a_deactivated_persons_feed_is_a_404(client, team):
    feed = make_link(client, team["hana"])
    team["hana"].is_active = False
    team["hana"].save(update_fields=["is_active"])

    assert client.get(feed).status_code == 404


def test_each_token_opens_only_its_owners_checks(client, team):
    marias = make_link(client, team["maria"])
    hanas = make_link(client, team["hana"])

    kai_behaviour = "Ask for the next step on every call"
    assert kai_behaviour in client.get(marias).content.decode()
    assert kai_behaviour not in client.get(hanas).content.decode()
    assert "Oscar" not in client.get(marias).content.decode()


def test_looking_at_the_calendar_page_makes_no_link(client, team):
    client.force_login(team["maria"])

    page = client.get(reverse("commitments:calendar_link"))

    assert page.status_code == 200
    assert "Make my calendar link" in page.content.decode()
    team["maria"].refresh_from_db()
    assert team["maria"].calendar_token is None


@pytest.mark.parametrize("reps", [pytest.param(2, id="2 reps"), pytest.param(15, id="15 reps")])
def test_a_feed_runs_the_same_two_queries_however_many_reps(
    client, django_assert_max_num_queries, reps
):
    manager = ManagerFactory(organisation=OrganisationFactory())
    for _ in range(reps):
        CommitmentFactory(rep=RepFactory(organisation=manager.organisation, manager=manager))
    feed = make_link(client, manager)

    # The person the token opens; their reps' active commitments.
    with django_assert_max_num_queries(2):
        calendar = fetch(client, feed)

    assert len(calendar.walk("VEVENT")) == reps
