"""A realistic demo organisation, "Northwind Sales", rebuilt from scratch.

The current state of each rep (last week's check, this week's commitment,
practice since then) goes through the same services the pages use, so the
reminder schedule is computed as in real life. The weeks before that are
history: plain rows written with ``bulk_create`` so ``--reps 200 --weeks 52``
stays quick. History keeps every rule the services keep: at most one active
commitment per rep, a re-issue is the same behaviour with the next attempt
number, a layer builds on the commitment that was kept.

Idempotent: the demo organisation (and anyone with a demo address) is deleted
and made again, so running it twice leaves the same data.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from commitments.models import Check, CoachingSession, Commitment, PracticeLog
from commitments.services import (
    CommitmentSpec,
    NextStep,
    check_record,
    commitment_create,
    practice_log,
)
from commitments.signals import loop_changed
from reps.models import Organisation, User

ORG_NAME = "Northwind Sales"
DOMAIN = "northwind.example"
PASSWORD = "northwind-demo-2026"  # noqa: S105 - a published demo password
MAX_ATTEMPTS = 3

KEPT, PARTLY, MISSED = Check.Outcome.KEPT, Check.Outcome.PARTLY, Check.Outcome.MISSED


@dataclass(frozen=True)
class Behaviour:
    text: str
    reason: str
    count: int | None = None
    unit: str = ""
    days: str = ""
    by_time: dt.time | None = None


# Each track is a skill path: kept → the next behaviour builds on this one.
TRACKS: list[list[Behaviour]] = [
    [
        Behaviour(
            "Send personalised first-touch emails with the trigger-event opener",
            "Reply rates are decided in the first line, and the trigger event is what "
            "makes it about them.",
            10,
            "emails",
            "Monday to Thursday",
            dt.time(10, 0),
        ),
        Behaviour(
            "Call every opened first-touch email within 48 hours",
            "An open is interest that goes cold in two days.",
            8,
            "follow-up calls",
            "Tuesday to Friday",
        ),
        Behaviour(
            "Leave a 20-second voicemail naming the trigger event on every unanswered follow-up",
            "Voicemails that name something real get called back.",
            5,
            "voicemails",
            "every working day",
        ),
    ],
    [
        Behaviour(
            "Ask three layered 'why now?' questions on every discovery call before "
            "showing anything",
            "Deals without a reason to act now are the ones slipping out of the quarter.",
            3,
            "discovery calls",
            "this week",
        ),
        Behaviour(
            "Play the prospect's pain back in their own words before the demo",
            "When they hear their words, they correct you or they lean in: both win.",
            3,
            "demos",
            "this week",
        ),
        Behaviour(
            "End every call with a dated next step in the prospect's calendar",
            "'I'll follow up' is how deals go quiet.",
            None,
            "",
            "every call",
        ),
    ],
    [
        Behaviour(
            "Run a protected power hour: 25 cold calls before the stand-up",
            "Connect rates are highest early, and the block only survives if it is first.",
            25,
            "calls",
            "Monday to Thursday",
            dt.time(9, 0),
        ),
        Behaviour(
            "Open every cold call with the permission-based opener",
            "Asking for 30 seconds buys you the next two minutes.",
            25,
            "calls",
            "Monday to Thursday",
            dt.time(9, 0),
        ),
        Behaviour(
            "Turn 'just send me an email' into a question about their priorities",
            "That brush-off ends half our connected calls.",
            5,
            "brush-offs handled",
            "this week",
        ),
    ],
    [
        Behaviour(
            "Update next step and close date in the CRM within an hour of every call",
            "Forecast calls go faster and nobody chases you for updates.",
            None,
            "",
            "every call",
        ),
        Behaviour(
            "Add one more contact from the buying group to every deal over 20k",
            "Single-threaded deals die when the champion goes on holiday.",
            4,
            "deals multi-threaded",
            "by Friday",
        ),
        Behaviour(
            "Send a mutual action plan to every deal in the proposal stage",
            "A shared plan shows the slip before the forecast does.",
            2,
            "plans sent",
            "by Thursday",
        ),
    ],
    [
        Behaviour(
            "Pause and ask a clarifying question before answering any price objection",
            "Answering the wrong objection is what costs the discount.",
            None,
            "",
            "every pricing conversation",
        ),
        Behaviour(
            "Trade, never give: ask for something back for every concession",
            "Every free concession teaches them to ask for the next one.",
            None,
            "",
            "every negotiation",
        ),
    ],
]

EVIDENCE = {
    KEPT: [
        "Walked through three examples in the CRM; all on time.",
        "Screen-shared the sequence: every one went out before the deadline.",
        "Played two call recordings; the new move was there both times.",
        "Activity report matches: target hit on all four days, two replies.",
        "Showed the calendar invites: every call ended with a dated next step.",
    ],
    PARTLY: [
        "Did it Monday and Tuesday, then the quarter-end push took over.",
        "About half the target; the ones that went out were good.",
        "Two good examples; travel days were skipped.",
    ],
    MISSED: [
        "Nothing to show this week.",
        "Started Monday, dropped it when the stand-up moved to 9:00.",
        "Remembered on Thursday afternoon; no examples.",
    ],
}
DIAGNOSES = [
    (Check.Diagnosis.SYSTEM, 45),
    (Check.Diagnosis.SKILL, 20),
    (Check.Diagnosis.TRANSFER, 15),
    (Check.Diagnosis.KNOWLEDGE, 10),
    (Check.Diagnosis.WILL, 10),
]
SHARED_NOTES = [
    "Listened to two discovery calls together; the pause before pricing worked on the second one.",
    "Reviewed the pipeline: three deals need a dated next step.",
    "Role-played the 'send me an email' brush-off three times; the third was natural.",
    "Read two of this week's emails together and tightened the first line.",
    "Joined a live call; the opener sounds like you now, not like a script.",
    "Went through the week's calendar and moved the admin block to the afternoon.",
]
PRIVATE_NOTES = [
    "Seemed flat; ask how the move to the new territory is going.",
    "Wants to be considered for team lead: tie the why to that.",
    "Same reason as last time: look at the calendar together next week.",
    "Confidence up after the Contoso win; raise the bar a little.",
    "Mentioned childcare changes; keep the morning block realistic.",
]
PRACTICE_NOTES = {
    PracticeLog.Kind.DRILL: [
        "Wrote five openers against the template, timed.",
        "Drilled the three why-now questions out loud.",
        "Rewrote last week's emails with the new first line.",
    ],
    PracticeLog.Kind.ROLE_PLAY: [
        "Role-played the pricing pushback with a teammate.",
        "Role-play: the gatekeeper who says 'send me an email'.",
        "Ran the discovery questions with the team at lunch.",
    ],
    PracticeLog.Kind.LIVE: [
        "Used it on the Fabrikam call; got a meeting.",
        "Tried it with Tailspin Toys; they pushed back but stayed on.",
        "Live with Adventure Works: booked a demo for next week.",
        "Worked on the Litware call, felt natural.",
    ],
}


@dataclass(frozen=True)
class Person:
    name: str
    local: str  # the part of the email address before the @
    zone: str
    weekday: int = 1
    time: dt.time = dt.time(10, 0)
    goal: str = ""
    manager: int = 0
    # Outcomes of the last checks, oldest first; the last one is recorded
    # through ``check_record`` at the most recent 1:1.
    tail: tuple[str, ...] = ()
    story: str = "steady"  # steady, ramp, no_active, self_coaching, overdue
    track: int = 0


MANAGERS = [
    Person("Sam Okafor", "manager", "Europe/London"),
    Person("Dana Whitfield", "manager2", "America/New_York"),
]
# In order of what the demo must show, so a small --reps still shows it.
REPS = [
    Person(
        "Priya Shah",
        "rep",
        "Europe/London",
        1,
        dt.time(10, 0),
        "Your goal this year is President's Club.",
        0,
        (KEPT, KEPT),
    ),
    Person(
        "Lukas Becker",
        "lukas",
        "Europe/Berlin",
        0,
        dt.time(9, 30),
        "You want to book your first ten meetings in your first month.",
        0,
        story="ramp",
    ),
    Person(
        "Aisha Bello",
        "aisha",
        "Europe/London",
        4,
        dt.time(11, 0),
        "You want a mid-market territory by the summer.",
        0,
        (KEPT, KEPT),
        story="no_active",
        track=3,
    ),
    Person(
        "Jack Morrison",
        "jack",
        "Australia/Sydney",
        3,
        dt.time(8, 30),
        "You told me you want to double last year's commission.",
        0,
        (KEPT, MISSED, MISSED),
        track=2,
    ),
    Person(
        "Marcus Reed",
        "marcus",
        "America/New_York",
        0,
        dt.time(10, 0),
        "You want to move into an enterprise role next year.",
        1,
        (KEPT, KEPT),
        story="self_coaching",
        track=1,
    ),
    Person(
        "Sofia Alvarez",
        "sofia",
        "America/Los_Angeles",
        2,
        dt.time(13, 0),
        "You want to close the quarter without a Friday scramble.",
        1,
        (KEPT,),
        story="overdue",
        track=3,
    ),
    Person(
        "Grace Kim",
        "grace",
        "America/Chicago",
        4,
        dt.time(9, 0),
        "You want your pipeline at three times quota.",
        1,
        (KEPT, PARTLY),
        track=4,
    ),
    Person(
        "Tomás Ruiz",
        "tomas",
        "Europe/Madrid",
        0,
        dt.time(15, 0),
        "You want to be the first in the team to 150% this quarter.",
        0,
        (KEPT, MISSED),
        track=2,
    ),
    Person(
        "Mei Lin Tan",
        "mei",
        "Asia/Singapore",
        2,
        dt.time(9, 0),
        "You want to open the Singapore banking accounts by year end.",
        0,
        track=1,
    ),
    Person(
        "Ethan Brooks",
        "ethan",
        "America/Denver",
        3,
        dt.time(14, 0),
        "You want to earn the next rung on the career ladder.",
        1,
        track=0,
    ),
]
EXTRA_ZONES = [
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Singapore",
    "Australia/Sydney",
    "Europe/Paris",
    "America/Chicago",
]
FIRST_NAMES = [
    "Alex", "Bea", "Chidi", "Dara", "Elif", "Finn", "Gita", "Hugo", "Ines", "Jonas",
    "Kofi", "Lena", "Mateo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hughes",
    "Ito", "Jensen", "Kowalski", "Lopez", "Murphy", "Novak", "Osei", "Patel",
]  # fmt: skip
EXTRA_GOALS = [
    "You want to hit quota three quarters in a row.",
    "You want to be promoted to account executive.",
    "You want more meetings from outbound, less from luck.",
    "You want to stop forecasting deals that slip.",
]


@dataclass
class Loop:
    """One rep's coaching loop while history is being written."""

    rep: User
    person: Person
    anchor: dt.date  # the last 1:1 that happened
    weeks: int
    rng: random.Random
    outcomes: list[str]
    track: int
    step: int = 0
    attempt: int = 1
    previous: Commitment | None = None
    reissue_of: Commitment | None = None
    builds_on: Commitment | None = None
    current: Commitment | None = None

    @property
    def behaviour(self) -> Behaviour:
        return TRACKS[self.track][self.step]

    def date_of(self, week: int) -> dt.date:
        """The 1:1 at which history commitment ``week`` was agreed."""
        return self.anchor - dt.timedelta(weeks=self.weeks - week)

    def held_at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.rep.one_on_one_time, tzinfo=self.rep.tzinfo)

    def spec(self, check_date: dt.date) -> CommitmentSpec:
        b = self.behaviour
        return CommitmentSpec(
            behaviour=b.text,
            check_date=check_date,
            why=f"{self.person.goal} {b.reason}",
            target_count=b.count,
            target_unit=b.unit,
            target_days=b.days,
            by_time=b.by_time,
        )

    def advance(self, commitment: Commitment, outcome: str) -> str:
        """Move to what the next 1:1 agrees after ``outcome``; return the NextStep."""
        self.previous = commitment
        self.reissue_of = self.builds_on = None
        if outcome != KEPT and self.attempt < MAX_ATTEMPTS:
            # No judgment: the same commitment again, with a new check date.
            self.attempt += 1
            self.reissue_of = commitment
            return NextStep.REISSUE
        self.attempt = 1
        if outcome == KEPT and self.step + 1 < len(TRACKS[self.track]):
            self.step += 1
            self.builds_on = commitment
            return NextStep.LAYER
        # A finished track becomes a standing behaviour; a third miss gets a
        # fresh start on something else.
        self.track = (self.track + 1) % len(TRACKS)
        self.step = 0
        return NextStep.NEW

    def notes(self) -> tuple[str, str]:
        shared = self.rng.choice(SHARED_NOTES)
        private = self.rng.choice(PRIVATE_NOTES) if self.rng.random() < 0.4 else ""
        return shared, private

    def diagnosis(self, outcome: str) -> str:
        if outcome == KEPT:
            return ""
        kinds, weights = zip(*DIAGNOSES, strict=True)
        return self.rng.choices(kinds, weights)[0]

    def practice(self, commitment: Commitment, outcome: str, days: int) -> list[PracticeLog]:
        how_many = {KEPT: (2, 4), PARTLY: (1, 2), MISSED: (0, 1)}[outcome]
        logs = []
        for _ in range(self.rng.randint(*how_many)):
            kind = self.rng.choice(list(PracticeLog.Kind))
            logs.append(
                PracticeLog(
                    commitment=commitment,
                    rep=self.rep,
                    practiced_on=commitment.issued_on
                    + dt.timedelta(days=self.rng.randint(1, max(days, 1))),
                    kind=kind,
                    count=self.rng.randint(1, 8) if kind == PracticeLog.Kind.LIVE else None,
                    note=self.rng.choice(PRACTICE_NOTES[kind]),
                )
            )
        return logs


