"""Delivery beyond email: Slack messages and the organisation's webhook.

Both are rows of the same ledger as every email (``Reminder``, with its
``channel``), so they are claimed, retried, recorded and shown exactly like
one:

- a **Slack copy** (``slack:<the email's key>``) is added by the sweep when
  it handles a reminder whose recipient chose Slack or both for that kind;
- a **webhook event** (``hook:check:c<id>``, ``hook:commitment:c<id>``) is
  recorded in the transaction of the check or the commitment it is about
  (``commitments.signals``), with its JSON fixed then, and only when the
  organisation has a webhook at that moment.

This module builds what is sent and manages the organisation's webhook; the
sweep (``dispatch``) sends it.
"""

import datetime as dt
import json
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commitments.models import Check, Commitment
from reps.models import User

from .. import outbound
from ..emails import absolute, manage_url, preferences_token
from ..models import OrganisationWebhook, Reminder, SlackWebhook
from .compose import _commitment_context, reminder_digest_context

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


# --- Slack ------------------------------------------------------------------------


def slack_key(email_key: str) -> str:
    return f"slack:{email_key}"


def reminder_slack_copy(reminder: Reminder, *, now: dt.datetime) -> None:
    """Add the Slack copy of the email row ``reminder``, due now. Keyed by the
    email's key: however often a sweep gets here (a retry, a worker that died
    after this), there is one."""
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=reminder.kind,
                channel=Reminder.Channel.SLACK,
                key=slack_key(reminder.key),
                recipient_id=reminder.recipient_id,
                rep_id=reminder.rep_id,
                commitment_id=reminder.commitment_id,
                scheduled_at=reminder.scheduled_at,
                due_at=now,
            )
        ],
        ignore_conflicts=True,
    )


def slack_text(reminder: Reminder, commitment: Commitment | None) -> str:
    """The Slack message for a reminder: the same facts as its email, in
    Slack's markup, in the recipient's zone.

    Rendered with HTML autoescaping, which turns ``&``, ``<`` and ``>`` into
    exactly the entities Slack wants (so a commitment cannot write a link or
    ping ``<!channel>``); quotes are given back, Slack does not decode them.
    """
    recipient = reminder.recipient
    if reminder.kind == Reminder.Kind.DIGEST:
        context = reminder_digest_context(
            manager=recipient,
            monday=reminder.scheduled_at.astimezone(recipient.tzinfo).date(),
        )
    else:
        context = _commitment_context(reminder, commitment)
    context = {
        **context,
        "recipient": recipient,
        "manage_url": manage_url(preferences_token(recipient.pk, reminder.kind)),
    }
    with timezone.override(recipient.tzinfo):
        text = render_to_string(f"slack/{reminder.kind}.txt", context)
    return text.replace("&quot;", '"').replace("&#x27;", "'").strip()


def slack_request(reminder: Reminder, commitment: Commitment | None) -> bytes:
    body = {
        "text": slack_text(reminder, commitment),
        "unfurl_links": False,
        "unfurl_media": False,
    }
    return json.dumps(body).encode()


def slack_webhook_set(*, user: User, url: str) -> SlackWebhook:
    """Keep ``url`` as ``user``'s Slack incoming webhook (checked again here)."""
    url = url.strip()
    if problem := outbound.slack_url_problem(url):
        raise ValidationError({"slack_url": problem})
    hook, _ = SlackWebhook.objects.update_or_create(user=user, defaults={"url": url})
    return hook


# --- the organisation's webhook: events -----------------------------------------


def _person(person: User | None) -> dict | None:
    if person is None:
        return None
    return {"id": person.pk, "name": person.name, "email": person.email}


def _commitment_data(commitment: Commitment) -> dict:
    """What a CRM may know about a week: the export's columns, never a
    private note or a diagnosis (those are not even read here)."""
    rep = commitment.rep
    return {
        "id": commitment.pk,
        "behaviour": commitment.behaviour,
        "target": commitment.target_summary,
        "agreed_on": commitment.issued_on.isoformat(),
        "check_date": commitment.check_date.isoformat(),
        "status": commitment.status,
        "attempt": commitment.attempt,
        "proposed_by": commitment.proposed_by,
        "proposed_by_person": _person(commitment.proposed_by_user),
        "reissue_of": commitment.reissue_of_id,
        "builds_on": commitment.builds_on_id,
        "url": absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk})),
    }


def _event(event_type: str, *, commitment: Commitment, now: dt.datetime, **extra) -> dict:
    rep = commitment.rep
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "created": now.isoformat(),
        "organisation": {"id": rep.organisation_id},
        "data": {
            "rep": {**_person(rep), "timezone": rep.timezone},
            "manager": _person(commitment.manager),
            "commitment": _commitment_data(commitment),
            **extra,
        },
    }


