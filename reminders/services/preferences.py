"""Each person's choice of emails: on, paused for a while, or stopped."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from reps.models import User

from ..models import EmailPreference, Reminder, SlackWebhook
from .delivery import slack_webhook_set

KINDS_FOR_ROLE = {
    User.Role.REP: [
        Reminder.Kind.NUDGE,
        Reminder.Kind.DAILY,
        Reminder.Kind.NEW,
        Reminder.Kind.KEPT,
    ],
    User.Role.MANAGER: [Reminder.Kind.PROMPT, Reminder.Kind.DIGEST, Reminder.Kind.HELP],
    User.Role.ADMIN: [],
}
PAUSE_CHOICES = {"pause_7": 7, "pause_14": 14, "pause_28": 28}


def email_preferences_update(
    *,
    user: User,
    choices: dict[str, str],
    channels: dict[str, str] | None = None,
    slack_url: str | None = None,
) -> None:
    """Apply ``{kind: "on" | "off" | "pause_<days>" | "keep"}`` for ``user``.

    ``channels`` (``{kind: "email" | "slack" | "both"}``, '' to leave one as
    it is) says where each kind goes; ``slack_url`` sets the person's Slack
    incoming webhook (None: leave it, '': remove it — whatever went to Slack
    then comes by email again). Slack needs a webhook: refused without one.
    """
    allowed = set(KINDS_FOR_ROLE.get(user.role, []))
    today = user.local_today()
    with transaction.atomic():
        _channels_update(user=user, allowed=allowed, channels=channels or {}, slack_url=slack_url)
        for kind, choice in choices.items():
            if kind not in allowed or choice in ("keep", ""):
                continue
            if choice in PAUSE_CHOICES:
                mode = EmailPreference.Mode.PAUSED
                until = today + dt.timedelta(days=PAUSE_CHOICES[choice])
            elif choice in (EmailPreference.Mode.ON, EmailPreference.Mode.OFF):
                mode, until = choice, None
            else:
                raise ValueError(f"Unknown email choice {choice!r}")
            EmailPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"mode": mode, "paused_until": until}
            )


# --- where each kind goes: email, Slack or both -------------------------------------

SLACK_NEEDED = "Paste your Slack incoming-webhook address to get reminders in Slack."


def _channels_update(
    *, user: User, allowed: set, channels: dict[str, str], slack_url: str | None
) -> None:
    if slack_url:
        slack_webhook_set(user=user, url=slack_url)
    elif slack_url == "":
        SlackWebhook.objects.filter(user=user).delete()
        # Nothing is lost: what went to Slack comes by email again.
        EmailPreference.objects.filter(user=user).exclude(
            channel=EmailPreference.Channel.EMAIL
        ).update(channel=EmailPreference.Channel.EMAIL)
    wanted = {k: c for k, c in channels.items() if k in allowed and c}
    for channel in wanted.values():
        if channel not in EmailPreference.Channel.values:
            raise ValueError(f"Unknown channel {channel!r}")
    needs_slack = any(c != EmailPreference.Channel.EMAIL for c in wanted.values())
    if needs_slack and not SlackWebhook.objects.filter(user=user).exists():
        raise ValidationError({"slack_url": SLACK_NEEDED})
    for kind, channel in wanted.items():
        EmailPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"channel": channel}
        )
