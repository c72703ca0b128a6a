"""The reminder log, for pages of the floors below (which import nothing from here)."""

from django import template

from ..models import Reminder

register = template.Library()


@register.inclusion_tag("reminders/_rep_log.html")
def reminder_log(rep):
    """Which reminders about ``rep`` went out, to whom and when: one query.
    The page that shows it has already decided the viewer may see ``rep``."""
    return {"reminders": Reminder.objects.for_rep_page(rep)}
