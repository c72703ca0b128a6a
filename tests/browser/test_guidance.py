"""Guidance in a real browser: the wording hint appears as the manager
types, a proven one thing picked swaps the form in place (no page load), and
the rep answers ramp mode's daily question in one tap on a phone."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from commitments.models import Commitment, DailyAnswer
from reps.models import User
from tests.browser.conftest import PHONE
from tests.browser.test_phone_width import sign_in
from tests.factories import CommitmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_REWRITE = "Send 10 personalised first-touch emails using the trigger-event opener"


def test_the_manager_sees_a_rewrite_as_they_type_and_picks_a_proven_one_thing(
    new_page, coached_team
):
    nora = coached_team["nora"]
    page = new_page()
    sign_in(page, "maria@example.com")
    page.goto(f"/reps/{nora.pk}/")
    page.evaluate("window.loadedOnce = true")

    page.locator("#id_behaviour").press_sequentially("prospect more", delay=20)

    hint = page.locator("#id_behaviour-hint")
    expect(hint).to_contain_text("“prospect more” is hard to check")
    expect(hint).to_contain_text(SEED_REWRITE)

    page.get_by_text("Start from a proven one thing").click()
    page.get_by_role("link", name="A protected power hour of cold calls").click()

    expect(page.locator("#id_behaviour")).to_have_value(
        "Run a protected power hour of cold calls before the stand-up"
    )
    expect(page.locator("#id_target_count")).to_have_value("25")
    # Swapped in place by htmx: the page was not loaded again.
    assert page.evaluate("window.loadedOnce") is True

    page.locator("#id_target_count").fill("15")
    page.get_by_role("button", name="Save the one thing").click()

    expect(page.locator(".hero .behaviour")).to_have_text(
        "Run a protected power hour of cold calls before the stand-up"
    )
    assert Commitment.objects.get(rep=nora).target_count == 15


def test_a_new_rep_answers_the_daily_question_in_one_tap_on_a_phone(new_page, coached_team):
    nora = coached_team["nora"]
    User.objects.filter(pk=nora.pk).update(
        start_date=nora.local_today() - dt.timedelta(days=2), ramp=User.Ramp.ON
    )
    CommitmentFactory(rep=nora, check_date=nora.local_today() + dt.timedelta(days=5))
    page = new_page(PHONE)
    sign_in(page, "nora@example.com")
    page.goto("/me/")

    page.get_by_role("button", name="Yes, I did it").click()

    expect(page.locator("#daily")).to_contain_text("Today: ✓ yes, you did it")
    answer = DailyAnswer.objects.get(rep=nora)
    assert (answer.day, answer.did_it) == (nora.local_today(), True)
