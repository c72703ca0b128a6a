import uuid

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from common.auth import draft_pop, login_required
from common.forms import form_add_service_error
from common.http import HttpRequest
from common.pagination import CountedPaginator
from reps.models import User

from . import services
from .forms import (
    AcceptForm,
    CommitmentForm,
    PracticeForm,
    ProposalForm,
    PulseForm,
    PulseLinkForm,
    SkipWeekForm,
    TranscriptForm,
    WeeklyUpdateForm,
)
from .guide import start_guide
from .links import read_pulse_token
from .models import (
    CoachingSession,
    Commitment,
    CommitmentSkip,
    PracticeLog,
    Rep,
    RepPulse,
    check_window_days,
    next_check_default,
    recognition_for,
    suggested_outcome,
)
from .transcripts import transcript_matches

HISTORY_PAGE_SIZE = 12
TEAM_PAGE_SIZE = 50


@login_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_rep:
        return redirect("commitments:my_one_thing")
    if user.is_manager:
        return redirect("commitments:team")
    if user.is_org_admin and user.organisation_id:
        return redirect("commitments:organisation")
    if user.is_staff:
        return redirect("admin:index")
    raise Http404


@login_required
@require_http_methods(["GET"])
def team(request: HttpRequest, manager_id: int | None = None) -> HttpResponse:
    """One row per rep: the one thing, its check date, practice, recent weeks."""
    viewer = request.user
    managers = User.objects.managers_visible_to(viewer)
    if manager_id is None:
        if not viewer.is_manager:
            raise Http404
        manager = viewer
    else:
        manager = get_object_or_404(managers, pk=manager_id)
    now = timezone.now()
    reps = (
        Rep.objects.reps()
        # Scoped to the viewer's organisation as well as the manager: tenants never mix.
        .filter(manager=manager, organisation_id=viewer.organisation_id, is_active=True)
        .order_by("name", "pk")
        # The page shows no diagnoses (``beyond_coaching`` is the rep page's).
        .for_team_page(viewer=viewer, now=now, diagnoses=False)
    )
    # The page of reps carries their count: no COUNT(*) query of its own.
    page = CountedPaginator(reps, TEAM_PAGE_SIZE).get_page(request.GET.get("page"))
    health = Commitment.objects.filter(
        manager=manager, rep__organisation_id=viewer.organisation_id
    ).loop_health(now)
    summary = {"reps": page.paginator.count, **health.get(manager.pk, {})}
    return render(
        request,
        "commitments/team.html",
        {"manager": manager, "page": page, "summary": summary, "is_own": manager == viewer},
    )


@login_required
@require_http_methods(["GET"])
def former_reps(request: HttpRequest) -> HttpResponse:
    """The manager's leavers: their records stay readable (read-only). An org
    admin finds every leaver on the People page."""
    viewer = request.user
    if not viewer.is_manager:
        raise Http404
    former = (
        User.objects.reps_readable_by(viewer)
        .filter(is_active=False)
        .order_by("name", "pk")
        .only("pk", "name", "email")
    )
    return render(request, "commitments/former_reps.html", {"former": former})


@login_required
@require_http_methods(["GET"])
def organisation(request: HttpRequest) -> HttpResponse:
    """Loop health across teams, in aggregates only: no notes, no diagnoses."""
    viewer = request.user
    if not viewer.is_org_admin:
        raise Http404
    managers = list(
        User.objects.managers_visible_to(viewer).annotate(
            # Only reps of the viewer's organisation, like every figure on the page.
            rep_count=Count(
                "reps",
                filter=Q(reps__is_active=True, reps__organisation_id=viewer.organisation_id),
            )
        )
    )
    health = Commitment.objects.filter(
        manager__in=managers, rep__organisation_id=viewer.organisation_id
    ).loop_health(timezone.now())
    for manager in managers:
        manager.health = health.get(manager.pk, {})
    steps = start_guide(organisation_id=viewer.organisation_id, managers=managers, health=health)
    context = {"managers": managers, "steps": steps, "started": all(s.done for s in steps)}
    return render(request, "commitments/organisation.html", context)


def _rep_for_viewer(request: HttpRequest, rep_id: int) -> Rep:
    """A rep whose page the viewer may open: their manager, or an org admin,
    also after the rep has left (read-only then). Loaded with the loop facts
    the page reads."""
    if request.user.is_rep:
        raise Http404
    reps = (
        Rep.objects.reps_readable_by(request.user)
        .select_related("manager")
        .for_team_page(viewer=request.user, now=timezone.now())
    )
    return get_object_or_404(reps, pk=rep_id)


