"""A session that runs out while someone is typing, in a real browser.

The server forgets the session (its row is deleted, as expiry does); the
browser still has the cookie. Pressing save then goes to the sign-in page as a
whole page, and signing in again comes back to the form with everything that
was typed still in it. Nothing is saved until the person saves again.
"""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from commitments.models import Check, Commitment
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_journey import NEXT_ONE, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIDENCE = "Showed me ten emails; typed just before lunch."
SHARED = "Strong openers, keep the trigger events."
PRIVATE = "Ready for more stretch next month."


def expire_session(page) -> None:
    """Expire the browser's session on the server: the cookie stays, the session is gone."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    deleted, _ = Session.objects.filter(session_key=cookie["value"]).delete()
    assert deleted == 1


def sign_in_here(page, email: str) -> None:
    """Sign in on the sign-in page the app sent us to (keeping its ?next=)."""
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def expect_the_whole_sign_in_page(page, next_path: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"/accounts/login/?next={next_path}") + "$"))
    expect(page).to_have_title(re.compile("^Sign in"))
    # A page of its own, not a sign-in form swapped into the loop.
    expect(page.locator("#loop")).to_have_count(0)
    expect(page.locator("form")).to_have_count(1)


def test_an_update_typed_when_the_session_expired_is_still_there_after_signing_in(
    new_page, coached_team
):
    rep, active = coached_team["rep"], coached_team["active"]
    rep_page = f"/reps/{rep.pk}/"
    page = new_page(DESKTOP)
    sign_in(page, "maria@example.com")
    page.goto(rep_page)
    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))

    update.get_by_label("Kept", exact=True).check()
    update.get_by_label("What did the rep show you?").fill(EVIDENCE)
    update.get_by_label("Notes for you both").fill(SHARED)
    update.get_by_label(re.compile("^Private notes")).fill(PRIVATE)
    update.get_by_label("Keep it as a standing behaviour").check()
    update.get_by_text("The next one thing (for layering or a different one)").click()
    update.get_by_label("The one thing").fill(NEXT_ONE)
    expire_session(page)

    with page.expect_response(lambda r: r.url.endswith("/update/")) as sent:
        update.get_by_role("button", name=re.compile("Save the check")).click()
    assert sent.value.headers.get("hx-redirect") == f"/accounts/login/?next={rep_page}"

    expect_the_whole_sign_in_page(page, rep_page)
    assert not Check.objects.filter(commitment=active).exists()
    sign_in_here(page, "maria@example.com")

    expect(page).to_have_url(re.compile(re.escape(rep_page) + "$"))
    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))
    expect(update.get_by_label("Kept", exact=True)).to_be_checked()
    expect(update.get_by_label("What did the rep show you?")).to_have_value(EVIDENCE)
    expect(update.get_by_label("Notes for you both")).to_have_value(SHARED)
    expect(update.get_by_label(re.compile("^Private notes"))).to_have_value(PRIVATE)
    expect(update.get_by_label("Keep it as a standing behaviour")).to_be_checked()
    expect(update.get_by_label("The one thing")).to_have_value(NEXT_ONE)
    # Nothing was saved behind the person's back.
    assert not Check.objects.filter(commitment=active).exists()
    assert Commitment.objects.get(pk=active.pk).status == Commitment.Status.ACTIVE

    # One press of save now finishes what was started.
    update.get_by_role("button", name=re.compile("Save the check")).click()
    expect(page.locator(".hero .behaviour")).to_have_text(NEXT_ONE)
    assert Check.objects.get(commitment=active).evidence == EVIDENCE


def test_a_proposal_typed_when_the_rep_s_session_expired_is_still_there_after_signing_in(
    new_page, coached_team
):
    nora = coached_team["nora"]
    behaviour = "Ask for a referral on every closed-won call"
    page = new_page(PHONE)
    sign_in(page, nora.email)
    expect(page).to_have_url(re.compile(r"/me/$"))
    form = page.locator("form", has=page.get_by_role("button", name="Propose my one thing"))

    form.get_by_label("The one thing").fill(behaviour)
    form.get_by_label("Why it matters to you").fill("My pipeline fills itself.")
    expire_session(page)
    form.get_by_role("button", name="Propose my one thing").click()

    expect_the_whole_sign_in_page(page, "/me/")
    sign_in_here(page, nora.email)

    expect(page).to_have_url(re.compile(r"/me/$"))
    form = page.locator("form", has=page.get_by_role("button", name="Propose my one thing"))
    expect(form.get_by_label("The one thing")).to_have_value(behaviour)
    expect(form.get_by_label("Why it matters to you")).to_have_value("My pipeline fills itself.")
    assert not Commitment.objects.filter(rep=nora).exists()
