"""The practice plan in a real browser: the manager attaches a drill and names
the number to watch on the rep page, in place; the rep, on a phone, ticks the
drill off and logs a value in a tap or two, and sees the chart."""

import pytest
from playwright.sync_api import expect

from commitments.models import Drill, IndicatorEntry, PracticeLog
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_reload_marker(page):
    page.evaluate("window.__stillHere = true")
    return lambda: page.evaluate("window.__stillHere === true")


def test_the_manager_plans_practice_and_the_rep_does_it_on_a_phone(new_page, coached_team):
    rep, active = coached_team["rep"], coached_team["active"]

    manager = new_page(DESKTOP)
    sign_in(manager, "maria@example.com")
    manager.goto(f"/reps/{rep.pk}/")
    still_here = no_reload_marker(manager)
    plan = manager.locator("#practice-plan")
    plan.get_by_text("Add a drill or role-play (0 of 3)").click()
    plan.get_by_label("Role-play").check()
    plan.get_by_label("Prompt").fill("The prospect says: “Just send me some information.”")
    plan.get_by_label("Talk track").fill("Agree, ask what made them open it, offer 15 minutes")
    plan.get_by_role("button", name="Add it").click()

    expect(plan.get_by_text("Added: role-play for")).to_be_visible()
    expect(manager.locator("#since-last")).to_contain_text("0 of 1 drill done")
    plan.get_by_label("Leading indicator").fill("discovery calls with 3+ questions")
    plan.get_by_label("Weekly target").fill("5")
    plan.get_by_role("button", name="Save the number to watch").click()
    expect(plan.get_by_text("Saved: discovery calls with 3+ questions, 5 a week.")).to_be_visible()
    assert still_here()
    drill = Drill.objects.get()
    assert (drill.commitment_id, drill.kind) == (active.pk, "roleplay")

    phone = new_page(PHONE)
    sign_in(phone, "rita@example.com")
    phone.goto("/me/")
    still_here = no_reload_marker(phone)
    expect(phone.get_by_text("Just send me some information.")).to_be_visible()
    phone.get_by_role("button", name="Done: tick it off").click()
    expect(phone.get_by_text("Done: role-play. It counts as practice.")).to_be_visible()
    expect(phone.get_by_text("1 of 1 drill done")).to_be_visible()
    expect(phone.get_by_role("button", name="Done: tick it off")).to_have_count(0)

    expect(phone.get_by_text("No values logged yet.")).to_be_visible()
    phone.get_by_label("How many?").fill("4")
    phone.get_by_role("button", name="Log it", exact=True).click()
    expect(phone.get_by_text("4 this week so far, target 5 a week.")).to_be_visible()
    chart = phone.get_by_role("img", name="Discovery calls with 3+ questions per week")
    expect(chart).to_be_visible()
    expect(chart.locator("line.ic-target")).to_have_attribute("data-target", "5")
    assert still_here()
    assert PracticeLog.objects.get().kind == "roleplay"
    assert IndicatorEntry.objects.get().value == 4
    # The phone shows it all without scrolling sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
