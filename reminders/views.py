"""Email preferences: from the settings page, or from the signed link in an email."""

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from common.auth import login_required
from reps.models import User

from .emails import read_preferences_token
from .forms import EmailPreferencesForm
from .services.preferences import email_preferences_update

SAVED = "Saved. Your email choices are up to date."


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        email_preferences_update(user=request.user, choices=form.cleaned_data)
        messages.success(request, SAVED)
        return redirect("reminders:preferences")
    return render(request, "reminders/preferences.html", {"form": form, "person": request.user})


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the signed token is the permission, and it only covers this
    person's email choices. CSRF stays on; the form carries its token."""
    try:
        user_id, kind = read_preferences_token(token)
    except signing.SignatureExpired:
        return render(request, "reminders/link_expired.html", status=410)
    except signing.BadSignature:
        raise Http404("This link is not valid.") from None
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise Http404("This link is not valid.")
    form = EmailPreferencesForm(request.POST if request.method == "POST" else None, user=person)
    if request.method == "POST" and form.is_valid():
        email_preferences_update(user=person, choices=form.cleaned_data)
        messages.success(request, SAVED)
        return redirect(request.path)
    return render(
        request,
        "reminders/preferences.html",
        {"form": form, "person": person, "from_email_kind": kind, "signed_link": True},
    )
