"""What the emails say, where they link, and that a name can't forge a header."""

import datetime as dt

import pytest
from django.core import signing

from reminders.emails import manage_url, read_preferences_token, unsubscribe_url
from reminders.services import reminder_dispatch_due
from reps.models import User
from tests.factories import PracticeLogFactory

from .factories import commit, rep_in

UTC = dt.UTC
pytestmark = pytest.mark.django_db


def parts(message):
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_the_nudge_reminds_the_rep_of_the_one_thing_the_why_and_the_practice(clock, smtp):
    rep = rep_in("Europe/London", name="Ana Reyes")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    PracticeLogFactory(commitment=commitment, practiced_on=dt.date(2026, 12, 1), count=3)
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    smtp.received.clear()

    reminder_dispatch_due()

    [item] = [i for i in smtp.received if i["rcpt_tos"] == [rep.email]]
    message = item["message"]
    text, html = parts(message)
    assert message["Subject"] == f"Before Tuesday: {commitment.behaviour}"
    assert message["To"] == f"Ana Reyes <{rep.email}>"
    for body in (text, html):
        assert commitment.behaviour in body
        assert commitment.why in body
        assert "Tuesday 8 December" in body
        assert "logged 1 practice entry (3 in all)" in body
    assert "http://127.0.0.1:8000/me/#log-heading" in text
    assert 'href="http://127.0.0.1:8000/me/#log-heading"' in html


def test_the_prompt_asks_the_manager_how_the_one_thing_went_and_links_to_the_check(clock, smtp):
    rep = rep_in("Europe/London", name="Ben Ode")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    PracticeLogFactory(commitment=commitment, note="Role-played with Chris")
    clock.move_to(dt.datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    smtp.received.clear()

    reminder_dispatch_due()

    [item] = [i for i in smtp.received if "one thing go" in i["message"]["Subject"]]
    assert item["rcpt_tos"] == [rep.manager.email]
    text, html = parts(item["message"])
    for body in (text, html):
        assert "How did the one thing go?" in body
        assert commitment.behaviour in body
        assert "Role-played with Chris" in body
        assert "10:00" in body
    # Straight to the check form on the rep page.
    assert f"http://127.0.0.1:8000/reps/{rep.pk}/#check" in text
    assert f'href="http://127.0.0.1:8000/reps/{rep.pk}/#check"' in html


def test_every_reminder_carries_a_signed_preferences_link(clock, smtp):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    smtp.received.clear()

    reminder_dispatch_due()

    [item] = [i for i in smtp.received if i["rcpt_tos"] == [rep.email]]
    message = item["message"]
    header = message["List-Unsubscribe"]
    # One plain line: an encoded-word (=?utf-8?q?...) would make mail clients ignore it.
    assert f"\r\nList-Unsubscribe: {header}\r\n".encode() in item["raw"]
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in item["raw"]
    assert header.startswith("<http://127.0.0.1:8000/email/")
    assert header.endswith("/unsubscribe/>")
    token = header[len("<http://127.0.0.1:8000/email/") : -len("/unsubscribe/>")]
    assert read_preferences_token(token) == (rep.pk, "nudge")
    # The body links to the full preferences page, with the same token.
    text, html = parts(message)
    assert f"http://127.0.0.1:8000/email/{token}/" in text.splitlines()
    assert f'href="http://127.0.0.1:8000/email/{token}/"' in html
    assert message["Message-ID"].startswith("<reminder.")
    with pytest.raises(signing.BadSignature):
        read_preferences_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_all_four_kinds_link_to_preferences_and_offer_one_click_unsubscribe(clock, smtp):
    rep = rep_in("Europe/London", start_date=dt.date(2026, 11, 30), ramp=User.Ramp.AUTO)
    commit(rep, check_date=dt.date(2026, 12, 8))
    smtp.received.clear()

    for moment in (
        dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC),  # Monday's digest to the manager
        dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC),  # the ramp's daily check
        dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC),  # the mid-week nudge
        dt.datetime(2026, 12, 8, 8, 0, tzinfo=UTC),  # the prompt before the 1:1
    ):
        clock.move_to(moment)
        reminder_dispatch_due()

    seen = {}
    for item in smtp.received:
        message = item["message"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        header = message["List-Unsubscribe"]
        assert f"\r\nList-Unsubscribe: {header}\r\n".encode() in item["raw"]
        url = header.removeprefix("<").removesuffix(">")
        token = url.removeprefix("http://127.0.0.1:8000/email/").removesuffix("/unsubscribe/")
        assert url == unsubscribe_url(token)
        person_id, kind = read_preferences_token(token)
        text, html = parts(message)
        assert manage_url(token) in text.splitlines(), kind
        assert f'href="{manage_url(token)}"' in html, kind
        seen[kind] = person_id
    assert seen == {
        "digest": rep.manager.pk,
        "daily": rep.pk,
        "nudge": rep.pk,
        "prompt": rep.manager.pk,
    }


def test_a_line_break_in_a_name_cannot_inject_a_header(clock, smtp):
    rep = rep_in(
        "Europe/London",
        name="Mallory\r\nBcc: attacker@evil.example\r\nX-Injected: yes",
    )
    commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    smtp.received.clear()

    result = reminder_dispatch_due()

    [item] = [i for i in smtp.received if rep.email in i["rcpt_tos"]]
    assert result.failed == 0
    assert item["rcpt_tos"] == [rep.email]
    assert all("evil.example" not in rcpt for i in smtp.received for rcpt in i["rcpt_tos"])
    message = item["message"]
    assert message["Bcc"] is None
    assert message["X-Injected"] is None
    header_block = item["raw"].split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block
    assert b"\r\nX-Injected:" not in header_block
    assert message["To"].addresses[0].addr_spec == rep.email
    assert "Mallory Bcc: attacker@evil.example X-Injected: yes" in str(
        message["To"].addresses[0].display_name
    )


def test_the_digest_marks_a_commitment_not_checked_by_its_date_as_overdue():
    import datetime as dt

    from reminders.services import reminder_digest_context
    from tests.factories import CommitmentFactory, RepFactory

    rep = RepFactory(timezone="Europe/London")
    CommitmentFactory(rep=rep, issued_on=dt.date(2026, 11, 20), check_date=dt.date(2026, 11, 27))

    context = reminder_digest_context(manager=rep.manager, monday=dt.date(2026, 11, 30))

    [row] = context["due"]
    assert row["rep"] == rep
    assert row["overdue"] is True
