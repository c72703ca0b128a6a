"""Email preferences: from the settings page, or from the signed link in an email."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from common.auth import login_required
from reps.models import User

from .emails import ONE_CLICK_FIELD, ONE_CLICK_VALUE, read_preferences_token
from .forms import EmailPreferencesForm
from .models import EmailPreference, Reminder
from .services.preferences import KINDS_FOR_ROLE, email_preferences_update

SAVED = "Saved. Your email choices are up to date."
# What the one-click page calls each kind: "Stop the … ?", "You will not get the … any more."
KIND_EMAILS = {
    Reminder.Kind.NUDGE: "mid-week nudge emails",
    Reminder.Kind.PROMPT: "“How did the one thing go?” emails before each 1:1",
    Reminder.Kind.DAILY: "daily check emails (ramp mode)",
    Reminder.Kind.DIGEST: "weekly digest emails",
    Reminder.Kind.NEW: "emails about a new one thing to accept",
    Reminder.Kind.HELP: "“Need help” emails from your reps",
    Reminder.Kind.KEPT: "“You kept it” emails after a kept check",
}


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            email_preferences_update(user=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, SAVED)
            return redirect("reminders:preferences")
    return render(
        request,
        "reminders/preferences.html",
        {"form": form, "person": request.user},
        status=422 if form.errors else 200,
    )


class LinkRefused(Exception):
    """A signed link that cannot be used; ``response`` is the friendly page."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def _signed_person(request: HttpRequest, token: str) -> tuple[User, str]:
    """The active person a signed link is for, and the kind of email it came in.

    An expired link answers 410 Gone: it was ours and is no longer valid. A
    tampered or malformed link, or one for someone unknown or deactivated,
    answers 404 (there is nothing at this address), the same page for each,
    so the answer does not tell a forger whether an account exists. Both are
    the friendly page with a way to sign in, never the bare 404 page.
    """
    try:
        user_id, kind = read_preferences_token(token)
    except signing.SignatureExpired:
        raise LinkRefused(_link_refused(request, expired=True)) from None
    except signing.BadSignature:
        raise LinkRefused(_link_refused(request, expired=False)) from None
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise LinkRefused(_link_refused(request, expired=False))
    return person, kind


def _link_refused(request: HttpRequest, *, expired: bool) -> HttpResponse:
    return render(
        request,
        "reminders/link_expired.html",
        {"expired": expired},
        status=410 if expired else 404,
    )


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the signed token is the permission, and it only covers this
    person's email choices. CSRF stays on; the form carries its token."""
    try:
        person, kind = _signed_person(request, token)
    except LinkRefused as refused:
        return refused.response
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, user=person, slack_url_field=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            email_preferences_update(user=person, **form.service_arguments())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, SAVED)
            return redirect(request.path)
    return render(
        request,
        "reminders/preferences.html",
        {"form": form, "person": person, "from_email_kind": kind, "signed_link": True},
        status=422 if form.errors else 200,
    )


# CSRF-exempt, and only this view: RFC 8058 one-click unsubscribe is a POST
# from the recipient's mail provider, with no cookies, session or CSRF token.
# The signed token in the URL is the credential (it names one person and one
# kind of email, and expires); a forged request would need the token, and
# whoever has the token may already stop these emails. A GET never changes
# anything, since link scanners prefetch URLs found in emails.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        person, kind = _signed_person(request, token)
    except LinkRefused as refused:
        return refused.response
    stoppable = kind in KINDS_FOR_ROLE.get(person.role, [])
    context = {
        "person": person,
        "kind_emails": KIND_EMAILS[kind] if stoppable else "",
        "manage_path": reverse("reminders:manage", kwargs={"token": token}),
        "one_click_field": ONE_CLICK_FIELD,
        "one_click_value": ONE_CLICK_VALUE,
        "stopped": False,
    }
    if request.method == "GET":
        return render(request, "reminders/unsubscribe.html", context)
    if request.POST.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return render(request, "reminders/unsubscribe.html", context, status=400)
    if stoppable:
        email_preferences_update(user=person, choices={kind: EmailPreference.Mode.OFF})
        context["stopped"] = True
    return render(request, "reminders/unsubscribe.html", context)
