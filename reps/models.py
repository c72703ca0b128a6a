"""Organisations and the people in them: org admins, managers and reps."""

import datetime as dt
import unicodedata
import zoneinfo
from functools import cached_property

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .timezones import TIMEZONES

RAMP_DAYS = 14


def validate_timezone(value: str) -> None:
    """One of the canonical IANA zones in ``reps.timezones.TIMEZONES``."""
    if value not in TIMEZONES:
        raise ValidationError(
            f"{value!r} is not a time zone on our list: choose one such as Europe/London.",
            code="invalid_timezone",
        )


# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_no_control_characters(value: str) -> None:
    """Names go into email headers and plain-text digests: a line break, tab,
    C0/C1 control, line or paragraph separator or bidi override in one would
    forge lines or reorder text there, so they are refused (not silently
    stripped: the person typing sees what will be stored)."""
    for char in value:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise ValidationError(
                "Names can't contain line breaks, tabs or other control characters.",
                code="control_characters",
            )


class Organisation(models.Model):
    name = models.CharField(max_length=120, validators=[validate_no_control_characters])
    created_at = models.DateTimeField(auto_now_add=True)
    # Signed up on its own and its admin has not followed the emailed link yet.
    awaiting_verification = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Org admin"
    MANAGER = "manager", "Manager"
    REP = "rep", "Rep"


class Ramp(models.TextChoices):
    AUTO = "auto", "First two weeks from the start date"
    ON = "on", "On"
    OFF = "off", "Off"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Cadence(models.IntegerChoices):
    WEEKLY = 1, "Weekly"
    FORTNIGHTLY = 2, "Fortnightly"


