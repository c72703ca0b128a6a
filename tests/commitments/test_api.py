import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from django.urls import reverse

from commitments.models import CallEvidence, Commitment
from reps.models import ApiToken
from tests.factories import (
    AdminFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

EVIDENCE_URL = "/api/v1/evidence"


@pytest.fixture
def admin(rep):
    return AdminFactory(organisation=rep.organisation, name="Ada Admin")


def make_token(client, admin, name="Acme Gong feed") -> str:
    """The raw token, the way an org admin gets it: from the page after making it."""
    client.force_login(admin)
    response = client.post(reverse("reps:api_tokens"), {"name": name})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    start = page.index('id="new-token" type="text" readonly value="') + len(
        'id="new-token" type="text" readonly value="'
    )
    client.logout()
    return page[start : page.index('"', start)]


@pytest.fixture
def token(client, admin):
    return make_token(client, admin)


def record(**changes) -> dict:
    return {
        "id": "gong-call-1",
        "rep_email": "rita@example.com",
        "called_at": "2026-11-26T14:05:00Z",
        "call_url": "https://app.gong.io/call?id=1",
        "detected": "trigger-event opener",
        "snippet": "I saw you opened an office in Leeds…",
    } | changes


def send(client, token, *records, body=None):
    return client.post(
        EVIDENCE_URL,
        body if body is not None else json.dumps({"records": list(records)}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


@pytest.fixture
def rita(rep):
    rep.email = "rita@example.com"
    rep.save(update_fields=["email"])
    return rep


def test_a_token_is_shown_once_and_stored_only_as_its_hash(client, admin):
    client.force_login(admin)
    response = client.post(reverse("reps:api_tokens"), {"name": "Gong"}, follow=True)
    page = response.content.decode()
    stored = ApiToken.objects.get()
    start = page.index('readonly value="') + len('readonly value="')
    raw = page[start : page.index('"', start)]

    assert len(raw) >= 40
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.token_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    again = client.get(reverse("reps:api_tokens")).content.decode()
    assert raw not in again
    assert f"{stored.prefix}…" in again


def test_evidence_is_attached_to_the_commitment_the_rep_was_working_on(client, token, rita, active):
    response = send(client, token, record())

    assert response.status_code == 200
    assert response.json() == {
        "results": [{"id": "gong-call-1", "status": "attached", "commitment_id": active.pk}]
    }
    evidence = CallEvidence.objects.get()
    assert evidence.commitment == active
    assert evidence.called_at == dt.datetime(2026, 11, 26, 14, 5, tzinfo=dt.UTC)
    assert evidence.detected == "trigger-event opener"


def test_a_call_in_last_weeks_loop_goes_to_last_weeks_commitment(client, token, rita, clock):
    last = CommitmentFactory(
        rep=rita,
        issued_on=dt.date(2026, 11, 17),
        check_date=dt.date(2026, 11, 24),
        status=Commitment.Status.KEPT,
        closed_at=dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.UTC),
    )
    this = CommitmentFactory(
        rep=rita, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )

    response = send(
        client,
        token,
        record(id="a", called_at="2026-11-24T09:00:00+00:00"),
        record(id="b", called_at="2026-11-24T11:00:00+00:00"),
        record(id="c", called_at="2026-11-10T11:00:00+00:00"),
    )

    results = response.json()["results"]
    assert results[0]["commitment_id"] == last.pk
    assert results[1]["commitment_id"] == this.pk
    assert results[2] == {
        "id": "c",
        "status": "unmatched",
        "reason": "The rep had no commitment at the time of this call.",
    }


def test_sending_the_same_record_again_creates_nothing(client, token, rita, active):
    first = send(client, token, record())
    again = send(client, token, record(detected="changed"))

    assert first.json()["results"][0]["status"] == "attached"
    assert again.status_code == 200
    assert again.json() == {
        "results": [{"id": "gong-call-1", "status": "duplicate", "commitment_id": active.pk}]
    }
    assert CallEvidence.objects.get().detected == "trigger-event opener"


def test_an_unknown_rep_is_reported_not_an_error(client, token, rita, active):
    response = send(client, token, record(rep_email="nobody@example.com"))

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": "gong-call-1", "status": "unmatched", "reason": "No rep with this email address."}
    ]
    assert not CallEvidence.objects.exists()


def test_another_organisations_token_cannot_reach_this_organisations_rep(client, rita, active):
    elsewhere = AdminFactory(organisation=OrganisationFactory(name="Globex"))
    their_token = make_token(client, elsewhere)

    response = send(client, their_token, record())

    assert response.json()["results"][0]["status"] == "unmatched"
    assert not CallEvidence.objects.exists()


def test_the_same_record_id_in_two_organisations_is_two_records(client, token, rita, active):
    globex = OrganisationFactory(name="Globex")
    greta = RepFactory(
        organisation=globex,
        manager=ManagerFactory(organisation=globex),
        email="greta@globex.example",
    )
    theirs = CommitmentFactory(rep=greta, issued_on=dt.date(2026, 11, 24))
    their_token = make_token(client, AdminFactory(organisation=globex))

    send(client, token, record())
    response = send(client, their_token, record(rep_email="greta@globex.example"))

    assert response.json()["results"][0] == {
        "id": "gong-call-1",
        "status": "attached",
        "commitment_id": theirs.pk,
    }
    assert CallEvidence.objects.count() == 2


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token {token}"],
)
def test_no_valid_token_is_a_401(client, token, rita, active, authorization):
    headers = {"Authorization": authorization.format(token=token)} if authorization else {}
    response = client.post(
        EVIDENCE_URL,
        json.dumps({"records": [record()]}),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "API token" in response.json()["error"]
    assert not CallEvidence.objects.exists()


def test_a_revoked_token_stops_working_at_once(client, admin, token, rita, active):
    client.force_login(admin)
    stored = ApiToken.objects.get()
    response = client.post(reverse("reps:api_token_revoke", kwargs={"token_id": stored.pk}))
    client.logout()

    assert response.status_code == 302
    assert send(client, token, record()).status_code == 401
    assert not CallEvidence.objects.exists()
    client.force_login(admin)
    assert "Revoked" in client.get(reverse("reps:api_tokens")).content.decode()


def test_the_last_use_of_a_token_is_shown(client, admin, token, rita, active, clock):
    client.force_login(admin)
    assert "Never" in client.get(reverse("reps:api_tokens")).content.decode()

    clock.move_to("2026-11-30 12:34:00+00:00")
    send(client, token, record())

    assert ApiToken.objects.get().last_used_at == dt.datetime(2026, 11, 30, 12, 34, tzinfo=dt.UTC)
    # Ada reads it in her zone (London: UTC in winter).
    assert "30 Nov 2026 12:34" in client.get(reverse("reps:api_tokens")).content.decode()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("not json", None, "not valid JSON"),
        ("[]", "", "JSON object"),
        ('{"records": []}', "records", "between 1 and 100"),
        ('{"records": {}}', "records", "must be a list"),
        ('{"records": [], "extra": 1}', "extra", "not a field"),
        (
            json.dumps({"records": [record(called_at="2026-11-26 14:05")]}),
            "records[0].called_at",
            "UTC offset",
        ),
        (
            json.dumps({"records": [record(called_at="yesterday")]}),
            "records[0].called_at",
            "ISO 8601",
        ),
        (
            json.dumps({"records": [record(call_url="javascript:alert(1)")]}),
            "records[0].call_url",
            "http or https",
        ),
        (
            json.dumps({"records": [record(call_url="ftp://example.com/x")]}),
            "records[0].call_url",
            "http or https",
        ),
        (
            json.dumps({"records": [record(rep_email="rita")]}),
            "records[0].rep_email",
            "email address",
        ),
        (json.dumps({"records": [record(id=7)]}), "records[0].id", "string"),
        (json.dumps({"records": [record(id="")]}), "records[0].id", "empty"),
        (json.dumps({"records": [record(detected="a\x00b")]}), "records[0].detected", "NUL"),
        (json.dumps({"records": [record(snippet="x" * 2001)]}), "records[0].snippet", "2000"),
        (json.dumps({"records": [record(), {"id": "2"}]}), "records[1].rep_email", "required"),
        (json.dumps({"records": [record(colour="red")]}), "records[0].colour", "not a field"),
        (
            json.dumps({"records": [record(called_at="0001-01-01T00:00:00+05:00")]}),
            "records[0].called_at",
            "out of range",
        ),
    ],
)
def test_a_malformed_payload_is_a_400_naming_the_field(
    client, token, rita, active, body, field, words
):
    response = send(client, token, body=body)

    assert response.status_code == 400
    assert words in response.json()["error"]
    assert response.json().get("field") == field
    assert not CallEvidence.objects.exists()


