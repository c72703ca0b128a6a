"""The services enforce every rule a form pre-checks, called directly.

A script, the admin or another app calling ``commitment_create``,
``check_record`` or ``practice_log`` gets the same refusals as the pages.
Dates are the rep's own: at 23:30 UTC on Tuesday 1 December it is Wednesday
in Sydney; at 09:00 UTC on Wednesday 2 December it is Tuesday in Honolulu.
"""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from commitments import services
from commitments.models import CHECK_LIMIT_DAYS, Check, CoachingSession, Commitment, PracticeLog
from commitments.services import CommitmentSpec
from tests.commitments.test_one_active_commitment import race
from tests.factories import CommitmentFactory, RepFactory

UTC = dt.UTC
MONDAY = dt.date(2026, 11, 30)
SYDNEY_NIGHT = dt.datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
HONOLULU_MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PAST = "The check date can't be in the past."
TODAY = "Give the rep at least a day to practise."
pytestmark = pytest.mark.django_db

TOO_FAR = "Pick a date within 8 weeks: the loop only works if you check it soon."


def spec(check_date: dt.date, behaviour: str = "Ask for the next step on every call"):
    return CommitmentSpec(behaviour=behaviour, check_date=check_date)


# --- commitment_create: check-date limits, in the rep's day -------------------------

CHECK_DATES = [
    pytest.param("Europe/London", None, MONDAY - dt.timedelta(days=1), PAST, id="yesterday"),
    pytest.param("Europe/London", None, MONDAY, TODAY, id="today"),
    pytest.param("Europe/London", None, MONDAY + dt.timedelta(days=1), "", id="tomorrow"),
    pytest.param(
        "Europe/London", None, MONDAY + dt.timedelta(days=CHECK_LIMIT_DAYS), "", id="8 weeks"
    ),
    pytest.param(
        "Europe/London",
        None,
        MONDAY + dt.timedelta(days=CHECK_LIMIT_DAYS + 1),
        TOO_FAR,
        id="8 weeks and a day",
    ),
    # Still Tue 1 Dec in UTC, already Wed 2 Dec in Sydney.
    pytest.param("Australia/Sydney", SYDNEY_NIGHT, dt.date(2026, 12, 1), PAST, id="Sydney Tue"),
    pytest.param("Australia/Sydney", SYDNEY_NIGHT, dt.date(2026, 12, 2), TODAY, id="Sydney Wed"),
    pytest.param("Australia/Sydney", SYDNEY_NIGHT, dt.date(2026, 12, 3), "", id="Sydney Thu"),
    pytest.param(
        "Australia/Sydney",
        SYDNEY_NIGHT,
        dt.date(2026, 12, 2) + dt.timedelta(days=CHECK_LIMIT_DAYS),
        "",
        id="Sydney 8 weeks",
    ),
    # Already Wed 2 Dec in UTC, still Tue 1 Dec in Honolulu.
    pytest.param("Pacific/Honolulu", HONOLULU_MORNING, dt.date(2026, 12, 1), TODAY, id="HNL Tue"),
    pytest.param("Pacific/Honolulu", HONOLULU_MORNING, dt.date(2026, 12, 2), "", id="HNL Wed"),
    pytest.param(
        "Pacific/Honolulu",
        HONOLULU_MORNING,
        dt.date(2026, 12, 1) + dt.timedelta(days=CHECK_LIMIT_DAYS + 1),
        TOO_FAR,
        id="HNL 8 weeks and a day",
    ),
]


@pytest.mark.parametrize(("zone", "moment", "check_date", "problem"), CHECK_DATES)
def test_commitment_create_holds_the_check_date_limits_in_the_reps_day(
    clock, zone, moment, check_date, problem
):
    rep = RepFactory(timezone=zone)
    if moment is not None:
        clock.move_to(moment)

    if problem:
        with pytest.raises(ValidationError) as refused:
            services.commitment_create(rep=rep, by=rep.manager, spec=spec(check_date))
        assert refused.value.message_dict == {"check_date": [problem]}
        assert not Commitment.objects.exists()
    else:
        created = services.commitment_create(rep=rep, by=rep.manager, spec=spec(check_date))
        assert created.issued_on == rep.local_today()
        assert created.check_date == check_date


