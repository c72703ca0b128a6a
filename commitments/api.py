"""The JSON API for tools: call evidence in, described by an OpenAPI document.

Authentication is an organisation's API token (``Authorization: Bearer …``),
never the session cookie, so a browser cannot be tricked into sending it.
"""

import json
from pathlib import Path

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from reps.api_tokens import api_token_authenticate

from .evidence import InvalidPayload, evidence_receive, payload_clean

MAX_BODY_BYTES = 256 * 1024
OPENAPI = json.loads((Path(__file__).parent / "openapi.json").read_text())


def _error(status: int, message: str, field: str | None = None, **headers) -> JsonResponse:
    body = {"error": message}
    if field is not None:
        body["field"] = field
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _bearer(request: HttpRequest) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


# Exempt from CSRF because no cookie authenticates this view: only the
# Bearer token does, and a cross-site form cannot set that header.
@csrf_exempt
def evidence(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _error(405, "Send evidence with POST.", Allow="POST")
    token = api_token_authenticate(_bearer(request))
    if token is None:
        return _error(
            401,
            "A valid API token is required: Authorization: Bearer <token>.",
            WWW_Authenticate='Bearer realm="coachloop"',
        )
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _error(413, f"The body must be at most {MAX_BODY_BYTES} bytes.")
    if request.content_type != "application/json":
        return _error(415, "The body must be JSON (Content-Type: application/json).")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, f"The body must be at most {MAX_BODY_BYTES} bytes.")
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"The body must be at most {MAX_BODY_BYTES} bytes.")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return _error(400, "The body is not valid JSON.")
    try:
        records = payload_clean(payload)
    except InvalidPayload as problem:
        message = f"{problem.field} {problem.message}" if problem.field else problem.message
        return _error(400, message, field=problem.field)
    results = evidence_receive(organisation=token.organisation, records=records)
    return JsonResponse({"results": results})


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(OPENAPI)
