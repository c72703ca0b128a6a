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
from .forms import AccountForm, InviteForm, RepMoveForm, RepSettingsForm
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

    def get_user(self, uidb64):
        # A revoked invitation or a leaver: the link is dead (Django's own
        # view would still let an inactive person set a password).
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

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


# --- the org admin's People page ----------------------------------------------


def _person_for_admin(request: HttpRequest, person_id: int) -> User:
    """Someone of the signed-in org admin's organisation; anything else is a 404."""
    return get_object_or_404(User.objects.people_of(request.user), pk=person_id)


def _people_page(
    request: HttpRequest, person: User | None = None, error=None, status: int = 422
) -> HttpResponse:
    admin = request.user
    people = (
        User.objects.people_of(admin)
        .filter(role__in=[User.Role.MANAGER, User.Role.REP, User.Role.ADMIN])
        .select_related("manager")
        .order_by("-is_active", "role", "name", "pk")
    )
    move_form = RepMoveForm(admin=admin)
    context = {
        "people": people,
        "pending": User.objects.people_of(admin).invitations_pending().order_by("date_joined"),
        "managers": list(move_form.fields["manager"].queryset),
        "error_for": person,
        "error": error,
    }
    return render(request, "reps/people.html", context, status=status if error else 200)


@login_required
@require_http_methods(["GET"])
def people(request: HttpRequest) -> HttpResponse:
    if not request.user.is_org_admin:
        raise Http404
    return _people_page(request)


@login_required
@require_http_methods(["POST"])
def rep_move(request: HttpRequest, person_id: int) -> HttpResponse:
    rep = _person_for_admin(request, person_id)
    form = RepMoveForm(request.POST, admin=request.user)
    if not form.is_valid():
        return _people_page(request, rep, "Choose an active manager of your organisation.")
    try:
        services.rep_move(by=request.user, rep=rep, manager=form.cleaned_data["manager"])
    except ValidationError as error:
        return _people_page(request, rep, " ".join(error.messages))
    messages.success(request, f"{rep.name} is now coached by {form.cleaned_data['manager'].name}.")
    return redirect("reps:people")


@login_required
@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_for_admin(request, person_id)
    error = None
    if request.method == "POST":
        try:
            services.person_deactivate(by=request.user, person=person)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, f"{person.name} is deactivated: they can't sign in, their record is kept."
            )
            return redirect("reps:people")
    return render(
        request,
        "reps/person_deactivate.html",
        {"person": person, "error": error},
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["POST"])
@rate_limit("invite:person", signed_in_person)
def invitation_resend(request: HttpRequest, person_id: int) -> HttpResponse:
    """Counted with the invitations the admin sends: resending is no way around the limit."""
    person = _person_for_admin(request, person_id)
    if is_limited(request):
        response = _people_page(
            request, person, "Too many invitations in a short time: try again later.", status=429
        )
        response["Retry-After"] = str(request.retry_after)
        return response
    try:
        services.invitation_resend(by=request.user, person=person)
    except ValidationError as error:
        return _people_page(request, person, " ".join(error.messages))
    messages.success(request, f"A fresh invitation is on its way to {person.email}.")
    return redirect("reps:people")


@login_required
@require_http_methods(["POST"])
def invitation_revoke(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person_for_admin(request, person_id)
    try:
        services.invitation_revoke(by=request.user, person=person)
    except ValidationError as error:
        return _people_page(request, person, " ".join(error.messages))
    messages.success(request, f"The invitation to {person.email} is revoked: its link is dead.")
    return redirect("reps:people")


# --- everyone's own account ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    person = request.user
    initial = {"name": person.name, "timezone": person.timezone}
    form = AccountForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(person=person, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Saved your name and time zone.")
            return redirect("reps:account")
    return render(request, "reps/account.html", {"form": form}, status=422 if form.errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password, knowing the current one; this session stays
    signed in (Django updates its hash), every other session ends."""

    template_name = "reps/password_change.html"
    success_url = reverse_lazy("reps:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response