def test_commitment_create_takes_the_moment_it_was_agreed_when_given_one():
    rep = RepFactory(timezone="Australia/Sydney")

    created = services.commitment_create(
        rep=rep, by=rep.manager, spec=spec(dt.date(2026, 12, 3)), now=SYDNEY_NIGHT
    )

    assert created.issued_on == dt.date(2026, 12, 2)
    assert created.created_at == SYDNEY_NIGHT


@pytest.mark.parametrize("status", ["active", "missed", "partly"])
def test_commitment_create_layers_only_on_a_kept_commitment(status):
    rep = RepFactory()
    base = CommitmentFactory(rep=rep, status=status, issued_on=dt.date(2026, 11, 23))
    if status == "active":
        rep = RepFactory(organisation=rep.organisation, manager=rep.manager)

    with pytest.raises(ValidationError) as refused:
        services.commitment_create(
            rep=rep, by=rep.manager, spec=spec(dt.date(2026, 12, 7)), builds_on=base
        )

    assert refused.value.code == "layer_needs_kept"
    assert Commitment.objects.count() == 1


def test_commitment_create_layers_on_a_kept_commitment():
    rep = RepFactory()
    kept = CommitmentFactory(rep=rep, status="kept", issued_on=dt.date(2026, 11, 23))

    layered = services.commitment_create(
        rep=rep, by=rep.manager, spec=spec(dt.date(2026, 12, 7)), builds_on=kept
    )

    assert layered.builds_on == kept


def test_commitment_create_refuses_a_rep_without_a_manager_and_an_empty_behaviour():
    rep = RepFactory()
    manager = rep.manager

    with pytest.raises(ValidationError) as refused:
        services.commitment_create(
            rep=rep, by=manager, spec=spec(dt.date(2026, 12, 7), behaviour="  ")
        )
    assert "behaviour" in refused.value.message_dict

    rep.manager = None
    with pytest.raises(ValidationError) as refused:
        services.commitment_create(rep=rep, by=manager, spec=spec(dt.date(2026, 12, 7)))
    assert refused.value.code == "no_manager"
    assert not Commitment.objects.exists()


# --- check_record -----------------------------------------------------------------


@pytest.fixture
def active():
    return CommitmentFactory(issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1))


def saved(active) -> tuple:
    active.refresh_from_db()
    return (
        active.status,
        Commitment.objects.count(),
        Check.objects.count(),
        CoachingSession.objects.count(),
    )


NOTHING_SAVED = ("active", 1, 0, 0)


def test_check_record_refuses_a_re_issue_after_a_keep(active):
    with pytest.raises(ValidationError) as refused:
        services.check_record(
            commitment=active,
            by=active.manager,
            outcome="kept",
            next_step="reissue",
            next_spec=spec(dt.date(2026, 12, 8)),
        )

    [message] = refused.value.message_dict["next_step"]
    assert message.startswith("After “Kept” the next step is: keep it as a standing behaviour")
    assert "same one thing again" not in message
    assert saved(active) == NOTHING_SAVED


@pytest.mark.parametrize("outcome", ["missed", "partly"])
def test_check_record_refuses_a_layer_after_a_miss(active, outcome):
    with pytest.raises(ValidationError, match="next step"):
        services.check_record(
            commitment=active,
            by=active.manager,
            outcome=outcome,
            next_step="layer",
            next_spec=spec(dt.date(2026, 12, 8)),
        )

    assert saved(active) == NOTHING_SAVED


@pytest.mark.parametrize("step", ["unknown", ""])
def test_check_record_refuses_a_next_step_that_does_not_exist(active, step):
    with pytest.raises(ValidationError):
        services.check_record(commitment=active, by=active.manager, outcome="kept", next_step=step)

    assert saved(active) == NOTHING_SAVED


def test_check_record_refuses_an_outcome_that_does_not_exist(active):
    with pytest.raises(ValidationError) as refused:
        services.check_record(commitment=active, by=active.manager, outcome="great")

    assert "outcome" in refused.value.message_dict
    assert saved(active) == NOTHING_SAVED


def test_check_record_needs_the_next_one_thing_for_a_next_step(active):
    with pytest.raises(ValidationError) as refused:
        services.check_record(
            commitment=active, by=active.manager, outcome="kept", next_step="layer"
        )

    assert "next_step" in refused.value.message_dict
    assert saved(active) == NOTHING_SAVED