def _rep_for_coach(request: HttpRequest, rep_id: int) -> User:
    """A rep the viewer coaches: only their own manager records 1:1s."""
    if not request.user.is_manager:
        raise Http404
    reps = User.objects.reps_visible_to(request.user).select_related("manager")
    return get_object_or_404(reps, pk=rep_id)


def _loop_context(request: HttpRequest, rep: Rep, **forms) -> dict:
    viewer = request.user
    active = rep.active_commitment
    today = active.loop_today if active else rep.local_today()
    # Their manager reads the 1:1 notes, also a leaver's; only an active
    # rep's manager records anything more.
    is_their_manager = viewer.pk == rep.manager_id
    is_coach = is_their_manager and rep.is_active
    # All the calls of the week (its window): the reverse manager hands each
    # call its commitment, which ``shows_behaviour`` reads.
    calls = list(active.call_evidence.all()) if active else []
    context = {
        "rep": rep,
        "today": today,
        "active": active,
        "is_coach": is_coach,
        "is_their_manager": is_their_manager,
        "practice": PracticeLog.objects.filter(commitment=active)[:10] if active else [],
        "active_skips": CommitmentSkip.objects.filter(commitment=active) if active else [],
        "calls": calls[:10],
    }
    if is_coach:
        default_check = next_check_default(rep, today=today)
        window = check_window_days(rep)
        if not forms:
            # Typed before the session expired: back in the form after signing in.
            if draft := draft_pop(request, reverse("commitments:weekly_update", args=[rep.pk])):
                forms["update_form"] = WeeklyUpdateForm(
                    draft, today=today, default_check_date=default_check, window_days=window
                )
            elif draft := draft_pop(request, reverse("commitments:commitment_new", args=[rep.pk])):
                forms["commitment_form"] = CommitmentForm(
                    draft, today=today, suggested=default_check, window_days=window
                )
        if active and "commitment_form" not in forms:
            context["update_form"] = forms.get("update_form") or WeeklyUpdateForm(
                today=today,
                default_check_date=default_check,
                window_days=window,
                initial={"commitment_id": active.pk},
            )
            context["skip_form"] = forms.get("skip_form") or SkipWeekForm(
                initial={"commitment_id": active.pk, "check_date": active.check_date}
            )
            context["early"] = active.is_early(today)
            # A suggestion in words only: the manager picks the outcome.
            context["suggestion"] = suggested_outcome(calls)
            context["transcript_form"] = TranscriptForm()
        else:
            context["commitment_form"] = forms.get("commitment_form") or CommitmentForm(
                today=today,
                suggested=default_check,
                window_days=window,
                initial={"check_date": default_check},
            )
    history = Paginator(
        Commitment.objects.closed()
        .filter(rep=rep)
        .for_history(viewer)
        .with_practice_count()
        .with_skips(),
        HISTORY_PAGE_SIZE,
    )
    context["history"] = history.get_page(request.GET.get("page"))
    context["chart_max"] = _chart_max(context["history"])
    context["beyond_coaching"] = is_coach and rep.beyond_coaching
    # Lazy: only run when the page (or a swapped-in loop) shows them. Private
    # notes come only to the manager who wrote them (``notes_for``).
    context["sessions"] = (
        CoachingSession.objects.filter(rep=rep, manager=viewer)
        .exclude(shared_notes="", private_notes="")
        .notes_for(viewer)
        .only("held_at", "shared_notes")[:8]
        if is_their_manager
        else []
    )
    return context


def _chart_max(page) -> int:
    return max((c.practice_count for c in page), default=0) or 1


@login_required
@require_http_methods(["GET"])
def rep_detail(request: HttpRequest, rep_id: int) -> HttpResponse:
    rep = _rep_for_viewer(request, rep_id)
    context = _loop_context(request, rep)
    if request.htmx and not request.htmx.history_restore_request and request.GET.get("page"):
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
        request.POST,
        today=today,
        default_check_date=next_check_default(rep, today=today),
        window_days=check_window_days(rep),
    )
    if form.is_valid():
        # Another rep's commitment is not this manager's to check: 404.
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
            form_add_service_error(form, error, form.next_form)
        else:
            done = f"Checked: {check.get_outcome_display().lower()}"
            if commitment.is_early(check.checked_on):
                done += f", early (the 1:1 was set for {commitment.check_date:%a %-d %b})"
            done += "."
            if following:
                done += f" Next check on {following.check_date:%a %-d %b}."
            messages.success(request, done)
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, update_form=form)


