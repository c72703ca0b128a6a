from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
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
from . import signup as signup_services
from .forms import AccountForm, InviteForm, RepMoveForm, RepSettingsForm, SignupForm
from .models import User
from .ratelimits import is_limited, rate_limit, signed_in_person, too_many, typed_email


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
    # ?role=manager: the organisation page's first step preselects a manager.
    role = request.GET.get("role")
    initial = {"role": role} if role in User.Role.values else {}
    form = InviteForm(
        request.POST if request.method == "POST" else None, inviter=request.user, initial=initial
    )
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


# --- a company signs up on its own ------------------------------------------------------


def _signup_enabled() -> None:
    if not settings.SIGNUP_ENABLED:
        raise Http404


@require_http_methods(["GET", "POST"])
@rate_limit("signup:address", "ip")
@rate_limit("signup:email", typed_email)
def signup(request: HttpRequest) -> HttpResponse:
    _signup_enabled()
    if request.user.is_authenticated:
        return redirect("commitments:home")
    if is_limited(request):
        # Unbound: nothing validated, created or sent; the password is not echoed.
        typed = request.POST.dict()
        typed.pop("password", None)
        form = SignupForm(initial=typed)
        return too_many(request, "registration/signup.html", {"form": form}, "sign-ups")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The same answer whether or not the address already has an account.
        signup_services.organisation_sign_up(
            organisation_name=data["organisation"],
            name=data["name"],
            email=data["email"],
            password=data["password"],
            timezone=data["timezone"],
        )
        return redirect("reps:signup_sent")
    return render(
        request, "registration/signup.html", {"form": form}, status=422 if form.errors else 200
    )


@require_http_methods(["GET"])
def signup_sent(request: HttpRequest) -> HttpResponse:
    _signup_enabled()
    return render(request, "registration/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. GET asks for a click (mail scanners follow links but
    do not post forms: a scanner must not be signed in as the new admin);
    POST wakes the organisation and signs the admin in. Following it again
    changes nothing: the account is verified already, sign in."""
    try:
        person = signup_services.sign_up_person(token)
    except signup_services.InvalidLink:
        return render(request, "registration/signup_verify.html", {"invalid": True}, status=404)
    if request.method == "GET":
        return render(
            request,
            "registration/signup_verify.html",
            {"person": person, "already": person.is_active},
        )
    try:
        person, verified_now = signup_services.sign_up_verify(token)
    except signup_services.InvalidLink:
        return render(request, "registration/signup_verify.html", {"invalid": True}, status=404)
    if not verified_now:
        if request.user.is_authenticated and request.user.pk == person.pk:
            return redirect("commitments:home")
        messages.info(request, "Your email is already verified: sign in to continue.")
        return redirect("login")
    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, f"Welcome to CoachLoop, {person.name}. {person.organisation.name} is ready."
    )
    return redirect("commitments:organisation")


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
@rate_limit("invite:person", signed_in_person)
def person_reinvite(request: HttpRequest, person_id: int) -> HttpResponse:
    """A leaver who comes back, or a revoked invitation made again: counted
    with the invitations the admin sends."""
    person = _person_for_admin(request, person_id)
    if is_limited(request):
        response = _people_page(
            request, person, "Too many invitations in a short time: try again later.", status=429
        )
        response["Retry-After"] = str(request.retry_after)
        return response
    try:
        services.person_reinvite(by=request.user, person=person)
    except ValidationError as error:
        return _people_page(request, person, " ".join(error.messages))
    messages.success(
        request,
        f"{person.name} is invited again: a fresh invitation is on its way to {person.email}.",
    )
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
