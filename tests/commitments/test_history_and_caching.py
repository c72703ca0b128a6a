"""What the Back button and caches get: whole pages for htmx's history
restore, ``Vary: HX-Request`` wherever a partial and its page share a URL,
and pages that are never stored, so Back after a save shows the loop as it
is now.

Decision: no page is stored, signed in or not. Every page carries a CSRF
token (``<body hx-headers>``, and the form's own field), and a stored copy
would post a token that signing in or out has since rotated; the anonymous
pages (sign-in, password reset, the signed email-settings and unsubscribe
links) also show state a save changes. Only static files (WhiteNoise) and
non-HTML answers (``/healthz/``) may be cached.
"""

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

from reminders.emails import preferences_token
from tests.commitments.history import team_with_history
from tests.commitments.test_weekly_update import weekly_update
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HISTORY_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


@pytest.fixture
def rep_with_history(manager):
    # 13 checked weeks: two pages of history (12 a page).
    (rep,) = team_with_history(manager, reps=1, weeks=13)
    return rep


def varies_on_hx_request(response) -> bool:
    vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}
    return "hx-request" in vary


def never_stored(response) -> bool:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    return "no-store" in directives and get_max_age(response) == 0


def test_htmx_s_history_restore_request_gets_the_whole_page(manager_client, rep_with_history):
    page = reverse("commitments:rep_detail", kwargs={"rep_id": rep_with_history.pk})

    response = manager_client.get(f"{page}?page=2", headers=HISTORY_RESTORE)

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<!doctype html>")
    assert "<html" in response.text
    assert "Page 2 of 2" in response.text
    assert "How did the one thing go?" in response.text


def test_a_plain_htmx_request_for_a_history_page_gets_only_the_history(
    manager_client, rep_with_history
):
    page = reverse("commitments:rep_detail", kwargs={"rep_id": rep_with_history.pk})

    response = manager_client.get(f"{page}?page=2", headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Page 2 of 2" in response.text
    assert "How did the one thing go?" not in response.text
    assert varies_on_hx_request(response)


def test_the_same_history_address_without_htmx_is_the_whole_page(manager_client, rep_with_history):
    page = reverse("commitments:rep_detail", kwargs={"rep_id": rep_with_history.pk})

    response = manager_client.get(f"{page}?page=2")

    assert "<html" in response.text
    assert "Page 2 of 2" in response.text
    assert varies_on_hx_request(response)


def test_every_signed_in_page_and_partial_varies_on_hx_request_and_is_never_stored(
    client, manager, rep, active
):
    rep_page = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})
    update = reverse("commitments:weekly_update", kwargs={"rep_id": rep.pk})
    client.force_login(manager)
    responses = {
        "team page": client.get(reverse("commitments:team")),
        "rep page": client.get(rep_page),
        "rep history partial": client.get(f"{rep_page}?page=1", headers=HTMX),
        "invite page": client.get(reverse("reps:invite")),
        "email settings": client.get(reverse("reminders:preferences")),
        "update with errors (partial)": client.post(
            update, weekly_update(active, outcome=""), headers=HTMX
        ),
        "saved update (partial)": client.post(update, weekly_update(active), headers=HTMX),
    }
    client.force_login(rep)
    responses["my one thing"] = client.get(reverse("commitments:my_one_thing"))
    responses["logged practice (partial)"] = client.post(
        reverse("commitments:practice_new"),
        {"kind": "drill", "practiced_on": "2026-11-30"},
        headers=HTMX,
    )
    responses["logged practice (redirect)"] = client.post(
        reverse("commitments:practice_new"), {"kind": "live", "practiced_on": "2026-11-30"}
    )

    assert {name: r.status_code for name, r in responses.items()} == {
        "team page": 200,
        "rep page": 200,
        "rep history partial": 200,
        "invite page": 200,
        "email settings": 200,
        "update with errors (partial)": 422,
        "saved update (partial)": 200,
        "my one thing": 200,
        "logged practice (partial)": 200,
        "logged practice (redirect)": 302,
    }
    assert [name for name, r in responses.items() if not varies_on_hx_request(r)] == []
    assert [name for name, r in responses.items() if not never_stored(r)] == []


def test_the_organisation_page_is_never_stored_either(client, manager):
    client.force_login(AdminFactory(organisation=manager.organisation))

    response = client.get(reverse("commitments:organisation"))

    assert response.status_code == 200
    assert varies_on_hx_request(response)
    assert never_stored(response)


def anonymous_pages(rep) -> dict[str, str]:
    token = preferences_token(rep.pk, "nudge")
    return {
        "sign-in": reverse("login"),
        "password reset": reverse("password_reset"),
        "signed email settings link": reverse("reminders:manage", kwargs={"token": token}),
        "one-click unsubscribe page": reverse("reminders:unsubscribe", kwargs={"token": token}),
    }


def test_anonymous_pages_vary_on_hx_request_and_are_never_stored(client, rep):
    responses = {name: client.get(path) for name, path in anonymous_pages(rep).items()}

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 200)
    assert all('"X-CSRFToken"' in r.text for r in responses.values())
    assert [name for name, r in responses.items() if not varies_on_hx_request(r)] == []
    assert [name for name, r in responses.items() if not never_stored(r)] == []


def test_the_client_redirect_to_sign_in_varies_on_hx_request_too(client, rep):
    page = reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})

    response = client.get(page, headers=HTMX)

    assert response.headers["HX-Redirect"].startswith(reverse("login"))
    assert varies_on_hx_request(response)


def test_the_health_probe_is_not_a_page_and_is_left_cacheable(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert "Cache-Control" not in response.headers
