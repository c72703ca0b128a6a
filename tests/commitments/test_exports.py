"""The record as CSV: one line per week per rep, streamed, parsed back here.

Private diagnoses and notes only on request, and only the manager's own; an
org admin's export never has them.
"""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from commitments.models import Check, Commitment
from tests.commitments.history import team_with_history
from tests.factories import (
    AdminFactory,
    CheckFactory,
    CoachingSessionFactory,
    CommitmentFactory,
    ManagerFactory,
    OrganisationFactory,
    RepFactory,
)

pytestmark = pytest.mark.django_db

BASE_COLUMNS = [
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


def download(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="coachloop-')
    assert response["Content-Disposition"].endswith('.csv"')
    body = b"".join(response.streaming_content).decode()
    reader = csv.DictReader(io.StringIO(body))
    rows = list(reader)
    download.header = reader.fieldnames
    return rows


@pytest.fixture
def team():
    """Maria coaches Rita; Rita's missed week was checked and diagnosed by
    Otto, her manager before; Maria checked the next one and set this week's."""
    org = OrganisationFactory(name="Acme")
    maria = ManagerFactory(organisation=org, name="Maria Manager")
    otto = ManagerFactory(organisation=org, name="Otto Manager")
    rita = RepFactory(organisation=org, manager=maria, name="Rita Rep", email="rita@example.com")
    oscar = RepFactory(organisation=org, manager=otto, name="Oscar Rep")
    admin = AdminFactory(organisation=org, name="Ada Admin")

    ottos_session = CoachingSessionFactory(
        rep=rita, manager=otto, shared_notes="Otto shared", private_notes="Otto private"
    )
    ottos_week = CommitmentFactory(
        rep=rita,
        manager=otto,
        proposed_by_user=otto,
        session=ottos_session,
        behaviour="Call back within an hour",
        issued_on=dt.date(2026, 11, 10),
        check_date=dt.date(2026, 11, 17),
        status=Commitment.Status.MISSED,
    )
    CheckFactory(
        commitment=ottos_week,
        outcome="missed",
        diagnosis=Check.Diagnosis.WILL,
        checked_by=otto,
        checked_on=dt.date(2026, 11, 17),
    )
    marias_session = CoachingSessionFactory(
        rep=rita, manager=maria, shared_notes="Maria shared", private_notes="Maria private"
    )
    marias_week = CommitmentFactory(
        rep=rita,
        manager=maria,
        proposed_by_user=rita,
        proposed_by=Commitment.ProposedBy.REP,
        session=marias_session,
        behaviour="Call back within an hour",
        issued_on=dt.date(2026, 11, 17),
        check_date=dt.date(2026, 11, 24),
        status=Commitment.Status.MISSED,
        attempt=2,
        reissue_of=ottos_week,
    )
    CheckFactory(
        commitment=marias_week,
        outcome="missed",
        diagnosis=Check.Diagnosis.SYSTEM,
        checked_by=maria,
        checked_on=dt.date(2026, 11, 25),
    )
    CommitmentFactory(
        rep=rita,
        manager=maria,
        session=marias_session,
        behaviour="Ten emails with the trigger-event opener",
        issued_on=dt.date(2026, 11, 24),
        check_date=dt.date(2026, 12, 1),
    )
    CommitmentFactory(rep=oscar, behaviour="Oscar's one thing", issued_on=dt.date(2026, 11, 24))
    return {"maria": maria, "otto": otto, "rita": rita, "oscar": oscar, "admin": admin}


def test_a_manager_exports_one_line_per_week_per_rep_of_their_team(client, team):
    client.force_login(team["maria"])

    rows = download(client, reverse("commitments:team_export"))

    assert download.header == BASE_COLUMNS
    assert [(r["rep"], r["agreed on"], r["outcome"]) for r in rows] == [
        ("Rita Rep", "2026-11-10", "Missed"),
        ("Rita Rep", "2026-11-17", "Missed"),
        ("Rita Rep", "2026-11-24", ""),
    ]
    reissue = rows[1]
    assert reissue == {
        "rep": "Rita Rep",
        "rep email": "rita@example.com",
        "manager": "Maria Manager",
        "commitment": "Call back within an hour",
        "target": "10 emails · Monday to Thursday · by 10:00",
        "agreed on": "2026-11-17",
        "check date": "2026-11-24",
        "checked on": "2026-11-25",
        "outcome": "Missed",
        "attempt": "2",
        "proposed by": "Rita Rep",
        "why a different one thing": "",
    }
    assert rows[2]["checked on"] == ""
    # Nobody else's reps, and no private column unless asked for.
    assert "Oscar Rep" not in {r["rep"] for r in rows}


def test_on_request_a_manager_gets_only_their_own_diagnoses_and_notes(client, team):
    client.force_login(team["maria"])

    rows = download(client, reverse("commitments:team_export") + "?private=1")

    assert download.header == BASE_COLUMNS + PRIVATE_COLUMNS
    ottos, marias, active = rows
    # Otto diagnosed and wrote the first week: none of it comes to Maria.
    assert (ottos["diagnosis"], ottos["private notes"], ottos["shared notes"]) == ("", "", "")
    assert marias["diagnosis"] == Check.Diagnosis.SYSTEM.label
    assert marias["private notes"] == "Maria private"
    assert marias["shared notes"] == "Maria shared"
    assert active["diagnosis"] == ""
    assert "Otto private" not in str(rows)
    assert Check.Diagnosis.WILL.label not in str(rows)


def test_an_org_admin_exports_every_team_without_private_columns(client, team):
    client.force_login(team["admin"])

    response_rows = download(client, reverse("commitments:organisation_export") + "?private=1")

    assert download.header == BASE_COLUMNS
    assert sorted({r["rep"] for r in response_rows}) == ["Oscar Rep", "Rita Rep"]
    assert len(response_rows) == 4
    body = str(response_rows)
    for secret in ("Otto private", "Maria private", "Maria shared", "System", "Will"):
        assert secret not in body


def test_another_organisations_admin_exports_none_of_these_weeks(client, team):
    client.force_login(AdminFactory(organisation=OrganisationFactory(name="Globex")))

    assert download(client, reverse("commitments:organisation_export")) == []


@pytest.mark.parametrize("role", ["rita", "admin"])
def test_only_a_manager_exports_a_team(client, team, role):
    client.force_login(team[role])

    assert client.get(reverse("commitments:team_export")).status_code == 404


@pytest.mark.parametrize("role", ["rita", "maria"])
def test_only_an_org_admin_exports_the_organisation(client, team, role):
    client.force_login(team[role])

    assert client.get(reverse("commitments:organisation_export")).status_code == 404


def test_cells_a_spreadsheet_would_run_as_formulas_are_escaped(client, team):
    rep = RepFactory(
        organisation=team["maria"].organisation, manager=team["maria"], name="=HYPERLINK(1)"
    )
    CommitmentFactory(
        rep=rep,
        behaviour='=HYPERLINK("http://evil.example","click")',
        target_unit="",
        target_count=None,
        target_days="+1 day",
        by_time=None,
    )
    session = CoachingSessionFactory(
        rep=team["rita"], manager=team["maria"], private_notes="@SUM(A1)", shared_notes="-2+3"
    )
    Commitment.objects.filter(rep=team["rita"], status="active").update(session=session)
    client.force_login(team["maria"])

    rows = download(client, reverse("commitments:team_export") + "?private=1")

    evil = next(r for r in rows if r["rep"] == "'=HYPERLINK(1)")
    assert evil["commitment"] == """'=HYPERLINK("http://evil.example","click")"""
    assert evil["target"] == "'+1 day"
    rita_now = next(r for r in rows if r["rep"] == "Rita Rep" and r["outcome"] == "")
    assert rita_now["private notes"] == "'@SUM(A1)"
    assert rita_now["shared notes"] == "'-2+3"


def test_the_team_and_organisation_pages_link_to_their_exports(client, team):
    client.force_login(team["maria"])
    page = client.get(reverse("commitments:team")).content.decode()
    assert reverse("commitments:team_export") in page
    assert reverse("commitments:team_export") + "?private=1" in page

    client.force_login(team["admin"])
    page = client.get(reverse("commitments:organisation")).content.decode()
    assert reverse("commitments:organisation_export") in page


@pytest.mark.parametrize(
    ("reps", "weeks"), [pytest.param(2, 2, id="2x2"), pytest.param(8, 12, id="8x12")]
)
@pytest.mark.parametrize("private", [False, True])
def test_an_export_runs_the_same_few_queries_however_long_the_record(
    client, django_assert_max_num_queries, reps, weeks, private
):
    manager = ManagerFactory(organisation=OrganisationFactory())
    team_with_history(manager, reps=reps, weeks=weeks)
    client.force_login(manager)
    path = reverse("commitments:team_export") + ("?private=1" if private else "")

    # Session, user, the weeks.
    with django_assert_max_num_queries(3):
        rows = download(client, path)

    assert len(rows) == reps * (weeks + 1)


@pytest.mark.parametrize(
    ("reps", "weeks"), [pytest.param(2, 2, id="2x2"), pytest.param(8, 12, id="8x12")]
)
def test_an_organisation_export_runs_the_same_few_queries(
    client, django_assert_max_num_queries, reps, weeks
):
    manager = ManagerFactory(organisation=OrganisationFactory())
    team_with_history(manager, reps=reps, weeks=weeks)
    client.force_login(AdminFactory(organisation=manager.organisation))

    with django_assert_max_num_queries(3):
        rows = download(client, reverse("commitments:organisation_export"))

    assert len(rows) == reps * (weeks + 1)
