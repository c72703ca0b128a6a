from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from coachloop.http import HttpRequest
from reminders.models import Reminder
from reps.models import User

from . import services
from .forms import CommitmentForm, PracticeForm, ProposalForm, WeeklyUpdateForm
from .models import CoachingSession, Commitment, PracticeLog, beyond_coaching

HISTORY_PAGE_SIZE = 12


def _rep_for_viewer(request: HttpRequest, rep_id: int) -> User:
    """A rep whose page the viewer may open: their manager, or an org admin."""
    if request.user.is_rep:
        raise Http404
    reps = User.objects.reps_visible_to(request.user).select_related("manager")
    return get_object_or_404(reps, pk=rep_id)


def _rep_for_coach(request: HttpRequest, rep_id: int) -> User:
    """A rep the viewer coaches: only their own manager records 1:1s."""
    if not request.user.is_manager:
        raise Http404
    reps = User.objects.reps_visible_to(request.user).select_related("manager")
    return get_object_or_404(reps, pk=rep_id)


def _loop_context(request: HttpRequest, rep: User, **forms) -> dict:
    today = rep.local_today()
    active = (
        Commitment.objects.active()
        .filter(rep=rep)
        .with_practice_count()
        .select_related("reissue_of", "builds_on")
        .first()
    )
    is_coach = request.user.pk == rep.manager_id
    context = {
        "rep": rep,
        "today": today,
        "active": active,
        "is_coach": is_coach,
        "practice": PracticeLog.objects.filter(commitment=active)[:10] if active else [],
    }
    if is_coach:
        default_check = rep.next_one_on_one(today)
        if active and "commitment_form" not in forms:
            context["update_form"] = forms.get("update_form") or WeeklyUpdateForm(
                today=today,
                default_check_date=default_check,
                initial={"commitment_id": active.pk},
            )
        else:
            context["commitment_form"] = forms.get("commitment_form") or CommitmentForm(
                today=today, initial={"check_date": default_check}
            )
    history = Paginator(
        Commitment.objects.closed().filter(rep=rep).for_history().with_practice_count(),
        HISTORY_PAGE_SIZE,
    )
    context["history"] = history.get_page(request.GET.get("page"))
    context["chart_max"] = _chart_max(context["history"])
    if is_coach and context["history"].number == 1:
        context["beyond_coaching"] = beyond_coaching(
            list(context["history"]), diagnosed_by=request.user
        )
    # Lazy: only run when the page (or a swapped-in loop) shows them.
    # Notes are the manager's working notes: not even an org admin, nor the
    # rep's next manager, reads the ones another manager wrote.
    context["sessions"] = (
        CoachingSession.objects.filter(rep=rep, manager=request.user)
        .exclude(shared_notes="", private_notes="")
        .only("held_at", "shared_notes", "private_notes")[:8]
        if is_coach
        else []
    )
    context["reminders"] = Reminder.objects.for_rep_page(rep)
    return context


def _chart_max(page) -> int:
    return max((c.practice_count for c in page), default=0) or 1


