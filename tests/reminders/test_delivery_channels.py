"""Delivery beyond email: Slack per reminder kind, and the organisation's signed
webhook, through the same exactly-once ledger as every email.

A local HTTP server stands in for Slack and for the CRM; the CRM checks every
request's HMAC signature and timestamp with ``verify_signature``.
"""

import contextlib
import datetime as dt
import http.server
import json
import re
import threading

import pytest
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments.models import Check, Commitment
from commitments.services import check_record
from reminders.models import EmailPreference, OrganisationWebhook, Reminder, SlackWebhook
from reminders.outbound import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    address_problem,
    slack_url_problem,
    verify_signature,
)
from reminders.services import reminder_dispatch_due
from reminders.services.delivery import organisation_webhook_save
from reminders.services.preferences import email_preferences_update
from tests.factories import AdminFactory, RepFactory

from .factories import commit, rep_in

UTC = dt.UTC
PRIVATE_NOTE = "Seems distracted; ask about the divorce."
SHARED_NOTE = "We role-played the close twice."
EVIDENCE = "Showed me three call recordings."
NUDGE_AT = dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Friday: a London rep's nudge
CHECK_DATE = dt.date(2026, 12, 8)
SECRET_ON_PAGE = re.compile(r'id="new-secret" type="text" readonly value="(whsec_[^"]+)"')


# --- a local Slack and CRM ----------------------------------------------------------


class Receiver:
    """What reached the local server, in order, and how it answered.

    ``script[path]`` lists the statuses to answer there first (then 200);
    ``secrets[path]`` makes that path a CRM that accepts only requests whose
    signature and timestamp ``verify_signature`` accepts (else 401).
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.script: dict[str, list[int]] = {}
        self.secrets: dict[str, str] = {}
        self.lock = threading.Lock()
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, headers, body: bytes) -> int:
        with self.lock:
            record = {"path": path, "headers": headers, "body": body}  # case-insensitive
            record["json"] = json.loads(body)
            status = 200
            if path in self.secrets:
                record["verified"] = verify_signature(
                    self.secrets[path], headers.get(SIGNATURE_HEADER, ""), body, timezone.now()
                )
                status = 200 if record["verified"] else 401
            if status == 200 and self.script.get(path):
                status = self.script[path].pop(0)
            record["status"] = status
            self.requests.append(record)
            return status

    def to(self, path: str, *, accepted: bool = False) -> list[dict]:
        return [
            r
            for r in self.requests
            if r["path"] == path and (not accepted or 200 <= r["status"] < 300)
        ]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.server.receiver.answer(self.path, self.headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def local_receiver():
    receiver = Receiver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.receiver = receiver
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(settings):
    """Slack and the CRM on this machine: tests may post to plain http on
    127.0.0.1, which production refuses (see the SSRF tests below)."""
    settings.DELIVERY_ALLOW_LOCAL_URLS = True
    settings.SLACK_WEBHOOK_HOSTS = ["127.0.0.1"]
    with local_receiver() as receiver:
        yield receiver


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def webhook_for(admin, receiver, path: str = "/crm") -> str:
    """The organisation's webhook pointed at the local CRM; its secret."""
    _hook, secret = organisation_webhook_save(by=admin, url=receiver.url(path))
    receiver.secrets[path] = secret
    return secret


def row(key: str) -> Reminder:
    return Reminder.objects.get(key=key)


# --- Slack, chosen per kind on the settings page -------------------------------------


