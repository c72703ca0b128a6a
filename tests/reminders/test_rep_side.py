"""The rep's side through the ledger and a real SMTP server: the "Deal?"
email, the nudge's signed one-tap answers, "Need help" reaching the manager
the same day, and "You kept it" after a kept check. Both parts of each."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from commitments import services
from commitments.models import RepPulse
from reminders.models import EmailPreference, Reminder
from reminders.services import reminder_dispatch_due
from tests.factories import PASSWORD

from .factories import commit, rep_in
from .test_preferences import csrf_post

UTC = dt.UTC
SITE = "http://127.0.0.1:8000"
SCRIPT = '<script>alert("x")</script>'
pytestmark = pytest.mark.django_db


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def subject(message) -> str:
    """As a mail client shows it: a long subject is folded on the wire."""
    return " ".join(message["Subject"].split())


def mail_to(smtp, person) -> list:
    return [i["message"] for i in smtp.received if i["rcpt_tos"] == [person.email]]


def signed_in(person) -> Client:
    client = Client()
    assert client.login(email=person.email, password=PASSWORD)
    return client


# --- "Deal?" -------------------------------------------------------------------


def test_a_new_commitment_reaches_the_rep_by_email_with_the_deal_link(smtp):
    rep = rep_in("Europe/London", name="Ana Reyes")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8), deal_email=True)

    reminder_dispatch_due()

    [message] = mail_to(smtp, rep)
    assert subject(message) == f"Deal? Your one thing until Tuesday: {commitment.behaviour}"
    text, html = parts(message)
    for body in (text, html):
        assert "Say it back" in body
        assert commitment.behaviour in body
        assert "Tuesday 8 December" in body
        assert "Deal?" in body
    assert f"{SITE}/me/#deal" in text.splitlines()
    assert f'href="{SITE}/me/#deal"' in html
    assert Reminder.objects.get(key=f"new:c{commitment.pk}").status == "sent"
    reminder_dispatch_due()
    assert len(mail_to(smtp, rep)) == 1


def test_a_commitment_accepted_before_the_email_went_out_is_not_asked_again(smtp):
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8), deal_email=True)
    services.commitment_accept(commitment=commitment, by=rep)

    reminder_dispatch_due()

    assert mail_to(smtp, rep) == []
    row = Reminder.objects.get(key=f"new:c{commitment.pk}")
    assert (row.status, row.skip_reason) == ("skipped", "already accepted")


def test_the_one_things_text_is_inert_in_the_html_part_and_plain_in_the_text(smtp):
    rep = rep_in("Europe/London")
    commit(rep, check_date=dt.date(2026, 12, 8), behaviour=f"Ask {SCRIPT} twice", deal_email=True)

    reminder_dispatch_due()

    [message] = mail_to(smtp, rep)
    text, html = parts(message)
    assert SCRIPT not in html
    assert "Ask &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; twice" in html
    # Plain text is not HTML: the words as typed, no entities.
    assert f"Ask {SCRIPT} twice" in text


def test_the_rep_can_stop_the_deal_and_kept_emails_on_the_settings_page(smtp):
    rep = rep_in("Europe/London")
    client = Client(enforce_csrf_checks=True)
    assert client.login(email=rep.email, password=PASSWORD)
    page = client.get(reverse("reminders:preferences")).text
    assert "A new one thing to say “Deal” to" in page
    assert "You kept it: recognition after a kept check" in page

    csrf_post(
        client,
        reverse("reminders:preferences"),
        {"nudge": "on", "daily": "on", "new": "off", "kept": "off"},
    )
    commitment = commit(rep, check_date=dt.date(2026, 12, 8), deal_email=True)
    services.check_record(commitment=commitment, by=rep.manager, outcome="kept")
    reminder_dispatch_due()

    assert mail_to(smtp, rep) == []
    assert {r.kind: r.skip_reason for r in Reminder.objects.filter(kind__in=["new", "kept"])} == {
        "new": "commitment closed",
        "kept": "stopped by the recipient",
    }


# --- the nudge's one-tap answers -------------------------------------------------


def test_the_nudge_carries_three_signed_answers_that_record_only_on_the_button(clock, smtp):
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 3, 8, 0, tzinfo=UTC))  # Thursday: the nudge's day

    reminder_dispatch_due()

    [message] = mail_to(smtp, rep)
    text, html = parts(message)
    links = re.findall(rf'href="({SITE}/pulse/[^"]+/)"[^>]*>([^<]+)</a>', html)
    assert [label for _, label in links] == ["On it", "Need help", "No chance yet"]
    for url, label in links:
        assert f"  {label}:\n  {url}\n" in text
    need_help = links[1][0].removeprefix(SITE)

    # A mail scanner, or the rep, opens the link: nothing is recorded yet.
    client = Client(enforce_csrf_checks=True)
    page = client.get(need_help)
    assert page.status_code == 200
    assert 'value="need_help" required id="id_answer_1" checked' in page.text
    assert not RepPulse.objects.exists()

    response = csrf_post(client, need_help, {"answer": "need_help"})
    assert response.status_code == 200
    [pulse] = RepPulse.objects.all()
    assert (pulse.commitment_id, pulse.answer) == (commitment.pk, "need_help")


# --- "Need help" reaches the manager the same day --------------------------------


def test_need_help_reaches_the_manager_the_same_day_through_the_sweep(clock, smtp):
    rep = rep_in("Europe/London", name="Ben Ode")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 2, 14, 30, tzinfo=UTC))  # Wednesday afternoon
    client = signed_in(rep)

    client.post(
        reverse("commitments:pulse_new"), {"commitment_id": commitment.pk, "answer": "need_help"}
    )

    # Planned with the answer, due at once.
    help_row = Reminder.objects.get(kind=Reminder.Kind.HELP)
    assert help_row.key == f"help:c{commitment.pk}:2026-12-02"
    assert (help_row.recipient, help_row.rep, help_row.status) == (rep.manager, rep, "pending")
    assert help_row.due_at == dt.datetime(2026, 12, 2, 14, 30, tzinfo=UTC)

    clock.move_to(dt.datetime(2026, 12, 2, 14, 31, tzinfo=UTC))  # the next sweep
    reminder_dispatch_due()

    [message] = mail_to(smtp, rep.manager)
    assert subject(message) == "Ben Ode needs help with the one thing"
    text, html = parts(message)
    for body in (text, html):
        assert "Ben Ode answered “Need help” today" in body
        assert commitment.behaviour in body
    rep_url = f"{SITE}/reps/{rep.pk}/"
    assert rep_url in text.splitlines()
    assert f'href="{rep_url}"' in html
    help_row.refresh_from_db()
    assert help_row.status == "sent"
    assert help_row.sent_at.date() == dt.date(2026, 12, 2)

    # Asking again the same day (after "On it" in between) sends nothing more.
    for answer in ("on_it", "need_help"):
        client.post(
            reverse("commitments:pulse_new"), {"commitment_id": commitment.pk, "answer": answer}
        )
    reminder_dispatch_due()
    assert len(mail_to(smtp, rep.manager)) == 1

    # The next day it is news again.
    clock.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    client.post(
        reverse("commitments:pulse_new"), {"commitment_id": commitment.pk, "answer": "on_it"}
    )
    client.post(
        reverse("commitments:pulse_new"), {"commitment_id": commitment.pk, "answer": "need_help"}
    )
    reminder_dispatch_due()
    assert len(mail_to(smtp, rep.manager)) == 2


def test_need_help_appears_in_the_managers_prompt_before_the_1_1(clock, smtp):
    rep = rep_in("Europe/London", name="Ben Ode")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 2, 14, 30, tzinfo=UTC))
    services.pulse_record(commitment=commitment, by=rep, answer="need_help")
    reminder_dispatch_due()

    clock.move_to(dt.datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    reminder_dispatch_due()

    [prompt] = [m for m in mail_to(smtp, rep.manager) if "one thing go" in m["Subject"]]
    text, html = parts(prompt)
    assert "Ben Ode asked for help mid-week (Wednesday 2 December)" in text
    assert "<strong>Ben Ode asked for help</strong> mid-week (Wednesday 2 December)" in html
    for body in (text, html):
        assert "said “Deal” on Monday 30 November" in body


def test_a_manager_who_stopped_help_emails_still_sees_it_on_the_team_page(clock, smtp):
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    EmailPreference.objects.create(user=rep.manager, kind="help", mode="off")
    services.pulse_record(commitment=commitment, by=rep, answer="need_help")

    reminder_dispatch_due()

    assert not [m for m in mail_to(smtp, rep.manager) if "needs help" in m["Subject"]]
    assert Reminder.objects.get(kind="help").skip_reason == "stopped by the recipient"
    assert "Needs help</span>" in signed_in(rep.manager).get(reverse("commitments:team")).text


# --- "You kept it" -----------------------------------------------------------------


def test_a_kept_check_tells_the_rep_once_in_the_products_words(clock, smtp):
    rep = rep_in("Europe/London", name="Ana Reyes")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8), behaviour=f"Ask {SCRIPT} twice")
    clock.move_to(dt.datetime(2026, 12, 8, 10, 30, tzinfo=UTC))
    smtp.received.clear()

    services.check_record(commitment=commitment, by=rep.manager, outcome="kept")
    reminder_dispatch_due()
    reminder_dispatch_due()

    [message] = mail_to(smtp, rep)
    assert subject(message) == f"You kept it: Ask {SCRIPT} twice"
    text, html = parts(message)
    assert f"You kept it: Ask {SCRIPT} twice." in text
    assert "You kept it: Ask &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; twice." in html
    assert SCRIPT not in html
    for body in (text, html):
        assert "That's a standing behaviour now" in body
    assert Reminder.objects.get(kind="kept").key == f"kept:c{commitment.pk}"


def test_a_missed_or_partly_kept_check_sends_no_recognition(clock, smtp):
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=dt.date(2026, 12, 8))
    clock.move_to(dt.datetime(2026, 12, 8, 10, 30, tzinfo=UTC))
    smtp.received.clear()

    services.check_record(
        commitment=commitment, by=rep.manager, outcome="partly", diagnosis="skill"
    )
    reminder_dispatch_due()

    assert not Reminder.objects.filter(kind="kept").exists()
    assert mail_to(smtp, rep) == []
