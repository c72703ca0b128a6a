import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from commitments.demo_data import DOMAIN, ORG_NAME, PASSWORD
from commitments.models import Check, CoachingSession, Commitment, PracticeLog
from reminders.models import Reminder
from reps.models import Organisation, User
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The seed hashes one password; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    demo = Q(rep__organisation__name=ORG_NAME)
    return {
        "organisations": Organisation.objects.filter(name=ORG_NAME).count(),
        "people": sorted(
            User.objects.filter(organisation__name=ORG_NAME).values_list(
                "email", "role", "timezone", "one_on_one_weekday", "start_date"
            )
        ),
        "commitments": sorted(
            Commitment.objects.filter(demo).values_list(
                "rep__email", "issued_on", "check_date", "status", "attempt", "behaviour"
            )
        ),
        "checks": Check.objects.filter(commitment__rep__organisation__name=ORG_NAME).count(),
        "sessions": CoachingSession.objects.filter(demo).count(),
        "practice": PracticeLog.objects.filter(demo).count(),
    }


def dump() -> dict:
    """Every row of the demo, without primary keys, the wall-clock stamps the
    services do not take (a session's and a practice log's created_at) and
    the password hash (salted afresh on purpose)."""
    demo = Q(rep__organisation__name=ORG_NAME)
    tables = {
        "people": User.objects.filter(organisation__name=ORG_NAME).values_list(
            "email", "name", "role", "timezone", "manager__email", "start_date",
            "one_on_one_weekday", "one_on_one_time", "ramp", "date_joined",
        ),
        "sessions": CoachingSession.objects.filter(demo).values_list(
            "rep__email", "manager__email", "held_at", "shared_notes", "private_notes"
        ),
        "commitments": Commitment.objects.filter(demo).values_list(
            "rep__email", "manager__email", "session__held_at", "behaviour", "target_count",
            "target_unit", "target_days", "by_time", "why", "proposed_by",
            "proposed_by_user__email", "issued_on", "check_date", "status", "attempt",
            "reissue_of__issued_on", "builds_on__issued_on", "created_at", "closed_at",
        ),
        "checks": Check.objects.filter(commitment__rep__organisation__name=ORG_NAME).values_list(
            "commitment__rep__email", "commitment__issued_on", "session__held_at", "outcome",
            "evidence", "diagnosis", "checked_at", "checked_on", "checked_by__email",
        ),
        "practice": PracticeLog.objects.filter(demo).values_list(
            "rep__email", "commitment__issued_on", "practiced_on", "kind", "count", "note",
            "idempotency_key",
        ),
        "reminders": Reminder.objects.filter(
            Q(rep__organisation__name=ORG_NAME) | Q(recipient__organisation__name=ORG_NAME)
        ).values_list(
            "kind", "recipient__email", "rep__email", "commitment__issued_on", "scheduled_at",
            "due_at", "status", "skip_reason", "attempts",
        ),
    }  # fmt: skip
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


def test_running_it_twice_leaves_the_same_data():
    seed(weeks=3)
    first = snapshot()
    seed(weeks=3)
    assert snapshot() == first
    assert first["organisations"] == 1
    assert first["checks"] > 0 and first["practice"] > 0


def test_the_same_day_gives_the_same_demo_whatever_the_clock_says(clock):
    # Without --today it stands on today in UTC: Monday 30 November.
    seed(weeks=3)
    first = dump()
    assert all(first.values())
    # Two days later, late in the evening (already Thursday in Sydney).
    clock.move_to("2026-12-02 23:30:00+00:00")
    seed(weeks=3, today="2026-11-30")
    assert dump() == first


def test_every_date_is_written_by_the_services_at_the_moment_it_happened():
    seed(weeks=4)
    checks = Check.objects.filter(commitment__rep__organisation__name=ORG_NAME).select_related(
        "session", "commitment__rep"
    )
    assert checks.count() > 30
    for check in checks:
        rep = check.commitment.rep
        held_at = check.session.held_at.astimezone(rep.tzinfo)
        # The 1:1 at the rep's 1:1 time; the check, the closing and its day
        # stamped by check_record at that moment.
        assert held_at.time() == rep.one_on_one_time
        assert held_at.weekday() == rep.one_on_one_weekday
        assert check.checked_at == check.session.held_at == check.commitment.closed_at
        assert check.checked_on == held_at.date()

    commitments = Commitment.objects.filter(rep__organisation__name=ORG_NAME).select_related(
        "rep", "session"
    )
    for c in commitments:
        assert c.created_at.astimezone(c.rep.tzinfo).date() == c.issued_on
        if c.session is not None:
            assert c.created_at == c.session.held_at
        elif c.proposed_by == Commitment.ProposedBy.MANAGER:
            # The first commitment of a history (or a new rep's): at a 1:1.
            assert c.created_at.astimezone(c.rep.tzinfo).time() == c.rep.one_on_one_time

    # Reminders were planned as each commitment was agreed; a closed
    # commitment's were withdrawn when its check closed the loop.
    reminders = Reminder.objects.filter(rep__organisation__name=ORG_NAME)
    # "You kept it" is about a closed commitment by nature.
    assert (
        not reminders.filter(status="pending")
        .exclude(commitment__status="active")
        .exclude(kind=Reminder.Kind.KEPT)
        .exists()
    )
    assert not reminders.filter(kind=Reminder.Kind.KEPT).exclude(commitment__status="kept").exists()
    assert reminders.filter(skip_reason="commitment closed").exists()
    for c in commitments.filter(status="active"):
        assert c.reminders.filter(
            kind=Reminder.Kind.PROMPT, recipient=c.manager, status="pending"
        ).exists()


