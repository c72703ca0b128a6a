"""Proven one things: commitments that worked for other reps, to pick and edit.

Each is observable and bounded (a count, days, a time) and says why it
matters, the way the seed turns "prospect more" into "Send 10 personalised
first-touch emails using the trigger-event opener, every morning before
10 a.m.". The rule book's vague-wording hints point at these.
"""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class LibraryEntry:
    slug: str
    title: str
    behaviour: str
    # The whole commitment said in one sentence, as a manager would say it.
    example: str
    why: str
    target_count: int | None = None
    target_unit: str = ""
    target_days: str = ""
    by_time: dt.time | None = None

    def initial(self) -> dict:
        """The commitment form's fields, pre-filled."""
        return {
            "behaviour": self.behaviour,
            "target_count": self.target_count,
            "target_unit": self.target_unit,
            "target_days": self.target_days,
            "by_time": self.by_time,
            "why": self.why,
        }


LIBRARY: tuple[LibraryEntry, ...] = (
    LibraryEntry(
        slug="first-touch-emails",
        title="First-touch emails with the trigger-event opener",
        behaviour="Send personalised first-touch emails using the trigger-event opener",
        example="Send 10 personalised first-touch emails using the trigger-event opener, "
        "every morning before 10 a.m.",
        why="Reply rates are decided in the first line, and the trigger event makes it about them.",
        target_count=10,
        target_unit="emails",
        target_days="Monday to Thursday",
        by_time=dt.time(10, 0),
    ),
    LibraryEntry(
        slug="follow-up-within-48h",
        title="A follow-up call within 48 hours on every open",
        behaviour="Call every opened first-touch email within 48 hours",
        example="Call every opened first-touch email within 48 hours, Tuesday to Friday.",
        why="An open is interest, and it goes cold in two days.",
        target_count=8,
        target_unit="follow-up calls",
        target_days="Tuesday to Friday",
    ),
    LibraryEntry(
        slug="discovery-why-now",
        title="Discovery: three layered “why now?” questions",
        behaviour="Ask three layered “why now?” questions on every discovery call before "
        "showing anything",
        example="Ask three layered “why now?” questions on every discovery call this week, "
        "before showing anything.",
        why="Deals without a reason to act now are the ones that slip out of the quarter.",
        target_count=3,
        target_unit="discovery calls",
        target_days="this week",
    ),
    LibraryEntry(
        slug="mutual-action-plan",
        title="A mutual action plan for every deal in proposal",
        behaviour="Send a mutual action plan to every deal in the proposal stage",
        example="Send a mutual action plan to every deal in the proposal stage by Thursday.",
        why="A shared plan shows the slip before the forecast does.",
        target_count=2,
        target_unit="plans sent",
        target_days="by Thursday",
    ),
    LibraryEntry(
        slug="power-hour",
        title="A protected power hour of cold calls",
        behaviour="Run a protected power hour of cold calls before the stand-up",
        example="Make 25 cold calls in a protected power hour, Monday to Thursday before 9 a.m.",
        why="Connect rates are highest early, and the block only survives if it comes first.",
        target_count=25,
        target_unit="calls",
        target_days="Monday to Thursday",
        by_time=dt.time(9, 0),
    ),
    LibraryEntry(
        slug="permission-opener",
        title="The permission-based opener on cold calls",
        behaviour="Open every cold call with the permission-based opener",
        example="Open every cold call with the permission-based opener: 25 calls, "
        "Monday to Thursday.",
        why="Asking for 30 seconds buys you the next two minutes.",
        target_count=25,
        target_unit="calls",
        target_days="Monday to Thursday",
    ),
    LibraryEntry(
        slug="dated-next-step",
        title="A dated next step at the end of every call",
        behaviour="End every call with a dated next step in the prospect's calendar",
        example="End every call this week with a dated next step in the prospect's calendar.",
        why="“I'll follow up” is how deals go quiet.",
        target_days="every working day",
    ),
    LibraryEntry(
        slug="pain-playback",
        title="Play the pain back before the demo",
        behaviour="Play the prospect's pain back in their own words before every demo",
        example="Before each of this week's 3 demos, play the prospect's pain back in their "
        "own words.",
        why="When they hear their own words, they correct you or they lean in: both win.",
        target_count=3,
        target_unit="demos",
        target_days="this week",
    ),
    LibraryEntry(
        slug="crm-within-the-hour",
        title="The CRM updated within an hour of every call",
        behaviour="Update the next step and close date in the CRM within an hour of every call",
        example="Update the next step and close date in the CRM within an hour of every call, "
        "every working day.",
        why="Forecast calls go faster and nobody chases you for updates.",
        target_days="every working day",
    ),
    LibraryEntry(
        slug="multi-thread",
        title="One more contact in every big deal",
        behaviour="Add one more contact from the buying group to every deal over 20k",
        example="Add one more contact from the buying group to 4 deals over 20k by Friday.",
        why="Single-threaded deals die when the champion goes on holiday.",
        target_count=4,
        target_unit="deals multi-threaded",
        target_days="by Friday",
    ),
)

BY_SLUG: dict[str, LibraryEntry] = {entry.slug: entry for entry in LIBRARY}


def library_entry(slug: str | None) -> LibraryEntry | None:
    """The entry named ``slug`` (from a ``?pick=`` link), or None."""
    return BY_SLUG.get(slug or "")
