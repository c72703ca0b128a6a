"""Composing: what each reminder email says, the weekly digest included.

Reads only. Loop facts (overdue, missed in a row, checked on time) come from
the rule book in ``commitments.models``; dates and times are rendered in the
recipient's zone by ``common.emails.email_build``.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from commitments.links import daily_answer_path, pulse_token
from commitments.models import (
    CHECKED_ON_TIME,
    Commitment,
    PulseAnswer,
    Rep,
    pulse_for_manager,
    suggested_outcome,
    undiagnosed_check,
)
from common.emails import Email, address_for, email_build, render_plain
from reps.models import User
from reps.services import invite_url
from reps.signup import sign_up_verify_url

from .. import timing
from ..emails import absolute, build_reminder_email, message_id
from ..models import Reminder


def reminder_compose(reminder: Reminder, commitment: Commitment | None):
    """The email for ``reminder``, about ``commitment`` (none for a digest)."""
    recipient = reminder.recipient
    if reminder.kind == Reminder.Kind.INVITE:
        return email_build(
            "invite",
            to=recipient,
            context={
                "person": recipient,
                "by": reminder.requested_by,
                "url": invite_url(recipient),
            },
            headers={"Message-ID": message_id(reminder.key)},
        )
    if reminder.kind == Reminder.Kind.PASSWORD_RESET:
        return _password_reset_email(reminder)
    if reminder.kind == Reminder.Kind.VERIFY:
        return email_build(
            "verify",
            to=recipient,
            context={
                "person": recipient,
                "organisation": recipient.organisation,
                "url": sign_up_verify_url(recipient),
            },
            headers={"Message-ID": message_id(reminder.key)},
        )
    if reminder.kind == Reminder.Kind.DIGEST:
        context = reminder_digest_context(
            manager=recipient,
            monday=reminder.scheduled_at.astimezone(recipient.tzinfo).date(),
        )
    else:
        context = _commitment_context(reminder, commitment)
    return build_reminder_email(
        kind=reminder.kind,
        to=recipient,
        context={"recipient": recipient, **context},
        key=reminder.key,
    )


def _password_reset_email(reminder: Reminder):
    """Django's reset email (our templates), with a token made as it is sent."""
    person = reminder.recipient
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": person.email,
        "user": person,
        "domain": site.netloc,
        "site_name": "CoachLoop",
        "protocol": site.scheme,
        "uid": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    }
    subject = render_to_string("registration/password_reset_subject.txt", context)
    message = Email(
        subject=" ".join(subject.split()),
        body=render_plain("registration/password_reset_email.html", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address_for(person)],
        headers={"Message-ID": message_id(reminder.key), "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("registration/password_reset_email_body.html", context), "text/html"
    )
    return message


def _commitment_context(reminder: Reminder, commitment: Commitment) -> dict:
    rep = reminder.rep
    practice = list(commitment.practice.all())
    local_today = rep.local_today()
    rep_url = absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))
    context = {
        "rep": rep,
        "commitment": commitment,
        "practice": practice[:5],
        "practice_count": len(practice),
        "practice_total": sum(p.count or 0 for p in practice),
        "practice_today": [p for p in practice if p.practiced_on == local_today],
        "my_url": absolute(reverse("commitments:my_one_thing")),
        "practice_url": absolute(reverse("commitments:my_one_thing") + "#log-heading"),
        "rep_url": rep_url,
        # Straight to the check form, which takes the focus.
        "check_url": rep_url + "#check",
    }
    if reminder.kind == Reminder.Kind.DAILY:
        # One tap from the email: a signed link per answer, for this day.
        day = reminder.scheduled_at.astimezone(rep.tzinfo).date()
        context["answer_yes_url"] = absolute(daily_answer_path(rep.pk, day, did_it=True))
        context["answer_no_url"] = absolute(daily_answer_path(rep.pk, day, did_it=False))
    if reminder.kind == Reminder.Kind.PROMPT:
        # An aware moment: the email renders it in the recipient's zone.
        context["one_on_one"] = timing.one_on_one_at(
            check_date=commitment.check_date, time=rep.one_on_one_time, rep_tz=rep.tzinfo
        )
        # The calls of the week and a suggestion the manager confirms at the 1:1.
        calls = list(commitment.call_evidence.all())
        context["calls"] = calls[:10]
        context["suggestion"] = suggested_outcome(calls)
        # Last week's "not sure yet", chased (only its author is told).
        context["undiagnosed"] = undiagnosed_check(rep, reminder.recipient)
    context.update(_rep_side_context(reminder, commitment))
    return context


# --- the rep's side: "Deal?", the mid-week pulse, "Need help", "You kept it" ---


def _rep_side_context(reminder: Reminder, commitment: Commitment) -> dict:
    kind = reminder.kind
    if kind == Reminder.Kind.NUDGE:
        # One signed link per answer: each opens a page with it chosen and one button.
        return {
            "pulse_links": [
                {"label": label, "url": pulse_url(commitment, answer)}
                for answer, label in PulseAnswer.choices
            ]
        }
    if kind in (Reminder.Kind.PROMPT, Reminder.Kind.HELP):
        pulse = commitment.pulses.order_by("-at", "-pk").first()
        return {
            "pulse": pulse,
            "pulse_words": pulse_for_manager(pulse.answer) if pulse else "",
            "needs_help": pulse is not None and pulse.answer == PulseAnswer.NEED_HELP,
        }
    if kind == Reminder.Kind.NEW:
        return {"deal_url": absolute(reverse("commitments:my_one_thing") + "#deal")}
    return {}


def pulse_url(commitment: Commitment, answer: str) -> str:
    token = pulse_token(commitment_id=commitment.pk, rep_id=commitment.rep_id, answer=answer)
    return absolute(reverse("commitments:pulse_link", kwargs={"token": token}))


def reminder_digest_context(*, manager: User, monday: dt.date) -> dict:
    """The weekly digest's facts for ``manager``'s team: four queries."""
    now = timezone.now()
    sunday = monday + dt.timedelta(days=6)
    reps = list(
        Rep.objects.reps()
        .filter(manager=manager, organisation_id=manager.organisation_id, is_active=True)
        .for_team_page(viewer=manager, now=now)
    )
    due, without, missed_twice = [], [], []
    for rep in reps:
        active = rep.active_commitment
        if active is None:
            without.append(rep)
        elif active.check_date <= sunday:
            due.append((rep, active))
        if rep.missed_in_a_row >= 2:
            missed_twice.append(rep)
    last_week = (
        Commitment.objects.of_current_reps()
        .filter(
            manager=manager,
            # Scoped to the manager's organisation like the team above: tenants never mix.
            rep__organisation_id=manager.organisation_id,
            check_date__gte=monday - dt.timedelta(days=7),
            check_date__lt=monday,
        )
        .aggregate(total=Count("pk"), on_time=Count("pk", filter=CHECKED_ON_TIME))
    )
    due.sort(key=lambda pair: pair[1].check_date)

    def url(rep):
        return absolute(reverse("commitments:rep_detail", kwargs={"rep_id": rep.pk}))

    return {
        "manager": manager,
        "monday": monday,
        "due": [
            {"rep": rep, "commitment": c, "overdue": c.is_overdue, "url": url(rep)}
            for rep, c in due
        ],
        "without": [{"rep": rep, "url": url(rep)} for rep in without],
        "missed_twice": [
            {"rep": rep, "url": url(rep), "beyond_coaching": rep.beyond_coaching}
            for rep in missed_twice
        ],
        "loops_total": last_week["total"],
        "loops_on_time": last_week["on_time"],
        "team_size": len(reps),
    }
