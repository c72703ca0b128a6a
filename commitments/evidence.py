"""Call evidence from a conversation-intelligence tool (Gong, Chorus).

Each record names a rep by email, a call time, a link and what the tool
detected; it is attached to the commitment the rep was working on at the
time of the call (``commitment_active_at``), only ever within the sending
token's organisation, and once per sender's record id.
"""

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from reps.models import Organisation, User

from .models import EVIDENCE_SNIPPET_MAX, CallEvidence, commitment_active_at

MAX_RECORDS = 100
RECORD_FIELDS = {"id", "rep_email", "called_at", "call_url", "detected", "snippet"}
REQUIRED_FIELDS = ("id", "rep_email", "called_at", "call_url", "detected")
MAX_LENGTHS = {
    "id": 200,
    "rep_email": 254,
    "call_url": 500,
    "detected": 200,
    "snippet": EVIDENCE_SNIPPET_MAX,
}


class InvalidPayload(Exception):
    """Bad input, with the field it is about (``records[2].called_at``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass(frozen=True)
class EvidenceRecord:
    source_id: str
    rep_email: str
    called_at: dt.datetime
    call_url: str
    detected: str
    snippet: str


def _text(value, field: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidPayload(field, "must be a string.")
    if required and not value.strip():
        raise InvalidPayload(field, "must not be empty.")
    if len(value) > MAX_LENGTHS[field.rsplit(".", 1)[-1]]:
        raise InvalidPayload(
            field, f"must be at most {MAX_LENGTHS[field.rsplit('.', 1)[-1]]} characters."
        )
    if "\x00" in value:
        raise InvalidPayload(field, "must not contain NUL characters.")
    return value


def _called_at(value: str, field: str) -> dt.datetime:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidPayload(field, "must be an ISO 8601 date and time, e.g. 2026-11-30T14:05:00Z.")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidPayload(field, "must carry a UTC offset (Z or +01:00).")
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise InvalidPayload(field, "is out of range.") from None


def record_clean(raw, index: int) -> EvidenceRecord:
    """One record, strictly checked: wrong types, unknown fields and bad
    values are refused with the field named, never coerced."""
    where = f"records[{index}]"
    if not isinstance(raw, dict):
        raise InvalidPayload(where, "must be an object.")
    unknown = sorted(set(raw) - RECORD_FIELDS)
    if unknown:
        raise InvalidPayload(f"{where}.{unknown[0]}", "is not a field of an evidence record.")
    for name in REQUIRED_FIELDS:
        if name not in raw:
            raise InvalidPayload(f"{where}.{name}", "is required.")
    source_id = _text(raw["id"], f"{where}.id", required=True)
    email = _text(raw["rep_email"], f"{where}.rep_email", required=True)
    try:
        EmailValidator()(email)
    except ValidationError:
        raise InvalidPayload(f"{where}.rep_email", "must be an email address.") from None
    called_at = _called_at(_string(raw["called_at"], f"{where}.called_at"), f"{where}.called_at")
    url = _text(raw["call_url"], f"{where}.call_url", required=True)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidPayload(f"{where}.call_url", "must be an http or https URL.") from None
    detected = _text(raw["detected"], f"{where}.detected", required=True)
    snippet = raw.get("snippet")
    snippet = "" if snippet is None else _text(snippet, f"{where}.snippet", required=False)
    return EvidenceRecord(source_id, email, called_at, url, detected, snippet)


def _string(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayload(field, "must be a non-empty string.")
    if len(value) > 64:
        raise InvalidPayload(field, "must be at most 64 characters.")
    return value.strip()


def payload_clean(payload) -> list[EvidenceRecord]:
    """``{"records": [...]}`` with 1 to ``MAX_RECORDS`` records."""
    if not isinstance(payload, dict):
        raise InvalidPayload("", 'The body must be a JSON object: {"records": [...]}.')
    unknown = sorted(set(payload) - {"records"})
    if unknown:
        raise InvalidPayload(unknown[0], "is not a field of the request.")
    records = payload.get("records")
    if not isinstance(records, list):
        raise InvalidPayload("records", "is required and must be a list.")
    if not 1 <= len(records) <= MAX_RECORDS:
        raise InvalidPayload("records", f"must hold between 1 and {MAX_RECORDS} records.")
    return [record_clean(raw, i) for i, raw in enumerate(records)]


def _attach_one(organisation: Organisation, record: EvidenceRecord) -> dict:
    result = {"id": record.source_id}
    existing = (
        CallEvidence.objects.filter(organisation=organisation, source_id=record.source_id)
        .only("commitment_id")
        .first()
    )
    if existing is not None:
        return result | {"status": "duplicate", "commitment_id": existing.commitment_id}
    # Only this organisation's reps: an address in another tenant is "no such rep".
    rep = (
        User.objects.reps()
        .filter(organisation=organisation, email__iexact=record.rep_email)
        .first()
    )
    if rep is None:
        return result | {"status": "unmatched", "reason": "No rep with this email address."}
    commitment = commitment_active_at(rep, record.called_at)
    if commitment is None:
        return result | {
            "status": "unmatched",
            "reason": "The rep had no commitment at the time of this call.",
        }
    try:
        with transaction.atomic():
            CallEvidence.objects.create(
                commitment=commitment,
                organisation=organisation,
                source_id=record.source_id,
                called_at=record.called_at,
                call_url=record.call_url,
                detected=record.detected,
                snippet=record.snippet,
            )
    except IntegrityError:
        # Sent twice at once: the other request stored it first.
        existing = CallEvidence.objects.filter(
            organisation=organisation, source_id=record.source_id
        ).first()
        if existing is None:
            raise
        return result | {"status": "duplicate", "commitment_id": existing.commitment_id}
    return result | {"status": "attached", "commitment_id": commitment.pk}


def evidence_receive(*, organisation: Organisation, records: list[EvidenceRecord]) -> list[dict]:
    """Attach each record; one result per record, in order. Sending the same
    records again creates nothing and answers ``duplicate`` with the same
    commitment."""
    return [_attach_one(organisation, record) for record in records]
