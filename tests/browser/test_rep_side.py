"""The rep's side in a real browser at phone width: "Deal" in one tap, then
"Need help" in one tap, without a page reload; the manager sees both on the
team page, in words."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from commitments.models import Commitment, RepPulse
from commitments.services import CommitmentSpec, commitment_create
from reminders.models import Reminder
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_journey import sign_in
from tests.factories import ManagerFactory, OrganisationFactory, RepFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_THING = "Book the next meeting before hanging up"


def test_the_rep_says_deal_and_asks_for_help_in_one_tap_each(new_page):
    org = OrganisationFactory(name="Northwind")
    manager = ManagerFactory(organisation=org, name="Maria Manager", email="maria@example.com")
    rep = RepFactory(organisation=org, manager=manager, name="Rita Rep", email="rita@example.com")
    commitment = commitment_create(
        rep=rep,
        by=manager,
        spec=CommitmentSpec(
            behaviour=ONE_THING, check_date=rep.local_today() + dt.timedelta(days=6)
        ),
    )

    phone = new_page(PHONE)
    sign_in(phone, "rita@example.com")
    expect(phone).to_have_url(re.compile(r"/me/$"))
    expect(
        phone.get_by_role("heading", name=re.compile(r"^Say it back: .* Deal\?$"))
    ).to_be_visible()
    phone.evaluate("window.__noReload = 'still the same page'")

    phone.get_by_role("button", name="Deal", exact=True).click()

    expect(phone.get_by_text("Deal. Your manager sees you're on it.")).to_be_visible()
    expect(phone.get_by_role("heading", name=re.compile("Say it back"))).to_have_count(0)
    expect(phone.locator(".hero").get_by_text(re.compile(r"Deal ✓ \w{3}"))).to_be_visible()
    commitment.refresh_from_db()
    assert commitment.accepted_at is not None

    phone.get_by_role("button", name="Need help").click()

    expect(
        phone.get_by_text("Noted: you need help. Your manager has been told today.")
    ).to_be_visible()
    expect(phone.locator("#pulse-latest")).to_contain_text("Your latest answer: Need help")
    assert phone.evaluate("window.__noReload") == "still the same page"
    assert RepPulse.objects.get().answer == "need_help"
    assert Reminder.objects.filter(kind="help", recipient=manager, status="pending").exists()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desk = new_page(DESKTOP)
    sign_in(desk, "maria@example.com")
    row = desk.get_by_role("row", name=re.compile("Rita Rep"))
    expect(row).to_contain_text("Deal ✓")
    expect(row).to_contain_text("Needs help")
    assert Commitment.objects.active().get(rep=rep).pk == commitment.pk
