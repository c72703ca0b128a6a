"""Writes about people: inviting them, moving and deactivating them, their own account."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User
from .signals import COACHING_FIELDS, email_requested, person_changed


def invite_url(person: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("reps:invite_accept", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


ALREADY_IN_ORGANISATION = "{email} is already in your organisation."
# A deactivated person (a leaver, a revoked invitation) is invited again from the People page.
DEACTIVATED_IN_ORGANISATION = (
    "{email} was deactivated in your organisation: invite them again from the People page."
)


def invite_address_problem(email: str, *, by: User) -> str:
    """Why ``email`` can't be invited into ``by``'s organisation, or ''.
    Only the inviter's own organisation is looked at: an address with an
    account elsewhere is not revealed (see ``person_invite``)."""
    existing = (
        User.objects.filter(email__iexact=email, organisation_id=by.organisation_id)
        .only("is_active")
        .first()
    )
    if existing is None:
        return ""
    if not existing.is_active and by.is_org_admin:
        return DEACTIVATED_IN_ORGANISATION.format(email=email)
    return ALREADY_IN_ORGANISATION.format(email=email)


def _has_account_elsewhere(email: str, by: User) -> bool:
    """True when the address belongs to someone outside ``by``'s organisation,
    which the inviter must not learn; a field error when it is someone in it."""
    if problem := invite_address_problem(email, by=by):
        raise ValidationError({"email": problem})
    return User.objects.filter(email__iexact=email).exists()


def person_invite(
    *,
    by: User,
    name: str,
    email: str,
    role: str,
    timezone: str,
    manager: User | None = None,
    start_date: dt.date | None = None,
    one_on_one_weekday: int = User.Weekday.TUESDAY,
    one_on_one_time: dt.time = dt.time(10, 0),
) -> User | None:
    """Create the person with no password yet and email them a link to set one.

    The link is Django's password-reset token: signed, expiring after
    PASSWORD_RESET_TIMEOUT, and void once the password is set.

    An address already in the inviter's organisation is a field error. One
    that has an account in another organisation returns None and creates and
    sends nothing: the caller answers as for a fresh invitation, so no other
    tenant's people are revealed.
    """
    if by.role == User.Role.MANAGER:
        role, manager = User.Role.REP, by
    elif by.role != User.Role.ADMIN:
        raise ValidationError("Only managers and org admins can invite people.")
    if role == User.Role.REP and (manager is None or manager.organisation_id != by.organisation_id):
        raise ValidationError({"manager": "Choose the manager who will coach this rep."})
    if role != User.Role.REP:
        # The coaching fields are a rep's: a manager gets no ramp and the defaults.
        manager, start_date = None, None
        one_on_one_weekday = User._meta.get_field("one_on_one_weekday").get_default()
        one_on_one_time = User._meta.get_field("one_on_one_time").get_default()
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        if _has_account_elsewhere(email, by):
            return None
        person = User(
            email=email,
            name=name,
            organisation_id=by.organisation_id,
            role=role,
            manager=manager,
            timezone=timezone,
            start_date=start_date,
            one_on_one_weekday=one_on_one_weekday,
            one_on_one_time=one_on_one_time,
            ramp=User.Ramp.AUTO,
        )
        person.set_unusable_password()
        # The name and zone rules hold whoever calls; uniqueness is the database's.
        person.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            # The same address was saved between the check and this insert:
            # the unique index decided, answer as the check would have.
            if _has_account_elsewhere(email, by):
                return None
            raise
        # Recorded in the same transaction; the worker sends it (and retries
        # it while the mail server is down). The request never waits on SMTP.
        person_email_request(kind=INVITE, person=person, by=by)
    return person


INVITE = "invite"
PASSWORD_RESET = "reset"  # noqa: S105 - a kind of email, not a password


def person_email_request(*, kind: str, person: User, by: User | None = None) -> None:
    """Ask for ``kind`` of email to ``person``: recorded for the worker to
    send, inside the caller's transaction."""
    with transaction.atomic():
        answers = email_requested.send(sender=User, kind=kind, person=person, by=by)
        if not answers:
            raise ImproperlyConfigured("Nothing delivers email: is the reminders app installed?")


def rep_settings_update(*, rep: User, changes: dict) -> User:
    """Change a rep's 1:1 cadence, zone, start date or ramp mode. What depends
    on them (the reminders) is re-timed in the same transaction."""
    with transaction.atomic():
        for field, value in changes.items():
            setattr(rep, field, value)
        rep.full_clean(exclude=["password"])
        rep.save(update_fields=list(changes))
        person_setup_changed(person=rep, fields=set(changes))
    return rep


def person_setup_changed(*, person: User, fields: set[str]) -> None:
    """Tell the floors above that ``person``'s coaching set-up changed (also
    after support edits someone in the Django admin). Inside the caller's
    transaction, so their consequences commit or roll back with it."""
    changed = set(fields) & COACHING_FIELDS
    if changed:
        with transaction.atomic():
            person_changed.send(sender=User, person=person, fields=changed)


