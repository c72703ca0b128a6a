"""Nothing scrolls sideways at phone width (nor wider), on any page anyone can reach.

A small but realistic organisation (long names, long unbroken words and links
in behaviours, evidence and notes, a full reminder log), then, for each role,
sign in through the form at 390 x 844 and crawl every same-origin page reachable
by links from home. On each page, with every <details> opened, the document
must be no wider than the window at 390 px, and at 820, 1024 and 1280 px too.
Pages are found by following links, not by URL names, so the test survives
views moving between apps.
"""

import datetime as dt

import pytest
from django.utils import timezone

from commitments.models import IndicatorEntry
from commitments.services import (
    CommitmentSpec,
    commitment_create,
    commitment_set_indicator,
    drill_add,
    pulse_record,
)
from reminders.models import Reminder
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.crawling import crawl
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CheckFactory,
    CoachingSessionFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    PracticeLogFactory,
    RepFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {
    "phone": PHONE,
    "tablet": {"width": 820, "height": 1180},
    "laptop": {"width": 1024, "height": 768},
    "desktop": DESKTOP,
}
CALL_RECORDING = (
    "https://acme.my.salesforce.com/lightning/r/Task/00T5e00000AbCdEfGhIjKlMnOpQrStUvWxYz"
    "/view?recording=call-2026-03-04-discovery-northwind-logistics"
)
PLAYBOOK = "https://docs.google.com/document/d/1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdef/edit"
COMPOUND = "Kundenzufriedenheitsbefragungsergebnisauswertungsgespräch"
BEHAVIOUR = (
    f"Open every discovery call with the trigger-event question from {PLAYBOOK} "
    f"and confirm the #NextStepBeforeHangingUp_with_a_calendar_invite"
)
EVIDENCE = (
    f"Played me two recordings: {CALL_RECORDING} and the {COMPOUND} with the "
    "procurement lead; both opened with the trigger event, one booked a demo."
)
NOTES = (
    f"Walked through Monday morning step by step. Prospecting block keeps getting eaten "
    f"by internal Slack threads (#emea-sales-ops-pipeline-hygiene-weekly-review). "
    f"Agreed to protect 8:00-10:00. Reference: {PLAYBOOK}"
)
PRIVATE = f"Seems stretched; ask about the {COMPOUND} workload before the QBR."


@pytest.fixture
def organisation():
    org = OrganisationFactory(name="Northwind Logistics & Freight Forwarding International")
    AdminFactory(organisation=org, name="Ada Admin", email="ada@example.com")
    maria = ManagerFactory(
        organisation=org,
        name="Maria-Magdalena Oberhauser-Vanderbilt",
        email="maria@example.com",
        timezone="Europe/Berlin",
    )
    ManagerFactory(organisation=org, name="Sam Second", email="sam@example.com")

    rita = RepFactory(
        organisation=org,
        manager=maria,
        name="Rita Wolfeschlegelsteinhausen-Bergerdorff",
        email="rita@example.com",
        timezone="America/Argentina/Buenos_Aires",
        start_date=timezone.localdate() - dt.timedelta(weeks=6),
    )
    today = rita.local_today()
    # Six checked weeks with long evidence, notes and practice.
    for weeks_ago, outcome in enumerate(
        ("kept", "partly", "missed", "missed", "kept", "partly"), start=1
    ):
        issued = today - dt.timedelta(weeks=weeks_ago)
        past = CommitmentFactory(
            rep=rita,
            behaviour=f"Week {weeks_ago}: {BEHAVIOUR}",
            why=f"You told me your goal is the President's Club; see {PLAYBOOK}",
            status=outcome,
            issued_on=issued,
            check_date=issued + dt.timedelta(days=7),
        )
        PracticeLogFactory(commitment=past, practiced_on=issued, kind="live")
        CheckFactory(
            commitment=past,
            evidence=EVIDENCE,
            diagnosis="system" if outcome != "kept" else "",
        )
        CoachingSessionFactory(rep=rita, shared_notes=NOTES, private_notes=PRIVATE)
        # The ledger for that week: a sent nudge and a skipped prompt.
        scheduled = timezone.now() - dt.timedelta(weeks=weeks_ago)
        failed = weeks_ago == 2
        Reminder.objects.create(
            kind=Reminder.Kind.NUDGE,
            key=f"nudge:c{past.pk}",
            recipient=rita,
            rep=rita,
            commitment=past,
            scheduled_at=scheduled,
            due_at=scheduled,
            status=Reminder.Status.SENT,
            sent_at=scheduled,
            attempts=1,
        )
        Reminder.objects.create(
            kind=Reminder.Kind.PROMPT,
            key=f"prompt:c{past.pk}:u{maria.pk}",
            recipient=maria,
            rep=rita,
            commitment=past,
            scheduled_at=scheduled + dt.timedelta(days=3),
            due_at=scheduled + dt.timedelta(days=3),
            status=Reminder.Status.FAILED if failed else Reminder.Status.SKIPPED,
            skip_reason="" if failed else "recipient is no longer in the rep's organisation",
            attempts=5 if failed else 0,
        )
    # The active one thing, made the way the app makes it: its reminders get planned.
    active = commitment_create(
        rep=rita,
        by=maria,
        spec=CommitmentSpec(
            behaviour=BEHAVIOUR,
            check_date=today + dt.timedelta(days=6),
            why=f"Three more meetings a week gets you to quota; {PLAYBOOK}",
            target_count=10,
            target_unit="discovery-calls-with-trigger-event-opener",
            target_days="Monday to Thursday",
            by_time=dt.time(10, 0),
        ),
    )
    PracticeLogFactory(commitment=active, kind="live", count=4, note=f"Recording: {CALL_RECORDING}")
    PracticeLogFactory(commitment=active, kind="drill", note=COMPOUND)
    # The practice plan: a long drill, a long number to watch and weeks of values.
    drill_add(
        commitment=active,
        by=maria,
        kind="roleplay",
        prompt=f"The prospect asks about the {COMPOUND}: {CALL_RECORDING}",
        talk_track=f"Acknowledge, ask why now, offer the {PLAYBOOK}",
        model_answer=EVIDENCE,
    )
    commitment_set_indicator(commitment=active, by=maria, unit=f"{COMPOUND}-calls", target=8)
    for weeks_ago, value in enumerate((3, 9, 5, 12, 0, 7), start=1):
        IndicatorEntry.objects.create(
            commitment=active,
            rep=rita,
            day=today - dt.timedelta(weeks=weeks_ago, days=-1),
            value=value,
        )
    # Mid-week she asked for help: "Needs help" on the team row and the rep page.
    pulse_record(commitment=active, by=rita, answer="need_help")

    # More reps on Maria's team: one with a one thing, one overdue, one without.
    for name, email, days in (
        ("Nora Nakamura-Fitzgerald", "nora@example.com", 3),
        ("Olu Okonkwo", "olu@example.com", -2),
    ):
        rep = RepFactory(organisation=org, manager=maria, name=name, email=email)
        CommitmentFactory(
            rep=rep,
            behaviour=f"Log every call in the CRM within the hour: {CALL_RECORDING}",
            issued_on=timezone.localdate() - dt.timedelta(days=7 - days),
            check_date=timezone.localdate() + dt.timedelta(days=days),
        )
    RepFactory(organisation=org, manager=maria, name="Pat Newcomer", email="pat@example.com")
    assert Reminder.objects.filter(commitment=active).exists(), "reminders were not planned"
    return {"rep": rita}


