"""The org admin's outbound webhook: set the address, rotate or delete the secret."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.auth import login_required
from common.http import HttpRequest

from .forms import OrganisationWebhookForm
from .models import OrganisationWebhook, Reminder
from .outbound import EVENT_ID_HEADER, SIGNATURE_HEADER, SIGNATURE_TOLERANCE
from .services.delivery import (
    organisation_webhook_delete,
    organisation_webhook_rotate,
    organisation_webhook_save,
)

# The secret waits in the session for the one page that shows it.
NEW_SECRET_KEY = "webhook_secret_new"  # noqa: S105 (a session key, not a secret)
RECENT_EVENTS = 10


def _webhooks_of(request: HttpRequest):
    """The organisation's webhook, for its org admins only: anyone else, 404."""
    user = request.user
    if not user.is_org_admin or user.organisation_id is None:
        raise Http404
    return OrganisationWebhook.objects.filter(organisation_id=user.organisation_id)


@login_required
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    hook = _webhooks_of(request).first()
    form = OrganisationWebhookForm(
        request.POST if request.method == "POST" else None,
        initial={"url": hook.url} if hook else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            hook, secret = organisation_webhook_save(by=request.user, url=form.cleaned_data["url"])
        except ValidationError as error:
            form.add_error("url" if hasattr(error, "error_dict") else None, error.messages)
        else:
            if secret:
                request.session[NEW_SECRET_KEY] = secret
            messages.success(request, "Saved. Checks and new commitments go to this address.")
            return redirect("reminders:webhook")
    context = {
        "form": form,
        "hook": hook,
        "new_secret": request.session.pop(NEW_SECRET_KEY, None),
        "events": (
            Reminder.objects.filter(
                channel=Reminder.Channel.WEBHOOK,
                rep__organisation_id=request.user.organisation_id,
            )
            .select_related("rep")
            .order_by("-created_at", "-pk")[:RECENT_EVENTS]
        ),
        "signature_header": SIGNATURE_HEADER,
        "event_id_header": EVENT_ID_HEADER,
        "tolerance_minutes": int(SIGNATURE_TOLERANCE.total_seconds() // 60),
    }
    return render(request, "reminders/webhook.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, webhook_id: int) -> HttpResponse:
    hook = get_object_or_404(_webhooks_of(request), pk=webhook_id)
    request.session[NEW_SECRET_KEY] = organisation_webhook_rotate(webhook=hook)
    messages.success(request, "A new secret is in force; the old one no longer signs anything.")
    return redirect("reminders:webhook")


@login_required
@require_POST
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    hook = get_object_or_404(_webhooks_of(request), pk=webhook_id)
    organisation_webhook_delete(webhook=hook)
    messages.success(request, "Webhook removed: nothing more is sent to it.")
    return redirect("reminders:webhook")
