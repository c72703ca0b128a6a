"""The org admin's API tokens: list, make (shown once), revoke."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.auth import login_required
from common.http import HttpRequest

from .api_tokens import api_token_create, api_token_revoke
from .forms import ApiTokenForm
from .models import ApiToken

# The raw token waits in the session for the one page that shows it.
NEW_TOKEN_KEY = "api_token_new"  # noqa: S105 (a session key, not a secret)


def _tokens_of(request: HttpRequest):
    user = request.user
    if not user.is_org_admin or user.organisation_id is None:
        raise Http404
    return ApiToken.objects.filter(organisation_id=user.organisation_id)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    tokens = _tokens_of(request)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token, raw = api_token_create(by=request.user, name=form.cleaned_data["name"])
        request.session[NEW_TOKEN_KEY] = {"id": token.pk, "raw": raw}
        return redirect("reps:api_tokens")
    new = request.session.pop(NEW_TOKEN_KEY, None)
    context = {"form": form, "tokens": tokens.select_related("created_by"), "new": new}
    return render(request, "reps/api_tokens.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(_tokens_of(request), pk=token_id)
    api_token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("reps:api_tokens")
