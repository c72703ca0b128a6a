"""Limits on guessing and on sending mail.

Sign-in (ours and the admin's) is guarded by django-axes: after
``AXES_FAILURE_LIMIT`` failures from one client address, or for one account,
within ``AXES_COOLOFF_TIME``, sign-in is refused before any password is
hashed, until the cool-off has passed. Password reset and invitation POSTs
are counted by django-ratelimit against ``RATE_LIMITS`` in the cache (Redis in
production, so every web process sees the same counts).
"""

import ipaddress
import math
from collections.abc import Callable
from functools import wraps

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django_ratelimit.core import get_usage

from .forms import PasswordResetForm

# --- who is asking ---------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address, for django-axes and django-ratelimit alike.

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` proxies sit in front of the
    app: then the address the outermost of them saw, which is that many
    entries from the right of ``X-Forwarded-For`` (each proxy appends the
    address it was called from; anything further left the client wrote
    itself). IPv6 clients count per /64, as one host usually owns a whole /64.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        parsed = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "0.0.0.0")  # noqa: S104
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def sign_in_name(request: HttpRequest, credentials: dict | None = None) -> str:
    """The account a sign-in attempt is for, as the database matches it.

    Email addresses are matched ignoring case, so ``Pat@Example.com`` and
    ``pat@example.com`` must count against one and the same account.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(raw).strip().lower()[:255]


def typed_email(group: str, request: HttpRequest) -> str:
    """django-ratelimit key: the address typed into the form, whether or not it has an account."""
    return request.POST.get("email", "").strip().lower()


def signed_in_person(group: str, request: HttpRequest) -> str:
    """django-ratelimit key: the signed-in person."""
    return str(request.user.pk)


def minutes(seconds: float) -> str:
    count = max(1, math.ceil(seconds / 60))
    return "1 minute" if count == 1 else f"{count} minutes"


# --- sign-in lock-out (django-axes) ----------------------------------------------------


class SignInGuard(AxesStandaloneBackend):
    """django-axes' backend, for sign-ins that come with a request.

    Only web requests are guessed at; code that checks a password itself
    (a management command, a test's ``client.login``) passes no request and
    has nothing to lock out, so it goes on to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def seconds_until_unlocked(request: HttpRequest, credentials: dict | None) -> float:
    """Until the newest failure that counts has aged past the cool-off (an upper bound)."""
    cool_off = get_cool_off(request)
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    latest = max(
        (
            newest
            for queryset in attempts
            if (newest := queryset.aggregate(newest=Max("attempt_time"))["newest"])
        ),
        default=None,
    )
    if latest is None:
        return cool_off.total_seconds()
    return (latest + cool_off - timezone.now()).total_seconds()


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying when to try again (429).

    It does not say whether the account or the address is locked, nor whether
    the account exists.
    """
    wait = seconds_until_unlocked(request, credentials)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "limited_message": (
            "Too many failed attempts to sign in. To keep accounts safe, signing in "
            f"is paused: please try again in {minutes(wait)}."
        ),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


# --- password reset and invitation (django-ratelimit) ------------------------------------


def rate_limit(group: str, key: str | Callable) -> Callable:
    """Count every POST to the view against ``settings.RATE_LIMITS[group]`` per ``key``.

    Over the limit, the view finds ``request.retry_after`` (seconds until the
    window ends) and must refuse; nothing is blocked here, so the view can
    answer with its own form. Stack one per limit.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            usage = get_usage(
                request,
                group=group,
                key=key,
                rate=settings.RATE_LIMITS[group],
                method="POST",
                increment=True,
            )
            if usage and usage["should_limit"]:
                wait = max(usage["time_left"], 1)
                request.retry_after = max(getattr(request, "retry_after", 0), wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_limited(request: HttpRequest) -> bool:
    return request.method == "POST" and bool(getattr(request, "retry_after", 0))


def too_many(request: HttpRequest, template: str, context: dict, what: str) -> HttpResponse:
    """The form again, as typed, with a message above it, and nothing done (429)."""
    wait = request.retry_after
    message = f"Too many {what} in a short time. Please try again in {minutes(wait)}."
    response = render(request, template, {**context, "limited_message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


@method_decorator(rate_limit("password-reset:address", "ip"), name="dispatch")
@method_decorator(rate_limit("password-reset:email", typed_email), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, limited per client address and per address typed.

    The limit applies the same whether or not an account uses the address,
    so it tells nothing about who has an account.
    """

    form_class = PasswordResetForm
    html_email_template_name = "registration/password_reset_email_body.html"

    def post(self, request, *args, **kwargs):
        if is_limited(request):
            # Unbound, so nothing is validated or sent; what was typed stays.
            form = self.form_class(initial={"email": request.POST.get("email", "")})
            return too_many(
                request,
                self.template_name,
                self.get_context_data(form=form),
                "password reset requests",
            )
        return super().post(request, *args, **kwargs)
