"""One-click unsubscribe (RFC 8058): the List-Unsubscribe URL of a reminder
stops that kind of email on a POST from a mail provider, with no session and
no CSRF token; the signed link is the credential."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from reminders.emails import PREFERENCES_LINK_MAX_AGE, preferences_token
from reminders.models import EmailPreference
from reminders.services import reminder_dispatch_due
from reps.models import User
from tests.factories import PASSWORD

from .factories import commit, rep_in
from .test_preferences import assert_friendly_refusal, bad_tokens

UTC = dt.UTC
SITE = "http://127.0.0.1:8000"
ONE_CLICK = "List-Unsubscribe=One-Click"
pytestmark = pytest.mark.django_db


def one_click(url: str):
    """What Gmail or Yahoo send: a cookie-less form POST, CSRF checks on."""
    client = Client(enforce_csrf_checks=True)
    assert not client.cookies
    return client.post(url, ONE_CLICK, content_type="application/x-www-form-urlencoded")


def unsubscribe_path(user, kind="nudge") -> str:
    return reverse("reminders:unsubscribe", kwargs={"token": preferences_token(user.pk, kind)})


def prefs(user) -> dict[str, tuple[str, dt.date | None]]:
    return {p.kind: (p.mode, p.paused_until) for p in EmailPreference.objects.filter(user=user)}


def test_the_header_of_a_real_reminder_stops_that_kind_in_one_click(clock, smtp):
    rep = rep_in("Europe/London", start_date=dt.date(2026, 11, 30), ramp=User.Ramp.AUTO)
    EmailPreference.objects.create(
        user=rep, kind="daily", mode="paused", paused_until=dt.date(2026, 12, 7)
    )
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    smtp.received.clear()
    reminder_dispatch_due()
    [item] = [i for i in smtp.received if i["rcpt_tos"] == [rep.email]]
    message = item["message"]

    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    url = message["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert url.startswith(SITE + "/email/") and url.endswith("/unsubscribe/")
    response = one_click(url.removeprefix(SITE))

    assert response.status_code == 200
    assert "you will not get the mid-week nudge emails any more" in response.text
    assert prefs(rep) == {"nudge": ("off", None), "daily": ("paused", dt.date(2026, 12, 7))}
    assert not EmailPreference.objects.exclude(user=rep).exists()
    # Again (providers retry): still stopped, still 200.
    assert one_click(url.removeprefix(SITE)).status_code == 200
    assert prefs(rep)["nudge"] == ("off", None)


def test_a_get_only_asks_and_changes_nothing():
    rep = rep_in("Europe/London")
    path = unsubscribe_path(rep)

    response = Client().get(path)

    assert response.status_code == 200
    body = response.text
    assert "Stop the mid-week nudge emails?" in body
    assert '<form method="post"' in body
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in body
    token = path.split("/")[2]
    assert f'href="{reverse("reminders:manage", kwargs={"token": token})}"' in body
    assert not EmailPreference.objects.exists()


def test_the_button_on_the_page_stops_it_too():
    manager = rep_in("Europe/London").manager
    client = Client(enforce_csrf_checks=True)
    path = unsubscribe_path(manager, "digest")
    client.get(path)

    response = client.post(path, {"List-Unsubscribe": "One-Click"})  # multipart, as a browser

    assert response.status_code == 200
    assert prefs(manager) == {"digest": ("off", None)}


def test_a_post_without_the_one_click_body_changes_nothing():
    rep = rep_in("Europe/London")

    response = Client(enforce_csrf_checks=True).post(unsubscribe_path(rep), {"nudge": "off"})

    assert response.status_code == 400
    assert not EmailPreference.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_one_click_link_changes_nothing(method):
    rep = rep_in("Europe/London")
    for bad in bad_tokens(rep):
        path = reverse("reminders:unsubscribe", kwargs={"token": bad})
        response = one_click(path) if method == "post" else Client().get(path)
        assert_friendly_refusal(response, 404)
    assert not EmailPreference.objects.exists()


def test_an_expired_one_click_link_changes_nothing(clock):
    rep = rep_in("Europe/London")
    path = unsubscribe_path(rep)
    clock.move_to(dt.datetime(2026, 11, 30, 9, 1, tzinfo=UTC) + PREFERENCES_LINK_MAX_AGE)

    assert_friendly_refusal(one_click(path), 410)
    assert_friendly_refusal(Client().get(path), 410)
    assert not EmailPreference.objects.exists()


def test_a_kind_the_person_no_longer_gets_is_left_alone():
    manager = rep_in("Europe/London").manager  # an old nudge link, from when they were a rep

    response = one_click(unsubscribe_path(manager, "nudge"))

    assert response.status_code == 200
    assert "There is nothing to stop from this link" in response.text
    assert not EmailPreference.objects.exists()


def test_only_the_one_click_view_skips_csrf():
    rep = rep_in("Europe/London")
    signed_in = Client(enforce_csrf_checks=True)
    assert signed_in.login(email=rep.email, password=PASSWORD)
    settings_page = signed_in.post(reverse("reminders:preferences"), {"nudge": "off"})
    token = preferences_token(rep.pk, "nudge")
    manage_page = Client(enforce_csrf_checks=True).post(
        reverse("reminders:manage", kwargs={"token": token}), {"nudge": "off"}
    )

    assert (settings_page.status_code, manage_page.status_code) == (403, 403)
    assert not EmailPreference.objects.exists()
