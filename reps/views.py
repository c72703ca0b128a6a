from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from common.auth import login_required
from common.forms import form_add_service_error
from common.http import HttpRequest

from . import services
from .forms import InviteForm, RepSettingsForm
from .models import User
from .ratelimits import is_limited, rate_limit, signed_in_person, too_many


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("invite:address", "ip")
@rate_limit("invite:person", signed_in_person)
def invite(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_manager or request.user.is_org_admin):
        raise Http404
    if is_limited(request):
        # Unbound: nothing is validated (no "already has an account" answers), nothing sent.
        form = InviteForm(initial=request.POST.dict(), inviter=request.user)
        return too_many(request, "reps/invite.html", {"form": form}, "invitations")
    form = InviteForm(request.POST if request.method == "POST" else None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_invite(
                by=request.user,
                name=data["name"],
                email=data["email"],
                role=data.get("role", User.Role.REP),
                timezone=data["timezone"],
                **form.rep_only_values(),
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            # The same answer when the address has an account in another
            # organisation (nothing was created): no other tenant is revealed.
            messages.success(
                request, f"Invitation on its way to {data['email']}. The link works for three days."
            )
            return redirect("reps:invite")
    return render(request, "reps/invite.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def rep_settings(request: HttpRequest, rep_id: int) -> HttpResponse:
    if not request.user.is_manager:
        raise Http404
    rep = get_object_or_404(User.objects.reps_visible_to(request.user), pk=rep_id)
    form = RepSettingsForm(request.POST if request.method == "POST" else None, instance=rep)
    if request.method == "POST" and form.is_valid():
        services.rep_settings_update(rep=rep, changes=form.cleaned_data)
        messages.success(request, f"Saved {rep.name}'s settings.")
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    return render(
        request,
        "reps/rep_settings.html",
        {"form": form, "rep": rep},
        status=422 if form.errors else 200,
    )


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """An invited person sets their password from the signed, expiring link:
    the page names the account, and once it is set they are signed in."""

    template_name = "registration/invite_accept.html"
    success_url = reverse_lazy("commitments:home")
    post_reset_login = True

    # login() must be told which backend once AUTHENTICATION_BACKENDS lists
    # more than one: the email-and-password one (the first is the lock-out guard).
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context.get("validlink"):
            context["account"] = self.user
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, f"Welcome to CoachLoop, {form.user.name}. Your password is set."
        )
        return response
