"""A session that expires while someone is typing loses nothing.

htmx is told to go to sign-in as a whole page (``HX-Redirect``), coming back
to the page the person was on; what they typed waits in the (anonymous)
session, which survives signing in, and fills the form again, once.
"""

import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from commitments.models import Check, Commitment, PracticeLog
from tests.commitments.test_weekly_update import first_commitment, weekly_update
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
STALE_TOKEN = "csrf-token-from-the-session-that-expired"
EVIDENCE = "Typed before the session ran out: ten emails, three replies."


def expire(client) -> None:
    """What the server does when a session runs out: the row is gone, the
    browser still sends the cookie."""
    Session.objects.filter(session_key=client.session.session_key).delete()


def htmx_from(client, page: str) -> dict:
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}


def sign_in_again(client, manager, page: str):
    return client.post(
        f"{LOGIN}?next={page}",
        {"username": manager.email, "password": PASSWORD, "next": page},
    )


def test_an_expired_htmx_save_is_sent_to_sign_in_as_a_whole_page_coming_back_here(
    manager_client, active, rep_page, update_url
):
    expire(manager_client)

    response = manager_client.post(
        update_url, weekly_update(active), headers=htmx_from(manager_client, rep_page)
    )

    # 200 with HX-Redirect: htmx navigates the whole window, nothing is swapped in.
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"{LOGIN}?next={rep_page}"
    assert response.content == b""
    assert not Check.objects.exists()
    assert Commitment.objects.get(pk=active.pk).status == Commitment.Status.ACTIVE


