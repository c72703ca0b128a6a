"""The weekly update by keyboard alone, from the rep's row in the 1:1 queue.

Every key or chord pressed is counted (Control+Enter is one); typing the
next commitment's words is not. Both flows — kept → layer a new one thing,
and missed → diagnose → same again — must take at most 8 (they take 4 and
5; no opportunity takes 3), with no full page reload: a marker set on the
team page survives to the end. After the save, the next rep due is one key
away (Enter, or N).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commitments.models import Check, Commitment
from tests.browser.conftest import DESKTOP
from tests.factories import (
    PASSWORD,
    CheckFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_ACTIONS = 8
LAST_WEEK = "10 personalised first-touch emails with the trigger-event opener"
NEXT_ONE = "Book the next meeting before hanging up"
MARKER = "window.__sameDocument"


class CountedKeyboard:
    """``page.keyboard``, counting each key or chord pressed; the words typed
    into the commitment are not counted."""

    def __init__(self, page):
        self.page = page
        self.pressed: list[str] = []

    def press(self, key: str) -> None:
        self.pressed.append(key)
        self.page.keyboard.press(key)

    def type_words(self, text: str) -> None:
        self.page.keyboard.type(text)

    @property
    def count(self) -> int:
        return len(self.pressed)


@pytest.fixture
def queue():
    """Maria's queue: Rita's one thing is due today (a checked week behind
    it), then Nora, who has no one thing, then Omar, due in three days."""
    org = OrganisationFactory(name="Northwind")
    manager = ManagerFactory(organisation=org, name="Maria Manager", email="maria@example.com")
    rita = RepFactory(
        organisation=org,
        manager=manager,
        name="Rita Rep",
        start_date=timezone.localdate() - dt.timedelta(weeks=5),
    )
    today = rita.local_today()
    CheckFactory(
        commitment=CommitmentFactory(
            rep=rita,
            status="kept",
            issued_on=today - dt.timedelta(weeks=2),
            check_date=today - dt.timedelta(weeks=1),
        ),
        checked_on=today - dt.timedelta(weeks=1),
    )
    active = CommitmentFactory(
        rep=rita, behaviour=LAST_WEEK, issued_on=today - dt.timedelta(days=7), check_date=today
    )
    nora = RepFactory(organisation=org, manager=manager, name="Nora New")
    omar = RepFactory(organisation=org, manager=manager, name="Omar Later")
    CommitmentFactory(
        rep=omar, issued_on=today - dt.timedelta(days=4), check_date=today + dt.timedelta(days=3)
    )
    return {"manager": manager, "rita": rita, "active": active, "nora": nora, "omar": omar}


def on_the_queue(new_page):
    """Signed in as Maria, on the team page, with the marker set."""
    page = new_page(DESKTOP)
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("maria@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/team/$"))
    page.evaluate(f"{MARKER} = 'still the first page'")
    return page


def rows(page) -> list[str]:
    return page.locator("table.rows tbody th[scope=row] a").all_inner_texts()


def open_from_the_row(page, keys: CountedKeyboard, rep) -> object:
    """Focus on the rep's row (not counted: where the count starts), Enter."""
    page.get_by_role("link", name=rep.name, exact=True).focus()
    keys.press("Enter")
    expect(page).to_have_url(re.compile(rf"/reps/{rep.pk}/$"))
    update = page.locator("form[data-weekly-update]")
    expect(update.get_by_label("Kept", exact=True)).to_be_focused()
    return update


def save(page, keys: CountedKeyboard, key: str = "Control+Enter"):
    with page.expect_response(lambda r: "/update/" in r.url and r.request.method == "POST") as sent:
        keys.press(key)
    assert sent.value.status == 200
    assert sent.value.request.headers.get("hx-request") == "true"


def assert_same_document(page):
    assert page.evaluate(MARKER) == "still the first page"