def test_today_can_be_any_day():
    seed(weeks=3, today="2026-06-17")
    today = dt.date(2026, 6, 17)
    rep = User.objects.get(email=f"rep@{DOMAIN}")
    active = rep.commitments.active().get()
    assert today - dt.timedelta(days=7) <= active.issued_on < today
    demo = Q(rep__organisation__name=ORG_NAME)
    assert not CoachingSession.objects.filter(demo, held_at__date__gte=today).exists()
    assert not PracticeLog.objects.filter(demo, practiced_on__gte=today).exists()
    assert not Commitment.objects.filter(demo, issued_on__gt=today).exists()
    lukas = User.objects.get(email=f"lukas@{DOMAIN}")
    assert lukas.in_ramp(today)
    noon = dt.datetime(2026, 6, 17, 12, tzinfo=dt.UTC)
    overdue = Commitment.objects.filter(demo).active().with_loop_facts(noon)
    assert [c.rep.email for c in overdue.filter(is_overdue=True)] == [f"sofia@{DOMAIN}"]


def test_it_refuses_a_day_that_is_not_a_date():
    with pytest.raises(CommandError, match="--today"):
        seed(today="30/11/2026")


def test_it_builds_an_organisation_of_managers_and_reps_across_time_zones():
    seed(weeks=3)
    org = Organisation.objects.get(name=ORG_NAME)
    people = User.objects.filter(organisation=org)
    assert people.filter(role=User.Role.ADMIN).count() == 1
    managers = people.filter(role=User.Role.MANAGER)
    assert managers.count() == 2
    reps = people.filter(role=User.Role.REP)
    assert reps.count() >= 8
    assert set(reps.values_list("manager", flat=True)) == set(managers.values_list("pk", flat=True))
    assert len(set(reps.values_list("timezone", flat=True))) >= 6
    assert len(set(reps.values_list("one_on_one_weekday", flat=True))) >= 4
    assert all(p.email.endswith(f"@{DOMAIN}") for p in people)


def test_the_history_keeps_the_rules_of_the_loop():
    seed(weeks=6)
    commitments = Commitment.objects.filter(rep__organisation__name=ORG_NAME)
    per_rep = commitments.values("rep").annotate(active=Count("pk", filter=Q(status="active")))
    assert max(row["active"] for row in per_rep) == 1

    for c in commitments.select_related("check_result", "reissue_of", "builds_on", "rep"):
        assert c.check_date >= c.issued_on
        assert c.manager_id == c.rep.manager_id
        if c.is_active:
            assert c.closed_at is None
        else:
            assert c.closed_at is not None
            assert c.check_result.outcome == c.status
            assert c.check_result.checked_by_id == c.manager_id
            assert c.check_result.checked_on == c.check_date
        if c.reissue_of:
            # A re-issue is the same behaviour after a miss, one attempt more.
            assert c.behaviour == c.reissue_of.behaviour
            assert c.attempt == c.reissue_of.attempt + 1
            assert c.reissue_of.status in ("partly", "missed")
            assert c.issued_on == c.reissue_of.check_date
        elif c.carries_on:
            # No opportunity: the same behaviour carries on, the same attempt.
            assert (c.behaviour, c.attempt) == (c.carries_on.behaviour, c.carries_on.attempt)
            assert c.carries_on.status == "no_opp"
        else:
            assert c.attempt == 1
        if c.builds_on:
            assert c.builds_on.status == "kept"
            assert c.behaviour != c.builds_on.behaviour

    practice = PracticeLog.objects.filter(rep__organisation__name=ORG_NAME)
    assert not practice.exclude(rep=F("commitment__rep")).exists()
    for log in practice.select_related("commitment"):
        assert log.commitment.issued_on < log.practiced_on <= log.commitment.check_date or (
            log.commitment.is_active and log.practiced_on <= log.rep.local_today()
        )


