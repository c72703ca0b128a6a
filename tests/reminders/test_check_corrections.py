"""A check corrected within the window: what was derived from it follows.
The CRM hears of it (``check.corrected``, signed, through the ledger) and
"You kept it" goes out only for a week that still stands as kept."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from commitments.models import Check
from reminders.models import Reminder
from reminders.services import reminder_dispatch_due
from tests.factories import AdminFactory

from .factories import commit, rep_in
from .test_delivery_channels import receiver, webhook_for  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def record_kept(manager, commitment):
    response = signed_in(manager).post(
        reverse("commitments:weekly_update", kwargs={"rep_id": commitment.rep_id}),
        {"commitment_id": commitment.pk, "outcome": "kept", "next_step": "none"},
    )
    assert response.status_code == 302
    return Check.objects.get(commitment=commitment)


def correct(manager, check, outcome, **fields):
    return signed_in(manager).post(
        reverse("commitments:check_correct", kwargs={"rep_id": check.commitment.rep_id}),
        {
            "correct-check_id": check.pk,
            "correct-outcome": outcome,
            "correct-reason": "Mistyped: it was a miss",
            **{f"correct-{k}": v for k, v in fields.items()},
        },
    )


def test_a_kept_week_corrected_to_a_miss_tells_the_crm_and_sends_no_recognition(
    clock,
    receiver,  # noqa: F811
):
    rep = rep_in("Europe/London")
    manager = rep.manager
    webhook_for(AdminFactory(organisation=rep.organisation), receiver)
    commitment = commit(rep, check_date=dt.date(2026, 12, 7))
    clock.move_to(dt.datetime(2026, 12, 7, 10, 30, tzinfo=UTC))
    check = record_kept(manager, commitment)
    assert Reminder.objects.filter(kind="kept", commitment=commitment).exists()

    response = correct(manager, check, "missed", diagnosis="skill")
    reminder_dispatch_due()

    assert response.status_code == 302
    kept = Reminder.objects.get(kind="kept", commitment=commitment)
    assert (kept.status, kept.skip_reason) == ("skipped", "check corrected: not kept")
    events = [e["json"] for e in receiver.to("/crm") if e["json"]["type"].startswith("check.")]
    assert [e["type"] for e in events] == ["check.recorded", "check.corrected"]
    assert all(e["verified"] for e in receiver.to("/crm"))
    corrected = events[1]["data"]["check"]
    assert (corrected["outcome"], corrected["previous_outcome"]) == ("missed", "kept")
    assert "skill" not in str(events[1])


def test_a_correction_of_the_evidence_alone_sends_the_crm_nothing(clock, receiver):  # noqa: F811
    rep = rep_in("Europe/London")
    manager = rep.manager
    webhook_for(AdminFactory(organisation=rep.organisation), receiver)
    commitment = commit(rep, check_date=dt.date(2026, 12, 7))
    clock.move_to(dt.datetime(2026, 12, 7, 10, 30, tzinfo=UTC))
    check = record_kept(manager, commitment)

    assert correct(manager, check, "kept", evidence="Showed me two emails").status_code == 302
    reminder_dispatch_due()

    types = [e["json"]["type"] for e in receiver.to("/crm")]
    assert types.count("check.recorded") == 1
    assert "check.corrected" not in types