def test_kept_then_layer_a_new_one_thing_by_keyboard_in_at_most_8_actions(
    new_page, queue, screenshots
):
    rita, active = queue["rita"], queue["active"]
    page = on_the_queue(new_page)
    assert rows(page) == ["Rita Rep", "Nora New", "Omar Later"]
    page.screenshot(path=screenshots / "queue.png", full_page=True)
    keys = CountedKeyboard(page)

    update = open_from_the_row(page, keys, rita)
    # Until an outcome is chosen, only it and the evidence are asked.
    expect(update.get_by_label("What did the rep show you?")).to_be_visible()
    expect(update.get_by_label("Notes for you both")).to_be_hidden()
    expect(update.locator("#diagnosis")).to_be_hidden()
    keys.press("k")
    expect(update.get_by_label("Kept", exact=True)).to_be_checked()
    # Layering is the first next step after a kept one: chosen, its fields open.
    expect(update.locator("#id_next_step_layer")).to_be_checked()
    behaviour = update.get_by_role("textbox", name="The one thing")
    expect(behaviour).to_be_visible()
    expect(update.locator("#id_next_step_reissue")).to_be_hidden()
    # Nothing a kept one does not need: no diagnosis.
    expect(update.locator("#diagnosis")).to_be_hidden()
    keys.press("l")
    expect(behaviour).to_be_focused()
    keys.type_words(NEXT_ONE)
    page.screenshot(path=screenshots / "update-kept-by-keyboard.png", full_page=True)
    save(page, keys)

    expect(page.get_by_text(re.compile(r"Checked: kept[.,]"))).to_be_visible()
    expect(page.locator(".hero .behaviour")).to_have_text(NEXT_ONE)
    layered = Commitment.objects.active().get(rep=rita)
    expect(
        page.get_by_role("heading", name=f"Next check: {layered.check_date:%A %-d %B}")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="How did the one thing go?")).to_have_count(0)
    next_rep = page.get_by_role("link", name="Next rep due: Nora New")
    expect(next_rep).to_be_focused()
    page.screenshot(path=screenshots / "update-saved-next-rep.png")
    assert keys.count <= MAX_ACTIONS, keys.pressed
    assert keys.pressed == ["Enter", "k", "l", "Control+Enter"]
    assert_same_document(page)
    check = Check.objects.get(commitment=active)
    assert check.outcome == "kept"
    assert (layered.behaviour, layered.builds_on_id) == (NEXT_ONE, active.pk)
    assert layered.check_date > rita.local_today()

    # The next rep due, one key away: Nora, with no one thing yet.
    keys.press("Enter")
    expect(page).to_have_url(re.compile(rf"/reps/{queue['nora'].pk}/$"))
    expect(page.get_by_role("textbox", name="The one thing")).to_be_focused()
    assert_same_document(page)


def test_missed_then_diagnose_then_same_again_by_keyboard_in_at_most_8_actions(
    new_page, queue, screenshots
):
    rita, active = queue["rita"], queue["active"]
    page = on_the_queue(new_page)
    keys = CountedKeyboard(page)

    update = open_from_the_row(page, keys, rita)
    keys.press("m")
    expect(update.get_by_label("Missed", exact=True)).to_be_checked()
    # After a miss: the same one thing again, the next 1:1's date filled in.
    expect(update.locator("#id_next_step_reissue")).to_be_checked()
    expect(update.get_by_label("Check date (your next 1:1)")).not_to_have_value("")
    expect(update.get_by_role("textbox", name="The one thing")).to_be_hidden()
    expect(update.locator("#id_next_step_layer")).to_be_hidden()
    # The diagnosis, one question at a time: y and n answer the one asked.
    attempted = update.get_by_role("group", name="Did the rep attempt it?")
    drill = update.get_by_role("group", name="Can they do it in a drill?")
    expect(attempted).to_be_visible()
    expect(drill).to_be_hidden()
    keys.press("y")
    expect(update.locator("#id_attempted_yes")).to_be_checked()
    expect(drill).to_be_visible()
    expect(update.get_by_role("group", name="Do they buy the why?")).to_be_hidden()
    keys.press("n")
    expect(update.locator("#id_can_do_in_drill_no")).to_be_checked()
    # The tree ends in skill, and the fix it leads to shows.
    expect(update.locator("#id_diagnosis_skill")).to_be_checked()
    expect(update.get_by_label("Skill: drills assigned")).to_be_visible()
    expect(update.get_by_label("System: the competing task to remove")).to_be_hidden()
    page.screenshot(path=screenshots / "update-missed-by-keyboard.png", full_page=True)
    save(page, keys)

    expect(page.get_by_text(re.compile(r"Checked: missed[.,]"))).to_be_visible()
    reissued = Commitment.objects.active().get(rep=rita)
    assert (reissued.behaviour, reissued.reissue_of_id, reissued.attempt) == (
        LAST_WEEK,
        active.pk,
        2,
    )
    check = Check.objects.get(commitment=active)
    assert (check.outcome, check.diagnosis, check.attempted, check.can_do_in_drill) == (
        "missed",
        "skill",
        True,
        False,
    )
    expect(page.locator(".hero .eyebrow")).to_contain_text("attempt 2")
    expect(
        page.get_by_role("heading", name=f"Next check: {reissued.check_date:%A %-d %B}")
    ).to_be_visible()
    assert keys.count <= MAX_ACTIONS, keys.pressed
    assert keys.pressed == ["Enter", "m", "y", "n", "Control+Enter"]
    assert_same_document(page)

    # "n" also goes to the next rep due.
    expect(page.get_by_role("link", name="Next rep due: Nora New")).to_be_focused()
    keys.press("n")
    expect(page).to_have_url(re.compile(rf"/reps/{queue['nora'].pk}/$"))
    assert_same_document(page)


