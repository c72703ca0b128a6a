"""A company signs up in a real browser: the form, the emailed link (sent by
the worker's sweep), the confirmation, and the organisation page's first
steps; the pages pass axe."""

import json

import pytest
from django.core import mail
from playwright.sync_api import expect

from reminders.services import reminder_dispatch_due
from reps.models import User
from tests.browser.test_journey import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_company_signs_up_confirms_its_email_and_sees_its_first_steps(new_page, settings):
    settings.SIGNUP_ENABLED = True
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Start it for your team").click()

    assert serious_violations(page) == [], json.dumps(serious_violations(page), indent=2)
    page.get_by_label("Organisation name").fill("Acme Sales")
    page.get_by_label("Your name").fill("Ada Admin")
    page.get_by_label("Work email address").fill("ada@acme.example")
    page.get_by_label("Password").fill("plum-otter-lantern-92")
    page.get_by_label("Your time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Create my organisation").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    reminder_dispatch_due(plan=False)  # the worker
    [message] = mail.outbox
    [url] = [word for word in message.body.split() if "/signup/verify/" in word]
    page.goto(url[url.index("/signup/verify/") :])
    page.get_by_role("button", name="Confirm and open CoachLoop").click()

    expect(page.get_by_role("heading", name="Get your team started")).to_be_visible()
    expect(page.get_by_text("Welcome to CoachLoop, Ada Admin")).to_be_visible()
    assert serious_violations(page) == [], json.dumps(serious_violations(page), indent=2)
    page.get_by_role("link", name="Invite a manager").click()
    expect(page.get_by_role("radio", name="Manager")).to_be_checked()
    assert User.objects.get(email="ada@acme.example").is_active
