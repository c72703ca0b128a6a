"""Every kind a person can choose Slack for arrives in Slack, through the
settings page, the real services and the sweep, with the same facts and
one-tap links as its email, and the one thing's text escaped for Slack."""

import datetime as dt
import re

import pytest
from django.urls import resolve, reverse

from commitments import services
from commitments.links import daily_answer_path
from commitments.models import Fix
from reminders.models import PREFERENCE_KINDS, Reminder
from reminders.services import KINDS_FOR_ROLE, reminder_dispatch_due
from reps.models import User
from tests.commitments.test_beyond_coaching import FINE_IN_DRILLS, NO_EXCUSE, misses
from tests.factories import CommitmentFactory, RepFactory

from .factories import commit, rep_in
from .test_delivery_channels import local_receiver, signed_in

UTC = dt.UTC
SITE = "http://127.0.0.1:8000"
CHECK_DATE = dt.date(2026, 12, 8)
ONE_THING = 'Ask <!channel> & <script>alert("x")</script> for the next step'
ESCAPED = 'Ask &lt;!channel&gt; &amp; &lt;script&gt;alert("x")&lt;/script&gt; for the next step'
pytestmark = pytest.mark.django_db


@pytest.fixture
def slack(settings):
    """Slack on this machine (as in test_delivery_channels)."""
    settings.DELIVERY_ALLOW_LOCAL_URLS = True
    settings.SLACK_WEBHOOK_HOSTS = ["127.0.0.1"]
    with local_receiver() as receiver:
        yield receiver


def choose_slack_for_everything(person, receiver) -> str:
    """On the settings page: every kind offered to ``person``, by Slack only."""
    kinds = KINDS_FOR_ROLE[person.role]
    path = f"/slack/{person.pk}"
    data = {"slack_url": receiver.url(path)}
    for kind in kinds:
        data |= {kind: "on", f"{kind}_channel": "slack"}
    response = signed_in(person).post(reverse("reminders:preferences"), data)
    assert response.status_code == 302
    return path


def texts_to(receiver, path) -> list[str]:
    return [r["json"]["text"] for r in receiver.to(path, accepted=True)]


def one(texts: list[str], first_line: str) -> str:
    [text] = [t for t in texts if t.startswith(first_line)]
    return text