def _record_event(key: str, kind: str, commitment: Commitment, payload: dict, now) -> bool:
    created = Reminder.objects.bulk_create(
        [
            Reminder(
                kind=kind,
                channel=Reminder.Channel.WEBHOOK,
                key=key,
                recipient=None,
                rep_id=commitment.rep_id,
                commitment=commitment,
                scheduled_at=now,
                due_at=now,
                payload=payload,
            )
        ],
        ignore_conflicts=True,
    )
    return bool(created)


def _has_webhook(commitment: Commitment) -> bool:
    return OrganisationWebhook.objects.filter(
        organisation_id=commitment.rep.organisation_id
    ).exists()


def webhook_record_commitment(*, commitment: Commitment, now: dt.datetime | None = None) -> bool:
    """Record the ``commitment.created`` event, in the caller's transaction,
    if the rep's organisation has a webhook. True when recorded."""
    now = now or timezone.now()
    if not _has_webhook(commitment):
        return False
    payload = _event("commitment.created", commitment=commitment, now=now)
    return _record_event(
        f"hook:commitment:c{commitment.pk}", Reminder.Kind.COMMITMENT, commitment, payload, now
    )


def webhook_record_check(*, check: Check, now: dt.datetime | None = None, correction=None) -> bool:
    """Record the ``check.recorded`` event (``check.corrected`` when its
    author corrected the outcome within the window: ``correction``), in the
    caller's transaction, if the rep's organisation has a webhook. The
    diagnosis and the 1:1's notes stay out. True when recorded."""
    now = now or timezone.now()
    commitment = check.commitment
    if not _has_webhook(commitment):
        return False
    data = {
        "check": {
            "outcome": check.outcome,
            "outcome_label": Check.Outcome(check.outcome).label,
            "checked_on": check.checked_on.isoformat(),
            "checked_at": check.checked_at.isoformat(),
            "checked_by": _person(check.checked_by),
        }
    }
    key, event_type = f"hook:check:c{commitment.pk}", "check.recorded"
    if correction is not None:
        if correction.old_outcome == correction.new_outcome:
            return False  # Evidence or the diagnosis only: nothing the CRM holds changed.
        key, event_type = f"{key}:r{correction.pk}", "check.corrected"
        data["check"]["previous_outcome"] = correction.old_outcome
    payload = _event(event_type, commitment=commitment, now=now, **data)
    return _record_event(key, Reminder.Kind.CHECK, commitment, payload, now)


def webhook_body(reminder: Reminder) -> bytes:
    """The exact bytes POSTed (and signed): the same on every attempt."""
    return json.dumps(reminder.payload, sort_keys=True, separators=(",", ":")).encode()


def webhook_headers(reminder: Reminder, hook: OrganisationWebhook, body: bytes, now) -> dict:
    return {
        outbound.SIGNATURE_HEADER: outbound.sign(hook.secret, body, now=now),
        outbound.EVENT_ID_HEADER: reminder.payload["id"],
        outbound.EVENT_TYPE_HEADER: reminder.payload["type"],
    }


# --- the organisation's webhook: set-up -----------------------------------------


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def organisation_webhook_save(
    *, by: User, url: str, now: dt.datetime | None = None
) -> tuple[OrganisationWebhook, str | None]:
    """Set ``by``'s organisation's webhook to ``url``: (the webhook, its new
    secret when one was made — shown once — else None). Only an org admin."""
    now = now or timezone.now()
    if not by.is_org_admin or by.organisation_id is None:
        raise ValidationError("Only an org admin sets the organisation's webhook.")
    url = url.strip()
    if problem := outbound.webhook_url_problem(url):
        raise ValidationError({"url": problem})
    with transaction.atomic():
        hook = (
            OrganisationWebhook.objects.select_for_update()
            .filter(organisation_id=by.organisation_id)
            .first()
        )
        if hook is not None:
            hook.url = url
            hook.save(update_fields=["url"])
            return hook, None
        secret = _new_secret()
        hook = OrganisationWebhook.objects.create(
            organisation_id=by.organisation_id,
            url=url,
            secret=secret,
            created_by=by,
            secret_made_at=now,
        )
    return hook, secret


def organisation_webhook_rotate(
    *, webhook: OrganisationWebhook, now: dt.datetime | None = None
) -> str:
    """A new secret, in force at once (events still waiting are signed with
    it when they go); the old one stops working. Returns it, to show once."""
    now = now or timezone.now()
    secret = _new_secret()
    with transaction.atomic():
        OrganisationWebhook.objects.filter(pk=webhook.pk).update(secret=secret, secret_made_at=now)
    webhook.secret, webhook.secret_made_at = secret, now
    return secret


def organisation_webhook_delete(*, webhook: OrganisationWebhook) -> None:
    """No more events; those still waiting are recorded as skipped when the
    sweep reaches them (the ledger keeps what was sent)."""
    with transaction.atomic():
        OrganisationWebhook.objects.filter(pk=webhook.pk).delete()
