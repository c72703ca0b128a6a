"""An operator creates an organisation and its first org admin (invitation-only
deployments, where SIGNUP_ENABLED is off). Through the same service as the
sign-up page, with the address taken as verified."""

import getpass
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reps.models import User
from reps.signup import organisation_sign_up


class Command(BaseCommand):
    help = "Create an organisation and its org admin, who can sign in at once."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the organisation's name")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", required=True)
        parser.add_argument(
            "--timezone", default="UTC", help="the admin's zone, e.g. Europe/London"
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the admin's password from standard input instead of prompting",
        )

    def handle(self, *args, **options):
        email = options["admin_email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"{email} already has an account.")
        password = self._password(options)
        try:
            password_validation.validate_password(
                password, User(email=email, name=options["admin_name"])
            )
            person = organisation_sign_up(
                organisation_name=options["name"],
                name=options["admin_name"],
                email=email,
                password=password,
                timezone=options["timezone"],
                verified=True,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        if person is None:
            raise CommandError(f"{email} already has an account.")
        self.stdout.write(
            f"Created {person.organisation.name} with org admin {person.name} <{person.email}>: "
            "they can sign in now."
        )

    def _password(self, options) -> str:
        if options["password_stdin"]:
            password = options.get("stdin", sys.stdin).readline().rstrip("\n")
        else:
            password = getpass.getpass("Admin's password: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords don't match.")
        if not password:
            raise CommandError("A password is required.")
        return password
