"""The loop in a real browser: the manager checks last week's one thing and layers
the next, without a page reload; the rep sees it and logs practice with one tap.

Plus an automated accessibility check (axe) of the main pages, and screenshots
at desktop and phone widths in /work/main/screenshots/ (gitignored).
"""

import datetime as dt
import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from commitments.models import Check, Commitment, PracticeLog
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import (
    PASSWORD,
    CheckFactory,
    CoachingSessionFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PracticeLogFactory,
    RepFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_WEEK = "10 personalised first-touch emails with the trigger-event opener"
NEXT_ONE = "Book the next meeting before hanging up"


@pytest.fixture
def team():
    org = OrganisationFactory(name="Northwind")
    manager = ManagerFactory(organisation=org, name="Maria Manager", email="maria@example.com")
    rep = RepFactory(
        organisation=org,
        manager=manager,
        name="Rita Rep",
        email="rita@example.com",
        start_date=timezone.localdate() - dt.timedelta(weeks=5),
    )
    today = rep.local_today()
    # Two checked weeks of history, and last week's commitment due today.
    for weeks_ago, outcome in ((3, "kept"), (2, "missed")):
        issued = today - dt.timedelta(weeks=weeks_ago)
        CheckFactory(
            commitment=CommitmentFactory(
                rep=rep,
                behaviour=f"Week {weeks_ago}: call back inbound leads within an hour",
                status=outcome,
                issued_on=issued,
                check_date=issued + dt.timedelta(days=7),
            ),
            diagnosis="system" if outcome == "missed" else "",
        )
    CoachingSessionFactory(rep=rep)
    active = CommitmentFactory(
        rep=rep, behaviour=LAST_WEEK, issued_on=today - dt.timedelta(days=7), check_date=today
    )
    PracticeLogFactory.create_batch(2, commitment=active)
    RepFactory(organisation=org, manager=manager, name="Nora New")
    return {"manager": manager, "rep": rep, "active": active}


def sign_in(page, email: str):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def serious_violations(page) -> list[dict]:
    results = Axe().run(page)
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_manager_checks_and_layers_then_the_rep_sees_it_and_logs_practice(
    new_page, team, screenshots
):
    rep, active = team["rep"], team["active"]
    page = new_page(DESKTOP)

    # The manager signs in and opens the rep from the team page.
    sign_in(page, "maria@example.com")
    expect(page).to_have_url(re.compile(r"/team/$"))
    expect(page.get_by_role("heading", name="My team", level=1)).to_be_visible()
    page.get_by_role("link", name="Rita Rep").click()
    expect(page.get_by_role("heading", name="Rita Rep", level=1)).to_be_visible()
    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))
    expect(page.get_by_role("heading", name="How did the one thing go?")).to_be_visible()

    # From here on, nothing reloads the page: htmx swaps the loop in place.
    page.evaluate("window.__noReload = 'still the same page'")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # Keyboard only: choose "Kept" with Space, Tab into the evidence and type it.
    update.get_by_label("Kept", exact=True).focus()
    page.keyboard.press("Space")
    expect(update.get_by_label("Kept", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(update.get_by_label("What did the rep show you?")).to_be_focused()
    page.keyboard.type("Showed me ten emails, three replies.")
    # Layer the next one thing: Space on the radio; its fields are open already.
    update.get_by_label("Keep it as a standing behaviour").focus()
    page.keyboard.press("Space")
    expect(update.get_by_label("Keep it as a standing behaviour")).to_be_checked()
    behaviour = update.get_by_label("The one thing")
    expect(behaviour).to_be_visible()
    behaviour.focus()
    page.keyboard.type(NEXT_ONE)
    # Enter in a text field submits the form, the way a keyboard user would.
    with page.expect_response(lambda r: "/update/" in r.url and r.request.method == "POST") as sent:
        page.keyboard.press("Enter")
    assert sent.value.status == 200
    assert sent.value.request.headers.get("hx-request") == "true"

    expect(page.get_by_text(re.compile(r"Checked: kept[.,]"))).to_be_visible()
    expect(page.locator(".hero .behaviour")).to_have_text(NEXT_ONE)
    assert page.evaluate("window.__noReload") == "still the same page"
    assert navigations == []
    # The new one thing and its check date, not a blank check form for it.
    layered = Commitment.objects.active().get(rep=rep)
    expect(
        page.get_by_role("heading", name=f"Next check: {layered.check_date:%A %-d %B}")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="How did the one thing go?")).to_have_count(0)
    assert layered.builds_on_id == active.pk
    assert Check.objects.get(commitment=active).evidence == "Showed me ten emails, three replies."
    page.screenshot(path=screenshots / "rep-after-update-desktop.png", full_page=True)

    # The rep signs in, in a browser of their own, and sees the new one thing.
    phone = new_page(PHONE)
    sign_in(phone, "rita@example.com")
    expect(phone).to_have_url(re.compile(r"/me/$"))
    expect(phone.locator(".hero .behaviour")).to_have_text(NEXT_ONE)
    expect(phone.get_by_text("Practice logged")).to_be_visible()
    phone.evaluate("window.__noReload = 'still the same page'")

    # One tap logs a practice rep.
    phone.get_by_role("button", name="+ Drill today").click()

    expect(phone.get_by_text(re.compile(r"Logged: drill"))).to_be_visible()
    expect(phone.locator(".hero dd", has_text=re.compile(r"^\s*1 entry\s*$"))).to_be_visible()
    assert phone.evaluate("window.__noReload") == "still the same page"
    entry = PracticeLog.objects.get(commitment=layered)
    assert (entry.rep_id, entry.kind) == (rep.pk, "drill")
    phone.screenshot(path=screenshots / "me-after-practice-phone.png", full_page=True)


def test_an_invalid_update_shows_the_error_in_place_and_keeps_the_input(new_page, team):
    page = new_page(DESKTOP)
    sign_in(page, "maria@example.com")
    page.goto(f"/reps/{team['rep'].pk}/")
    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))

    # Kept, layered on (chosen with it) without the next one thing's words.
    update.get_by_label("Kept", exact=True).check()
    update.get_by_label("What did the rep show you?").fill("Typed and not lost")
    update.get_by_role("button", name=re.compile("Save the check")).click()

    error = page.locator("#id_next-behaviour_error")
    expect(error).to_contain_text("Write the next one thing")
    expect(update.get_by_label("What did the rep show you?")).to_have_value("Typed and not lost")
    # The person is taken to the field that needs them.
    focused = page.evaluate(
        "[document.activeElement.name, document.activeElement.getAttribute('aria-invalid')]"
    )
    assert focused == ["next-behaviour", "true"]
    assert Commitment.objects.get(pk=team["active"].pk).status == "active"