def sign_in(page, email: str):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


# Opens every <details>, then measures. Reports the widest culprits: elements
# sticking out of the window that have no sticking-out element inside them.
MEASURE = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return {width, scrollWidth, culprits: []};
  const out = [...document.body.querySelectorAll('*')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 0.5;
  });
  const leaves = out.filter(el => !out.some(o => o !== el && el.contains(o)));
  // The innermost boxes that are themselves wider than the window: what pushes.
  const wide = out.filter(el => el.getBoundingClientRect().width > width + 0.5);
  const widest = wide.filter(el => !wide.some(o => o !== el && el.contains(o)));
  const describe = el => {
    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    const r = el.getBoundingClientRect();
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls} ` +
      `(${Math.round(r.width)}px wide, right edge ${Math.round(r.right)}px) "${text}"`;
  };
  const right = el => el.getBoundingClientRect().right;
  leaves.sort((a, b) => right(b) - right(a));
  widest.sort((a, b) => right(b) - right(a));
  const culprits = [...new Set([...widest.slice(0, 2), ...leaves.slice(0, 2)])];
  return {width, scrollWidth, culprits: culprits.map(describe)};
}"""


def measure(page, url: str) -> dict:
    """At phone width first (the defect), then at tablet and desktop widths too."""
    measured = {"title": page.title()}
    for name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        measured[name] = page.evaluate(MEASURE)
    page.set_viewport_size(PHONE)
    return measured


def overflowing(measured: dict[str, dict]) -> list[str]:
    return [
        f"{url} ({page['title']}) at {name} width: document {m['scrollWidth']}px wide in a "
        f"{m['width']}px window; widest: {'; '.join(m['culprits']) or 'none found'}"
        for url, page in measured.items()
        for name in WIDTHS
        if (m := page[name])["scrollWidth"] > m["width"]
    ]


ROLES = [
    ("signed-out", None),
    ("org-admin", "ada@example.com"),
    ("manager", "maria@example.com"),
    ("rep", "rita@example.com"),
]


@pytest.mark.parametrize(("role", "email"), ROLES, ids=[r[0] for r in ROLES])
def test_no_page_scrolls_sideways_at_phone_width(new_page, live_server, organisation, role, email):
    page = new_page(PHONE)
    origin = live_server.url
    if email:
        sign_in(page, email)
        start = origin + "/"
    else:
        start = origin + "/accounts/login/"
    measured = crawl(page, start, origin, measure)

    titles = " | ".join(m["title"] for m in measured.values())
    if email:
        assert "Email settings" in titles, titles
    else:
        assert "Sign in" in titles and "password" in titles.lower(), titles
    if role == "manager":
        rita = organisation["rep"]
        assert rita.name in titles, f"the crawl never reached the rep page: {titles}"
    assert len(measured) >= (1 if role == "rep" else 2), titles
    problems = overflowing(measured)
    assert not problems, "\n".join(
        [f"{len(problems)} overflows on {len(measured)} pages as {role}:", *problems]
    )


def test_screenshots_of_the_busiest_pages_at_each_width(new_page, organisation, screenshots):
    """For looking at, not asserting: the team page, the rep page and my one thing."""
    manager, rep = new_page(DESKTOP), new_page(DESKTOP)
    sign_in(manager, "maria@example.com")
    sign_in(rep, "rita@example.com")

    def shoot(page, name):
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            page.screenshot(path=screenshots / f"long-content-{name}-{width}.png", full_page=True)

    shoot(manager, "team")
    manager.get_by_role("link", name=organisation["rep"].name).first.click()
    manager.wait_for_load_state("networkidle")
    shoot(manager, "rep")
    shoot(rep, "me")
