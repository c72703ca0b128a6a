"""Guidance on the pages: proven one things to pick, the rep's drafts in weeks
9–12, who authored what, and ramp mode's daily answers.

Reads only (the writes are in ``services``); the rules are the rule book's
(``models``). The signed link of the daily email lives here too: the email is
composed on the floor above, the answer is recorded on this one.
"""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from reps.models import RAMP_DAYS, User

from .forms import CommitmentForm, DailyAnswerForm
from .library import LIBRARY, LibraryEntry, library_entry
from .models import (
    RAMP_ROW_DAYS,
    Commitment,
    CommitmentDraft,
    DailyAnswer,
    authorship,
    ramp_row,
    ramp_state,
    rep_drafts_for_approval,
)
from .services import check_date_problem

# The answers the pages read: the ✓/✗ row's days and the one that ended ramp.
ANSWERS_WINDOW = dt.timedelta(days=RAMP_ROW_DAYS * 7 // 5 + 4)


def picked(request) -> LibraryEntry | None:
    """The proven one thing picked with ``?pick=<slug>`` (a link that works
    without JavaScript; htmx swaps the form in place)."""
    return library_entry(request.GET.get("pick"))


def picked_initial(request) -> dict:
    entry = picked(request)
    return entry.initial() if entry else {}


def open_draft(rep: User) -> CommitmentDraft | None:
    return CommitmentDraft.objects.filter(rep=rep, status=CommitmentDraft.Status.OPEN).first()


def draft_initial(draft: CommitmentDraft) -> dict:
    """The commitment form's fields, filled in from the rep's draft."""
    return {name: getattr(draft, name) for name in CommitmentDraft.WORDING_FIELDS}


def _answers(rep: User, today: dt.date) -> tuple[list[DailyAnswer], DailyAnswer | None]:
    """One query: the recent answers and the one that ended ramp (if any)."""
    answers = list(
        DailyAnswer.objects.filter(rep=rep).filter(
            Q(day__gte=today - ANSWERS_WINDOW) | Q(ends_ramp=True)
        )
    )
    ended_by = next((a for a in answers if a.ends_ramp), None)
    recent = [a for a in answers if a.day >= today - ANSWERS_WINDOW]
    return recent, ended_by


def _answers_possible(rep: User, today: dt.date) -> bool:
    """Ramp is on, or ended recently enough for its answers to be shown: no
    query for the many reps whose ramp is long over (or never was)."""
    if rep.ramp == User.Ramp.ON:
        return True
    if rep.ramp == User.Ramp.OFF or rep.start_date is None:
        return False
    return today - rep.start_date <= dt.timedelta(days=RAMP_DAYS) + ANSWERS_WINDOW


def ramp_context(rep: User, *, today: dt.date) -> dict:
    if not _answers_possible(rep, today):
        return {"ramp": ramp_state(rep, today=today, ended_by=None), "ramp_row": []}
    recent, ended_by = _answers(rep, today)
    return {
        "ramp": ramp_state(rep, today=today, ended_by=ended_by),
        "ramp_row": ramp_row(recent, today=today),
        "answer_today": next((a for a in recent if a.day == today), None),
    }


def coach_guidance(
    request,
    rep: User,
    *,
    today: dt.date,
    is_coach: bool,
    suggested: dt.date,
    window_days: int,
    draft: CommitmentDraft | None,
    draft_form: CommitmentForm | None = None,
) -> dict:
    """What the rep page adds: the library (for their coach), the rep's open
    draft and the form to approve it, the rep-authored share, ramp mode."""
    context = {
        "library": LIBRARY if is_coach else (),
        "picker_url": reverse("commitments:rep_detail", args=[rep.pk]),
        "picker_target": "#loop",
        "picked": picked(request),
        "authorship": authorship(Commitment.objects.filter(rep=rep)),
        "drafts_phase": rep_drafts_for_approval(rep, today=today),
        **ramp_context(rep, today=today),
    }
    context["draft"] = draft
    if draft is not None and is_coach:
        initial = draft_initial(draft)
        # The drafted date, unless it has passed meanwhile: then the next 1:1.
        initial["check_date"] = (
            suggested if check_date_problem(draft.check_date, today=today) else draft.check_date
        )
        context["draft_form"] = draft_form or CommitmentForm(
            prefix="draft",
            today=today,
            suggested=suggested,
            window_days=window_days,
            initial=initial,
        )
    return context


def my_guidance(request, rep: User, *, today: dt.date, active: Commitment | None) -> dict:
    """What the rep's own page adds: the library, their open draft, whether
    their proposal is a draft (weeks 9–12) — also of the next one thing, to
    bring to the check (``draft_next``) — and ramp mode's daily question."""
    drafts_phase = rep_drafts_for_approval(rep, today=today)
    # Shown instead of the proposal form: without an active one thing, or
    # while drafting the next one for the check.
    draft = open_draft(rep) if drafts_phase or active is None else None
    return {
        "library": LIBRARY,
        "picker_url": reverse("commitments:my_one_thing"),
        "picker_target": "#practice",
        "picked": picked(request),
        "drafts_phase": drafts_phase,
        "draft_next": drafts_phase and active is not None and draft is None,
        "daily_answers": DailyAnswerForm.ANSWERS,
        "draft": draft,
        **ramp_context(rep, today=today),
    }