def test_every_kind_a_person_can_choose_slack_for_arrives_in_slack(clock, slack, mailoutbox):
    rep = rep_in("Europe/London", name="Ana Reyes", ramp="on")
    manager = rep.manager
    to_rep = choose_slack_for_everything(rep, slack)
    to_manager = choose_slack_for_everything(manager, slack)
    assert set(KINDS_FOR_ROLE[User.Role.REP]) | set(KINDS_FOR_ROLE[User.Role.MANAGER]) == set(
        PREFERENCE_KINDS
    )

    # Monday 09:00: the one thing is set ("Deal?" at once) and the digest is due.
    commitment = commit(rep, check_date=CHECK_DATE, behaviour=ONE_THING, deal_email=True)
    reminder_dispatch_due()
    services.commitment_accept(commitment=commitment, by=rep)
    # Monday afternoon: the ramping rep's daily question.
    clock.move_to(dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    reminder_dispatch_due()
    # Wednesday: "Need help", to the manager the same day.
    clock.move_to(dt.datetime(2026, 12, 2, 14, 30, tzinfo=UTC))
    services.pulse_record(commitment=commitment, by=rep, answer="need_help")
    reminder_dispatch_due()
    # The mid-week nudge, then the manager's prompt before the 1:1.
    for moment in (
        Reminder.objects.get(kind="nudge", channel="email").due_at,
        Reminder.objects.get(kind="prompt", channel="email").due_at,
    ):
        clock.move_to(moment)
        reminder_dispatch_due()
    # The check: kept, and the rep is told.
    clock.move_to(dt.datetime(2026, 12, 8, 10, 30, tzinfo=UTC))
    services.check_record(commitment=commitment, by=manager, outcome="kept")
    reminder_dispatch_due()

    # Every kind, by Slack only as chosen, each row once (the digest came twice:
    # the Mondays of the two weeks).
    sent = Reminder.objects.filter(channel="slack", status="sent")
    assert set(sent.values_list("kind", flat=True)) == set(PREFERENCE_KINDS)
    assert not Reminder.objects.filter(channel="slack").exclude(status="sent").exists()
    assert len(slack.requests) == sent.count() == len(PREFERENCE_KINDS) + 1
    assert mailoutbox == []

    rep_texts, manager_texts = texts_to(slack, to_rep), texts_to(slack, to_manager)
    rep_url = f"{SITE}/reps/{rep.pk}/"

    new = one(rep_texts, "*Deal?* ")
    assert "your one thing until your 1:1 on Tuesday 8 December" in new
    assert f"<{SITE}/me/#deal|Deal? One tap on your page>" in new

    daily = one(rep_texts, "*Did you do the one thing today?*")
    answers = re.findall(rf"<{SITE}(/daily/[^|>]+/)\|([^>]+)>", daily)
    assert [label for _, label in answers] == ["Yes, I did it", "Not today"]
    for (path, _), did_it in zip(answers, (True, False), strict=True):
        # The email's signed link for that day and answer (signed at another moment).
        expected = daily_answer_path(rep.pk, dt.date(2026, 11, 30), did_it=did_it)
        assert path.split(":")[0] == expected.split(":")[0]
        assert resolve(path).url_name == "daily_answer_link"

    nudge = one(rep_texts, "*Before your check on Tuesday 8 December*")
    pulse = re.findall(rf"<({SITE}/pulse/[^|>]+/)\|([^>]+)>", nudge)
    assert [label for _, label in pulse] == ["On it", "Need help", "No chance yet"]
    for url, _ in pulse:
        assert resolve(url.removeprefix(SITE)).url_name == "pulse_link"
    assert f"<{SITE}/me/|Your one thing>" in nudge

    kept = one(rep_texts, "*You kept it:* ")
    assert "That's a standing behaviour now" in kept
    assert f"<{SITE}/me/|Your one thing>" in kept

    help_ = one(manager_texts, "*Ana Reyes needs help with the one thing*")
    assert "answered “Need help” today" in help_
    assert f"<{rep_url}|Ana Reyes’s page>" in help_

    prompt = one(manager_texts, "*How did the one thing go?*")
    assert "*Ana Reyes asked for help* mid-week (Wednesday 2 December): Needs help." in prompt
    assert "Ana Reyes said “Deal” on Monday 30 November." in prompt
    assert f"<{rep_url}#check|Record the check>" in prompt

    digest = one(manager_texts, "*Your coaching week of 7 December*")
    assert f"<{rep_url}|Ana Reyes> Tue 8 Dec" in digest

    # The one thing's text cannot ping the channel, forge a link or run.
    for text in (new, daily, nudge, kept, help_, prompt):
        assert ESCAPED in text
    for text in rep_texts + manager_texts:
        assert "<!channel>" not in text
        assert "<script>" not in text
        assert re.search(rf"_<{SITE}/email/[^|>]+/\|Change or stop these messages>_$", text)


def test_the_managers_slack_chases_what_the_emails_chase(clock, slack):
    """The digest says who is beyond coaching; the prompt chases last week's
    undiagnosed miss — in Slack as in the emails."""
    beyond = rep_in("Europe/London", name="Cal Moss")
    manager = beyond.manager
    unsure = RepFactory(
        organisation=manager.organisation, manager=manager, timezone="Europe/London", name="Dee Ng"
    )
    to_manager = choose_slack_for_everything(manager, slack)
    misses(manager, beyond, [NO_EXCUSE, FINE_IN_DRILLS, NO_EXCUSE])
    last_week = CommitmentFactory(
        rep=unsure, issued_on=dt.date(2026, 11, 17), check_date=dt.date(2026, 11, 24)
    )
    services.check_record(
        commitment=last_week,
        by=manager,
        outcome="missed",
        diagnosis="unsure",
        fix=Fix(shadowing_on=dt.date(2026, 11, 25), why=last_week.why, why_confirmed=True),
        next_step="reissue",
        next_spec=services.CommitmentSpec(behaviour="", check_date=CHECK_DATE),
        now=dt.datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )

    reminder_dispatch_due()  # Monday 09:00: the digest
    digest = one(texts_to(slack, to_manager), "*Your coaching week of 30 November*")
    assert (
        f"<{SITE}/reps/{beyond.pk}/|Cal Moss> (*beyond coaching*: "
        "have a frank performance conversation)" in digest
    )

    prompt_row = Reminder.objects.get(kind="prompt", rep=unsure, channel="email")
    clock.move_to(prompt_row.due_at)
    reminder_dispatch_due()
    [prompt] = [t for t in texts_to(slack, to_manager) if "1:1 with Dee Ng" in t]
    assert (
        "*Last week's miss is not diagnosed yet* (“not sure yet” on 24 November). "
        "Ask what got in the way, and record it on Dee Ng's page." in prompt
    )
    assert "Dee Ng has not accepted it yet." in prompt