def test_an_expired_htmx_request_without_a_current_url_comes_back_to_what_it_asked_for(
    manager_client, rep_page
):
    expire(manager_client)

    response = manager_client.get(f"{rep_page}?page=2", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"{LOGIN}?next={rep_page}%3Fpage%3D2"


def test_an_expired_form_post_without_htmx_is_an_ordinary_redirect_to_sign_in(
    manager_client, active, update_url
):
    expire(manager_client)

    response = manager_client.post(update_url, weekly_update(active))

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={update_url}"
    assert "HX-Redirect" not in response.headers
    assert not Check.objects.exists()


def test_after_signing_in_again_the_typed_update_is_back_in_the_form_and_nothing_is_saved(
    manager_client, manager, active, rep_page, update_url
):
    expire(manager_client)
    manager_client.post(
        update_url,
        weekly_update(active, evidence=EVIDENCE, csrfmiddlewaretoken=STALE_TOKEN),
        headers=htmx_from(manager_client, rep_page),
    )

    signed_in = sign_in_again(manager_client, manager, rep_page)
    assert signed_in.url == rep_page
    page = manager_client.get(rep_page).text

    assert EVIDENCE in page
    assert "Great openers this week." in page  # the shared notes
    assert "Ready for more stretch." in page  # the private notes
    assert 'value="Book the next meeting before hanging up"' in page
    assert re.search(r'value="kept" required id="id_outcome_kept"[^>]* checked>', page)
    assert re.search(r'value="layer" id="id_next_step_layer"[^>]*\bchecked', page)
    assert not Check.objects.exists()
    assert Commitment.objects.get(pk=active.pk).status == Commitment.Status.ACTIVE


def test_the_kept_draft_leaves_out_the_old_csrf_token(
    manager_client, manager, active, rep_page, update_url
):
    expire(manager_client)
    manager_client.post(
        update_url,
        weekly_update(active, csrfmiddlewaretoken=STALE_TOKEN),
        headers=htmx_from(manager_client, rep_page),
    )

    draft = manager_client.session["drafts"][update_url]
    assert "csrfmiddlewaretoken" not in draft
    assert draft["evidence"] == ["Showed me the ten emails in the CRM."]
    sign_in_again(manager_client, manager, rep_page)
    assert STALE_TOKEN not in manager_client.get(rep_page).text


def test_a_draft_is_restored_once_only(manager_client, manager, active, rep_page, update_url):
    expire(manager_client)
    manager_client.post(
        update_url,
        weekly_update(active, evidence=EVIDENCE),
        headers=htmx_from(manager_client, rep_page),
    )
    sign_in_again(manager_client, manager, rep_page)

    first = manager_client.get(rep_page).text
    second = manager_client.get(rep_page).text

    assert EVIDENCE in first
    assert EVIDENCE not in second
    assert "drafts" not in manager_client.session or not manager_client.session["drafts"]


def test_the_typed_update_is_kept_for_a_form_post_without_htmx_too(
    manager_client, manager, active, rep_page, update_url
):
    expire(manager_client)
    asked = manager_client.post(update_url, weekly_update(active, evidence=EVIDENCE))

    # Sign-in returns to the form's address, whose GET leads to the rep page.
    signed_in = sign_in_again(manager_client, manager, update_url)
    assert asked.url == f"{LOGIN}?next={update_url}"
    page = manager_client.get(signed_in.url, follow=True)

    assert page.redirect_chain[-1][0] == rep_page
    assert EVIDENCE in page.text
    assert not Check.objects.exists()


def test_a_new_one_thing_typed_before_the_session_expired_is_back_after_signing_in(
    manager_client, manager, rep, rep_page, new_url
):
    expire(manager_client)
    behaviour = "Open every discovery call with last quarter numbers"
    manager_client.post(
        new_url,
        first_commitment(behaviour=behaviour),
        headers=htmx_from(manager_client, rep_page),
    )
    sign_in_again(manager_client, manager, rep_page)

    page = manager_client.get(rep_page).text

    assert behaviour in page
    assert "Save the one thing" in page
    assert not Commitment.objects.filter(rep=rep).exists()


def test_a_proposal_typed_before_the_rep_s_session_expired_is_back_after_signing_in(
    rep_client, rep
):
    me = reverse("commitments:my_one_thing")
    behaviour = "Ask for a referral on every closed-won call"
    expire(rep_client)
    asked = rep_client.post(
        reverse("commitments:commitment_propose"),
        {"behaviour": behaviour, "why": "My pipeline fills itself.", "check_date": "2026-12-01"},
        headers=htmx_from(rep_client, me),
    )
    assert asked.headers["HX-Redirect"] == f"{LOGIN}?next={me}"

    sign_in_again(rep_client, rep, me)
    page = rep_client.get(me).text

    assert behaviour in page
    assert "My pipeline fills itself." in page
    assert not Commitment.objects.filter(rep=rep).exists()
    assert behaviour not in rep_client.get(me).text


def test_practice_details_typed_before_the_rep_s_session_expired_are_back_after_signing_in(
    rep_client, rep, active
):
    me = reverse("commitments:my_one_thing")
    expire(rep_client)
    rep_client.post(
        reverse("commitments:practice_new"),
        {
            "kind": "roleplay",
            "practiced_on": "2026-11-27",
            "count": "3",
            "note": "Role-played the opener with Sam",
            "idempotency_key": "kept-key-details",
        },
        headers=htmx_from(rep_client, me),
    )
    sign_in_again(rep_client, rep, me)

    page = rep_client.get(me).text

    # The details form is open with what was typed, ready to log.
    assert "<details open>" in page
    assert 'value="Role-played the opener with Sam"' in page
    assert 'value="2026-11-27"' in page
    assert 'value="3"' in page
    assert "kept-key-details" not in page
    assert not PracticeLog.objects.exists()


def test_a_plain_practice_post_after_expiry_comes_back_to_the_rep_s_page(rep_client, rep, active):
    practice = reverse("commitments:practice_new")
    expire(rep_client)
    asked = rep_client.post(practice, {"kind": "drill", "practiced_on": "2026-11-30"})
    assert asked.url == f"{LOGIN}?next={practice}"

    signed_in = sign_in_again(rep_client, rep, practice)
    page = rep_client.get(signed_in.url, follow=True)

    assert page.redirect_chain[-1][0] == reverse("commitments:my_one_thing")
    assert "<details open>" in page.text
    assert not PracticeLog.objects.exists()


def test_a_client_that_never_signed_in_leaves_no_session_behind(client, active, update_url):
    response = client.post(update_url, weekly_update(active), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith(reverse("login"))
    assert not Session.objects.exists()


def test_an_outsized_post_after_expiry_is_not_kept(manager_client, manager, active, update_url):
    manager_client.logout()  # the browser keeps a session cookie, the session is gone
    manager_client.cookies["sessionid"] = "made-up"

    response = manager_client.post(
        update_url, weekly_update(active, evidence="x" * 100_000), headers={"HX-Request": "true"}
    )

    assert response.headers["HX-Redirect"].startswith(reverse("login"))
    assert not any("drafts" in s.get_decoded() for s in Session.objects.all())