# --- the org admin runs the year: move, deactivate, invitations ----------------


def _check_admin_of(*, by: User, person: User) -> None:
    """Only an org admin, and only for someone of their own organisation
    (the views already answer 404 for anyone else: this holds for every caller)."""
    if not by.is_org_admin or by.organisation_id is None:
        raise ValidationError("Only an org admin can change who is in the organisation.")
    if person.organisation_id != by.organisation_id:
        raise ValidationError("That person is not in your organisation.")


def rep_move(*, by: User, rep: User, manager: User) -> User:
    """Give ``rep`` another manager of the organisation. Their active
    commitment and its reminders go with them (``person_changed``); past
    1:1s, and the private notes in them, stay with the manager who wrote them."""
    _check_admin_of(by=by, person=rep)
    if not rep.is_rep:
        raise ValidationError("Only a rep has a manager.")
    if not (
        manager.is_manager and manager.is_active and manager.organisation_id == by.organisation_id
    ):
        raise ValidationError({"manager": "Choose an active manager of your organisation."})
    with transaction.atomic():
        rep = User.objects.select_for_update().get(pk=rep.pk)
        if rep.manager_id == manager.pk:
            return rep
        rep.manager = manager
        rep.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        rep.save(update_fields=["manager"])
        person_setup_changed(person=rep, fields={"manager"})
    return rep


def person_deactivate(*, by: User, person: User) -> User:
    """A leaver: they can no longer sign in (a signed-in session ends on its
    next request: Django's ModelBackend refuses inactive people), no reminder
    is sent to or about them (``person_changed`` re-plans), and nothing is
    deleted: their record stays readable by those who could read it."""
    _check_admin_of(by=by, person=person)
    if person.pk == by.pk:
        raise ValidationError("You can't deactivate yourself: ask another org admin.")
    if person.is_manager and User.objects.reps().filter(manager=person, is_active=True).exists():
        raise ValidationError(
            f"{person.name} still coaches reps: move them to another manager first."
        )
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if not person.is_active:
            return person
        person.is_active = False
        person.save(update_fields=["is_active"])
        person_setup_changed(person=person, fields={"is_active"})
    return person


def person_reinvite(*, by: User, person: User) -> User:
    """Invite a deactivated person again: a leaver who comes back, or someone
    whose invitation was revoked. They are active again with no usable
    password (any old link stays dead) and get a fresh invitation to set one;
    their record, and a rep's history, are as they were. A rep comes back to
    their manager, who must still be active (otherwise move them first)."""
    _check_admin_of(by=by, person=person)
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.is_active:
            raise ValidationError(f"{person.name} is active already: there is nothing to undo.")
        if person.is_rep and not (person.manager and person.manager.is_active):
            raise ValidationError(
                f"{person.name}'s manager has left: move {person.name} to an active manager "
                "first, then invite them again."
            )
        person.is_active = True
        person.set_unusable_password()
        person.save(update_fields=["is_active", "password"])
        person_setup_changed(person=person, fields={"is_active"})
        person_email_request(kind=INVITE, person=person, by=by)
    return person


def invitation_resend(*, by: User, person: User) -> None:
    """Email a fresh invitation link to someone who has not joined yet."""
    _check_admin_of(by=by, person=person)
    if not person.is_invitation_pending:
        raise ValidationError(f"{person.name} has already joined: there is nothing to resend.")
    person_email_request(kind=INVITE, person=person, by=by)


def invitation_revoke(*, by: User, person: User) -> User:
    """Withdraw an invitation that was never accepted.

    The person is deactivated, not deleted: a manager may already have
    recorded 1:1s for an invited rep, and the ledger keeps what was sent.
    Their password hash is replaced by a fresh unusable one, which changes
    the hash every link token is signed with, so every link already emailed
    is dead at once (and, inactive, they can't ask for a reset link).
    """
    _check_admin_of(by=by, person=person)
    if not person.is_invitation_pending:
        raise ValidationError(f"{person.name} has already joined: deactivate them instead.")
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        person.is_active = False
        person.set_unusable_password()
        person.save(update_fields=["is_active", "password"])
        person_setup_changed(person=person, fields={"is_active"})
    return person


# --- everyone's own account ---------------------------------------------------


def account_update(*, person: User, name: str, timezone: str) -> User:
    """A person changes their own name and time zone. A new zone re-times
    what depends on it (a manager's prompts, a rep's reminders)."""
    changes = {
        field: value
        for field, value in {"name": name, "timezone": timezone}.items()
        if getattr(person, field) != value
    }
    if not changes:
        return person
    with transaction.atomic():
        for field, value in changes.items():
            setattr(person, field, value)
        person.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        person.save(update_fields=list(changes))
        # tzinfo is cached on the instance.
        person.__dict__.pop("tzinfo", None)
        person_setup_changed(person=person, fields=set(changes))
    return person