def test_a_far_check_date_is_confirmed_in_place_before_it_is_saved(new_page, team):
    nora = team["rep"].manager.reps.get(name="Nora New")
    far = (nora.local_today() + dt.timedelta(days=12)).isoformat()
    page = new_page(DESKTOP)
    sign_in(page, "maria@example.com")
    page.goto(f"/reps/{nora.pk}/")
    page.evaluate("window.__noReload = 'still the same page'")
    form = page.locator("form", has=page.get_by_role("button", name="Save the one thing"))

    form.get_by_label("The one thing").fill("Ask every prospect for a referral")
    form.get_by_label("Check date (your next 1:1)").fill(far)
    form.get_by_role("button", name="Save the one thing").click()

    expect(page.locator("#id_check_date_error")).to_contain_text("That is 12 days away")
    assert not Commitment.objects.filter(rep=nora).exists()
    confirm = page.get_by_label(re.compile("check it then, even though it is more than a week"))
    confirm.check()
    page.get_by_role("button", name="Save the one thing").click()

    expect(page.locator(".hero .behaviour")).to_have_text("Ask every prospect for a referral")
    assert page.evaluate("window.__noReload") == "still the same page"
    assert Commitment.objects.get(rep=nora).check_date.isoformat() == far


PAGES = [
    ("login", None, "/accounts/login/"),
    ("team", "maria@example.com", "/team/"),
    ("rep", "maria@example.com", "/reps/{rep}/"),
    ("me", "rita@example.com", "/me/"),
]


@pytest.mark.parametrize(("name", "who", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_the_main_pages_pass_an_automated_accessibility_check_on_desktop_and_phone(
    new_page, team, screenshots, name, who, path
):
    page = new_page(DESKTOP)
    if who:
        sign_in(page, who)
    page.goto(path.format(rep=team["rep"].pk))
    page.wait_for_load_state("networkidle")

    found = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=screenshots / f"{name}-{width}.png", full_page=True)
        found[width] = serious_violations(page)

    assert found == {"desktop": [], "phone": []}, json.dumps(found, indent=2)