@pytest.mark.django_db
def test_people_choose_slack_for_prompts_and_both_for_nudges_and_get_them_there(
    clock, receiver, smtp
):
    rep = rep_in("Europe/London")
    manager = rep.manager
    manager_page = signed_in(manager).post(
        reverse("reminders:preferences"),
        {
            "prompt": "on",
            "prompt_channel": "slack",
            "digest": "on",
            "digest_channel": "email",
            "slack_url": receiver.url("/slack/manager"),
        },
    )
    rep_page = signed_in(rep).post(
        reverse("reminders:preferences"),
        {
            "nudge": "on",
            "nudge_channel": "both",
            "daily": "on",
            "slack_url": receiver.url("/slack/rep"),
        },
    )
    assert (manager_page.status_code, rep_page.status_code) == (302, 302)
    assert EmailPreference.objects.get(user=manager, kind="prompt").channel == "slack"
    assert EmailPreference.objects.get(user=rep, kind="nudge").channel == "both"

    commitment = commit(
        rep, check_date=CHECK_DATE, behaviour="Ask <!channel> for the next step & log it"
    )
    reminder_dispatch_due()  # Monday: the manager's digest, by email as chosen
    assert receiver.requests == []

    clock.move_to(NUDGE_AT)
    reminder_dispatch_due()

    # Both: the email and the Slack message, each once.
    nudge_emails = [m for m in smtp.messages if rep.email in m["To"]]
    assert len(nudge_emails) == 1
    (slack,) = receiver.to("/slack/rep")
    text = slack["json"]["text"]
    assert "Before your check" in text
    # Slack's control characters are escaped: no @channel ping, no forged link.
    assert "Ask &lt;!channel&gt; for the next step &amp; log it" in text
    assert "<!channel>" not in text
    assert f"nudge:c{commitment.pk}" in {r.key for r in Reminder.objects.filter(status="sent")}
    assert row(f"slack:nudge:c{commitment.pk}").status == "sent"

    prompt = Reminder.objects.get(kind="prompt", channel="email")
    clock.move_to(prompt.due_at)
    reminder_dispatch_due()

    # Slack only: the message in Slack, no email, and the ledger says why.
    (to_manager,) = receiver.to("/slack/manager")
    assert "How did the one thing go?" in to_manager["json"]["text"]
    assert not [m for m in smtp.messages if m["Subject"].startswith("How did the one thing go")]
    prompt.refresh_from_db()
    assert (prompt.status, prompt.skip_reason) == ("skipped", "sent to Slack instead, as chosen")
    assert row(f"slack:{prompt.key}").status == "sent"

    # Once only, however often the sweep runs.
    reminder_dispatch_due()
    assert len(receiver.requests) == 2

    # The reminder log on the rep page says each row's channel.
    page = signed_in(manager).get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))
    log = page.content.decode().split('id="reminders-heading"')[1]
    assert log.count('<td data-label="By">Slack</td>') == 2
    assert log.count('<td data-label="By">Email</td>') == 2


@pytest.mark.django_db
def test_each_of_the_four_kinds_can_come_by_slack_alone(clock, receiver, mailoutbox):
    rep = rep_in("Europe/London", ramp="on")
    manager = rep.manager
    for person, kinds in ((rep, ("nudge", "daily")), (manager, ("prompt", "digest"))):
        email_preferences_update(
            user=person,
            choices={},
            channels=dict.fromkeys(kinds, "slack"),
            slack_url=receiver.url(f"/slack/{person.pk}"),
        )
    commit(rep, check_date=CHECK_DATE)

    for moment in (
        timezone.now(),  # Monday 09:00: the digest
        dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC),  # the daily check
        NUDGE_AT,
        Reminder.objects.get(kind="prompt").due_at,
    ):
        clock.move_to(moment)
        reminder_dispatch_due()

    texts = {r["json"]["text"].split("\n")[0] for r in receiver.requests}
    assert any(t.startswith("*Your coaching week of 30 November*") for t in texts)
    assert any(t.startswith("*Did you do the one thing today?*") for t in texts)
    assert any(t.startswith("*Before your check on Tuesday 8 December*") for t in texts)
    assert any(t.startswith("*How did the one thing go?*") for t in texts)
    assert mailoutbox == []
    sent = Reminder.objects.filter(channel="slack", status="sent")
    assert set(sent.values_list("kind", flat=True)) == {"daily", "digest", "nudge", "prompt"}
    for slack in sent:
        email = row(slack.key.removeprefix("slack:"))
        assert (email.status, email.skip_reason) == ("skipped", "sent to Slack instead, as chosen")
    assert not Reminder.objects.filter(channel="email", status="sent").exists()


