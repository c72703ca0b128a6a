"""The reminder ledger and each person's email preferences.

Every reminder that will ever go out is a ``Reminder`` row first. Its unique
``key`` says what it is, for whom and for which commitment, day or week, so a
second scheduler, a second sweep or a retry can never create a second one;
its ``status`` moves pending → sending → sent (or skipped / failed) through
compare-and-set updates, so only one worker ever holds it.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

REP_PAGE_REMINDERS = 12


class ReminderQuerySet(models.QuerySet):
    def due(self, now: dt.datetime):
        return self.filter(status=Reminder.Status.PENDING, due_at__lte=now)

    def lease_expired(self, cutoff: dt.datetime):
        """Rows a worker claimed and never finished: it died or was killed mid-batch."""
        return self.filter(status=Reminder.Status.SENDING, claimed_at__lt=cutoff)

    def for_rep_page(self, rep):
        """The latest reminders about ``rep`` with who got them: one query."""
        return (
            self.filter(rep=rep)
            .select_related("recipient", "commitment")
            .order_by("-scheduled_at", "-pk")[:REP_PAGE_REMINDERS]
        )


class ReminderKind(models.TextChoices):
    NUDGE = "nudge", "Mid-week nudge"
    PROMPT = "prompt", "“How did the one thing go?” before the 1:1"
    DAILY = "daily", "Daily check (ramp mode)"
    DIGEST = "digest", "Weekly digest"
    INVITE = "invite", "Invitation"
    PASSWORD_RESET = "reset", "Password reset"
    VERIFY = "verify", "Sign-up email verification"
    # Events for the organisation's outbound webhook (a CRM), not reminders to a person.
    CHECK = "check", "Check recorded"
    COMMITMENT = "commit", "New commitment"
    # The rep's side (issue 7): a new one thing to accept, "Need help" to the
    # manager, recognition of a kept check.
    NEW = "new", "A new one thing to say “Deal” to"
    HELP = "help", "“Need help” from a rep"
    KEPT = "kept", "You kept it: recognition after a kept check"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    WEBHOOK = "webhook", "Webhook"


# The kinds that only ever go to the organisation's webhook.
WEBHOOK_KINDS = [ReminderKind.CHECK, ReminderKind.COMMITMENT]


class Reminder(models.Model):
    Kind = ReminderKind
    Status = ReminderStatus
    Channel = ReminderChannel

    kind = models.CharField(max_length=6, choices=Kind)
    # What for whom: nudge:c<commitment>, prompt:c<commitment>:u<manager>,
    # daily:u<rep>:<local date>, digest:u<manager>:<iso week>, and one key per
    # request for invitations and password resets: invite:u<person>:<random>.
    # A Slack copy is slack:<the email's key>; webhook events are
    # hook:check:c<commitment> and hook:commitment:c<commitment>.
    # The rep's side: new:c<commitment>, help:c<commitment>:<rep's local date>,
    # kept:c<commitment>.
    key = models.CharField(max_length=80, unique=True)
    # How it is delivered: an email, a Slack message (the recipient's incoming
    # webhook), or a signed POST to the organisation's webhook.
    channel = models.CharField(max_length=7, choices=Channel, default=Channel.EMAIL)
    # Empty only for webhook events: they go to the organisation, not a person.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders_received",
        null=True,
        blank=True,
    )
    # The rep it is about (the recipient for nudges and daily checks, the
    # manager's rep for prompts); empty for digests.
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders_about",
        null=True,
        blank=True,
    )
    commitment = models.ForeignKey(
        "commitments.Commitment",
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    # Who asked for it (the inviter of an invitation).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    scheduled_at = models.DateTimeField(help_text="The moment it was planned for (UTC).")
    due_at = models.DateTimeField(help_text="When the next attempt may start (UTC).")
    status = models.CharField(max_length=7, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A webhook event's JSON, fixed when the event happened (the same body on
    # every attempt, so its id lets the receiver drop a repeat).
    payload = models.JSONField(null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values),
                name="reminders_reminder_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values),
                name="reminders_reminder_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=ReminderStatus.SENT, sent_at__isnull=False)
                | (~Q(status=ReminderStatus.SENT) & Q(sent_at__isnull=True)),
                name="reminders_reminder_sent_at_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENDING) | Q(claimed_at__isnull=False),
                name="reminders_reminder_sending_is_claimed",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        ReminderKind.DIGEST,
                        ReminderKind.INVITE,
                        ReminderKind.PASSWORD_RESET,
                        ReminderKind.VERIFY,
                    ]
                )
                | Q(commitment__isnull=False, rep__isnull=False),
                name="reminders_reminder_about_a_commitment",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ReminderChannel.values),
                name="reminders_reminder_channel_valid",
            ),
            # Webhook events, and only they, go to the webhook, with no person
            # as recipient and the JSON they carry.
            models.CheckConstraint(
                condition=Q(
                    channel=ReminderChannel.WEBHOOK,
                    kind__in=WEBHOOK_KINDS,
                    recipient__isnull=True,
                    payload__isnull=False,
                )
                | (
                    ~Q(channel=ReminderChannel.WEBHOOK)
                    & ~Q(kind__in=WEBHOOK_KINDS)
                    & Q(recipient__isnull=False)
                ),
                name="reminders_reminder_webhook_events",
            ),
        ]
        indexes = [
            # The sweep (reminder_dispatch_due): due pending rows by due_at and
            # expired 'sending' leases. Partial, so sent history never bloats it.
            models.Index(
                fields=["status", "due_at"],
                condition=Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]),
                name="reminders_reminder_sweep",
            ),
            # The rep page's reminder log (for_rep_page) and schedule_for_rep.
            models.Index(fields=["rep", "-scheduled_at"], name="reminders_reminder_rep_page"),
        ]

    def __str__(self) -> str:
        to = self.recipient_id or "the organisation's webhook"
        return f"{self.get_kind_display()} to {to} by {self.channel} ({self.status})"


class PreferenceMode(models.TextChoices):
    ON = "on", "Send it"
    PAUSED = "paused", "Paused"
    OFF = "off", "Stopped"


# The reminders a person can pause or stop; invitations and resets are not optional.
PREFERENCE_KINDS = [
    ReminderKind.NUDGE,
    ReminderKind.PROMPT,
    ReminderKind.DAILY,
    ReminderKind.DIGEST,
    ReminderKind.NEW,
    ReminderKind.HELP,
    ReminderKind.KEPT,
]


class PreferenceChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    BOTH = "both", "Email and Slack"


class EmailPreference(models.Model):
    """One person's choice for one kind of email. No row means “send it”,
    by email. ``mode`` says whether it comes at all, ``channel`` where."""

    Mode = PreferenceMode
    Channel = PreferenceChannel

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=6, choices=[(k.value, k.label) for k in PREFERENCE_KINDS])
    mode = models.CharField(max_length=6, choices=Mode, default=Mode.ON)
    paused_until = models.DateField(
        null=True, blank=True, help_text="Emails start again on this day (the person's zone)."
    )
    channel = models.CharField(max_length=5, choices=Channel, default=Channel.EMAIL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="reminders_emailpref_one_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PREFERENCE_KINDS),
                name="reminders_emailpref_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=PreferenceMode.values),
                name="reminders_emailpref_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(mode=PreferenceMode.PAUSED, paused_until__isnull=False)
                | (~Q(mode=PreferenceMode.PAUSED) & Q(paused_until__isnull=True)),
                name="reminders_emailpref_paused_until_matches_mode",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=PreferenceChannel.values),
                name="reminders_emailpref_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"

    def blocks(self, today: dt.date) -> str:
        """Why this preference holds an email back today, or ''."""
        if self.mode == self.Mode.OFF:
            return "stopped by the recipient"
        if self.mode == self.Mode.PAUSED and self.paused_until and today < self.paused_until:
            return f"paused by the recipient until {self.paused_until:%d %b %Y}"
        return ""


class SlackWebhook(models.Model):
    """A person's own Slack incoming webhook: where their reminders go when
    they choose Slack. The URL is a secret (whoever has it can post there),
    so it is never shown back in full."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_webhook"
    )
    url = models.URLField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Slack for {self.user_id}"

    @property
    def masked_url(self) -> str:
        """Enough to recognise it, not enough to use it."""
        return f"{self.url[:30]}…{self.url[-4:]}"


class OrganisationWebhook(models.Model):
    """The one outbound webhook of an organisation: every recorded check and
    new commitment is POSTed there as JSON, signed with ``secret``.

    The secret is kept as it is (a hash could not sign anything); it is
    shown once, when made or rotated, and never again.
    """

    organisation = models.OneToOneField(
        "reps.Organisation", on_delete=models.CASCADE, related_name="webhook"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_made_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Webhook of {self.organisation_id}: {self.url}"