class UserQuerySet(models.QuerySet):
    def reps(self):
        return self.filter(role=User.Role.REP)

    def managers(self):
        return self.filter(role=User.Role.MANAGER)

    def reps_visible_to(self, user: "User"):
        """The reps whose pages ``user`` may open; anything else is a 404."""
        if not user.is_authenticated or user.organisation_id is None:
            return self.none()
        reps = self.reps().filter(organisation_id=user.organisation_id, is_active=True)
        if user.role == User.Role.ADMIN:
            return reps
        if user.role == User.Role.MANAGER:
            return reps.filter(manager=user)
        return reps.filter(pk=user.pk)

    def reps_readable_by(self, user: "User"):
        """The reps whose history ``user`` may read: those of
        ``reps_visible_to`` and the leavers among them (a deactivated rep's
        record stays readable by the org admin and the manager who coached
        them last; nothing more can be recorded for them)."""
        if not user.is_authenticated or user.organisation_id is None:
            return self.none()
        reps = self.reps().filter(organisation_id=user.organisation_id)
        if user.role == User.Role.ADMIN:
            return reps
        if user.role == User.Role.MANAGER:
            return reps.filter(manager=user)
        return reps.filter(pk=user.pk, is_active=True)

    def people_of(self, admin: "User"):
        """Everyone in ``admin``'s organisation, for the People page; none
        for anyone who is not an org admin."""
        if not admin.is_authenticated or admin.role != User.Role.ADMIN:
            return self.none()
        if admin.organisation_id is None:
            return self.none()
        return self.filter(organisation_id=admin.organisation_id)

    def invitations_pending(self):
        """Invited, not yet joined: still active, never signed in, no password set."""
        return self.filter(
            is_active=True, last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
        )

    def managers_visible_to(self, user: "User"):
        """The managers whose team page ``user`` may open."""
        if not user.is_authenticated or user.organisation_id is None:
            return self.none()
        managers = self.managers().filter(organisation_id=user.organisation_id, is_active=True)
        if user.role == User.Role.ADMIN:
            return managers
        if user.role == User.Role.MANAGER:
            return managers.filter(pk=user.pk)
        return managers.none()


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Addresses are stored lower-case; people type them any way they like.
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person: signs in by email, belongs to one organisation, has one role."""

    Role = Role
    Ramp = Ramp
    Weekday = Weekday
    Cadence = Cadence

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=120, validators=[validate_no_control_characters])
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="people", null=True, blank=True
    )
    role = models.CharField(max_length=10, choices=Role, default=Role.REP)
    timezone = models.CharField(
        "time zone", max_length=64, default="UTC", validators=[validate_timezone]
    )
    # Rep-only fields: who coaches them and when the 1:1 is.
    manager = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="reps",
        null=True,
        blank=True,
        limit_choices_to={"role": Role.MANAGER},
    )
    start_date = models.DateField(null=True, blank=True, help_text="First day in the role.")
    one_on_one_weekday = models.PositiveSmallIntegerField(
        "1:1 weekday", choices=Weekday, default=Weekday.TUESDAY
    )
    one_on_one_time = models.TimeField("1:1 time", default=dt.time(10, 0))
    one_on_one_every_weeks = models.PositiveSmallIntegerField(
        "1:1 cadence", choices=Cadence, default=Cadence.WEEKLY
    )
    ramp = models.CharField("ramp mode", max_length=4, choices=Ramp, default=Ramp.AUTO)
    # The secret in this person's calendar feed URL: made on request, replaced
    # to revoke a link that leaked, cleared to switch the feed off.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="reps_user_email_unique_ci"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="reps_user_role_valid"),
            models.CheckConstraint(condition=Q(ramp__in=Ramp.values), name="reps_user_ramp_valid"),
            models.CheckConstraint(
                condition=Q(one_on_one_weekday__gte=0, one_on_one_weekday__lte=6),
                name="reps_user_weekday_valid",
            ),
            models.CheckConstraint(
                condition=Q(one_on_one_every_weeks__in=Cadence.values),
                name="reps_user_cadence_valid",
            ),
            # Only reps have a manager.
            models.CheckConstraint(
                condition=Q(role=Role.REP) | Q(manager__isnull=True),
                name="reps_user_manager_only_for_reps",
            ),
        ]
        indexes = [
            # The team page: a manager's reps.
            models.Index(fields=["manager", "name"], name="reps_user_manager_name"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        if self.manager_id is not None:
            manager = self.manager
            if manager.organisation_id != self.organisation_id:
                # A manager from another organisation would see this rep on
                # their team page: tenants never mix.
                raise ValidationError(
                    {"manager": "Choose a manager from the rep's own organisation."}
                )
            if manager.role != Role.MANAGER:
                raise ValidationError({"manager": "Choose someone whose role is manager."})
        if (
            self.pk is not None
            and User.objects.filter(manager_id=self.pk)
            .exclude(organisation_id=self.organisation_id)
            .exists()
        ):
            # The same mix from the other side: a manager moved away from their reps.
            raise ValidationError(
                {
                    "organisation": "This manager coaches reps in their organisation: "
                    "give them another manager first."
                }
            )

    @property
    def is_rep(self) -> bool:
        return self.role == self.Role.REP

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_org_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_invitation_pending(self) -> bool:
        """Invited and not joined yet (see ``UserQuerySet.invitations_pending``)."""
        return self.is_active and self.last_login is None and not self.has_usable_password()

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_now(self, now: dt.datetime | None = None) -> dt.datetime:
        return (now or timezone.now()).astimezone(self.tzinfo)

    def local_today(self, now: dt.datetime | None = None) -> dt.date:
        """This person's calendar date at ``now`` (default: this moment)."""
        return self.local_now(now).date()

    def in_ramp(self, on: dt.date | None = None) -> bool:
        """Ramp mode: a daily check in the first two weeks, unless switched."""
        if self.ramp == self.Ramp.ON:
            return True
        if self.ramp == self.Ramp.OFF or self.start_date is None:
            return False
        on = on or self.local_today()
        return self.start_date <= on < self.start_date + dt.timedelta(days=RAMP_DAYS)

    def horizon(self, on: dt.date | None = None) -> dict | None:
        """Where the rep is on the 30/60/90 path: week 1-12 and its phase."""
        if self.start_date is None:
            return None
        on = on or self.local_today()
        week = (on - self.start_date).days // 7 + 1
        if week < 1:
            return None
        if week <= 4:
            phase = "Weeks 1–4: install one behaviour"
        elif week <= 8:
            phase = "Weeks 5–8: layer the next"
        elif week <= 12:
            phase = "Weeks 9–12: the rep brings their own commitment"
        else:
            phase = "Past 90 days: self-coaching"
        return {"week": week, "phase": phase, "pct": min(100, round(100 * week / 12))}

    def next_one_on_one(self, after: dt.date | None = None) -> dt.date:
        """The 1:1 that follows one held on ``after`` (default: today, local):
        the first 1:1 weekday strictly after it, and for a fortnightly rep the
        one a week later, so 1:1s are two weeks apart."""
        after = after or self.local_today()
        days = (self.one_on_one_weekday - after.weekday()) % 7 or 7
        return after + dt.timedelta(days=days, weeks=self.one_on_one_every_weeks - 1)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A secret an organisation gives a tool (a call recorder) to send it
    data. Only its SHA-256 is kept: the token itself is shown once, when it
    is made, and a leaked database holds nothing that opens the API."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, validators=[validate_no_control_characters])
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, so a person can tell tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