@pytest.mark.django_db
def test_a_paused_kind_goes_nowhere_whatever_its_channel(clock, receiver, mailoutbox):
    rep = rep_in("Europe/London")
    email_preferences_update(
        user=rep,
        choices={"nudge": "pause_14"},
        channels={"nudge": "both"},
        slack_url=receiver.url("/slack/rep"),
    )
    commitment = commit(rep, check_date=CHECK_DATE)
    clock.move_to(NUDGE_AT)

    reminder_dispatch_due()

    assert receiver.requests == []
    assert not [m for m in mailoutbox if rep.email in m.to[0]]
    nudge = row(f"nudge:c{commitment.pk}")
    assert nudge.status == "skipped"
    assert nudge.skip_reason.startswith("paused by the recipient")
    assert not Reminder.objects.filter(channel="slack").exists()


@pytest.mark.django_db
def test_choosing_slack_without_an_address_is_refused_and_saves_nothing(receiver):
    rep = rep_in("Europe/London")

    response = signed_in(rep).post(
        reverse("reminders:preferences"), {"nudge": "on", "nudge_channel": "slack", "daily": "on"}
    )

    assert response.status_code == 422
    assert "Paste your Slack incoming-webhook address" in response.content.decode()
    assert not EmailPreference.objects.exists()
    assert not SlackWebhook.objects.exists()


@pytest.mark.django_db
def test_a_signed_email_link_cannot_send_someones_reminders_to_another_slack(receiver):
    from reminders.emails import preferences_token

    rep = rep_in("Europe/London")
    url = reverse("reminders:manage", kwargs={"token": preferences_token(rep.pk, "nudge")})

    page = Client().get(url)
    response = Client().post(
        url,
        {"nudge": "on", "nudge_channel": "both", "slack_url": receiver.url("/attacker")},
    )

    assert 'name="slack_url"' not in page.content.decode()
    assert response.status_code == 422  # Slack needs an address only the person can set
    assert not SlackWebhook.objects.exists()


@pytest.mark.django_db
def test_removing_the_slack_address_brings_everything_back_to_email(receiver, smtp, clock):
    rep = rep_in("Europe/London")
    email_preferences_update(
        user=rep, choices={}, channels={"nudge": "slack"}, slack_url=receiver.url("/slack/rep")
    )
    client = signed_in(rep)

    response = client.post(
        reverse("reminders:preferences"), {"nudge": "on", "daily": "on", "slack_remove": "on"}
    )

    assert response.status_code == 302
    assert not SlackWebhook.objects.exists()
    assert EmailPreference.objects.get(user=rep, kind="nudge").channel == "email"
    commit(rep, check_date=CHECK_DATE)
    clock.move_to(NUDGE_AT)
    reminder_dispatch_due()
    assert receiver.requests == []
    assert any(rep.email in m["To"] for m in smtp.messages)


@pytest.mark.django_db
def test_a_slack_webhook_that_is_gone_fails_at_once_and_is_never_retried(clock, receiver):
    rep = rep_in("Europe/London")
    email_preferences_update(
        user=rep, choices={}, channels={"nudge": "slack"}, slack_url=receiver.url("/slack/rep")
    )
    receiver.script["/slack/rep"] = [410]
    commitment = commit(rep, check_date=CHECK_DATE)
    clock.move_to(NUDGE_AT)

    reminder_dispatch_due()
    clock.move_to(NUDGE_AT + dt.timedelta(hours=3))  # past every back-off
    reminder_dispatch_due()

    assert len(receiver.to("/slack/rep")) == 1
    slack = row(f"slack:nudge:c{commitment.pk}")
    assert (slack.status, slack.attempts) == ("failed", 1)
    assert "HTTP 410" in slack.last_error
    page = signed_in(rep.manager).get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))
    assert "(after 1 try: HTTP 410" in page.content.decode()