class Command(BaseCommand):
    help = "Create (or re-create) the Northwind Sales demo organisation and print its logins."

    def add_arguments(self, parser):
        parser.add_argument("--reps", type=int, default=len(REPS), help="how many reps")
        parser.add_argument(
            "--weeks", type=int, default=8, help="weeks of history before this week"
        )
        parser.add_argument("--managers", type=int, default=len(MANAGERS))
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, reps, weeks, managers, seed, **options):
        if reps < 1 or weeks < 1 or managers < 1:
            raise CommandError("--reps, --weeks and --managers must be at least 1")
        started = time.monotonic()
        with transaction.atomic():
            self.delete_demo()
            admin, team_leads, people = self.create_people(reps, managers)
            counts = self.create_loops(people, weeks, seed)
        seconds = time.monotonic() - started

        self.stdout.write(
            f"{ORG_NAME}: {len(people)} reps, {len(team_leads)} managers, 1 org admin; "
            f"{counts['commitments']} commitments over {weeks} weeks, "
            f"{counts['practice']} practice logs ({seconds:.1f}s)."
        )
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        rep = people[0][0]
        rows = [("org admin", admin.email, admin.name)]
        rows += [("manager", m.email, f"{m.name}, {m.team_size} reps") for m in team_leads[:2]]
        rows += [("rep", rep.email, rep.name)]
        rows += [
            ("new rep", user.email, f"{user.name}, ramp mode")
            for user, person in people
            if person.story == "ramp"
        ]
        for role, email, who in rows:
            self.stdout.write(f"  {role:<10} {email:<30} {who}")

    def delete_demo(self) -> None:
        """Delete the demo organisation. PROTECT foreign keys want children first."""
        users = User.objects.filter(organisation__name=ORG_NAME) | User.objects.filter(
            email__iendswith=f"@{DOMAIN}"
        )
        user_ids = list(users.values_list("pk", flat=True))
        commitments = Commitment.objects.filter(rep_id__in=user_ids)
        commitments.update(reissue_of=None, builds_on=None)
        commitments.delete()
        CoachingSession.objects.filter(rep_id__in=user_ids).delete()
        User.objects.filter(pk__in=user_ids).update(manager=None)
        User.objects.filter(pk__in=user_ids).delete()
        Organisation.objects.filter(name=ORG_NAME).delete()

    def create_people(self, reps: int, managers: int):
        org = Organisation.objects.create(name=ORG_NAME)
        password = make_password(PASSWORD)  # hashed once: hashing is slow on purpose
        admin = User(
            email=f"admin@{DOMAIN}",
            name="Olivia Hart",
            organisation=org,
            role=User.Role.ADMIN,
            timezone="Europe/London",
            password=password,
        )
        leads = [*MANAGERS]
        for n in range(len(leads), managers):
            leads.append(Person(f"Manager {n + 1}", f"manager{n + 1}", EXTRA_ZONES[n % 8]))
        manager_users = [
            User(
                email=f"{p.local}@{DOMAIN}",
                name=p.name,
                organisation=org,
                role=User.Role.MANAGER,
                timezone=p.zone,
                password=password,
            )
            for p in leads[:managers]
        ]
        User.objects.bulk_create([admin, *manager_users])

        people = [*REPS[:reps]]
        for n in range(len(people), reps):
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            last = LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
            people.append(
                Person(
                    f"{first} {last}",
                    f"rep{n + 1:03d}",
                    EXTRA_ZONES[n % len(EXTRA_ZONES)],
                    n % 5,
                    dt.time(9 + n % 8, 30 if n % 2 else 0),
                    EXTRA_GOALS[n % len(EXTRA_GOALS)],
                    n % managers,
                    track=n % len(TRACKS),
                )
            )
        rep_users = []
        for person in people:
            user = User(
                email=f"{person.local}@{DOMAIN}",
                name=person.name,
                organisation=org,
                role=User.Role.REP,
                timezone=person.zone,
                manager=manager_users[person.manager % managers],
                one_on_one_weekday=person.weekday,
                one_on_one_time=person.time,
                ramp=User.Ramp.AUTO,
            )
            user.password = password
            rep_users.append(user)
        for manager in manager_users:
            manager.team_size = sum(1 for u in rep_users if u.manager is manager)
        # start_date is set below, once the history length is known.
        User.objects.bulk_create(rep_users)
        return admin, manager_users, list(zip(rep_users, people, strict=True))

    def create_loops(self, people, weeks: int, seed: int) -> dict[str, int]:
        loops: list[Loop] = []
        for n, (rep, person) in enumerate(people):
            today = rep.local_today()
            if person.story == "ramp":
                self.create_ramp(rep, person, today)
                continue
            # The most recent 1:1 day before today; an overdue rep skipped it.
            last = today - dt.timedelta(days=(today.weekday() - person.weekday - 1) % 7 + 1)
            anchor = last - dt.timedelta(weeks=1) if person.story == "overdue" else last
            rng = random.Random(seed * 100_003 + n)
            tail = list(person.tail[-weeks:])
            keep_rate = rng.uniform(0.5, 0.8)
            outcomes = [
                rng.choices([KEPT, PARTLY, MISSED], [keep_rate, 0.15, 0.85 - keep_rate])[0]
                for _ in range(weeks - len(tail))
            ] + tail
            loops.append(Loop(rep, person, anchor, weeks, rng, outcomes, person.track))
            rep.start_date = anchor - dt.timedelta(weeks=weeks + rng.randint(4, 30))
        User.objects.bulk_update([loop.rep for loop in loops], ["start_date"])

        self.write_history(loops, weeks)
        for loop in loops:
            self.record_this_week(loop)
        return {
            "commitments": Commitment.objects.filter(rep__in=[r for r, _ in people]).count(),
            "practice": PracticeLog.objects.filter(rep__in=[r for r, _ in people]).count(),
        }

    def write_history(self, loops: list[Loop], weeks: int) -> None:
        """Weeks 0..weeks-1, all reps at a time: the 1:1, its check of the week
        before, the commitment agreed and the practice logged against it.

        The last commitment stays active: ``record_this_week`` checks it."""
        for week in range(weeks):
            sessions = []
            for loop in loops:
                shared, private = loop.notes()
                sessions.append(
                    CoachingSession(
                        rep=loop.rep,
                        manager=loop.rep.manager,
                        held_at=loop.held_at(loop.date_of(week)),
                        shared_notes=shared,
                        private_notes=private,
                    )
                )
            CoachingSession.objects.bulk_create(sessions)

            commitments, checks = [], []
            for loop, session in zip(loops, sessions, strict=True):
                if loop.previous is not None:
                    outcome = loop.outcomes[week - 1]
                    checks.append(
                        Check(
                            commitment=loop.previous,
                            session=session,
                            outcome=outcome,
                            evidence=loop.rng.choice(EVIDENCE[outcome]),
                            diagnosis=loop.diagnosis(outcome),
                            checked_at=session.held_at + dt.timedelta(minutes=25),
                            checked_on=loop.date_of(week),
                            checked_by=loop.rep.manager,
                        )
                    )
                issued_on = loop.date_of(week)
                last = week == weeks - 1
                outcome = loop.outcomes[week]
                spec = loop.spec(issued_on + dt.timedelta(weeks=1))
                commitments.append(
                    Commitment(
                        rep=loop.rep,
                        manager=loop.rep.manager,
                        session=session,
                        behaviour=spec.behaviour,
                        target_count=spec.target_count,
                        target_unit=spec.target_unit,
                        target_days=spec.target_days,
                        by_time=spec.by_time,
                        why=spec.why,
                        proposed_by=Commitment.ProposedBy.MANAGER,
                        proposed_by_user=loop.rep.manager,
                        issued_on=issued_on,
                        check_date=spec.check_date,
                        status=Commitment.Status.ACTIVE if last else outcome,
                        closed_at=None
                        if last
                        else loop.held_at(spec.check_date) + dt.timedelta(minutes=25),
                        attempt=loop.attempt,
                        reissue_of=loop.reissue_of,
                        builds_on=loop.builds_on,
                    )
                )
            Check.objects.bulk_create(checks)
            Commitment.objects.bulk_create(commitments)

            practice = []
            for loop, commitment in zip(loops, commitments, strict=True):
                if week < weeks - 1:
                    outcome = loop.outcomes[week]
                    practice += loop.practice(commitment, outcome, days=6)
                    loop.advance(commitment, outcome)
                else:
                    loop.current = commitment
            PracticeLog.objects.bulk_create(practice)

    def record_this_week(self, loop: Loop) -> None:
        """The last 1:1, through the same services as the pages use."""
        rep, manager, checked = loop.rep, loop.rep.manager, loop.current
        outcome = loop.outcomes[-1]
        # Practice during the week, logged then (the service would log it today).
        PracticeLog.objects.bulk_create(loop.practice(checked, outcome, days=6))
        next_step = loop.advance(checked, outcome)
        check_date = loop.anchor + dt.timedelta(weeks=1)
        today = rep.local_today()
        # The services issue on "today"; the real dates are set just below.
        spec = loop.spec(max(check_date, today))
        shared, private = loop.notes()
        story = loop.person.story
        check, following = check_record(
            commitment=checked,
            by=manager,
            outcome=outcome,
            evidence=loop.rng.choice(EVIDENCE[outcome]),
            diagnosis=loop.diagnosis(outcome),
            shared_notes=shared,
            private_notes=private,
            next_step=NextStep.NONE if story in ("no_active", "self_coaching") else next_step,
            next_spec=spec,
        )
        # The services stamp "now"; the 1:1 really was on the anchor day.
        held_at = loop.held_at(loop.anchor)
        CoachingSession.objects.filter(pk=check.session_id).update(held_at=held_at)
        Check.objects.filter(pk=check.pk).update(
            checked_at=held_at + dt.timedelta(minutes=25), checked_on=loop.anchor
        )
        Commitment.objects.filter(pk=checked.pk).update(
            closed_at=held_at + dt.timedelta(minutes=25)
        )
        issued_on = loop.anchor
        if story == "self_coaching":
            # Weeks 9-12 of the horizon: the rep brings their own next
            # commitment, the day after the 1:1.
            following = commitment_create(
                rep=rep,
                by=rep,
                spec=spec,
                builds_on=checked if next_step == NextStep.LAYER else None,
            )
            issued_on = loop.anchor + dt.timedelta(days=1)
        if following is not None:
            Commitment.objects.filter(pk=following.pk).update(
                issued_on=issued_on, check_date=check_date
            )
            for day in range(1, (today - issued_on).days + 1):
                if loop.rng.random() < 0.5:
                    kind = loop.rng.choice(list(PracticeLog.Kind))
                    practice_log(
                        rep=rep,
                        kind=kind,
                        practiced_on=issued_on + dt.timedelta(days=day),
                        count=loop.rng.randint(1, 6),
                        note=loop.rng.choice(PRACTICE_NOTES[kind]),
                    )
        self.reschedule(rep)

    def create_ramp(self, rep: User, person: Person, today: dt.date) -> None:
        """A brand-new rep: started this week, one behaviour, daily checks."""
        rep.start_date = today - dt.timedelta(days=3)
        rep.save(update_fields=["start_date"])
        behaviour = TRACKS[0][0]
        commitment = commitment_create(
            rep=rep,
            by=rep.manager,
            spec=CommitmentSpec(
                behaviour=behaviour.text,
                check_date=rep.next_one_on_one(after=today - dt.timedelta(days=1)),
                why=f"{person.goal} {behaviour.reason}",
                target_count=5,
                target_unit=behaviour.unit,
                target_days=behaviour.days,
                by_time=behaviour.by_time,
            ),
        )
        Commitment.objects.filter(pk=commitment.pk).update(issued_on=rep.start_date)
        for day in (1, 2):
            practice_log(
                rep=rep,
                kind=PracticeLog.Kind.DRILL if day == 1 else PracticeLog.Kind.LIVE,
                practiced_on=rep.start_date + dt.timedelta(days=day),
                count=3,
                note="First week: wrote openers with the template."
                if day == 1
                else "Sent my first real ones; one reply.",
            )
        self.reschedule(rep)

    @staticmethod
    def reschedule(rep: User) -> None:
        # The dates were moved after the services ran: recompute the schedule.
        loop_changed.send(sender=User, rep_id=rep.pk, now=timezone.now())