def test_a_different_one_thing_after_a_miss_asks_its_reason_first(new_page, queue):
    page = on_the_queue(new_page)
    keys = CountedKeyboard(page)
    update = open_from_the_row(page, keys, queue["rita"])

    # Not attempted, buys the why, had no time: a system gap.
    for key in ("m", "n", "y", "n"):
        keys.press(key)
    expect(update.locator("#id_diagnosis_system")).to_be_checked()
    expect(update.get_by_label("System: the competing task to remove")).to_be_visible()
    # Only the question being asked shows its keys.
    expect(update.locator("[data-tree-field=has_time] kbd.key").first).to_be_hidden()
    expect(update.locator("[data-tree-field=attempted] kbd.key").first).to_be_hidden()
    keys.press("d")

    expect(update.locator("#id_next_step_new")).to_be_checked()
    expect(update.get_by_label("Why a different one thing, not the same again?")).to_be_focused()
    expect(update.get_by_role("textbox", name="The one thing")).to_be_visible()


def test_no_opportunity_carries_the_same_one_thing_on_in_three_keys(new_page, queue):
    rita, active = queue["rita"], queue["active"]
    page = on_the_queue(new_page)
    keys = CountedKeyboard(page)

    update = open_from_the_row(page, keys, rita)
    keys.press("o")
    # Only the carry-on is asked: no evidence, no diagnosis, no new words.
    expect(update.locator("#id_next_step_carry_on")).to_be_checked()
    expect(update.locator("#id_next_step_reissue")).to_be_hidden()
    expect(update.get_by_label("What did the rep show you?")).to_be_hidden()
    expect(update.locator("#diagnosis")).to_be_hidden()
    expect(update.get_by_role("textbox", name="The one thing")).to_be_hidden()
    expect(update.get_by_label("Check date (your next 1:1)")).to_be_visible()
    save(page, keys)

    carried = Commitment.objects.active().get(rep=rita)
    assert carried.behaviour == LAST_WEEK
    assert Check.objects.get(commitment=active).outcome == "no_opp"
    assert keys.pressed == ["Enter", "o", "Control+Enter"]
    expect(page.get_by_role("link", name="Next rep due: Nora New")).to_be_focused()
    assert_same_document(page)


def test_the_back_button_returns_to_the_queue(new_page, queue):
    page = on_the_queue(new_page)
    keys = CountedKeyboard(page)
    open_from_the_row(page, keys, queue["rita"])

    page.go_back()

    expect(page).to_have_url(re.compile(r"/team/$"))
    expect(page.get_by_role("heading", name="My team", level=1)).to_be_visible()
