"""The evidence API fuzzed from its own OpenAPI document (schemathesis).

Valid and invalid bodies generated from the schema are sent through the
Django WSGI app with a real token: no response is a server error, each
matches its documented status and schema, what the schema forbids is
refused with a 4xx, and the same request without the token gets a 401.
Derandomised and bounded, so CI sees the same examples on every run.
"""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from commitments.models import CallEvidence
from reps.api_tokens import api_token_create
from tests.factories import AdminFactory, CommitmentFactory, OrganisationFactory, RepFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_token(db):
    org = OrganisationFactory(name="Acme")
    rep = RepFactory(organisation=org, email="rita@example.com")
    CommitmentFactory(rep=rep)
    _, raw = api_token_create(by=AdminFactory(organisation=org), name="Fuzzer")
    return raw


@pytest.fixture
def wsgi_app():
    """Django's own WSGI app. Like Django's test client, it keeps the test's
    database connection open between requests (the handler would close it
    at the end of each, and with it pytest-django's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def evidence_operation(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema["/api/v1/evidence"]["POST"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_evidence_api_holds_to_its_openapi_document(api_token, wsgi_app, mode):
    @hypothesis.settings(
        max_examples=50,
        derandomize=True,
        database=None,
        deadline=None,
        # One database transaction for the whole run (pytest-django's), by design.
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=evidence_operation(wsgi_app).as_strategy(mode))
    def fuzz(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)

    fuzz()


def test_the_fuzzer_reaches_the_attaching_code(client, api_token):
    # The examples above are not all refusals: a well-formed record for a
    # known rep is attached (the same request the fuzzer's positive mode sends).
    response = client.post(
        "/api/v1/evidence",
        {
            "records": [
                {
                    "id": "x",
                    "rep_email": "rita@example.com",
                    "called_at": "2026-11-30T08:00:00Z",
                    "call_url": "https://example.com/c",
                    "detected": "opener",
                }
            ]
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert response.json()["results"][0]["status"] == "attached"
    assert CallEvidence.objects.count() == 1