def test_it_shows_every_part_of_the_loop():
    seed(weeks=4)
    commitments = Commitment.objects.filter(rep__organisation__name=ORG_NAME)
    assert {"kept", "partly", "missed", "no_opp", "active"} <= set(
        commitments.values_list("status", flat=True)
    )
    assert commitments.filter(attempt=3, status="active").exists()  # missed twice in a row
    assert commitments.filter(builds_on__isnull=False).exists()
    assert commitments.filter(proposed_by=Commitment.ProposedBy.REP, status="active").exists()

    reps = User.objects.filter(organisation__name=ORG_NAME, role=User.Role.REP)
    without = reps.exclude(commitments__status="active")
    assert [r.email for r in without] == [f"aisha@{DOMAIN}"]

    new_rep = reps.get(email=f"lukas@{DOMAIN}")
    assert new_rep.in_ramp()
    assert new_rep.commitments.get().is_active
    assert new_rep.practice_logs.exists()
    assert not any(r.in_ramp() for r in reps.exclude(pk=new_rep.pk))

    overdue = commitments.active().with_loop_facts(timezone.now()).filter(is_overdue=True)
    assert [c.rep.email for c in overdue] == [f"sofia@{DOMAIN}"]

    sessions = CoachingSession.objects.filter(rep__organisation__name=ORG_NAME)
    assert not sessions.filter(shared_notes="").exists()
    assert sessions.exclude(private_notes="").exists()
    assert sessions.filter(private_notes="").exists()
    assert (
        Check.objects.filter(commitment__rep__organisation__name=ORG_NAME)
        .exclude(diagnosis="")
        .exists()
    )
    # Every miss is diagnosed; one is still "not sure yet", chased on its rep's page.
    checks = Check.objects.filter(commitment__rep__organisation__name=ORG_NAME)
    assert not checks.filter(outcome__in=["missed", "partly"], diagnosis="").exists()
    assert checks.filter(diagnosis="unsure", commitment__rep__email=f"tomas@{DOMAIN}").exists()


def test_the_current_week_is_as_of_today():
    seed(weeks=2)
    rep = User.objects.get(email=f"rep@{DOMAIN}")
    today = rep.local_today()
    active = rep.commitments.active().get()
    assert today - dt.timedelta(days=7) <= active.issued_on < today
    assert active.check_date == active.issued_on + dt.timedelta(days=7)
    assert active.builds_on is not None
    last = active.builds_on.check_result
    assert last.session.held_at == last.checked_at == active.created_at
    assert last.session.held_at.astimezone(rep.tzinfo).date() == active.issued_on
    assert last.session.held_at.astimezone(rep.tzinfo).time() == rep.one_on_one_time


def test_the_demo_logins_work_and_are_printed():
    out = seed(weeks=2)
    assert PASSWORD in out
    for email in (f"admin@{DOMAIN}", f"manager@{DOMAIN}", f"rep@{DOMAIN}"):
        assert email in out
        assert authenticate(username=email, password=PASSWORD) is not None


def test_it_leaves_other_organisations_alone():
    other = CommitmentFactory()
    seed(weeks=2)
    seed(weeks=2)
    assert Commitment.objects.filter(pk=other.pk).exists()
    assert User.objects.filter(pk=other.rep.pk).exists()


def test_it_sizes_the_organisation_for_benchmarks():
    seed(reps=14, weeks=2, managers=3)
    reps = User.objects.filter(organisation__name=ORG_NAME, role=User.Role.REP)
    assert reps.count() == 14
    assert User.objects.filter(organisation__name=ORG_NAME, role=User.Role.MANAGER).count() == 3
    # Each rep: a commitment per week of history plus this week's, except the
    # new rep (one) and the rep without an active commitment (one fewer).
    assert Commitment.objects.filter(rep__in=reps).count() == 12 * 3 + 2 + 1
    seed(reps=3, weeks=1)
    assert User.objects.filter(organisation__name=ORG_NAME, role=User.Role.REP).count() == 3


def test_it_refuses_an_empty_organisation():
    with pytest.raises(CommandError):
        seed(reps=0)


def test_it_shows_drills_and_the_number_to_watch():
    seed(weeks=6)
    rep = User.objects.get(email=f"rep@{DOMAIN}")
    active = rep.commitments.active().get()

    drills = list(active.drills.all())
    assert len(drills) == 3
    assert sum(d.is_done for d in drills) == 1
    assert drills[0].practice_log.commitment == active  # the tick counts as practice
    assert [d.planned_on for d in drills] == sorted({d.planned_on for d in drills})
    assert active.indicator_unit and active.indicator_target
    # Values in several weeks, logged while each week was on, so the chart has a line.
    entries = rep.indicator_entries.select_related("commitment")
    assert len({entry.commitment_id for entry in entries}) >= 3
    for entry in entries:
        assert entry.commitment.indicator_unit
        assert entry.commitment.issued_on < entry.day < entry.commitment.check_date


def test_the_new_rep_has_answered_the_daily_check_on_the_working_days_so_far(clock):
    # Thursday 3 December: Lukas started on Monday, answered Monday and Tuesday
    # (yes) and Wednesday (not today), each through the service at 16:30.
    clock.move_to("2026-12-03 12:00:00+00:00")
    seed(weeks=2, today="2026-12-03")
    lukas = User.objects.get(email=f"lukas@{DOMAIN}")

    answers = list(lukas.daily_answers.values_list("day", "did_it", "ends_ramp"))

    assert answers == [
        (dt.date(2026, 11, 30), True, False),
        (dt.date(2026, 12, 1), True, False),
        (dt.date(2026, 12, 2), False, False),
    ]