# --- the organisation's webhook: set up on its page, signed, never private ---------


@pytest.mark.django_db
def test_every_check_and_new_commitment_reaches_the_crm_signed_and_without_private_notes(
    clock, receiver
):
    rep = rep_in("Europe/London")
    manager = rep.manager
    admin = AdminFactory(organisation=rep.organisation)
    client = signed_in(admin)

    made = client.post(reverse("reminders:webhook"), {"url": receiver.url("/crm")})
    assert made.status_code == 302
    first_view = client.get(reverse("reminders:webhook")).content.decode()
    secret = SECRET_ON_PAGE.search(first_view).group(1)
    assert secret not in client.get(reverse("reminders:webhook")).content.decode()  # once
    receiver.secrets["/crm"] = secret

    commitment = commit(rep, check_date=dt.date(2026, 12, 7))
    updated = signed_in(manager).post(
        reverse("commitments:weekly_update", kwargs={"rep_id": rep.pk}),
        {
            "commitment_id": commitment.pk,
            "outcome": "missed",
            "diagnosis": Check.Diagnosis.SYSTEM,
            "fix_task": "The 9 a.m. stand-up",
            "evidence": EVIDENCE,
            "shared_notes": SHARED_NOTE,
            "private_notes": PRIVATE_NOTE,
            "next_step": "reissue",
            "next-check_date": "2026-12-08",
        },
    )
    assert updated.status_code == 302
    reissued = Commitment.objects.get(reissue_of=commitment)

    reminder_dispatch_due()

    events = receiver.to("/crm")
    assert sorted(e["json"]["type"] for e in events) == [
        "check.recorded",
        "commitment.created",
        "commitment.created",
    ]
    assert all(e["verified"] for e in events)
    assert len({e["headers"][EVENT_ID_HEADER] for e in events}) == 3
    for event in events:
        assert event["headers"][EVENT_ID_HEADER] == event["json"]["id"]
        body = event["body"].decode()
        for private in (PRIVATE_NOTE, SHARED_NOTE, EVIDENCE, "diagnosis", "system", "stand-up"):
            assert private not in body
    check = next(e["json"] for e in events if e["json"]["type"] == "check.recorded")
    assert check["data"]["check"]["outcome"] == "missed"
    assert check["data"]["check"]["checked_by"]["email"] == manager.email
    assert check["data"]["rep"] == {
        "id": rep.pk,
        "name": rep.name,
        "email": rep.email,
        "timezone": "Europe/London",
    }
    assert check["data"]["manager"]["name"] == manager.name
    assert check["data"]["commitment"]["behaviour"] == commitment.behaviour
    assert check["data"]["commitment"]["check_date"] == "2026-12-07"
    assert check["data"]["commitment"]["proposed_by"] == "manager"
    again = next(
        e["json"]
        for e in events
        if e["json"]["type"] == "commitment.created"
        and e["json"]["data"]["commitment"]["id"] == reissued.pk
    )
    assert again["data"]["commitment"]["attempt"] == 2
    assert again["data"]["commitment"]["reissue_of"] == commitment.pk
    assert {r.key for r in Reminder.objects.filter(channel="webhook", status="sent")} == {
        f"hook:commitment:c{commitment.pk}",
        f"hook:check:c{commitment.pk}",
        f"hook:commitment:c{reissued.pk}",
    }

    # Shown in the rep's reminder log as webhook rows.
    page = signed_in(manager).get(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))
    log = page.content.decode().split('id="reminders-heading"')[1]
    assert log.count('<td data-label="By">Webhook</td>') == 3


