"""The Northwind Sales demo organisation, played through the loop's services.

Each rep's history is lived week by week: at every 1:1 the manager checks the
one thing and agrees the next (``check_record``), during the week the rep logs
practice (``practice_log``), each at the simulated moment it happens (the
``now`` every service takes). So every date — issued on, checked on, held at,
created at, closed at — and the reminder ledger come out of the same rules as
on the pages, and nothing is patched afterwards.

The day is injected: ``today`` is every rep's local date, and
``demo_create(today=…)`` with the same seed gives the same rows whatever the
clock says — only ``random.Random(seed)`` chooses. Every 1:1 was before
``today`` and this week's practice runs up to yesterday (the evening it is
logged at has passed); only a self-coaching rep's proposal, the morning after
the 1:1, may be this morning. The words, people and stories are data, in
``demo_data``.
"""

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from reps.models import Organisation, User

from . import demo_data as data
from .demo_data import KEPT, MISSED, NO_OPP, PARTLY, Behaviour, Person
from .models import (
    CoachingSession,
    Commitment,
    CommitmentDraft,
    Diagnosis,
    Fix,
    NextStep,
    PerformanceConversation,
    PracticeLog,
    is_working_day,
)
from .services import (
    CommitmentSpec,
    check_record,
    commitment_accept,
    commitment_create,
    daily_answer_record,
    drill_add,
    drill_tick,
    indicator_log,
    practice_log,
    pulse_record,
)


@dataclass(frozen=True)
class Demo:
    admin: User
    managers: list[User]
    reps: list[tuple[User, Person]]
    commitments: int
    practice: int


@dataclass
class Loop:
    """One rep's coaching loop while their history is being lived."""

    rep: User
    person: Person
    rng: random.Random
    track: int
    step: int = 0
    attempt: int = 1

    @property
    def behaviour(self) -> Behaviour:
        return data.TRACKS[self.track][self.step]

    def at(self, day: dt.date, time: dt.time | None = None) -> dt.datetime:
        """``day`` at ``time`` (default: the 1:1 time) in the rep's zone."""
        if time is None:
            time = self.rep.one_on_one_time
        return dt.datetime.combine(day, time, tzinfo=self.rep.tzinfo)

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
            indicator_unit=self.indicator[0],
            indicator_target=self.indicator[1],
        )

    @property
    def indicator(self) -> tuple[str, int | None]:
        """The number to watch: the behaviour's count, or the one named for it."""
        b = self.behaviour
        if b.count and b.unit:
            return data.INDICATORS.get(b.text, (b.unit, b.count))
        return data.INDICATORS.get(b.text, ("", None))

    def advance(self, outcome: str) -> str:
        """Move to what the next 1:1 agrees after ``outcome``; return the NextStep."""
        if outcome == NO_OPP:
            # No opportunity pauses the cycle: the same one thing, the same attempt.
            return NextStep.CARRY_ON
        if outcome != KEPT and self.attempt < data.MAX_ATTEMPTS:
            # No judgment: the same commitment again, with a new check date.
            self.attempt += 1
            return NextStep.REISSUE
        self.attempt = 1
        if outcome == KEPT and self.step + 1 < len(data.TRACKS[self.track]):
            self.step += 1
            return NextStep.LAYER
        # A finished track becomes a standing behaviour; a third miss gets a
        # fresh start on something else.
        self.track = (self.track + 1) % len(data.TRACKS)
        self.step = 0
        return NextStep.NEW

    def diagnosis(self, outcome: str) -> str:
        if outcome in (KEPT, NO_OPP):
            return ""
        kinds, weights = zip(*data.DIAGNOSES, strict=True)
        return self.rng.choices(kinds, weights)[0]

    def log(self, day: dt.date) -> None:
        kind = self.rng.choice(list(PracticeLog.Kind))
        practice_log(
            rep=self.rep,
            kind=kind,
            practiced_on=day,
            count=self.rng.randint(1, 8) if kind == PracticeLog.Kind.LIVE else None,
            note=self.rng.choice(data.PRACTICE_NOTES[kind]),
            now=self.at(day, data.PRACTICE_LOGGED_AT),
        )

    def practise_week(self, commitment: Commitment, outcome: str) -> None:
        """The practice logged in a week that went ``outcome``, on the days
        between the 1:1 that agreed it and the one that checks it."""
        days = (commitment.check_date - commitment.issued_on).days - 1
        logs = self.rng.randint(*data.PRACTICE_PER_WEEK[outcome])
        offsets = sorted(self.rng.randint(1, days) for _ in range(logs))
        for offset in offsets:
            self.log(commitment.issued_on + dt.timedelta(days=offset))

    def practise_until(self, commitment: Commitment, today: dt.date) -> None:
        """This week so far: practice on some of the days up to yesterday
        (today's evening has not happened yet)."""
        for offset in range(1, (today - commitment.issued_on).days):
            if self.rng.random() < data.PRACTICE_DAILY_CHANCE:
                self.log(commitment.issued_on + dt.timedelta(days=offset))

    def check(
        self, commitment: Commitment, outcome: str, *, on: dt.date, next_step: str, last=False
    ):
        shared = self.rng.choice(data.SHARED_NOTES)
        private = (
            self.rng.choice(data.PRIVATE_NOTES)
            if self.rng.random() < data.PRIVATE_NOTE_CHANCE
            else ""
        )
        evidence = self.rng.choice(data.EVIDENCE[outcome])
        diagnosis = self.diagnosis(outcome)
        if last and diagnosis and self.person.local in data.UNSURE_LAST:
            diagnosis = Diagnosis.UNSURE
        return check_record(
            commitment=commitment,
            by=self.rep.manager,
            outcome=outcome,
            evidence=evidence,
            diagnosis=diagnosis,
            fix=self.fix(commitment, diagnosis, on=on),
            change_reason=data.FRESH_START_REASON if outcome in (PARTLY, MISSED) else "",
            shared_notes=shared,
            private_notes=private,
            next_step=next_step,
            next_spec=self.spec(on + dt.timedelta(weeks=1)),
            now=self.at(on),
        )

    def fix(self, commitment: Commitment, diagnosis: str, *, on: dt.date) -> Fix:
        """The fix each diagnosis leads to (no dice thrown: the same history
        with or without it)."""
        return Fix(
            task=data.SYSTEM_FIXES[self.attempt % len(data.SYSTEM_FIXES)],
            drills=diagnosis == Diagnosis.SKILL,
            shadowing_on=on + dt.timedelta(days=2),
            realtime_nudge=True,
            # Will or knowledge: the why gone through again, and it holds.
            why=commitment.why,
            why_confirmed=True,
        )


