"""A company signs up on its own: an organisation and its first org admin.

The sign-up is written at once, but asleep: the organisation is marked
``awaiting_verification`` and its admin is inactive (no sign-in, no password
reset), and a ``verify`` email carries a signed link that expires after
``SIGNUP_VERIFY_MAX_AGE``. Following it wakes both in one transaction. Written
this way the verification email is an ordinary row of the delivery ledger,
addressed to a person like every other email (the worker sends and retries
it; nothing leaves inside the request), the password hash lives only where
passwords live, and the unique address index settles two sign-ups racing for
one address.

A sign-up for an address that already has an account creates and sends
nothing and answers the same ("check your inbox"): no other tenant's people
are revealed. A sign-up for an address whose earlier sign-up was never
verified replaces it, so nobody can hold an address by typing it first.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .models import Organisation, User
from .services import person_email_request

VERIFY = "verify"
SIGNUP_SALT = "reps.signup.verify"
SIGNUP_VERIFY_MAX_AGE = 24 * 3600
# A sign-up never verified is deleted this long after it was made (its link
# expired long before): no address or organisation name is held for ever.
SIGNUP_PURGE_AFTER = dt.timedelta(days=7)


def _awaiting_verification(person: User) -> bool:
    organisation = person.organisation
    return (
        not person.is_active
        and organisation is not None
        and organisation.awaiting_verification
        and organisation.people.count() == 1
    )


def organisation_sign_up(
    *,
    organisation_name: str,
    name: str,
    email: str,
    password: str,
    timezone: str = "UTC",
    verified: bool = False,
) -> User | None:
    """Create an organisation and its org admin with ``password`` (validated
    by the caller). Unless ``verified`` (an operator's command), both wait for
    the emailed link. None when the address already has an account: nothing
    is created or sent."""
    email = User.objects.normalize_email(email).strip().lower()
    with transaction.atomic():
        existing = User.objects.select_related("organisation").filter(email__iexact=email).first()
        if existing is not None:
            if verified or not _awaiting_verification(existing):
                return None
            # An earlier sign-up never verified: the newest one counts.
            existing.organisation.delete()
        organisation = Organisation(name=organisation_name, awaiting_verification=not verified)
        organisation.full_clean()
        organisation.save()
        person = User(
            email=email,
            name=name,
            organisation=organisation,
            role=User.Role.ADMIN,
            timezone=timezone,
            is_active=verified,
        )
        person.set_password(password)
        person.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            # The same address was taken between the check and this insert.
            transaction.set_rollback(True)
            return None
        if not verified:
            person_email_request(kind=VERIFY, person=person)
    return person


def sign_up_verify_url(person: User) -> str:
    token = signing.dumps({"u": person.pk, "e": person.email}, salt=SIGNUP_SALT, compress=True)
    return settings.SITE_URL + reverse("reps:signup_verify", kwargs={"token": token})


class InvalidLink(Exception):
    """Tampered with, expired, or for a sign-up that was replaced."""


def sign_up_person(token: str) -> User:
    """The person a verification link is for; InvalidLink otherwise."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_VERIFY_MAX_AGE)
        person = User.objects.select_related("organisation").get(pk=data["u"], email=data["e"])
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist) as error:
        raise InvalidLink from error
    if person.organisation is None:
        raise InvalidLink
    return person


def sign_up_verify(token: str) -> tuple[User, bool]:
    """Wake the organisation and its admin the link is for, in one
    transaction. Returns the admin and whether this call verified them (a
    second click finds them verified already and changes nothing)."""
    person = sign_up_person(token)
    with transaction.atomic():
        person = (
            User.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=person.pk)
        )
        if person.is_active:
            return person, False
        if not person.organisation.awaiting_verification:
            # Deactivated later by their organisation: a link never revives anyone.
            raise InvalidLink
        person.is_active = True
        person.save(update_fields=["is_active"])
        person.organisation.awaiting_verification = False
        person.organisation.save(update_fields=["awaiting_verification"])
    return person, True


def sign_ups_unverified_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the sign-ups never verified within ``SIGNUP_PURGE_AFTER``: the
    organisation and its one sleeping admin (and the verification email's
    ledger row with them). Returns how many organisations went.

    Only an organisation still awaiting verification whose one person never
    signed in is touched; a verified one never is.
    """
    now = now or timezone.now()
    stale = Organisation.objects.filter(
        awaiting_verification=True, created_at__lt=now - SIGNUP_PURGE_AFTER
    ).exclude(people__is_active=True)
    deleted = 0
    for organisation in stale.only("pk"):
        with transaction.atomic():
            locked = (
                Organisation.objects.select_for_update()
                .filter(pk=organisation.pk, awaiting_verification=True)
                .first()
            )
            if locked is None or locked.people.filter(is_active=True).exists():
                continue  # Verified meanwhile.
            locked.delete()
            deleted += 1
    return deleted
