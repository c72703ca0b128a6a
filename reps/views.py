from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from coachloop.http import HttpRequest
from commitments.models import Commitment, missed_in_a_row

from . import services
from .forms import InviteForm, RepSettingsForm
from .models import User

TEAM_PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_rep:
        return redirect("commitments:my_one_thing")
    if user.is_manager:
        return redirect("reps:team")
    if user.is_org_admin and user.organisation_id:
        return redirect("reps:organisation")
    if user.is_staff:
        return redirect("admin:index")
    raise Http404


@login_required
@require_http_methods(["GET"])
def team(request: HttpRequest, manager_id: int | None = None) -> HttpResponse:
    """One row per rep: the one thing, its check date, practice, recent weeks."""
    managers = User.objects.managers_visible_to(request.user)
    if manager_id is None:
        if not request.user.is_manager:
            raise Http404
        manager = request.user
    else:
        manager = get_object_or_404(managers, pk=manager_id)
    reps = User.objects.reps().filter(manager=manager, is_active=True)
    page = Paginator(reps.order_by("name", "pk").for_team_page(), TEAM_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for rep in page:
        today = rep.local_today()
        active = rep.active_commitment
        recent = list(reversed(rep.recent_list))
        rows.append(
            {
                "rep": rep,
                "active": active,
                "overdue": bool(active and active.is_overdue(today)),
                "due_in": active.days_until_check(today) if active else None,
                "recent": recent,
                "missed_in_a_row": missed_in_a_row(recent),
            }
        )
    health = Commitment.objects.filter(manager=manager).loop_health_by_manager()
    summary = {"reps": page.paginator.count, **health.get(manager.pk, {})}
    return render(
        request,
        "reps/team.html",
        {
            "manager": manager,
            "rows": rows,
            "page": page,
            "summary": summary,
            "is_own": manager == request.user,
        },
    )


@login_required
@require_http_methods(["GET"])
def organisation(request: HttpRequest) -> HttpResponse:
    """Loop health across teams, in aggregates only: no notes, no diagnoses."""
    if not request.user.is_org_admin:
        raise Http404
    managers = list(
        User.objects.managers_visible_to(request.user).annotate(
            rep_count=Count("reps", filter=Q(reps__is_active=True))
        )
    )
    health = Commitment.objects.filter(manager__in=managers).loop_health_by_manager()
    for manager in managers:
        manager.health = health.get(manager.pk, {})
    return render(request, "reps/organisation.html", {"managers": managers})


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_manager or request.user.is_org_admin):
        raise Http404
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
            form.add_error(None, error)
        else:
            # The same answer when the address has an account in another
            # organisation (nothing was created): no other tenant is revealed.
            messages.success(
                request, f"Invitation sent to {data['email']}. The link works for three days."
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
    success_url = reverse_lazy("reps:home")
    post_reset_login = True

    @property
    def post_reset_login_backend(self):
        # login() must be told which backend once AUTHENTICATION_BACKENDS
        # lists more than one; the first is the email-and-password one.
        return settings.AUTHENTICATION_BACKENDS[0]

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