@login_required
@require_http_methods(["POST"])
def transcript_check(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Look for the active commitment's keywords in a pasted transcript.
    Shows the matching lines with their times; records nothing."""
    rep = _rep_for_coach(request, rep_id)
    active = get_object_or_404(Commitment.objects.active().filter(rep=rep))
    form = TranscriptForm(request.POST)
    context = {"rep": rep, "active": active, "transcript_form": form}
    if form.is_valid():
        context["keywords"] = active.evidence_keywords
        context["matches"] = transcript_matches(
            form.cleaned_data["transcript"], context["keywords"]
        )
    template = "commitments/_transcript_check.html"
    return render(request, template, context, status=200 if form.is_valid() else 422)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_new(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Set the one thing when the rep has none active."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    today = rep.local_today()
    form = CommitmentForm(
        request.POST,
        today=today,
        suggested=next_check_default(rep, today=today),
        window_days=check_window_days(rep),
    )
    if form.is_valid():
        try:
            commitment = services.commitment_create(rep=rep, by=request.user, spec=form.spec())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request, f"Saved. You'll check it on {commitment.check_date:%a %-d %b}."
            )
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, commitment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def skip_week(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Skip this week's 1:1 (holiday, travel): the check and its reminders
    move to the next 1:1, and the history shows a skip, not a miss."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = SkipWeekForm(request.POST)
    if form.is_valid():
        # Another rep's commitment is not this manager's to skip: 404.
        commitment = get_object_or_404(
            Commitment.objects.filter(rep=rep), pk=form.cleaned_data["commitment_id"]
        )
        try:
            skip = services.commitment_skip_week(
                commitment=commitment,
                by=request.user,
                reason=form.cleaned_data["reason"],
                check_date=form.cleaned_data["check_date"],
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Skipped the 1:1 of {skip.skipped_check_date:%a %-d %b} "
                f"({skip.get_reason_display().lower()}). "
                f"The check moves to {skip.new_check_date:%a %-d %b}.",
            )
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, skip_form=form)


def _loop_saved(request: HttpRequest, rep_id: int) -> HttpResponse:
    if not request.htmx:
        return redirect("commitments:rep_detail", rep_id=rep_id)
    rep = _rep_for_viewer(request, rep_id)
    return render(request, "commitments/rep_detail.html#loop", _loop_context(request, rep))


def _render_loop(request: HttpRequest, rep_id: int, **forms) -> HttpResponse:
    """Re-show the form with its errors: the user's input is all still there."""
    context = _loop_context(request, _rep_for_viewer(request, rep_id), **forms)
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
@require_http_methods(["GET", "POST"])
def practice_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_rep:
        raise Http404
    if request.method == "GET":
        # Where signing in again leads after a plain form post: the page.
        return redirect("commitments:my_one_thing")
    rep = request.user
    form = PracticeForm(request.POST, today=rep.local_today())
    status = 200
    if form.is_valid():
        try:
            entry = services.practice_log(rep=rep, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
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
@require_http_methods(["GET", "POST"])
def commitment_propose(request: HttpRequest) -> HttpResponse:
    """Self-coaching: the rep brings their own one thing when none is active."""
    if not request.user.is_rep:
        raise Http404
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    rep = request.user
    today = rep.local_today()
    form = ProposalForm(
        request.POST,
        today=today,
        suggested=next_check_default(rep, today=today),
        window_days=check_window_days(rep),
    )
    if form.is_valid():
        try:
            commitment = services.commitment_create(rep=rep, by=rep, spec=form.spec())
        except ValidationError as error:
            form_add_service_error(form, error)
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
    active = (
        Commitment.objects.active()
        .filter(rep=rep)
        .with_loop_facts(timezone.now())
        .with_practice_count()
        .with_pulse()
        .select_related("manager")
        .first()
    )
    today = active.loop_today if active else rep.local_today()
    history = Paginator(
        Commitment.objects.closed()
        .filter(rep=rep)
        .for_history(rep)
        .with_practice_count()
        .with_skips(),
        HISTORY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    if active is None and propose_form is None:
        suggested = next_check_default(rep, today=today)
        window = check_window_days(rep)
        # Typed before the session expired: back in the form after signing in.
        if draft := draft_pop(request, reverse("commitments:commitment_propose")):
            propose_form = ProposalForm(draft, today=today, suggested=suggested, window_days=window)
        else:
            propose_form = ProposalForm(
                today=today,
                suggested=suggested,
                window_days=window,
                initial={"check_date": suggested},
            )
    if (
        active
        and practice_form is None
        and (draft := draft_pop(request, reverse("commitments:practice_new")))
    ):
        # A fresh key: the kept one never made an entry, and this one must.
        draft["idempotency_key"] = uuid.uuid4().hex
        practice_form = PracticeForm(draft, today=today)
    context = {
        "rep": rep,
        "today": today,
        "active": active,
        "propose_form": propose_form,
        "practice": PracticeLog.objects.filter(commitment=active)[:10] if active else [],
        "active_skips": CommitmentSkip.objects.filter(commitment=active) if active else [],
        "practice_form": practice_form or PracticeForm(today=today),
        "history": history,
        "chart_max": _chart_max(history),
        "shared_sessions": CoachingSession.objects.filter(rep=rep)
        .exclude(shared_notes="")
        .only("held_at", "shared_notes")[:5],
    }
    context.update(_rep_side_context(history, today=today))
    return context


# --- the rep's side: "Deal?", the mid-week pulse, recognition ----------------


def _rep_side_context(history, *, today) -> dict:
    """The latest kept check, recognised for a few days (from the history
    page already loaded: no query of its own)."""
    latest = history[0] if history.number == 1 and len(history) else None
    return {
        "recognised": recognition_for(latest, today=today),
        "pulse_choices": RepPulse.Answer.choices,
    }


def _my_active(request: HttpRequest, commitment_id: int) -> Commitment:
    """The signed-in rep's own active commitment: anything else is a 404."""
    if not request.user.is_rep:
        raise Http404
    return get_object_or_404(Commitment.objects.active().filter(rep=request.user), pk=commitment_id)


def _my_page_after(request: HttpRequest, status: int = 200) -> HttpResponse:
    if not request.htmx:
        return redirect("commitments:my_one_thing")
    return render(
        request, "commitments/my_one_thing.html#practice", _my_context(request), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_accept(request: HttpRequest) -> HttpResponse:
    """The rep's one tap: "Deal"."""
    if not request.user.is_rep:
        raise Http404
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    form = AcceptForm(request.POST)
    if not form.is_valid():
        raise Http404
    commitment = _my_active(request, form.cleaned_data["commitment_id"])
    try:
        services.commitment_accept(commitment=commitment, by=request.user)
    except ValidationError as error:  # Checked meanwhile, in the 1:1.
        messages.error(request, error.messages[0])
        return _my_page_after(request, status=422)
    messages.success(request, "Deal. Your manager sees you're on it.")
    return _my_page_after(request)


@login_required
@require_http_methods(["GET", "POST"])
def pulse_new(request: HttpRequest) -> HttpResponse:
    """The rep's mid-week answer from their page: one tap."""
    if not request.user.is_rep:
        raise Http404
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    form = PulseForm(request.POST)
    if not form.is_valid():
        if "commitment_id" in form.errors:
            raise Http404
        messages.error(request, "Choose how it is going.")
        return _my_page_after(request, status=422)
    commitment = _my_active(request, form.cleaned_data["commitment_id"])
    try:
        pulse = services.pulse_record(
            commitment=commitment, by=request.user, answer=form.cleaned_data["answer"]
        )
    except ValidationError as error:  # Checked meanwhile, in the 1:1.
        messages.error(request, error.messages[0])
        return _my_page_after(request, status=422)
    messages.success(request, _PULSE_THANKS[pulse.answer])
    return _my_page_after(request)


_PULSE_THANKS = {
    RepPulse.Answer.ON_IT: "Noted: on it. Your manager sees it.",
    RepPulse.Answer.NEED_HELP: "Noted: you need help. Your manager has been told today.",
    RepPulse.Answer.NO_CHANCE: "Noted: no chance yet. If the situation never comes up this "
    "week, say so at your 1:1.",
}


@require_http_methods(["GET", "POST"])
def pulse_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in the nudge email: no sign-in, the token is the
    permission to answer for that one commitment. A GET shows the answer
    chosen and one button and changes nothing (mail scanners open every
    link); the POST records it. CSRF stays on: the form carries its token."""

    def refused(reason: str, status: int) -> HttpResponse:
        return render(request, "commitments/pulse_link.html", {"refused": reason}, status=status)

    try:
        commitment_id, rep_id, answer = read_pulse_token(token)
    except signing.SignatureExpired:
        return refused("expired", 410)
    except signing.BadSignature:
        return refused("invalid", 404)
    commitment = (
        Commitment.objects.filter(pk=commitment_id, rep_id=rep_id, rep__is_active=True)
        .select_related("rep")
        .first()
    )
    if commitment is None:
        return refused("invalid", 404)
    if not commitment.is_active:
        return refused("closed", 410)
    form = PulseLinkForm(
        request.POST if request.method == "POST" else None, initial={"answer": answer}
    )
    context = {"commitment": commitment, "rep": commitment.rep, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            pulse = services.pulse_record(
                commitment=commitment, by=commitment.rep, answer=form.cleaned_data["answer"]
            )
        except ValidationError:
            return refused("closed", 410)
        context["recorded"] = pulse
        context["thanks"] = _PULSE_THANKS[pulse.answer]
    status = 422 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "commitments/pulse_link.html", context, status=status)
