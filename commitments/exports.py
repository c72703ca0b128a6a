"""The team's and the organisation's record as CSV: one line per week per rep.

Rows are built from one query read with ``.iterator()`` and written as they
come, so an export of years of weeks neither holds them all in memory nor
runs a query per row. Private columns (the diagnosis, the notes of the 1:1 in
which the week was agreed) are read through the rule book's ``private_to``:
a manager gets only what they wrote; anyone else gets empty cells, and the
raw columns are never loaded.
"""

import csv
from collections.abc import Iterable, Iterator

from django.db import models
from django.db.models import Case, F, Value, When

from reps.models import User

from .models import Commitment, Diagnosis, Outcome, private_to

COLUMNS = [
    "rep",
    "rep email",
    "manager",
    "commitment",
    "target",
    "agreed on",
    "check date",
    "checked on",
    "outcome",
    "attempt",
    "proposed by",
    "why a different one thing",
]
PRIVATE_COLUMNS = ["diagnosis", "private notes", "shared notes", "fix"]

# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"); a leading apostrophe makes it text again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def record_for(viewer: User, *, private: bool = False):
    """The weeks ``viewer`` may export: their reps' (a manager) or the
    organisation's (an org admin), oldest first per rep. ``private`` adds
    the viewer's own diagnoses and notes, and only theirs."""
    rows = (
        Commitment.objects.visible_to(viewer)
        .select_related("rep", "manager", "proposed_by_user")
        .for_history(viewer)
        .order_by("rep__name", "rep_id", "issued_on", "created_at")
    )
    if private:
        own_session = private_to(viewer, author="session__manager")
        rows = rows.annotate(
            own_private_notes=Case(
                When(own_session, then=F("session__private_notes")),
                default=Value(""),
                output_field=models.TextField(),
            ),
            # Like the rep page: a 1:1's notes come only to the manager who held it.
            own_shared_notes=Case(
                When(own_session, then=F("session__shared_notes")),
                default=Value(""),
                output_field=models.TextField(),
            ),
        )
    return rows


def _row(commitment: Commitment, *, private: bool) -> list:
    # Loaded by ``for_history``'s join: None for the week still open.
    check = getattr(commitment, "check_result", None)
    row = [
        commitment.rep.name,
        commitment.rep.email,
        commitment.manager.name,
        commitment.behaviour,
        commitment.target_summary,
        commitment.issued_on.isoformat(),
        commitment.check_date.isoformat(),
        check.checked_on.isoformat() if check else "",
        Outcome(check.outcome).label if check else "",
        commitment.attempt,
        commitment.proposed_by_user.name,
        check.change_reason if check else "",
    ]
    if private:
        diagnosis = commitment.private_diagnosis
        row += [
            Diagnosis(diagnosis).label if diagnosis else "",
            commitment.own_private_notes,
            commitment.own_shared_notes,
            # The fix the diagnosis led to, read through ``private_to`` like it.
            commitment.private_fix if check else "",
        ]
    return row


def record_rows(viewer: User, *, private: bool = False) -> Iterator[list]:
    """The header, then one list per week."""
    yield COLUMNS + (PRIVATE_COLUMNS if private else [])
    for commitment in record_for(viewer, private=private).iterator(chunk_size=500):
        yield _row(commitment, private=private)


class _Echo:
    """A file that hands back what is written: csv.writer writes one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
