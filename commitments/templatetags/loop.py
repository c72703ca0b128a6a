from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from commitments.models import CommitmentStatus, Diagnosis

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
    )
}


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
    months = {}  # "Nov", as the ``date`` filter's "M" says it, looked up once a month
    items = []
    for c in commitments:
        day = c.issued_on
        if day.month not in months:
            months[day.month] = escape(date_format(day, "M"))
        start, end = _WEEK[c.status]
        items.append(f"{start}{day.day} {months[day.month]}{end}")
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<ul class="strip" aria-label="Last {len(items)} checks, oldest first">'
        f"{''.join(items)}</ul>"
    )