def test_a_body_that_is_not_json_or_too_big_is_refused(client, token, rita, active):
    as_form = client.post(
        EVIDENCE_URL, {"records": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    huge = send(client, token, body=json.dumps({"records": [record(snippet="x" * 300_000)]}))

    assert as_form.status_code == 415
    assert huge.status_code == 413
    assert "at most" in huge.json()["error"]


def test_the_api_takes_no_session_and_needs_no_csrf_token(admin, rita, active):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    response = browser.post(
        EVIDENCE_URL, json.dumps({"records": [record()]}), content_type="application/json"
    )

    assert response.status_code == 401


def test_the_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.0")
    assert "/api/v1/evidence" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_only_the_org_admin_sees_and_manages_the_organisations_tokens(client, admin, token, rep):
    stored = ApiToken.objects.get()
    revoke = reverse("reps:api_token_revoke", kwargs={"token_id": stored.pk})
    for person in (rep, rep.manager):
        client.force_login(person)
        assert client.get(reverse("reps:api_tokens")).status_code == 404
        assert client.post(revoke).status_code == 404
    client.force_login(AdminFactory(organisation=OrganisationFactory(name="Globex")))
    their_page = client.get(reverse("reps:api_tokens")).content.decode()

    assert "Acme Gong feed" not in their_page
    assert stored.prefix not in their_page
    assert client.post(revoke).status_code == 404
    stored.refresh_from_db()
    assert stored.revoked_at is None


def test_only_post_is_allowed_and_the_answer_says_so_in_json(client, token):
    response = client.get(EVIDENCE_URL, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json() == {"error": "Send evidence with POST."}


def test_the_calls_sent_show_on_the_rep_page_for_the_week(
    client, manager, token, rita, active, rep_page
):
    send(client, token, record(), record(id="gong-call-2", call_url="https://app.gong.io/c/2"))

    client.force_login(manager)
    page = client.get(rep_page).content.decode()

    assert "Calls with evidence since 24 Nov" in page
    assert 'href="https://app.gong.io/call?id=1"' in page
    # 14:05 UTC is 14:05 in London in November.
    assert "Thu 26 Nov 14:05" in page
    assert "trigger-event opener: “I saw you opened an office in Leeds…”" in page


def test_support_sees_tokens_and_evidence_in_the_django_admin_but_never_the_secret(
    client, token, rita, active
):
    send(client, token, record())
    superuser = AdminFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    stored = ApiToken.objects.get()

    for path in (
        reverse("admin:reps_apitoken_changelist"),
        reverse("admin:reps_apitoken_change", args=[stored.pk]),
        reverse("admin:commitments_callevidence_changelist"),
        reverse("admin:commitments_callevidence_change", args=[CallEvidence.objects.get().pk]),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert token not in response.content.decode()
    assert client.get(reverse("admin:reps_apitoken_add")).status_code == 403
