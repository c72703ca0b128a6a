"""Time zones: one canonical list, used by the validator and by every picker."""

import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reps.models import User, validate_timezone
from reps.timezones import TIMEZONES
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

# All loadable by zoneinfo, none of them a zone a person should pick.
NOT_CANONICAL = ["localtime", "posixrules", "Factory", "US/Eastern", "Etc/GMT+5", "Asia/Calcutta"]


def options(page: str, name: str = "timezone") -> list[str]:
    select = re.search(rf'<select[^>]* name="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


def selected(page: str, name: str = "timezone") -> list[str]:
    select = re.search(rf'<select[^>]* name="{name}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)" selected', select)


@pytest.mark.parametrize("zone", NOT_CANONICAL)
def test_a_link_or_system_alias_is_not_a_time_zone_to_pick(zone):
    with pytest.raises(ValidationError):
        validate_timezone(zone)


def test_the_list_is_canonical_iana_zones_and_each_one_loads():
    assert "UTC" in TIMEZONES
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"} <= TIMEZONES
    assert not TIMEZONES & set(NOT_CANONICAL)
    assert 400 < len(TIMEZONES) < 450
    for zone in TIMEZONES:
        validate_timezone(zone)
        zoneinfo.ZoneInfo(zone)


def test_every_zone_offered_on_the_settings_and_invite_pages_is_valid_and_vice_versa(client):
    rep = RepFactory()
    client.force_login(rep.manager)
    settings_page = client.get(reverse("reps:rep_settings", kwargs={"rep_id": rep.pk})).text
    invite_page = client.get(reverse("reps:invite")).text
    client.force_login(AdminFactory(organisation=rep.organisation))
    admin_invite_page = client.get(reverse("reps:invite")).text

    for page in (settings_page, invite_page, admin_invite_page):
        offered = options(page)
        assert len(offered) == len(set(offered))
        assert set(offered) == TIMEZONES
    assert selected(settings_page) == ["Europe/London"]
    assert selected(invite_page) == ["Europe/London"]


def test_localtime_is_refused_in_the_rep_settings(client):
    rep = RepFactory(timezone="Asia/Tokyo")
    client.force_login(rep.manager)

    response = client.post(
        reverse("reps:rep_settings", kwargs={"rep_id": rep.pk}),
        {"one_on_one_weekday": "4", "one_on_one_time": "16:00", "timezone": "localtime"},
    )

    assert response.status_code == 422
    assert 'id="id_timezone_error">' in response.text
    rep.refresh_from_db()
    assert rep.timezone == "Asia/Tokyo"


def test_localtime_is_refused_in_the_invitation(client):
    client.force_login(ManagerFactory())

    response = client.post(
        reverse("reps:invite"),
        {
            "name": "Ivy Invited",
            "email": "ivy@example.com",
            "timezone": "localtime",
            "one_on_one_weekday": "1",
            "one_on_one_time": "10:00",
        },
    )

    assert response.status_code == 422
    assert 'id="id_timezone_error">' in response.text
    assert not User.objects.filter(email="ivy@example.com").exists()


def test_a_zone_stored_before_the_list_was_canonical_shows_as_it_is_not_as_the_first(client):
    # Saved before: the picker must not silently switch it to Africa/Abidjan.
    rep = RepFactory(timezone="US/Eastern")
    client.force_login(rep.manager)

    page = client.get(reverse("reps:rep_settings", kwargs={"rep_id": rep.pk})).text

    assert selected(page) == ["US/Eastern"]
    response = client.post(
        reverse("reps:rep_settings", kwargs={"rep_id": rep.pk}),
        {"one_on_one_weekday": "1", "one_on_one_time": "10:00", "timezone": "US/Eastern"},
    )
    assert response.status_code == 422
    assert 'id="id_timezone_error">' in response.text
