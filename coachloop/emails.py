"""Every email is built here: a subject, a text part and an HTML part."""

from email.headerregistry import Address

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def address_for(person) -> str:
    """``Name <email>``, with the display name encoded safely.

    Address() refuses CR/LF in any part, and we strip them from the name
    first, so a name can never smuggle in a header.
    """
    name = " ".join((person.name or "").split())
    return str(Address(display_name=name, addr_spec=person.email))


def email_build(
    template: str, *, to, context: dict, headers: dict | None = None
) -> EmailMultiAlternatives:
    """Render ``templates/emails/<template>_subject.txt``, ``.txt`` and ``.html``."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address_for(to)],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message
