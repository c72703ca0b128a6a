import datetime as dt

import factory
from django.utils import timezone

from commitments.models import CallEvidence, Check, CoachingSession, Commitment, PracticeLog
from reps.models import Organisation, User

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Org {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = User.Role.REP
    timezone = "Europe/London"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class AdminFactory(UserFactory):
    role = User.Role.ADMIN


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER


class RepFactory(UserFactory):
    role = User.Role.REP
    manager = factory.SubFactory(
        ManagerFactory, organisation=factory.SelfAttribute("..organisation")
    )
    start_date = dt.date(2026, 1, 5)
    ramp = User.Ramp.OFF


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    rep = factory.SubFactory(RepFactory)
    manager = factory.SelfAttribute("rep.manager")
    proposed_by_user = factory.SelfAttribute("manager")
    behaviour = "10 personalised first-touch emails with the trigger-event opener"
    target_count = 10
    target_unit = "emails"
    target_days = "Monday to Thursday"
    by_time = dt.time(10, 0)
    why = "Your goal is three new meetings a week; openers are where you lose them."
    issued_on = factory.LazyFunction(lambda: timezone.localdate())
    check_date = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=7))
    status = Commitment.Status.ACTIVE
    closed_at = factory.LazyAttribute(
        lambda o: None if o.status == Commitment.Status.ACTIVE else timezone.now()
    )


class CoachingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachingSession

    rep = factory.SubFactory(RepFactory)
    manager = factory.SelfAttribute("rep.manager")
    held_at = factory.LazyFunction(timezone.now)
    shared_notes = "We listened to two calls together."
    private_notes = "Seems tired; ask about workload."


class CheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Check

    commitment = factory.SubFactory(CommitmentFactory, status=Commitment.Status.KEPT)
    outcome = factory.SelfAttribute("commitment.status")
    evidence = "Showed three of the emails."
    checked_at = factory.LazyFunction(timezone.now)
    checked_on = factory.LazyFunction(lambda: timezone.localdate())
    checked_by = factory.SelfAttribute("commitment.manager")


class PracticeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeLog

    commitment = factory.SubFactory(CommitmentFactory)
    rep = factory.SelfAttribute("commitment.rep")
    practiced_on = factory.LazyFunction(lambda: timezone.localdate())
    kind = PracticeLog.Kind.DRILL
    count = 3


class CallEvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallEvidence

    commitment = factory.SubFactory(CommitmentFactory)
    organisation = factory.SelfAttribute("commitment.rep.organisation")
    source_id = factory.Sequence(lambda n: f"call-{n}")
    called_at = factory.LazyFunction(timezone.now)
    call_url = factory.Sequence(lambda n: f"https://gong.example/call/{n}")
    detected = "Trigger-event opener"
    snippet = ""