@login_required
@require_http_methods(["GET"])
def rep_detail(request: HttpRequest, rep_id: int) -> HttpResponse:
    rep = _rep_for_viewer(request, rep_id)
    context = _loop_context(request, rep)
    if request.htmx and request.GET.get("page"):
        return render(request, "commitments/rep_detail.html#history", context)
    return render(request, "commitments/rep_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def weekly_update(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Check the active commitment and set the next one: the 30-second update."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    today = rep.local_today()
    form = WeeklyUpdateForm(
        request.POST, today=today, default_check_date=rep.next_one_on_one(today)
    )
    if form.is_valid():
        commitment = get_object_or_404(
            Commitment.objects.filter(rep=rep), pk=form.cleaned_data["commitment_id"]
        )
        try:
            check, following = services.check_record(
                commitment=commitment,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                evidence=form.cleaned_data["evidence"],
                diagnosis=form.cleaned_data["diagnosis"],
                shared_notes=form.cleaned_data["shared_notes"],
                private_notes=form.cleaned_data["private_notes"],
                next_step=form.cleaned_data["next_step"],
                next_spec=form.next_spec(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = f"Checked: {check.get_outcome_display().lower()}."
            if following:
                done += f" Next check on {following.check_date:%a %-d %b}."
            messages.success(request, done)
            if not request.htmx:
                return redirect("commitments:rep_detail", rep_id=rep.pk)
            return render(request, "commitments/rep_detail.html#loop", _loop_context(request, rep))
    return _render_loop(request, rep, update_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_new(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Set the one thing when the rep has none active."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = CommitmentForm(request.POST, today=rep.local_today())
    if form.is_valid():
        try:
            commitment = services.commitment_create(rep=rep, by=request.user, spec=form.spec())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Saved. You'll check it on {commitment.check_date:%a %-d %b}."
            )
            if not request.htmx:
                return redirect("commitments:rep_detail", rep_id=rep.pk)
            return render(request, "commitments/rep_detail.html#loop", _loop_context(request, rep))
    return _render_loop(request, rep, commitment_form=form)


def _render_loop(request: HttpRequest, rep: User, **forms) -> HttpResponse:
    """Re-show the form with its errors: the user's input is all still there."""
    context = _loop_context(request, rep, **forms)
    if request.htmx:
        return render(request, "commitments/rep_detail.html#loop", context, status=422)
    return render(request, "commitments/rep_detail.html", context, status=422)


@login_required
@require_http_methods(["GET"])
def my_one_thing(request: HttpRequest) -> HttpResponse:
    if not request.user.is_rep:
        raise Http404
    return render(request, "commitments/my_one_thing.html", _my_context(request))


@login_required
@require_http_methods(["POST"])
def practice_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_rep:
        raise Http404
    rep = request.user
    form = PracticeForm(request.POST, today=rep.local_today())
    status = 200
    if form.is_valid():
        try:
            entry = services.practice_log(rep=rep, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            status = 422
        else:
            messages.success(
                request,
                f"Logged: {entry.get_kind_display().lower()}, {entry.practiced_on:%a %-d %b}.",
            )
            if not request.htmx:
                return redirect("commitments:my_one_thing")
            form = None
    else:
        status = 422
    context = _my_context(request, practice_form=form)
    template = "commitments/my_one_thing.html"
    if request.htmx:
        template += "#practice"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["POST"])
def commitment_propose(request: HttpRequest) -> HttpResponse:
    """Self-coaching: the rep brings their own one thing when none is active."""
    if not request.user.is_rep:
        raise Http404
    rep = request.user
    form = ProposalForm(request.POST, today=rep.local_today())
    if form.is_valid():
        try:
            commitment = services.commitment_create(rep=rep, by=rep, spec=form.spec())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Saved. Your manager sees it and you'll check it together on "
                f"{commitment.check_date:%a %-d %b}.",
            )
            if not request.htmx:
                return redirect("commitments:my_one_thing")
            return render(request, "commitments/my_one_thing.html#practice", _my_context(request))
    template = "commitments/my_one_thing.html" + ("#practice" if request.htmx else "")
    return render(request, template, _my_context(request, propose_form=form), status=422)


def _my_context(
    request: HttpRequest,
    practice_form: PracticeForm | None = None,
    propose_form: ProposalForm | None = None,
) -> dict:
    rep = request.user
    today = rep.local_today()
    active = (
        Commitment.objects.active()
        .filter(rep=rep)
        .with_practice_count()
        .select_related("manager")
        .first()
    )
    history = Paginator(
        Commitment.objects.closed()
        .filter(rep=rep)
        .select_related("check_result")
        .with_practice_count(),
        HISTORY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    if active is None and propose_form is None:
        propose_form = ProposalForm(today=today, initial={"check_date": rep.next_one_on_one(today)})
    return {
        "rep": rep,
        "today": today,
        "active": active,
        "propose_form": propose_form,
        "practice": PracticeLog.objects.filter(commitment=active)[:10] if active else [],
        "practice_form": practice_form or PracticeForm(today=today),
        "history": history,
        "chart_max": _chart_max(history),
        "shared_sessions": CoachingSession.objects.filter(rep=rep)
        .exclude(shared_notes="")
        .only("held_at", "shared_notes")[:5],
    }
