"""Chromium from Debian, driven by pytest-playwright against pytest-django's live server.

Playwright cannot download its own browsers here, so every launch goes to
/usr/bin/chromium. Time is not pinned for these tests (see tests/conftest.py):
the live server and the browser run on the real clock.
"""

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.factories import (
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) at a given viewport."""
    contexts = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def coached_team(db):
    """Maria manages Rita, whose one thing is due for its check today (with a
    checked week of history), and Nora, who has no one thing yet."""
    org = OrganisationFactory(name="Northwind")
    manager = ManagerFactory(organisation=org, name="Maria Manager", email="maria@example.com")
    rep = RepFactory(organisation=org, manager=manager, name="Rita Rep", email="rita@example.com")
    nora = RepFactory(organisation=org, manager=manager, name="Nora New", email="nora@example.com")
    today = rep.local_today()
    CheckFactory(
        commitment=CommitmentFactory(
            rep=rep,
            status="kept",
            issued_on=today - dt.timedelta(weeks=2),
            check_date=today - dt.timedelta(weeks=1),
        )
    )
    active = CommitmentFactory(
        rep=rep,
        behaviour="10 personalised first-touch emails with the trigger-event opener",
        issued_on=today - dt.timedelta(days=7),
        check_date=today,
    )
    return {"manager": manager, "rep": rep, "nora": nora, "active": active}
