import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from commitments.management.commands.seed_demo import DOMAIN, ORG_NAME, PASSWORD
from commitments.models import Check, CoachingSession, Commitment, PracticeLog
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


def test_running_it_twice_leaves_the_same_data():
    seed(weeks=3)
    first = snapshot()
    seed(weeks=3)
    assert snapshot() == first
    assert first["organisations"] == 1
    assert first["checks"] > 0 and first["practice"] > 0


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
    assert {"kept", "partly", "missed", "active"} <= set(
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

    overdue = [c for c in commitments.active() if c.is_overdue(c.rep.local_today())]
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


def test_the_current_week_is_as_of_today():
    seed(weeks=2)
    rep = User.objects.get(email=f"rep@{DOMAIN}")
    today = rep.local_today()
    active = rep.commitments.active().get()
    assert today - dt.timedelta(days=7) <= active.issued_on < today
    assert active.check_date == active.issued_on + dt.timedelta(days=7)
    assert active.builds_on is not None
    last = active.builds_on.check_result
    assert last.session.held_at < last.checked_at
    assert last.session.held_at.astimezone(rep.tzinfo).date() == active.issued_on


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