@dataclass(frozen=True)
class Plan:
    """A rep before they exist: who, when they started, how their weeks went."""

    person: Person
    start_date: dt.date
    anchor: dt.date | None  # the last 1:1 that happened (None: the new rep)
    outcomes: list[str]
    rng: random.Random


def plan_rep(person: Person, n: int, *, today: dt.date, weeks: int, seed: int) -> Plan:
    rng = random.Random(seed * 100_003 + n)
    if person.story == "ramp":
        return Plan(person, today - dt.timedelta(days=data.RAMP_STARTED_DAYS_AGO), None, [], rng)
    # The most recent 1:1 day before today; an overdue rep skipped it.
    last = today - dt.timedelta(days=(today.weekday() - person.weekday - 1) % 7 + 1)
    anchor = last - dt.timedelta(weeks=1) if person.story == "overdue" else last
    tail = list(person.tail[-weeks:])
    keep_rate = rng.uniform(*data.KEEP_RATE)
    missed_rate = 1 - data.PARTLY_RATE - keep_rate
    outcomes = [
        rng.choices([KEPT, PARTLY, MISSED], [keep_rate, data.PARTLY_RATE, missed_rate])[0]
        for _ in range(weeks - len(tail))
    ] + tail
    start = anchor - dt.timedelta(weeks=weeks + rng.randint(*data.START_WEEKS_BEFORE_HISTORY))
    return Plan(person, start, anchor, outcomes, rng)


def demo_delete() -> None:
    """Delete the demo organisation. PROTECT foreign keys want children first."""
    users = User.objects.filter(organisation__name=data.ORG_NAME) | User.objects.filter(
        email__iendswith=f"@{data.DOMAIN}"
    )
    user_ids = list(users.values_list("pk", flat=True))
    CommitmentDraft.objects.filter(rep_id__in=user_ids).delete()
    commitments = Commitment.objects.filter(rep_id__in=user_ids)
    commitments.update(reissue_of=None, builds_on=None, reinforces=None, carries_on=None)
    PerformanceConversation.objects.filter(rep_id__in=user_ids).delete()
    commitments.delete()
    CoachingSession.objects.filter(rep_id__in=user_ids).delete()
    User.objects.filter(pk__in=user_ids).update(manager=None)
    User.objects.filter(pk__in=user_ids).delete()
    Organisation.objects.filter(name=data.ORG_NAME).delete()


