import datetime as dt
import functools

from django import template
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from commitments.models import CommitmentStatus, Diagnosis, PulseAnswer, pulse_for_manager

register = template.Library()

# Each closed week in a strip: a mark, and the words a screen reader says
# after the date. The markup is put together once, here.
_WEEK = {
    status: (
        format_html('<li class="{}"><span aria-hidden="true">{}</span>', status, mark)
        + '<span class="visually-hidden">',
        format_html(": {}</span></li>", words),
    )
    for status, mark, words in (
        (CommitmentStatus.KEPT, "✓", "kept"),
        (CommitmentStatus.PARTLY, "◐", "partly kept"),
        (CommitmentStatus.MISSED, "✗", "missed"),
        (CommitmentStatus.NO_OPP, "○", "no opportunity"),
    )
}


def _date(day: dt.date, fmt: str) -> str:
    """``day|date:fmt``, escaped and remembered: the same few dozen dates recur
    on every row of every team page, and formatting one is the slow part."""
    return _date_in(get_language(), day, fmt)


@functools.lru_cache(maxsize=4096)
def _date_in(language: str, day: dt.date, fmt: str) -> str:
    return escape(date_format(day, fmt))


@register.filter
def diagnosis_label(value: str) -> str:
    """The label of a diagnosis code (``private_diagnosis`` is a bare code)."""
    return Diagnosis(value).label if value in Diagnosis.values else ""


@register.filter
def week_strip(commitments: list) -> SafeString:
    """Closed weeks, oldest first, as a strip of marks that reads as words.

    Put together here rather than by a template per row: the team page
    shows 50 of them."""
    if not commitments:
        return mark_safe('<span class="muted">No checks yet</span>')
    items = []
    for c in commitments:
        start, end = _WEEK[c.status]
        items.append(f"{start}{_date(c.issued_on, 'j M')}{end}")
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<ul class="strip" aria-label="Last {len(items)} checks, oldest first">'
        f"{''.join(items)}</ul>"
    )


_NO_COMMITMENT = mark_safe('<span class="badge">No commitment</span>')
_OVERDUE = mark_safe(
    ' <span class="badge badge-overdue"><span aria-hidden="true">!</span> Overdue</span>'
)
_TODAY = mark_safe(' <span class="badge badge-active">Today</span>')
_BEYOND_COACHING = mark_safe(
    '<br><span class="badge badge-missed beyond-coaching"><span aria-hidden="true">!</span> '
    "Beyond coaching: time for a performance conversation</span>"
)


@register.filter
def team_row(rep) -> SafeString:
    """A rep's row on the team page (a ``Rep`` from ``for_team_page``): the
    one thing, its check date, practice, the recent weeks.

    Put together here rather than with template tags: a page has 50 rows, and
    this is a fifth of the time."""
    active = rep.active_commitment
    if active is None:
        thing, check, practice = _NO_COMMITMENT, "—", "—"
    else:
        thing = active.behaviour
        if active.attempt > 1:
            thing = format_html('{} <span class="muted">(attempt {})</span>', thing, active.attempt)
        badge = _OVERDUE if active.is_overdue else _TODAY if active.due_in == 0 else ""
        check = format_html("{}{}", _date(active.check_date, "D j M"), badge)
        count = active.practice_count
        practice = f"{count} entr{'y' if count == 1 else 'ies'}"
        thing = format_html("{}<br>{}", thing, rep_side(active, rep))
    thing = format_html("{}{}", thing, _guidance_line(rep))
    missed = rep.missed_in_a_row
    weeks = week_strip(rep.recent_oldest_first)
    if missed >= 2:
        weeks = format_html(
            '{}<br><span class="badge badge-missed">Missed {} in a row</span>', weeks, missed
        )
    if rep.beyond_coaching:
        # Only for the manager who diagnosed the misses (the diagnoses are theirs).
        weeks = format_html("{}{}", weeks, _BEYOND_COACHING)
    return format_html(
        "<tr>\n"
        '      <th scope="row"><a href="{}">{}</a></th>\n'
        '      <td data-label="The one thing">{}</td>\n'
        '      <td data-label="Check">{}</td>\n'
        '      <td data-label="Practice">{}</td>\n'
        '      <td data-label="Recent weeks">{}</td>\n'
        "    </tr>",
        reverse("commitments:rep_detail", args=[rep.pk]),
        rep.name,
        thing,
        check,
        practice,
        weeks,
    )


_RAMP_TODAY = {
    True: mark_safe('<span aria-hidden="true">✓</span> did it'),
    False: mark_safe('<span aria-hidden="true">✗</span> not today'),
    None: mark_safe("no answer yet"),
}


def _guidance_line(rep) -> SafeString:
    """Under the one thing, when there is something to say: ramp mode's
    answer today and the rep-authored share (``with_guidance_facts``)."""
    parts = []
    if getattr(rep, "authored_total", None) is None:
        return mark_safe("")
    if rep.in_ramp_now:
        parts.append(format_html("Ramp, today: {}", _RAMP_TODAY[rep.ramp_answer_today]))
    if rep.authored_by_rep:
        parts.append(format_html("rep-authored {} of {}", rep.authored_by_rep, rep.authored_total))
    if not parts:
        return mark_safe("")
    return format_html('<br><small class="muted">{}</small>', mark_safe(" · ".join(parts)))  # noqa: S308 - parts are format_html


# --- the rep's side: "Deal?" and the mid-week pulse ----------------------------
_NEEDS_HELP = mark_safe(
    '<span class="badge badge-overdue"><span aria-hidden="true">!</span> Needs help</span>'
)
_NOT_ACCEPTED = mark_safe('<small class="muted">not yet accepted</small>')


@register.filter
def pulse_label(answer: str) -> str:
    """The rep's mid-week answer as the manager reads it."""
    return pulse_for_manager(answer)


@register.filter
def pulse_rep_label(answer: str) -> str:
    """The rep's mid-week answer in their own words (the button they tapped)."""
    return PulseAnswer(answer).label if answer in PulseAnswer.values else ""


def rep_side(active, rep) -> SafeString:
    """On the team row: "Deal ✓ Tue" or "not yet accepted", and the rep's
    latest mid-week answer (in words, never by colour alone)."""
    if active.accepted_at is not None:
        day = active.accepted_at.astimezone(rep.tzinfo).date()
        deal = format_html("<small>Deal ✓ {}</small>", _date(day, "D"))
    else:
        deal = _NOT_ACCEPTED
    answer = getattr(active, "pulse_answer", None)
    if answer == PulseAnswer.NEED_HELP:
        return format_html("{} {}", deal, _NEEDS_HELP)
    if answer:
        return format_html('{} <small class="muted">· {}</small>', deal, pulse_for_manager(answer))
    return deal
