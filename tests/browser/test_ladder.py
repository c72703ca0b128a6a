"""The ladder and a spaced re-check, in a real browser.

The manager answers "Still running …?" while a half-typed weekly update sits
below it: only the re-check's slot is swapped, what was typed stays. The rep
sees the ladder and the re-check on their phone. Both pages pass axe.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commitments.models import Commitment, StandingRecheck
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_journey import serious_violations, sign_in
from tests.factories import (
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIDENCE = "Showed me eight of the ten emails."


@pytest.fixture
def ladder():
    org = OrganisationFactory(name="Northwind")
    manager = ManagerFactory(organisation=org, name="Maria Manager", email="maria@example.com")
    rep = RepFactory(organisation=org, manager=manager, name="Rita Rep", email="rita@example.com")
    today = rep.local_today()
    kept_on = today - dt.timedelta(weeks=3)
    first = CommitmentFactory(
        rep=rep,
        behaviour="Open every call with the trigger event",
        status=Commitment.Status.KEPT,
        issued_on=kept_on - dt.timedelta(weeks=1),
        check_date=kept_on,
    )
    CheckFactory(
        commitment=first,
        checked_on=kept_on,
        checked_at=timezone.now() - dt.timedelta(weeks=3),
    )
    CommitmentFactory(
        rep=rep,
        behaviour="Ask two discovery questions before the demo",
        issued_on=today,
        check_date=today + dt.timedelta(days=7),
        builds_on=first,
    )
    return {"rep": rep, "kept_on": kept_on}


def test_the_manager_answers_a_re_check_without_losing_the_update_and_the_rep_sees_it(
    new_page, ladder
):
    rep = ladder["rep"]
    page = new_page(DESKTOP)
    sign_in(page, "maria@example.com")
    page.goto(f"/reps/{rep.pk}/")
    expect(page.get_by_role("heading", name="The ladder: standing behaviours")).to_be_visible()
    assert serious_violations(page) == []

    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))
    update.get_by_label("What did the rep show you?").fill(EVIDENCE)
    recheck = page.locator("#recheck")
    expect(recheck.get_by_role("heading")).to_have_text(
        "Still running “Open every call with the trigger event”?"
    )
    recheck.get_by_label("Yes, still running").check()
    recheck.get_by_role("button", name="Save the answer").click()

    expect(
        page.get_by_text("Noted: “Open every call with the trigger event” is still running.")
    ).to_be_visible()
    expect(page.locator("#recheck")).to_have_count(0)
    expect(update.get_by_label("What did the rep show you?")).to_have_value(EVIDENCE)
    assert StandingRecheck.objects.get().still_running

    phone = new_page(PHONE)
    sign_in(phone, "rita@example.com")
    phone.goto("/me/")
    ladder_section = phone.locator("#ladder")
    expect(ladder_section).to_contain_text("Now: Ask two discovery questions before the demo")
    expect(ladder_section).to_contain_text("builds on “Open every call with the trigger event”")
    expect(ladder_section).to_contain_text(re.compile(r"re-checked \d+ \w+: still running"))
    assert serious_violations(phone) == []
