"""Guessing and mail-bombing are limited: sign-in (ours and the admin's) locks
out per account and per client address, and lifts after the cool-off;
password reset and invitation are rate-limited the same two ways."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from reps.models import User
from reps.ratelimits import client_ip
from tests.conftest import FROZEN_AT
from tests.factories import PASSWORD, ManagerFactory, OrganisationFactory, RepFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
RESET = reverse("password_reset")
INVITE = reverse("reps:invite")
START = dt.datetime.fromisoformat(FROZEN_AT)
LOCKED = "Too many failed attempts to sign in"


@pytest.fixture
def limit(settings):
    return settings.AXES_FAILURE_LIMIT


def sign_in(client, email, password, *, url=LOGIN, address="127.0.0.1"):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=address)


def guess(client, email, times, *, url=LOGIN, address="127.0.0.1"):
    return [sign_in(client, email, "wrong", url=url, address=address) for _ in range(times)]


# --- sign-in ---------------------------------------------------------------------------


def test_wrong_passwords_up_to_the_limit_lock_the_account_even_for_the_right_one(client, limit):
    RepFactory(email="pat@example.com")

    *before, last = guess(client, "pat@example.com", limit)

    assert [r.status_code for r in before] == [200] * (limit - 1)
    assert LOCKED not in before[-1].text
    assert last.status_code == 429
    assert LOCKED in last.text
    right = sign_in(client, "pat@example.com", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_out_page_says_when_to_try_again_and_keeps_the_address(client, limit):
    RepFactory(email="pat@example.com")
    guess(client, "pat@example.com", limit)

    page = sign_in(client, "pat@example.com", PASSWORD)

    assert "please try again in 15 minutes." in page.text
    assert 'role="alert"' in page.text
    assert 'value="pat@example.com"' in page.text
    assert page["Retry-After"] == str(15 * 60)
    assert "Forgotten your password?" in page.text


def test_a_locked_out_attempt_hashes_no_password(client, limit):
    RepFactory(email="pat@example.com")
    guess(client, "pat@example.com", limit)

    with mock.patch.object(ModelBackend, "authenticate") as checked:
        page = sign_in(client, "pat@example.com", PASSWORD)

    assert page.status_code == 429
    checked.assert_not_called()


def test_the_lock_out_lifts_after_the_cool_off(client, clock, limit):
    RepFactory(email="pat@example.com")
    guess(client, "pat@example.com", limit)

    clock.move_to(START + dt.timedelta(minutes=10))
    still = sign_in(client, "pat@example.com", PASSWORD)
    assert still.status_code == 429
    assert "try again in 5 minutes" in still.text

    # The refused attempt at 10 minutes did not extend the pause.
    clock.move_to(START + dt.timedelta(minutes=15, seconds=1))
    response = sign_in(client, "pat@example.com", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_another_account_from_another_address_is_unaffected(client, limit):
    RepFactory(email="pat@example.com")
    RepFactory(email="sam@example.com")
    guess(client, "pat@example.com", limit, address="203.0.113.5")

    response = sign_in(client, "sam@example.com", PASSWORD, address="198.51.100.7")

    assert response.status_code == 302


def test_the_account_stays_locked_from_any_address(client, limit):
    RepFactory(email="pat@example.com")
    guess(client, "pat@example.com", limit, address="203.0.113.5")

    response = sign_in(client, "pat@example.com", PASSWORD, address="198.51.100.7")

    assert response.status_code == 429


def test_changing_the_case_of_the_address_counts_against_the_same_account(client, limit):
    RepFactory(email="pat@example.com")
    for n in range(limit):
        sign_in(client, "pat@example.com".upper() if n % 2 else "Pat@Example.com", "wrong")

    assert sign_in(client, "pat@example.com", PASSWORD, address="198.51.100.7").status_code == 429


def test_one_address_guessing_at_many_accounts_is_locked_out(client, limit):
    RepFactory(email="sam@example.com")
    for n in range(limit):
        sign_in(client, f"person{n}@example.com", "wrong", address="203.0.113.5")

    from_there = sign_in(client, "sam@example.com", PASSWORD, address="203.0.113.5")
    from_elsewhere = sign_in(client, "sam@example.com", PASSWORD, address="198.51.100.7")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_the_admin_sign_in_is_locked_out_too(client, limit):
    User.objects.create_superuser("support@example.com", PASSWORD, name="Support")
    guess(client, "support@example.com", limit, url=ADMIN_LOGIN)

    admin = sign_in(client, "support@example.com", PASSWORD, url=ADMIN_LOGIN)
    ours = sign_in(client, "support@example.com", PASSWORD)

    assert admin.status_code == 429
    assert LOCKED in admin.text
    assert ours.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_works_again_after_the_cool_off(client, clock, limit):
    User.objects.create_superuser("support@example.com", PASSWORD, name="Support")
    guess(client, "support@example.com", limit, url=ADMIN_LOGIN)

    clock.move_to(START + dt.timedelta(minutes=16))
    response = sign_in(client, "support@example.com", PASSWORD, url=ADMIN_LOGIN)

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_failures_older_than_the_cool_off_are_forgotten(client, clock, limit):
    RepFactory(email="pat@example.com")
    guess(client, "pat@example.com", limit - 1)

    clock.move_to(START + dt.timedelta(minutes=16))
    guess(client, "pat@example.com", limit - 1)

    assert sign_in(client, "pat@example.com", PASSWORD).status_code == 302


# --- the client's address ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "address"),
    [
        (0, "203.0.113.5", None, "203.0.113.5"),
        # Without a trusted proxy the header is the client's own say: ignored.
        (0, "203.0.113.5", "1.2.3.4", "203.0.113.5"),
        # One proxy: the entry it appended, not what the client sent before it.
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        # Fewer entries than proxies, or garbage: the connection's address.
        (2, "10.0.0.2", "203.0.113.5", "10.0.0.2"),
        (1, "10.0.0.2", "not-an-ip", "10.0.0.2"),
        # IPv6 counts per /64.
        (0, "2001:db8:1:2:aaaa::1", None, "2001:db8:1:2::"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings, proxies, remote, forwarded, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().post("/", **meta)

    assert client_ip(request) == address


def test_behind_a_proxy_clients_are_told_apart_by_x_forwarded_for(client, settings, limit):
    settings.TRUSTED_PROXY_COUNT = 1
    RepFactory(email="sam@example.com")
    for n in range(limit):
        client.post(
            LOGIN,
            {"username": f"person{n}@example.com", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    other_client = client.post(
        LOGIN,
        {"username": "sam@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert other_client.status_code == 302


# --- password reset ---------------------------------------------------------------------


def ask_reset(client, email, address="127.0.0.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_reset_requests_for_one_address_beyond_the_limit_are_refused_and_send_nothing(client):
    rep = RepFactory(email="pat@example.com")

    sent = [ask_reset(client, rep.email, address=f"203.0.113.{n}") for n in range(3)]
    refused = ask_reset(client, "Pat@Example.com", address="198.51.100.7")

    assert [r.status_code for r in sent] == [302] * 3
    assert len(mail.outbox) == 3
    assert refused.status_code == 429
    assert "Too many password reset requests in a short time." in refused.text
    assert "Please try again in " in refused.text
    assert 'role="alert"' in refused.text
    assert 'value="Pat@Example.com"' in refused.text
    assert int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == 3


def test_the_reset_limit_looks_the_same_for_an_address_without_an_account(client):
    RepFactory(email="pat@example.com")
    for _ in range(3):
        ask_reset(client, "pat@example.com")
        ask_reset(client, "nobody@example.com")

    known = ask_reset(client, "pat@example.com")
    unknown = ask_reset(client, "nobody@example.com")

    assert (known.status_code, unknown.status_code) == (429, 429)
    assert same_page(known.text, "pat@") == same_page(unknown.text, "nobody@")


def same_page(html: str, typed: str) -> str:
    """The page without what differs on every request anyway (nonces, tokens, the wait)."""
    html = re.sub(r'(nonce|value)="[^"]*"', r'\1=""', html.replace(typed, "X@"))
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r"try again in \d+ minutes?", "try again in N minutes", html)


def test_one_client_address_asking_for_many_resets_is_refused(client, settings):
    RepFactory(email="pat@example.com")
    allowed = int(settings.RATE_LIMITS["password-reset:address"].split("/")[0])
    for n in range(allowed):
        assert ask_reset(client, f"person{n}@example.com").status_code == 302

    from_there = ask_reset(client, "pat@example.com")
    from_elsewhere = ask_reset(client, "pat@example.com", address="198.51.100.7")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302
    assert len(mail.outbox) == 1


def test_reset_requests_are_accepted_again_after_the_window(client, clock):
    rep = RepFactory(email="pat@example.com")
    for _ in range(4):
        ask_reset(client, rep.email)
    assert len(mail.outbox) == 3

    clock.move_to(START + dt.timedelta(hours=1, minutes=1))
    response = ask_reset(client, rep.email)

    assert response.status_code == 302
    assert len(mail.outbox) == 4


def test_opening_the_reset_page_is_not_counted(client):
    for _ in range(20):
        assert client.get(RESET).status_code == 200

    assert ask_reset(client, "pat@example.com").status_code == 302


# --- invitation ---------------------------------------------------------------------------


@pytest.fixture
def manager():
    return ManagerFactory(organisation=OrganisationFactory(name="Acme"), name="Maria Manager")


def invite(client, n, address="127.0.0.1", **overrides):
    data = {
        "name": f"Invitee {n}",
        "email": f"invitee{n}@example.com",
        "timezone": "Europe/London",
        "one_on_one_weekday": "2",
        "one_on_one_time": "10:00",
        **overrides,
    }
    return client.post(INVITE, data, REMOTE_ADDR=address)


def test_invitations_beyond_a_persons_limit_are_refused_and_send_nothing(client, manager):
    client.force_login(manager)
    for n in range(20):
        assert invite(client, n).status_code == 302

    refused = invite(client, 99, name="Ivy Late", email="ivy@example.com")

    assert refused.status_code == 429
    assert "Too many invitations in a short time. Please try again in " in refused.text
    assert 'value="Ivy Late"' in refused.text
    assert 'value="ivy@example.com"' in refused.text
    assert not User.objects.filter(email="ivy@example.com").exists()
    assert len(mail.outbox) == 20


def test_a_refused_invitation_does_not_say_whether_the_address_has_an_account(
    client, manager, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite:person": "1/h"}
    RepFactory(email="taken@example.com")
    client.force_login(manager)
    invite(client, 1)

    refused = invite(client, 2, email="taken@example.com")

    assert refused.status_code == 429
    assert "already has an account" not in refused.text


def test_another_manager_can_still_invite(client, manager, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite:person": "2/h"}
    client.force_login(manager)
    for n in range(3):
        invite(client, n)

    client.force_login(ManagerFactory(organisation=manager.organisation))
    response = invite(client, 10)

    assert response.status_code == 302


def test_invitations_from_one_client_address_are_limited_across_people(client, manager, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite:address": "2/h"}
    colleague = ManagerFactory(organisation=manager.organisation)
    client.force_login(manager)
    invite(client, 1, address="203.0.113.5")
    invite(client, 2, address="203.0.113.5")
    client.force_login(colleague)

    from_there = invite(client, 3, address="203.0.113.5")
    from_elsewhere = invite(client, 4, address="198.51.100.7")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_invitations_are_accepted_again_after_the_window(client, clock, manager, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite:person": "1/h"}
    client.force_login(manager)
    invite(client, 1)
    assert invite(client, 2).status_code == 429

    clock.move_to(START + dt.timedelta(hours=1, minutes=1))

    assert invite(client, 3).status_code == 302
