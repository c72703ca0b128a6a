"""Every page, as every role, passes axe at desktop and phone widths, light and dark.

Outside reviewers crawl the app in Chromium with an accessibility checker.
So does this test: with the long-content organisation of the phone-width test,
for each role (signed out, rep, manager, org admin) it signs in, follows every
link from home, and runs axe on each page (every <details> opened) at 1280 px
in the light colour scheme and at 390 px in the dark one. It also opens the
pages no link leads to: an invitation and a password-reset link, the signed
email-settings and one-click unsubscribe links and the confirmation, the 404
page, the sign-in form with its error, and the rep page showing a form's
errors after an invalid htmx POST. No violation of
impact "serious" or "critical" is allowed; moderate and minor ones are counted
in the message (and printed).
"""

import json
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from commitments.links import daily_answer_path, pulse_token
from commitments.models import Commitment
from reminders.emails import preferences_token, preferences_url, unsubscribe_url
from reminders.models import Reminder
from reps.models import User
from reps.services import invite_url, person_invite
from tests.browser import test_phone_width as long_content
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.crawling import crawl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

organisation = long_content.organisation  # the same organisation, long names and all
sign_in = long_content.sign_in
BLOCKING = ("serious", "critical")
# Desktop in a light colour scheme, phone in a dark one (a phone set to dark
# mode must not get a half-dark page): both schemes, at no extra cost.
WIDTHS = {"desktop (light)": (DESKTOP, "light"), "phone (dark)": (PHONE, "dark")}
AXE = Axe()


def check(page, url: str) -> dict:
    """Axe at each width, every <details> opened so what it hides is checked too."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found = {"title": page.title(), "blocking": [], "minor": Counter()}
    for width, (viewport, scheme) in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.emulate_media(color_scheme=scheme)
        for v in AXE.run(page).response["violations"]:
            if v["impact"] in BLOCKING:
                targets = [n["target"] for n in v["nodes"]][:4]
                found["blocking"].append(f"{width}: {v['id']} ({v['impact']}) {targets}")
            else:
                found["minor"][f"{v['id']} ({v['impact']})"] += 1
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="light")
    return found


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def report(checked: dict[str, dict], role: str) -> tuple[list[str], str]:
    blocking = [
        f"{url} ({found['title']}) {problem}"
        for url, found in checked.items()
        for problem in found["blocking"]
    ]
    minor = sum((found["minor"] for found in checked.values()), Counter())
    summary = (
        f"{role}: {len(checked)} pages, {len(blocking)} serious or critical, "
        f"moderate/minor: {dict(minor) or 'none'}"
    )
    print(summary)
    return blocking, summary


def visit(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return check(page, page.url)


def unlinked_pages_signed_out(page, origin: str) -> dict[str, dict]:
    """The pages only an email, a mistyped address or a POST leads to."""
    ada = User.objects.get(email="ada@example.com")
    invited = person_invite(
        by=ada,
        name="Ines Invited",
        email="ines@example.com",
        role=User.Role.MANAGER,
        timezone="Europe/Lisbon",
    )
    rita = User.objects.get(email="rita@example.com")
    uid = urlsafe_base64_encode(force_bytes(rita.pk))
    reset = f"/accounts/reset/{uid}/{default_token_generator.make_token(rita)}/"
    token = preferences_token(rita.pk, Reminder.Kind.NUDGE)
    checked = {}
    for url in (
        path(invite_url(invited)),
        reset,
        path(preferences_url(rita.pk)),
        path(unsubscribe_url(token)),
        "/no-such-page/",
        "/email/not-a-valid-token/",
        # The daily email's one-tap answer (ramp mode), and a link cut short.
        daily_answer_path(rita.pk, rita.local_today(), did_it=True),
        "/daily/not-a-valid-token/",
    ):
        checked[url] = visit(page, origin + url)
    # One click on "Stop these emails": the confirmation.
    # The signed one-tap answer from the nudge: its page, and after its one button.
    active = Commitment.objects.active().get(rep=rita)
    answer = reverse(
        "commitments:pulse_link",
        kwargs={"token": pulse_token(commitment_id=active.pk, rep_id=rita.pk, answer="no_chance")},
    )
    checked[answer] = visit(page, origin + answer)
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Noted: no chance yet.")).to_be_visible()
    checked["answer sent"] = check(page, page.url)
    checked["/pulse/not-a-valid-token/"] = visit(page, origin + "/pulse/not-a-valid-token/")
    page.goto(origin + path(unsubscribe_url(token)))
    page.get_by_role("button", name="Stop these emails").click()
    page.wait_for_load_state("networkidle")
    checked["unsubscribed"] = check(page, page.url)
    # The password reset form, sent: the "check your email" page.
    page.goto(origin + "/accounts/password_reset/")
    page.locator("input[name=email]").fill("rita@example.com")
    page.get_by_role("button", name="Email me a link").click()
    page.wait_for_load_state("networkidle")
    checked["password reset sent"] = check(page, page.url)
    # A sign-in with the wrong password: the form with its error.
    page.goto(origin + "/accounts/login/")
    page.get_by_label("Email address").fill("rita@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    checked["sign-in error"] = check(page, page.url)
    return checked


def rep_page_with_errors(page, origin: str) -> dict[str, dict]:
    """The manager saves a check the rules refuse: the errors swap in place."""
    rita = User.objects.get(email="rita@example.com")
    page.goto(f"{origin}/reps/{rita.pk}/")
    update = page.locator("form", has=page.get_by_role("button", name=re.compile("Save the check")))
    # Kept, layered on (chosen with it) without the next one thing's words.
    update.get_by_label("Kept", exact=True).check()
    with page.expect_response(lambda r: "/update/" in r.url and r.request.method == "POST"):
        update.get_by_role("button", name=re.compile("Save the check")).click()
    expect(page.locator("#id_next-behaviour_error")).to_be_visible()
    checked = {"rep page, invalid check": check(page, page.url)}
    # A proven one thing picked from the library: the form filled in, its notice.
    checked["rep page, library pick"] = visit(page, f"{origin}/reps/{rita.pk}/?pick=power-hour")
    return checked


ROLES = [
    ("signed-out", None),
    ("rep", "rita@example.com"),
    ("manager", "maria@example.com"),
    ("org-admin", "ada@example.com"),
]


@pytest.mark.parametrize(("role", "email"), ROLES, ids=[r[0] for r in ROLES])
def test_every_page_passes_axe_at_desktop_and_phone_width(
    new_page, live_server, organisation, role, email
):
    page = new_page(DESKTOP)
    origin = live_server.url
    if email:
        sign_in(page, email)
        start = origin + "/"
    else:
        start = origin + "/accounts/login/"
    checked = crawl(page, start, origin, check)
    if role == "signed-out":
        checked |= unlinked_pages_signed_out(page, origin)
    if role == "manager":
        checked |= rep_page_with_errors(page, origin)

    titles = " | ".join(found["title"] for found in checked.values())
    assert len(checked) >= (6 if role != "rep" else 2), titles
    blocking, summary = report(checked, role)
    assert not blocking, "\n".join([summary, *blocking, json.dumps(titles)])