@pytest.mark.django_db
def test_a_crm_answering_500_is_retried_with_back_off_and_gets_the_event_exactly_once(
    clock, receiver
):
    rep = rep_in("Europe/London")
    webhook_for(AdminFactory(organisation=rep.organisation), receiver)
    receiver.script["/crm"] = [500, 503]
    commitment = commit(rep, check_date=CHECK_DATE)
    key = f"hook:commitment:c{commitment.pk}"
    start = timezone.now()

    reminder_dispatch_due()
    event = row(key)
    assert (event.status, event.attempts, event.due_at) == (
        "pending",
        1,
        start + dt.timedelta(minutes=1),
    )
    assert "HTTP 500" in event.last_error
    clock.move_to(event.due_at)
    reminder_dispatch_due()
    event = row(key)
    assert (event.status, event.attempts) == ("pending", 2)
    assert event.due_at == timezone.now() + dt.timedelta(minutes=5)
    clock.move_to(event.due_at)
    reminder_dispatch_due()
    clock.move_to(event.due_at + dt.timedelta(hours=2))
    reminder_dispatch_due()

    event = row(key)
    assert (event.status, event.attempts) == ("sent", 3)
    tries = receiver.to("/crm")
    assert [t["status"] for t in tries] == [500, 503, 200]
    assert len(receiver.to("/crm", accepted=True)) == 1
    # Every try is the same event: one id, one body; the signature is fresh each time.
    assert len({t["headers"][EVENT_ID_HEADER] for t in tries}) == 1
    assert len({t["body"] for t in tries}) == 1
    assert all(t["verified"] for t in tries)


@pytest.mark.django_db
def test_the_verifier_rejects_a_replayed_old_request_a_changed_body_and_a_wrong_secret(
    clock, receiver
):
    rep = rep_in("Europe/London")
    secret = webhook_for(AdminFactory(organisation=rep.organisation), receiver)
    commit(rep, check_date=CHECK_DATE)
    reminder_dispatch_due()
    (request,) = receiver.to("/crm")
    header, body, sent = request["headers"][SIGNATURE_HEADER], request["body"], timezone.now()

    assert verify_signature(secret, header, body, sent + dt.timedelta(minutes=4))
    # Replayed six minutes later (or stamped six minutes ahead): refused.
    assert not verify_signature(secret, header, body, sent + dt.timedelta(minutes=6))
    assert not verify_signature(secret, header, body, sent - dt.timedelta(minutes=6))
    assert not verify_signature(secret, header, body.replace(b"manager", b"MANAGER"), sent)
    assert not verify_signature("whsec_another", header, body, sent)
    # The timestamp is signed too: moving it forward breaks the HMAC.
    moved = re.sub(r"t=(\d+)", lambda m: f"t={int(m.group(1)) + 360}", header)
    assert not verify_signature(secret, moved, body, sent + dt.timedelta(minutes=6))
    assert not verify_signature(secret, "", body, sent)
    assert not verify_signature(secret, "t=abc,v1=00", body, sent)


@pytest.mark.django_db
def test_a_rotated_secret_signs_at_once_and_the_old_one_no_longer_verifies(clock, receiver):
    rep = rep_in("Europe/London")
    admin = AdminFactory(organisation=rep.organisation)
    old = webhook_for(admin, receiver)
    hook = OrganisationWebhook.objects.get()
    client = signed_in(admin)

    rotated = client.post(reverse("reminders:webhook_rotate", kwargs={"webhook_id": hook.pk}))
    new = SECRET_ON_PAGE.search(client.get(reverse("reminders:webhook")).content.decode())

    assert rotated.status_code == 302
    assert new.group(1) != old
    receiver.secrets["/crm"] = new.group(1)
    commit(rep, check_date=CHECK_DATE)
    reminder_dispatch_due()

    (request,) = receiver.to("/crm")
    assert request["verified"]
    assert not verify_signature(
        old, request["headers"][SIGNATURE_HEADER], request["body"], timezone.now()
    )


