"""The Northwind Sales demo's data: skills, words, people. No logic here.

``commitments.demo`` plays these through the loop's services; change a story
here, not there. Everything is a plain value so the demo is the same on every
run with the same seed and day.
"""

import datetime as dt
from dataclasses import dataclass

from .models import Check, PracticeLog

ORG_NAME = "Northwind Sales"
DOMAIN = "northwind.example"
PASSWORD = "northwind-demo-2026"  # noqa: S105 - a published demo password
ADMIN_NAME = "Olivia Hart"
ADMIN_ZONE = "Europe/London"

KEPT, PARTLY, MISSED = Check.Outcome.KEPT, Check.Outcome.PARTLY, Check.Outcome.MISSED
NO_OPP = Check.Outcome.NO_OPP


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
    NO_OPP: [
        "No discovery calls this week: the one thing never came up.",
    ],
    MISSED: [
        "Nothing to show this week.",
        "Started Monday, dropped it when the stand-up moved to 9:00.",
        "Remembered on Thursday afternoon; no examples.",
    ],
}
# The fixes the diagnoses lead to (a system gap names the competing task).
SYSTEM_FIXES = [
    "The 9:00 stand-up moved to 10:30 on call days",
    "Tuesday's pipeline report handed to sales ops",
    "No internal meetings before 10:00",
]
# Why a third miss gets a different one thing rather than the same again.
FRESH_START_REASON = "Three tries without it sticking: a fresh start on something else."
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
    # Outcomes of the last checks, oldest first; the last one is checked at
    # the most recent 1:1 (earlier weeks are drawn at random).
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
        # A week with no discovery calls: the same one thing carried on.
        (NO_OPP, KEPT, PARTLY),
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

# How the loop is played.
MAX_ATTEMPTS = 3  # after the third partly/missed, a fresh start on something else
KEEP_RATE = (0.5, 0.8)  # each rep's chance of keeping a week, drawn once
PARTLY_RATE = 0.15
PRACTICE_PER_WEEK = {KEPT: (2, 4), PARTLY: (1, 2), MISSED: (0, 1), NO_OPP: (1, 2)}  # fewest, most
# Reps whose latest miss is "not sure yet": the rep page chases its diagnosis.
UNSURE_LAST = ("tomas",)
# The rep's side: each one thing is accepted ("Deal") this long after the 1:1
# that agreed it, except this week's for these reps (the manager sees "not yet
# accepted"); this week's mid-week answer, for the reps named here.
ACCEPTED_AFTER = dt.timedelta(hours=1)
NOT_YET_ACCEPTED = ("grace",)
PULSE_THIS_WEEK = {"rep": "on_it", "jack": "need_help", "tomas": "no_chance"}
PULSE_AT = dt.time(12, 30)
PRACTICE_DAILY_CHANCE = 0.5  # this week, the chance of a log on each day so far
PRIVATE_NOTE_CHANCE = 0.4
START_WEEKS_BEFORE_HISTORY = (4, 30)  # how long before the first 1:1 a rep started
# When things happen, in the rep's own zone.
PRACTICE_LOGGED_AT = dt.time(17, 30)
SELF_PROPOSED_AT = dt.time(8, 0)  # the rep's own proposal, the morning after the 1:1

# The new rep (ramp mode): started a few days ago with one behaviour.
RAMP_STARTED_DAYS_AGO = 3
RAMP_TARGET_COUNT = 5
# Ramp mode's daily answer on each working day so far (days after the start).
RAMP_ANSWERS = {0: True, 1: True, 2: False}
RAMP_ANSWERED_AT = dt.time(16, 30)
RAMP_PRACTICE = [  # days after the start, kind, count, note
    (1, PracticeLog.Kind.DRILL, 3, "First week: wrote openers with the template."),
    (2, PracticeLog.Kind.LIVE, 3, "Sent my first real ones; one reply."),
]

# --- practice plan (drills) and leading indicators --------------------------
# Each behaviour's count and unit is its leading indicator: the number the
# rep logs during the week. A week's total, as a share of the target, by how
# the week went; this week so far is a share of what the days gone allow.
# A behaviour without a count watches this number instead (unit, weekly target).
INDICATORS = {
    "End every call with a dated next step in the prospect's calendar": (
        "calls ending with a dated next step",
        10,
    ),
    "Update next step and close date in the CRM within an hour of every call": (
        "calls logged within the hour",
        15,
    ),
    "Pause and ask a clarifying question before answering any price objection": (
        "price objections met with a question first",
        3,
    ),
    "Trade, never give: ask for something back for every concession": (
        "concessions traded for something",
        3,
    ),
}
INDICATOR_SHARE = {
    KEPT: (0.9, 1.3),
    PARTLY: (0.5, 0.85),
    MISSED: (0.1, 0.5),
    NO_OPP: (0.0, 0.2),
}
INDICATOR_SHARE_THIS_WEEK = (0.6, 1.0)
INDICATOR_LOGS_PER_WEEK = (2, 4)  # fewest, most values logged in a week
# This week's drills, for these reps (the part of the address before the @).
DRILLS_FOR = ("rep", "jack")
DRILLS = [  # kind, prompt, talk track, the model answer word for word
    (
        "roleplay",
        "The prospect opens your email and says on the phone: “Just send me some information.”",
        "Agree, then ask what made them open it; tie it to the trigger event; offer 15 minutes.",
        "Happy to. So I send the right thing: you opened my note about the new warehouse "
        "in Leeds. What's the biggest headache that's creating for your team right now?",
    ),
    (
        "drill",
        "Write three first lines from this week's trigger events, two minutes each.",
        "Name the event, say what it usually means for a team like theirs, ask one question.",
        "Saw you're opening in Rotterdam next quarter: teams usually find their carrier "
        "contracts don't stretch that far. Is that on your list yet?",
    ),
    (
        "roleplay",
        "Gatekeeper: “She's not taking sales calls this month.”",
        "Respect it, ask who owns the problem, leave a reason to call back.",
        "Understood, thank you. Who's looking after carrier costs while she's heads-down? "
        "I'll send them one line on what we found at Contoso.",
    ),
]
DRILLS_DONE = 1  # ticked off so far this week
