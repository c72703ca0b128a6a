"""The Back button and links into a page, in a real browser.

After a save swapped in by htmx, leaving the page and pressing Back shows the
loop as it is now (pages are never stored), not the form that was just sent.
The prompt email's "Record the check" link (``/reps/<id>/#check``) lands with
the keyboard in the check form.
"""

import re

import pytest
from playwright.sync_api import expect

from commitments.models import Commitment
from tests.browser.conftest import DESKTOP
from tests.browser.test_journey import NEXT_ONE, sign_in
from tests.browser.test_session_expiry import sign_in_here

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_after_a_saved_update_shows_the_saved_state_not_the_old_form(new_page, coached_team):
    rep, active = coached_team["rep"], coached_team["active"]
    page = new_page(DESKTOP)
    sign_in(page, "maria@example.com")
    page.goto(f"/reps/{rep.pk}/")
    expect(page.locator(".hero .behaviour")).to_have_text(active.behaviour)
    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))
    update.get_by_label("Kept", exact=True).check()
    update.get_by_label("What did the rep show you?").fill("Ten emails, three replies.")
    update.get_by_label("Keep it as a standing behaviour").check()
    update.get_by_text("The next one thing (for layering or a different one)").click()
    update.get_by_label("The one thing").fill(NEXT_ONE)
    update.get_by_role("button", name=re.compile("Save the check")).click()
    expect(page.locator(".hero .behaviour")).to_have_text(NEXT_ONE)
    layered = Commitment.objects.active().get(rep=rep)

    page.get_by_role("link", name="← My team").click()
    expect(page.get_by_role("heading", name="My team", level=1)).to_be_visible()
    page.go_back()

    expect(page).to_have_url(re.compile(rf"/reps/{rep.pk}/$"))
    expect(page.locator(".hero .behaviour")).to_have_text(NEXT_ONE)
    # The form is the next round's, about the new one thing: not last week's, sent again.
    expect(page.locator('input[name="commitment_id"]')).to_have_value(str(layered.pk))
    expect(page.get_by_label("What did the rep show you?")).to_have_value("")


def test_the_record_the_check_link_puts_the_keyboard_in_the_check_form(new_page, coached_team):
    rep = coached_team["rep"]
    page = new_page(DESKTOP)
    sign_in(page, "maria@example.com")

    page.goto(f"/reps/{rep.pk}/#check")

    check = page.locator("#check")
    expect(check.get_by_role("heading", name="How did the one thing go?")).to_be_visible()
    expect(check.get_by_label("Kept", exact=True)).to_be_focused()
    expect(check).to_be_in_viewport()


def test_the_record_the_check_link_opened_signed_out_lands_in_the_check_form_after_sign_in(
    new_page, coached_team
):
    rep = coached_team["rep"]
    page = new_page(DESKTOP)

    page.goto(f"/reps/{rep.pk}/#check")
    sign_in_here(page, "maria@example.com")

    expect(page).to_have_url(re.compile(rf"/reps/{rep.pk}/#check$"))
    expect(page.locator("#check").get_by_label("Kept", exact=True)).to_be_focused()
