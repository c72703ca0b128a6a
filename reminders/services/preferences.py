"""Each person's choice of emails: on, paused for a while, or stopped."""

import datetime as dt

from django.db import transaction

from reps.models import User

from ..models import EmailPreference, Reminder

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


def email_preferences_update(*, user: User, choices: dict[str, str]) -> None:
    """Apply ``{kind: "on" | "off" | "pause_<days>" | "keep"}`` for ``user``."""
    allowed = set(KINDS_FOR_ROLE.get(user.role, []))
    today = user.local_today()
    with transaction.atomic():
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