@pytest.mark.parametrize(
    ("check_date", "problem"),
    [
        pytest.param(dt.date(2026, 11, 30), TODAY, id="today"),
        pytest.param(dt.date(2026, 11, 29), PAST, id="yesterday"),
        pytest.param(dt.date(2027, 2, 1), TOO_FAR, id="nine weeks away"),
    ],
)
def test_check_record_holds_the_check_date_limits_of_the_next_one_and_saves_nothing(
    active, check_date, problem
):
    with pytest.raises(ValidationError) as refused:
        services.check_record(
            commitment=active,
            by=active.manager,
            outcome="missed",
            diagnosis="skill",
            next_step="reissue",
            next_spec=spec(check_date),
        )

    assert refused.value.message_dict == {"check_date": [problem]}
    assert saved(active) == NOTHING_SAVED


def test_check_record_records_the_check_on_the_reps_date(clock):
    rep = RepFactory(timezone="Australia/Sydney")
    active = CommitmentFactory(
        rep=rep, issued_on=dt.date(2026, 11, 24), check_date=dt.date(2026, 12, 1)
    )

    check, _ = services.check_record(
        commitment=active, by=rep.manager, outcome="kept", now=SYDNEY_NIGHT
    )

    assert (check.checked_at, check.checked_on) == (SYDNEY_NIGHT, dt.date(2026, 12, 2))


# --- practice_log: one tap, one entry ---------------------------------------------


def test_practice_log_with_the_same_key_twice_logs_once(active):
    first = services.practice_log(
        rep=active.rep, kind="drill", practiced_on=MONDAY, idempotency_key="tap-1"
    )
    again = services.practice_log(
        rep=active.rep, kind="drill", practiced_on=MONDAY, idempotency_key="tap-1"
    )

    assert again.pk == first.pk
    assert PracticeLog.objects.count() == 1


def test_practice_log_with_another_key_or_none_logs_again(active):
    for key in ("tap-1", "tap-2", "", ""):
        services.practice_log(
            rep=active.rep, kind="drill", practiced_on=MONDAY, idempotency_key=key
        )

    assert PracticeLog.objects.count() == 4


def test_one_reps_key_does_not_swallow_another_reps_tap(active):
    other = CommitmentFactory(issued_on=dt.date(2026, 11, 24))
    for rep in (active.rep, other.rep):
        services.practice_log(rep=rep, kind="live", practiced_on=MONDAY, idempotency_key="tap-1")

    assert PracticeLog.objects.count() == 2


@pytest.mark.parametrize(
    ("day", "field"),
    [
        pytest.param(dt.date(2026, 11, 23), "practiced_on", id="before it was agreed"),
        pytest.param(dt.date(2026, 12, 1), "practiced_on", id="tomorrow"),
    ],
)
def test_practice_log_refuses_a_day_the_form_refuses(active, day, field):
    with pytest.raises(ValidationError) as refused:
        services.practice_log(rep=active.rep, kind="drill", practiced_on=day)

    assert field in refused.value.message_dict
    assert not PracticeLog.objects.exists()


def test_practice_log_needs_an_active_commitment(db):
    rep = RepFactory()

    with pytest.raises(services.NoActiveCommitment):
        services.practice_log(rep=rep, kind="drill", practiced_on=MONDAY)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_one_tap_form_posted_twice_logs_one_practice_rep(client, active, htmx):
    client.force_login(active.rep)
    page = client.get(reverse("commitments:my_one_thing")).text
    form = page.split('<div class="practice-buttons">', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert set(fields) == {"csrfmiddlewaretoken", "kind", "practiced_on", "idempotency_key"}
    headers = {"HX-Request": "true"} if htmx else {}

    responses = [
        client.post(reverse("commitments:practice_new"), fields, headers=headers) for _ in range(2)
    ]

    assert [r.status_code for r in responses] == ([200, 200] if htmx else [302, 302])
    [entry] = PracticeLog.objects.all()
    assert (entry.rep, entry.commitment, entry.kind) == (active.rep, active, fields["kind"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_tap_arriving_twice_at_once_logs_once_on_postgresql():
    active = CommitmentFactory(issued_on=dt.date(2026, 11, 24))

    def log():
        return services.practice_log(
            rep=active.rep, kind="live", practiced_on=MONDAY, idempotency_key="tap-1"
        )

    def first(hold):
        with transaction.atomic():
            entry = log()
            hold()
        return entry

    a, b = race(first, log)

    assert a.error is None and b.error is None, (a.error, b.error)
    assert a.result.pk == b.result.pk
    assert PracticeLog.objects.count() == 1
