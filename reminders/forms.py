"""The email preferences form: one choice per kind of email the person gets."""

from django import forms

from .models import EmailPreference, Reminder
from .services.preferences import KINDS_FOR_ROLE

HELP = {
    Reminder.Kind.NUDGE: "Midway to your check date: your one thing, why it matters, "
    "and what you have logged so far.",
    Reminder.Kind.DAILY: "In your first weeks: a short check at 16:00 on working days.",
    Reminder.Kind.PROMPT: "The morning of each 1:1 (or the working day before): "
    "“How did the one thing go?” with what the rep logged.",
    Reminder.Kind.DIGEST: "Monday morning: who is due this week, who has no commitment, "
    "who missed twice, and how many loops closed on time.",
    Reminder.Kind.NEW: "When your manager sets a new one thing: say it back and tap “Deal”.",
    Reminder.Kind.KEPT: "After a kept check: it is a standing behaviour now.",
    Reminder.Kind.HELP: "The same day a rep answers “Need help” mid-week. "
    "It also shows on your team page and in the prompt before the 1:1.",
}

# The rep's side (issue 7): optional in a posted form, missing means "no change".
ADDED_KINDS = (Reminder.Kind.NEW, Reminder.Kind.HELP, Reminder.Kind.KEPT)

BASE_CHOICES = [
    ("on", "Send it"),
    ("pause_7", "Pause for a week"),
    ("pause_14", "Pause for two weeks"),
    ("pause_28", "Pause for four weeks"),
    ("off", "Stop it"),
]


class EmailPreferencesForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = {pref.kind: pref for pref in EmailPreference.objects.filter(user=user)}
        today = user.local_today()
        for kind in KINDS_FOR_ROLE.get(user.role, []):
            pref = current.get(kind)
            choices = list(BASE_CHOICES)
            initial = "on"
            if pref is not None and pref.mode == EmailPreference.Mode.OFF:
                initial = "off"
            elif pref is not None and pref.blocks(today):
                choices.insert(0, ("keep", f"Keep paused until {pref.paused_until:%A %d %B}"))
                initial = "keep"
            self.fields[kind] = forms.ChoiceField(
                label=Reminder.Kind(kind).label,
                choices=choices,
                initial=initial,
                widget=forms.RadioSelect,
                help_text=HELP[kind],
                # Added later: a form opened before they existed still saves.
                required=kind not in ADDED_KINDS,
            )