def demo_create(*, today: dt.date, reps: int, weeks: int, managers: int, seed: int) -> Demo:
    """(Re)build the demo organisation as it stands on ``today``, with
    ``weeks`` of history before this week's 1:1."""
    with transaction.atomic():
        demo_delete()
        plans = [
            plan_rep(person, n, today=today, weeks=weeks, seed=seed)
            for n, person in enumerate(_people(reps, managers))
        ]
        admin, manager_users, rep_users = _create_people(plans, managers, today, weeks)
        for user, plan in zip(rep_users, plans, strict=True):
            if plan.anchor is None:
                _live_ramp(user, plan, today)
            else:
                _live_history(user, plan, today, weeks)
        rep_ids = [user.pk for user in rep_users]
        return Demo(
            admin=admin,
            managers=manager_users,
            reps=[(user, plan.person) for user, plan in zip(rep_users, plans, strict=True)],
            commitments=Commitment.objects.filter(rep_id__in=rep_ids).count(),
            practice=PracticeLog.objects.filter(rep_id__in=rep_ids).count(),
        )


def _people(reps: int, managers: int) -> list[Person]:
    people = [*data.REPS[:reps]]
    zones = data.EXTRA_ZONES
    for n in range(len(people), reps):
        first = data.FIRST_NAMES[n % len(data.FIRST_NAMES)]
        last = data.LAST_NAMES[(n // len(data.FIRST_NAMES)) % len(data.LAST_NAMES)]
        people.append(
            Person(
                f"{first} {last}",
                f"rep{n + 1:03d}",
                zones[n % len(zones)],
                n % 5,
                dt.time(9 + n % 8, 30 if n % 2 else 0),
                data.EXTRA_GOALS[n % len(data.EXTRA_GOALS)],
                n % managers,
                track=n % len(data.TRACKS),
            )
        )
    return people


def _create_people(plans: list[Plan], managers: int, today: dt.date, weeks: int):
    """People are set-up, not history: written in two inserts."""
    org = Organisation.objects.create(name=data.ORG_NAME)
    password = make_password(data.PASSWORD)  # hashed once: hashing is slow on purpose
    # Joined before anyone's history starts, so the rows don't carry the clock.
    first_day = today - dt.timedelta(weeks=weeks + data.START_WEEKS_BEFORE_HISTORY[1] + 2)
    founded = dt.datetime.combine(first_day, dt.time(9, 0), tzinfo=dt.UTC)

    def user(person: Person, role: str, **fields) -> User:
        return User(
            email=f"{person.local}@{data.DOMAIN}",
            name=person.name,
            organisation=org,
            role=role,
            timezone=person.zone,
            password=password,
            date_joined=founded,
            **fields,
        )

    admin = user(Person(data.ADMIN_NAME, "admin", data.ADMIN_ZONE), User.Role.ADMIN)
    leads = [*data.MANAGERS]
    for n in range(len(leads), managers):
        zone = data.EXTRA_ZONES[n % len(data.EXTRA_ZONES)]
        leads.append(Person(f"Manager {n + 1}", f"manager{n + 1}", zone))
    manager_users = [user(person, User.Role.MANAGER) for person in leads[:managers]]
    User.objects.bulk_create([admin, *manager_users])

    rep_users = [
        user(
            plan.person,
            User.Role.REP,
            manager=manager_users[plan.person.manager % managers],
            one_on_one_weekday=plan.person.weekday,
            one_on_one_time=plan.person.time,
            ramp=User.Ramp.AUTO,
            start_date=plan.start_date,
        )
        for plan in plans
    ]
    User.objects.bulk_create(rep_users)
    for manager in manager_users:
        manager.team_size = sum(1 for u in rep_users if u.manager is manager)
    return admin, manager_users, rep_users


def _live_history(rep: User, plan: Plan, today: dt.date, weeks: int) -> None:
    """Every 1:1 from the first to the last that happened, in order: check
    last week's one thing, agree the next; practice in between."""
    loop = Loop(rep, plan.person, plan.rng, plan.person.track)
    story = plan.person.story
    days = [plan.anchor - dt.timedelta(weeks=weeks - k) for k in range(weeks + 1)]
    # The first 1:1 of the history only sets the one thing.
    current = commitment_create(
        rep=rep, by=rep.manager, spec=loop.spec(days[1]), now=loop.at(days[0])
    )
    _accept(loop, current, this_week=False)
    for week, outcome in enumerate(plan.outcomes, start=1):
        loop.practise_week(current, outcome)
        _log_indicator(loop, current, share=data.INDICATOR_SHARE[outcome], until=current.check_date)
        next_step = loop.advance(outcome)
        if week == weeks and story in ("no_active", "self_coaching"):
            next_step_taken = NextStep.NONE  # the manager leaves the next one open
        else:
            next_step_taken = next_step
        check, current = loop.check(
            current, outcome, on=days[week], next_step=next_step_taken, last=week == weeks
        )
        if current is not None:
            _accept(loop, current, this_week=week == weeks)

    if story == "self_coaching":
        # Weeks 9-12 of the horizon: the rep brings their own next
        # commitment, the morning after the 1:1.
        current = commitment_create(
            rep=rep,
            by=rep,
            spec=loop.spec(plan.anchor + dt.timedelta(weeks=1)),
            builds_on=check.commitment if next_step == NextStep.LAYER else None,
            now=loop.at(plan.anchor + dt.timedelta(days=1), data.SELF_PROPOSED_AT),
        )
    if current is not None:
        loop.practise_until(current, today)
        _log_indicator(loop, current, share=data.INDICATOR_SHARE_THIS_WEEK, until=today)
        _plan_drills(loop, current, today)
        _pulse(loop, current, today)


def _accept(loop: Loop, commitment: Commitment, *, this_week: bool) -> None:
    """The rep says "Deal" an hour after the 1:1 (their own proposal is
    accepted already); this week's waits for the reps in NOT_YET_ACCEPTED."""
    if commitment.accepted_at is not None:
        return
    if this_week and loop.person.local in data.NOT_YET_ACCEPTED:
        return
    commitment_accept(
        commitment=commitment,
        by=loop.rep,
        now=loop.at(commitment.issued_on) + data.ACCEPTED_AFTER,
    )


def _pulse(loop: Loop, commitment: Commitment, today: dt.date) -> None:
    """This week's mid-week answer, on the day before today, if the week
    has run that long."""
    answer = data.PULSE_THIS_WEEK.get(loop.person.local)
    day = today - dt.timedelta(days=1)
    if answer is None or day <= commitment.issued_on:
        return
    pulse_record(commitment=commitment, by=loop.rep, answer=answer, now=loop.at(day, data.PULSE_AT))


def _live_ramp(rep: User, plan: Plan, today: dt.date) -> None:
    """A brand-new rep: started this week, one behaviour, daily checks."""
    loop = Loop(rep, plan.person, plan.rng, 0)
    start = plan.start_date
    spec = loop.spec(rep.next_one_on_one(after=today - dt.timedelta(days=1)))
    commitment_create(
        rep=rep,
        by=rep.manager,
        spec=dataclasses.replace(spec, target_count=data.RAMP_TARGET_COUNT),
        now=loop.at(start),
    )
    for offset, kind, count, note in data.RAMP_PRACTICE:
        day = start + dt.timedelta(days=offset)
        practice_log(
            rep=rep,
            kind=kind,
            practiced_on=day,
            count=count,
            note=note,
            now=loop.at(day, data.PRACTICE_LOGGED_AT),
        )
    # Ramp mode's daily yes/no, on the working days so far.
    for offset, did_it in data.RAMP_ANSWERS.items():
        day = start + dt.timedelta(days=offset)
        if day < today and is_working_day(day):
            daily_answer_record(
                rep=rep, did_it=did_it, day=day, now=loop.at(day, data.RAMP_ANSWERED_AT)
            )


# --- practice plan (drills) and leading indicators --------------------------


def _log_indicator(loop: Loop, commitment: Commitment, *, share, until: dt.date) -> None:
    """The values of the number to watch logged between the 1:1 that agreed
    ``commitment`` and ``until`` (the check, or today): a share of the
    target, spread over a few days. Its own random stream, so the rest of
    the demo is the same with or without it."""
    if not commitment.indicator_unit or not commitment.indicator_target:
        return
    rng = random.Random(f"{loop.rep.email}:{commitment.issued_on}")
    days = [
        commitment.issued_on + dt.timedelta(days=n)
        for n in range(1, (until - commitment.issued_on).days)
    ]
    if not days:
        return
    elapsed = len(days) / max((commitment.check_date - commitment.issued_on).days - 1, 1)
    total = round(commitment.indicator_target * rng.uniform(*share) * min(elapsed, 1))
    logged = sorted(rng.sample(days, min(len(days), rng.randint(*data.INDICATOR_LOGS_PER_WEEK))))
    for n, day in enumerate(logged):
        value = total // len(logged) + (1 if n < total % len(logged) else 0)
        indicator_log(rep=loop.rep, value=value, day=day, now=loop.at(day, data.PRACTICE_LOGGED_AT))


def _plan_drills(loop: Loop, commitment: Commitment, today: dt.date) -> None:
    """This week's drills for the reps in ``DRILLS_FOR``, added at the 1:1;
    the first ``DRILLS_DONE`` ticked off on their day, if it has passed."""
    if loop.person.local not in data.DRILLS_FOR:
        return
    agreed = loop.at(commitment.issued_on)
    drills = [
        drill_add(
            commitment=commitment,
            by=loop.rep.manager,
            kind=kind,
            prompt=prompt,
            talk_track=track,
            model_answer=model,
            now=agreed,
        )
        for kind, prompt, track, model in data.DRILLS
    ]
    for drill in drills[: data.DRILLS_DONE]:
        if drill.planned_on < today:
            drill_tick(drill=drill, rep=loop.rep, now=loop.at(drill.planned_on, dt.time(12, 0)))
