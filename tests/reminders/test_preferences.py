"""Changing or stopping emails: by signed link without signing in, or from settings."""

import datetime as dt
import json

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from reminders.emails import preferences_token
from reminders.models import EmailPreference
from tests.factories import PASSWORD

from .factories import rep_in

pytestmark = pytest.mark.django_db


def manage_url(user, kind="nudge"):
    return reverse("reminders:manage", kwargs={"token": preferences_token(user.pk, kind)})


def csrf_post(client: Client, url: str, data: dict):
    page = client.get(url)
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    token = token or client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_the_signed_link_shows_the_choices_without_signing_in():
    rep = rep_in("Europe/London")
    response = Client().get(manage_url(rep))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Mid-week nudge" in body
    assert "Daily check (ramp mode)" in body
    assert "Weekly digest" not in body  # a rep gets no digest
    assert 'name="csrfmiddlewaretoken"' in body


def test_the_signed_link_stops_and_pauses_emails_without_signing_in():
    rep = rep_in("Europe/London")
    client = Client(enforce_csrf_checks=True)

    response = csrf_post(client, manage_url(rep), {"nudge": "off", "daily": "pause_14"})

    assert response.status_code == 302
    prefs = {p.kind: p for p in EmailPreference.objects.filter(user=rep)}
    assert prefs["nudge"].mode == "off"
    assert (prefs["daily"].mode, prefs["daily"].paused_until) == (
        "paused",
        dt.date(2026, 12, 14),
    )
    assert "Saved" in client.get(response["Location"]).content.decode()


def test_the_signed_link_still_needs_the_csrf_token_to_change_anything():
    rep = rep_in("Europe/London")

    response = Client(enforce_csrf_checks=True).post(manage_url(rep), {"nudge": "off"})

    assert response.status_code == 403
    assert not EmailPreference.objects.exists()


def bad_tokens(rep) -> list[str]:
    token = preferences_token(rep.pk, "nudge")
    other = rep_in("Europe/London")
    # Someone else's id with this person's signature.
    payload = signing.b64_encode(json.dumps({"u": other.pk, "k": "nudge"}).encode()).decode()
    forged = payload + token[token.index(":") :]
    return [token[:-3] + "xyz", forged, "not-a-token", token.split(":")[0]]


def assert_friendly_refusal(response, status: int) -> None:
    """Not the bare 404 page: says what happened and how to get to the settings."""
    assert response.status_code == status
    body = response.content.decode()
    assert "There's nothing here for you" not in body
    if status == 410:
        assert "This link has expired" in body
    else:
        assert "This link is not valid or has expired" in body
    sign_in = f'href="{reverse("login")}?next={reverse("reminders:preferences")}"'
    assert sign_in in body


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gets_the_friendly_page_and_changes_nothing(method):
    rep = rep_in("Europe/London")
    for bad in bad_tokens(rep):
        url = reverse("reminders:manage", kwargs={"token": bad})
        response = getattr(Client(), method)(url, {"nudge": "off"})
        assert_friendly_refusal(response, 404)
    assert not EmailPreference.objects.exists()


@pytest.mark.parametrize("name", ["manage", "unsubscribe"])
def test_a_link_for_someone_deactivated_or_unknown_gets_the_friendly_page(name):
    rep = rep_in("Europe/London")
    gone = reverse(f"reminders:{name}", kwargs={"token": preferences_token(rep.pk, "nudge")})
    unknown = reverse(f"reminders:{name}", kwargs={"token": preferences_token(10**9, "nudge")})
    rep.is_active = False
    rep.save(update_fields=["is_active"])

    for url in (gone, unknown):
        assert_friendly_refusal(Client().get(url), 404)
        response = Client().post(url, {"nudge": "off", "List-Unsubscribe": "One-Click"})
        assert_friendly_refusal(response, 404)
    assert not EmailPreference.objects.exists()


def test_the_settings_page_needs_a_sign_in():
    response = Client().get(reverse("reminders:preferences"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_manager_changes_their_emails_from_the_settings_page():
    manager = rep_in("Europe/London").manager
    client = Client(enforce_csrf_checks=True)
    assert client.login(email=manager.email, password=PASSWORD)

    page = client.get(reverse("reminders:preferences"))
    assert "How did the one thing go?" in page.content.decode()
    response = csrf_post(
        client, reverse("reminders:preferences"), {"prompt": "on", "digest": "off"}
    )

    assert response.status_code == 302
    assert EmailPreference.objects.get(user=manager, kind="digest").mode == "off"
    assert EmailPreference.objects.get(user=manager, kind="prompt").mode == "on"


def test_a_signed_link_expires_after_90_days_and_says_so(client, clock):
    from reminders.emails import preferences_url
    from tests.factories import RepFactory

    rep = RepFactory()
    url = preferences_url(rep.pk, "nudge").removeprefix("http://127.0.0.1:8000")
    assert client.get(url).status_code == 200

    clock.move_to("2027-03-01 09:00:00+00:00")
    response = client.get(url)

    assert_friendly_refusal(response, 410)
