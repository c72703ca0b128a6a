"""The email preferences form: one choice per kind of email the person gets."""

from django import forms

from .models import EmailPreference, Reminder, SlackWebhook
from .outbound import slack_url_problem, webhook_url_problem
from .services.preferences import KINDS_FOR_ROLE, SLACK_NEEDED

CHANNEL_SUFFIX = "_channel"

HELP = {
    Reminder.Kind.NUDGE: "Mid-week, before it slips: your one thing, why it matters, "
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
    def __init__(self, *args, user, slack_url_field: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The Slack address is set only when signed in: a forwarded email's
        # signed link must not be able to send someone's reminders elsewhere.
        self.slack = SlackWebhook.objects.filter(user=user).first()
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
            self.fields[f"{kind}{CHANNEL_SUFFIX}"] = forms.ChoiceField(
                label=f"{Reminder.Kind(kind).label}: where",
                choices=EmailPreference.Channel.choices,
                initial=pref.channel if pref is not None else EmailPreference.Channel.EMAIL,
                widget=forms.RadioSelect,
                required=False,
            )
        if slack_url_field and self.kinds:
            self.fields["slack_url"] = forms.URLField(
                label="Your Slack incoming-webhook address",
                required=False,
                max_length=500,
                assume_scheme="https",
                help_text=(
                    f"Saved: {self.slack.masked_url}. Paste a new one to replace it."
                    if self.slack
                    else "In Slack: Apps → Incoming Webhooks → Add to Slack, pick a channel "
                    "(or your own messages), then paste the address here."
                ),
            )
            if self.slack:
                self.fields["slack_remove"] = forms.BooleanField(
                    label="Stop using Slack (what went there comes by email again)",
                    required=False,
                )

    @property
    def kinds(self) -> list[str]:
        return list(KINDS_FOR_ROLE.get(self.user.role, []))

    def clean_slack_url(self) -> str:
        url = self.cleaned_data.get("slack_url", "").strip()
        if url and (problem := slack_url_problem(url)):
            raise forms.ValidationError(problem)
        return url

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        will_have_slack = (bool(data.get("slack_url")) or self.slack is not None) and not data.get(
            "slack_remove"
        )
        if not will_have_slack and any(
            data.get(f"{kind}{CHANNEL_SUFFIX}") in ("slack", "both") for kind in self.kinds
        ):
            self.add_error("slack_url" if "slack_url" in self.fields else None, SLACK_NEEDED)
        return data

    def service_arguments(self) -> dict:
        """What ``email_preferences_update`` takes, from the cleaned form."""
        data = self.cleaned_data
        slack_url = None
        if data.get("slack_remove"):
            slack_url = ""
        elif data.get("slack_url"):
            slack_url = data["slack_url"]
        return {
            "choices": {kind: data[kind] for kind in self.kinds if kind in data},
            "channels": {kind: data.get(f"{kind}{CHANNEL_SUFFIX}", "") for kind in self.kinds},
            "slack_url": slack_url,
        }

    def add_service_error(self, error) -> None:
        """The service's refusal, next to the field it names when shown here."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)

    def mode_and_channel_fields(self):
        """Each kind's two choices, together: (when, where)."""
        return [(self[kind], self[f"{kind}{CHANNEL_SUFFIX}"]) for kind in self.kinds]


class OrganisationWebhookForm(forms.Form):
    url = forms.URLField(
        label="Webhook address",
        max_length=500,
        assume_scheme="https",
        help_text="An https:// address of your CRM flow (e.g. a Salesforce or Zapier "
        "endpoint). Every check recorded and every new commitment is posted there.",
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if problem := webhook_url_problem(url):
            raise forms.ValidationError(problem)
        return url