@pytest.mark.django_db
def test_events_waiting_when_the_webhook_is_removed_are_skipped_not_sent(clock, receiver):
    rep = rep_in("Europe/London")
    admin = AdminFactory(organisation=rep.organisation)
    webhook_for(admin, receiver)
    commitment = commit(rep, check_date=CHECK_DATE)
    hook = OrganisationWebhook.objects.get()

    removed = signed_in(admin).post(
        reverse("reminders:webhook_delete", kwargs={"webhook_id": hook.pk})
    )
    reminder_dispatch_due()
    commit(RepFactory(organisation=rep.organisation), check_date=CHECK_DATE)

    assert removed.status_code == 302
    assert receiver.requests == []
    event = row(f"hook:commitment:c{commitment.pk}")
    assert (event.status, event.skip_reason) == (
        "skipped",
        "the organisation's webhook was removed",
    )
    # With no webhook, nothing more is recorded.
    assert Reminder.objects.filter(channel="webhook").count() == 1


@pytest.mark.django_db
def test_the_event_is_recorded_in_the_transaction_of_the_check_or_not_at_all(receiver):
    rep = rep_in("Europe/London")
    webhook_for(AdminFactory(organisation=rep.organisation), receiver)
    commitment = commit(rep, check_date=CHECK_DATE)

    with contextlib.suppress(RuntimeError), transaction.atomic():
        check_record(commitment=commitment, by=rep.manager, outcome="kept")
        assert Reminder.objects.filter(key=f"hook:check:c{commitment.pk}").exists()
        raise RuntimeError("the request failed after the check")

    assert not Reminder.objects.filter(key=f"hook:check:c{commitment.pk}").exists()
    check_record(commitment=commitment, by=rep.manager, outcome="kept")
    assert Reminder.objects.filter(key=f"hook:check:c{commitment.pk}").count() == 1


@pytest.mark.django_db
def test_an_organisation_without_a_webhook_records_no_events():
    rep = rep_in("Europe/London")
    commitment = commit(rep, check_date=CHECK_DATE)
    check_record(commitment=commitment, by=rep.manager, outcome="kept")

    assert not Reminder.objects.filter(channel="webhook").exists()


# --- who may see and change the webhook ---------------------------------------------


@pytest.mark.django_db
def test_another_organisations_admin_can_neither_see_nor_rotate_nor_remove_the_webhook(
    receiver,
):
    rep = rep_in("Europe/London")
    admin = AdminFactory(organisation=rep.organisation)
    webhook_for(admin, receiver)
    hook = OrganisationWebhook.objects.get()
    outsider = signed_in(AdminFactory())

    page = outsider.get(reverse("reminders:webhook")).content.decode()
    rotate = outsider.post(reverse("reminders:webhook_rotate", kwargs={"webhook_id": hook.pk}))
    delete = outsider.post(reverse("reminders:webhook_delete", kwargs={"webhook_id": hook.pk}))

    assert receiver.url("/crm") not in page
    assert "Set up the webhook" in page
    assert (rotate.status_code, delete.status_code) == (404, 404)
    assert OrganisationWebhook.objects.get().secret == hook.secret


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "rep"])
def test_only_an_org_admin_opens_the_webhook_page(role, receiver):
    rep = rep_in("Europe/London")
    person = rep if role == "rep" else rep.manager
    client = signed_in(person)

    assert client.get(reverse("reminders:webhook")).status_code == 404
    assert (
        client.post(reverse("reminders:webhook"), {"url": receiver.url("/crm")}).status_code == 404
    )
    assert not OrganisationWebhook.objects.exists()


# --- SSRF: in production only public https addresses --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",  # the cloud's metadata service
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:pass@93.184.216.34/hook",
    ],
)
def test_the_webhook_page_refuses_addresses_that_are_not_public_https(url):
    admin = AdminFactory()

    response = signed_in(admin).post(reverse("reminders:webhook"), {"url": url})

    assert response.status_code == 422
    assert not OrganisationWebhook.objects.exists()


