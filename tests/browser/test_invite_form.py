"""The invitation form in a real browser: choosing "Manager" hides the rep-only
fields with CSS alone (``:has()``), and the page passes axe."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey import serious_violations, sign_in
from tests.factories import AdminFactory, ManagerFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_manager_hides_the_rep_only_fields_and_choosing_rep_shows_them(new_page):
    org = OrganisationFactory(name="Acme")
    ManagerFactory(organisation=org, name="Maria Manager")
    AdminFactory(organisation=org, email="ada@example.com", name="Ada Admin")
    page = new_page()
    page.route("**/*.js", lambda route: route.abort())  # works without any script
    sign_in(page, "ada@example.com")
    page.goto("/invite/")
    rep_only = page.locator(".rep-only")

    expect(rep_only).to_be_visible()
    expect(page.get_by_label("Coached by")).to_be_visible()
    expect(page.get_by_label("1:1 weekday")).to_be_visible()
    page.get_by_role("radio", name="Manager").check()
    expect(rep_only).to_be_hidden()
    expect(page.get_by_label("Time zone")).to_be_visible()
    assert serious_violations(page) == [], json.dumps(serious_violations(page), indent=2)
    page.get_by_role("radio", name="Rep").check()
    expect(rep_only).to_be_visible()
    assert serious_violations(page) == [], json.dumps(serious_violations(page), indent=2)
