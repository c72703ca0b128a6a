"""The prompt email carries the week's calls and a suggested outcome."""

import datetime as dt

import pytest

from reminders.services import reminder_dispatch_due
from tests.factories import CallEvidenceFactory

from .factories import commit, rep_in

UTC = dt.UTC
pytestmark = pytest.mark.django_db


def prompt_parts(smtp):
    [item] = [i for i in smtp.received if "one thing go" in i["message"]["Subject"]]
    message = item["message"]
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_the_prompt_lists_the_calls_and_suggests_an_outcome_to_confirm(clock, smtp):
    rep = rep_in("Europe/London", name="Ben Ode")
    commitment = commit(
        rep, check_date=dt.date(2026, 12, 8), behaviour="Open with the trigger-event opener"
    )
    CallEvidenceFactory(
        commitment=commitment,
        detected="Trigger-event opener",
        called_at=dt.datetime(2026, 12, 2, 14, 5, tzinfo=UTC),
    )
    CallEvidenceFactory(
        commitment=commitment,
        detected="Pricing <b>talk</b>",
        called_at=dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
    )
    clock.move_to(dt.datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    smtp.received.clear()

    reminder_dispatch_due()

    text, html = prompt_parts(smtp)
    for body in (text, html):
        assert "Wed 2 Dec" in body
        assert "the one thing detected" in body
        assert "not detected" in body
        assert "Suggested: partly kept (1 of 2 calls showed it)." in body
    assert "Pricing <b>talk</b>" in text
    assert "Pricing &lt;b&gt;talk&lt;/b&gt;" in html


def test_without_calls_the_prompt_suggests_perhaps_no_opportunity(clock, smtp):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    smtp.received.clear()

    reminder_dispatch_due()

    for body in prompt_parts(smtp):
        assert "No calls in the window: perhaps no opportunity to try it." in body