def test_a_public_https_address_is_accepted_and_slack_only_on_its_own_host():
    assert address_problem("93.184.216.34") == ""
    assert address_problem("::ffff:10.0.0.1")
    assert slack_url_problem("https://hooks.slack.com/services/T0/B0/abc") == ""
    assert slack_url_problem("http://hooks.slack.com/services/T0/B0/abc")
    assert slack_url_problem("https://hooks.slack.com.evil.example/services/T0")
    assert slack_url_problem("https://evil.example/services/T0/B0/abc")


@pytest.mark.django_db
def test_a_webhook_that_resolves_to_a_private_address_at_send_time_is_refused_unsent(
    clock, settings
):
    """DNS rebinding: public when saved, private when sent. The check is on the
    connected socket, before TLS or a byte of the request."""
    rep = rep_in("Europe/London")
    settings.DELIVERY_ALLOW_LOCAL_URLS = False
    with local_receiver() as receiver:
        OrganisationWebhook.objects.create(
            organisation=rep.organisation,
            url=f"https://localhost:{receiver.port}/crm",
            secret="whsec_x",
            secret_made_at=timezone.now(),
        )
        commitment = commit(rep, check_date=CHECK_DATE)
        reminder_dispatch_due()

    assert receiver.requests == []
    event = row(f"hook:commitment:c{commitment.pk}")
    assert (event.status, event.attempts) == ("failed", 1)
    assert "not a public address" in event.last_error


@pytest.mark.django_db
def test_the_settings_page_refuses_a_slack_address_that_is_not_slacks():
    rep = rep_in("Europe/London")

    response = signed_in(rep).post(
        reverse("reminders:preferences"),
        {"nudge": "on", "nudge_channel": "slack", "daily": "on", "slack_url": "https://10.0.0.1/x"},
    )

    assert response.status_code == 422
    assert "hooks.slack.com" in response.content.decode()
    assert not SlackWebhook.objects.exists()


def test_production_refuses_to_start_with_local_urls_allowed():
    from tests.test_settings import PRODUCTION, refused

    message = refused(**PRODUCTION, DELIVERY_ALLOW_LOCAL_URLS="true")

    assert "DELIVERY_ALLOW_LOCAL_URLS" in message


# --- two sweeps at once ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_on_postgresql_post_each_event_and_slack_message_once(clock, receiver):
    rep = rep_in("Europe/London")
    organisation, manager = rep.organisation, rep.manager
    webhook_for(AdminFactory(organisation=organisation), receiver)
    reps = [rep, *(RepFactory(organisation=organisation, manager=manager) for _ in range(24))]
    for person in reps:
        email_preferences_update(
            user=person,
            choices={},
            channels={"nudge": "slack"},
            slack_url=receiver.url(f"/slack/{person.pk}"),
        )
        commit(person, check_date=CHECK_DATE)
    # Friday: 25 commitment events still waiting (the CRM was down, say), 25
    # nudges that go to Slack, and the manager's digest.
    clock.move_to(NUDGE_AT)
    start = threading.Barrier(3)
    results = []

    def sweeper():
        try:
            start.wait()
            results.append(reminder_dispatch_due(batch_size=4))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    slack = [r for r in receiver.requests if r["path"].startswith("/slack/")]
    assert sorted(r["path"] for r in slack) == sorted(f"/slack/{p.pk}" for p in reps)
    assert Reminder.objects.filter(channel="slack", status="sent").count() == 25
    events = receiver.to("/crm")
    assert len({e["headers"][EVENT_ID_HEADER] for e in events}) == len(events) == 25
    assert all(e["verified"] for e in events)
    assert Reminder.objects.filter(channel="webhook", status="sent").count() == 25
    assert sum(r.sent for r in results) == Reminder.objects.filter(status="sent").count()
