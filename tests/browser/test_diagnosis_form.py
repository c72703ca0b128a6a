"""The check form's diagnosis, in a real browser: it works with JavaScript
switched off (plain form posts, every choice a labelled radio group), and
the rep page with the tree, the chase of a "not sure yet" and the beyond
coaching notice passes axe.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from commitments.models import Check, Commitment
from tests.browser.test_accessibility import check as axe_check
from tests.browser.test_journey import sign_in
from tests.factories import (
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coached():
    org = OrganisationFactory(name="Northwind")
    manager = ManagerFactory(organisation=org, name="Maria Manager", email="maria@example.com")
    rep = RepFactory(organisation=org, manager=manager, name="Rita Rep", email="rita@x.example")
    today = rep.local_today()
    # Last week's miss, "not sure yet": chased on the page.
    issued = today - dt.timedelta(weeks=2)
    CheckFactory(
        commitment=CommitmentFactory(
            rep=rep, status="missed", issued_on=issued, check_date=issued + dt.timedelta(days=7)
        ),
        diagnosis="unsure",
    )
    active = CommitmentFactory(
        rep=rep, issued_on=today - dt.timedelta(days=7), check_date=today, attempt=2
    )
    # A second rep beyond coaching: three misses, each will or transfer.
    stuck = RepFactory(organisation=org, manager=manager, name="Sid Stuck")
    for weeks_ago, diagnosis in ((3, "will"), (2, "transfer"), (1, "will")):
        issued = today - dt.timedelta(weeks=weeks_ago)
        CheckFactory(
            commitment=CommitmentFactory(
                rep=stuck,
                status="missed",
                issued_on=issued,
                check_date=issued + dt.timedelta(days=7),
            ),
            diagnosis=diagnosis,
        )
    return {"manager": manager, "rep": rep, "active": active, "stuck": stuck}


def test_a_miss_is_diagnosed_and_re_issued_with_javascript_off(browser, live_server, coached):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    rep, active = coached["rep"], coached["active"]
    sign_in(page, "maria@example.com")
    page.goto(f"/reps/{rep.pk}/")
    update = page.locator(
        "form", has=page.get_by_role("button", name="Save the check and what's next")
    )

    # Refused without a diagnosis: the message names the first question.
    update.get_by_label("Missed", exact=True).check()
    update.get_by_role("button", name="Save the check and what's next").click()
    expect(page.locator("#id_diagnosis_error")).to_contain_text("Did the rep attempt it?")
    assert Check.objects.filter(commitment=active).count() == 0

    # The tree, one radio group per question, then the fix it leads to.
    update = page.locator(
        "form", has=page.get_by_role("button", name="Save the check and what's next")
    )
    update.get_by_role("group", name="Did the rep attempt it?").get_by_label("No").check()
    update.get_by_role("group", name="Do they buy the why?").get_by_label("Yes").check()
    update.get_by_role("group", name="Did they have the time?").get_by_label("No").check()
    update.get_by_label("System: the competing task to remove").fill("The 9 a.m. stand-up")
    update.get_by_label("Same one thing again, with a new check date").check()
    update.get_by_role("button", name="Save the check and what's next").click()

    expect(page.get_by_text("Checked: missed").first).to_be_visible()
    check = Check.objects.get(commitment=active)
    assert (check.diagnosis, check.attempted, check.buys_why, check.has_time) == (
        "system",
        False,
        True,
        False,
    )
    again = Commitment.objects.active().get(rep=rep)
    assert (again.reissue_of_id, again.attempt) == (active.pk, 3)
    context.close()


def test_the_rep_pages_with_the_diagnosis_pass_axe(new_page, coached):
    page = new_page()
    sign_in(page, "maria@example.com")
    problems = []
    for rep in (coached["rep"], coached["stuck"]):
        page.goto(f"/reps/{rep.pk}/")
        expect(page.get_by_role("heading", name=rep.name, level=1)).to_be_visible()
        problems += axe_check(page, f"/reps/{rep.pk}/")["blocking"]
    page.goto(f"/reps/{coached['rep'].pk}/")
    expect(page.get_by_text("Last week's miss is not diagnosed yet")).to_be_visible()
    page.goto(f"/reps/{coached['stuck'].pk}/")
    expect(page.get_by_text("Beyond coaching?")).to_be_visible()

    assert problems == [], problems
