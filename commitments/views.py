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
    CheckCorrectionForm,
    CommitmentEditForm,
    CommitmentForm,
    DiagnosisForm,
    DrillForm,
    IndicatorForm,
    IndicatorLogForm,
    PerformanceConversationForm,
    PracticeCorrectionForm,
    PracticeForm,
    ProposalForm,
    PulseForm,
    PulseLinkForm,
    RecheckForm,
    RecheckReissueForm,
    SkipWeekForm,
    TranscriptForm,
    WeeklyUpdateForm,
)
from .guidance import (
    coach_guidance,
    draft_initial,
    my_guidance,
    open_draft,
    picked,
    picked_initial,
)
from .guide import start_guide
from .links import read_pulse_token
from .models import (
    CORRECTION_WINDOW,
    DIAGNOSIS_TREE,
    DRILLS_MAX,
    TREE_START,
    Check,
    CoachingSession,
    Commitment,
    CommitmentRevision,
    CommitmentSkip,
    Drill,
    PerformanceConversation,
    PracticeCorrection,
    PracticeLog,
    QueueFilter,
    Rep,
    RepPulse,
    StandingRecheck,
    beyond_coaching_misses,
    check_window_days,
    correction_open,
    drill_default_day,
    drills_done_summary,
    indicator_chart,
    next_check_default,
    recheck_due,
    recognition_for,
    rep_drafts_for_approval,
    standing_behaviours,
    suggested_outcome,
    undiagnosed_check,
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
    show = request.GET.get("show", QueueFilter.ALL)
    if show not in QueueFilter.values:
        show = QueueFilter.ALL
    reps = (
        Rep.objects.reps()
        # Scoped to the viewer's organisation as well as the manager: tenants never mix.
        .filter(manager=manager, organisation_id=viewer.organisation_id, is_active=True)
        # A 1:1 queue: who is due first (the rule book's order).
        .in_queue_order(now)
        .in_queue(show)
        # The row says "beyond coaching" to the manager who diagnosed it.
        .for_team_page(viewer=viewer, now=now)
        # Ramp's answer today and the rep-authored share: in the same query.
        .with_guidance_facts(now)
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
        {
            "manager": manager,
            "page": page,
            "summary": summary,
            "is_own": manager == viewer,
            "show": show,
            "filters": QueueFilter.choices,
        },
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
    now = timezone.now()
    health = Commitment.objects.filter(
        manager__in=managers, rep__organisation_id=viewer.organisation_id
    ).loop_health(now)
    for manager in managers:
        manager.health = health.get(manager.pk, {})
    steps = start_guide(organisation_id=viewer.organisation_id, managers=managers, health=health)
    context = {
        "managers": managers,
        "steps": steps,
        "started": all(s.done for s in steps),
        "method": Commitment.objects.filter(
            rep__organisation_id=viewer.organisation_id
        ).method_health(now),
    }
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
    # Weeks 9–12: the rep's draft, approved on its own or at the check.
    rep_draft = open_draft(rep)
    if is_coach:
        default_check = next_check_default(rep, today=today)
        window = check_window_days(rep)
        if not forms:
            # Typed before the session expired: back in the form after signing in.
            if draft := draft_pop(request, reverse("commitments:weekly_update", args=[rep.pk])):
                forms["update_form"] = WeeklyUpdateForm(
                    draft,
                    today=today,
                    default_check_date=default_check,
                    window_days=window,
                    horizon_week=_horizon_week(rep, today),
                    current_why=active.why if active else None,
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
                horizon_week=_horizon_week(rep, today),
                current_why=active.why,
                initial={
                    "commitment_id": active.pk,
                    "fix_why": active.why,
                    "from_draft": rep_draft and rep_draft.pk,
                },
                # At the check, the next one thing is the rep's draft (or a pick).
                next_initial=picked_initial(request) or (rep_draft and draft_initial(rep_draft)),
            )
            context["diagnosis_tree"] = {
                "start": TREE_START,
                "questions": {
                    q.field: {"text": q.text, "yes": q.yes, "no": q.no}
                    for q in DIAGNOSIS_TREE.values()
                },
            }
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
                initial={"check_date": default_check, **picked_initial(request)},
            )
    history = Paginator(
        Commitment.objects.closed()
        .filter(rep=rep)
        .for_history(viewer)
        .with_practice_count()
        .with_skips()
        .with_ladder_history(),
        HISTORY_PAGE_SIZE,
    )
    context["history"] = history.get_page(request.GET.get("page"))
    context["chart_max"] = _chart_max(context["history"])
    context["beyond_coaching"] = is_coach and rep.beyond_coaching
    context.update(
        _diagnosis_context(
            request,
            rep,
            is_coach=is_coach,
            beyond_coaching=context["beyond_coaching"],
            today=today,
            **forms,
        )
    )
    context.update(_ladder_context(request, rep, context, forms))
    # Lazy: only run when the page (or a swapped-in loop) shows them. Private
    # notes come only to the manager who wrote them (``notes_for``).
    context.update(_practice_plan_context(request, rep, active, today=today, is_coach=is_coach))
    context["sessions"] = (
        CoachingSession.objects.filter(rep=rep, manager=viewer)
        .exclude(shared_notes="", private_notes="")
        .notes_for(viewer)
        .only("held_at", "shared_notes")[:8]
        if is_their_manager
        else []
    )
    # Guidance: the library, the rep's draft (weeks 9–12), authorship, ramp.
    context.update(
        coach_guidance(
            request,
            rep,
            today=today,
            is_coach=is_coach,
            suggested=next_check_default(rep, today=today),
            window_days=check_window_days(rep),
            draft=rep_draft,
            draft_form=forms.get("draft_form"),
        )
    )
    return context


def _horizon_week(rep: User, today) -> int | None:
    horizon = rep.horizon(today)
    return horizon["week"] if horizon else None


def _diagnosis_context(
    request: HttpRequest, rep: Rep, *, is_coach: bool, beyond_coaching: bool, today, **forms
) -> dict:
    """Last week's "not sure yet" to chase, and the performance
    conversations: only for the manager who wrote them."""
    viewer = request.user
    context = {"beyond_coaching_misses": beyond_coaching_misses()}
    if not is_coach:
        return context
    undiagnosed = undiagnosed_check(rep, viewer)
    context["undiagnosed"] = undiagnosed
    # A refused completion is shown with its message, even once nothing is left to chase.
    if undiagnosed is not None or "diagnose_form" in forms:
        context["diagnose_form"] = forms.get("diagnose_form") or DiagnosisForm(
            today=today, initial={"check_id": undiagnosed.pk}
        )
    context["performance_conversations"] = PerformanceConversation.objects.own(viewer).filter(
        rep=rep
    )[:5]
    if beyond_coaching or "performance_form" in forms:
        context["performance_form"] = forms.get("performance_form") or (
            PerformanceConversationForm(initial={"held_on": today})
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
    if request.htmx and not request.htmx.history_restore_request and picked(request):
        # A proven one thing picked: the form comes back filled in, in place.
        return render(request, "commitments/rep_detail.html#loop", context)
    if request.session.get(SAVED_SESSION_KEY) == rep.pk:
        # Just saved without JavaScript (the redirect): the saved state, once.
        del request.session[SAVED_SESSION_KEY]
        context |= _saved_context(request, rep)
    return render(request, "commitments/rep_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def weekly_update(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Check the active commitment and set the next one: the 30-second update."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    today = rep.local_today()
    current = Commitment.objects.active().filter(rep=rep).only("why").first()
    form = WeeklyUpdateForm(
        request.POST,
        today=today,
        default_check_date=next_check_default(rep, today=today),
        window_days=check_window_days(rep),
        horizon_week=_horizon_week(rep, today),
        current_why=current.why if current else None,
    )
    if form.is_valid():
        # Another rep's commitment is not this manager's to check: 404.
        commitment = get_object_or_404(
            Commitment.objects.filter(rep=rep), pk=form.cleaned_data["commitment_id"]
        )
        # The next one thing filled in from the rep's draft (still open, this rep's).
        draft = (
            open_draft(rep) if form.cleaned_data.get("from_draft") and form.next_spec() else None
        )
        if draft is not None and draft.pk != form.cleaned_data["from_draft"]:
            draft = None
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
                answers=form.answers(),
                fix=form.fix(),
                change_reason=form.cleaned_data["change_reason"],
                draft=draft,
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
        request.session[SAVED_SESSION_KEY] = rep_id
        return redirect("commitments:rep_detail", rep_id=rep_id)
    rep = _rep_for_viewer(request, rep_id)
    context = _loop_context(request, rep) | _saved_context(request, rep)
    return render(request, "commitments/rep_detail.html#loop", context)


# --- the 1:1 queue: after a save, the next rep due ---------------------------
SAVED_SESSION_KEY = "commitments_just_saved"


def _saved_context(request: HttpRequest, rep: Rep) -> dict:
    """Right after a save: the new one thing and its check date, no check
    form for it, and the next rep due in the queue, one key away."""
    reps = Rep.objects.reps_visible_to(request.user).filter(manager=request.user)
    return {
        "just_saved": True,
        "next_rep": reps.next_due(now=timezone.now(), after=rep),
    }


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
    if request.htmx and not request.htmx.history_restore_request and picked(request):
        # A proven one thing picked: the form comes back filled in, in place.
        return render(request, "commitments/my_one_thing.html#practice", _my_context(request))
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
    drafts = rep_drafts_for_approval(rep, today=today)
    if form.is_valid():
        try:
            if drafts:
                # Weeks 9–12: a draft the manager approves as is or edits.
                draft = services.commitment_draft_create(rep=rep, spec=form.spec())
            else:
                commitment = services.commitment_create(rep=rep, by=rep, spec=form.spec())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            if drafts:
                messages.success(
                    request,
                    "Sent to your manager: they approve your draft as it is, or edit it "
                    f"with you. Check date proposed: {draft.check_date:%a %-d %b}.",
                )
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
    indicator_log_form: IndicatorLogForm | None = None,
    extra: dict | None = None,
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
        .with_skips()
        .with_ladder_history(),
        HISTORY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    guidance = my_guidance(request, rep, today=today, active=active)
    if propose_form is None and (active is None or guidance["draft_next"]):
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
                initial={"check_date": suggested, **picked_initial(request)},
            )
    if (
        active
        and practice_form is None
        and (draft := draft_pop(request, reverse("commitments:practice_new")))
    ):
        # A fresh key: the kept one never made an entry, and this one must.
        draft["idempotency_key"] = uuid.uuid4().hex
        practice_form = PracticeForm(draft, today=today)
    practice_plan = _my_practice_context(rep, active, today=today, form=indicator_log_form)
    context = {
        **_my_ladder_context(rep, active, extra),
        **practice_plan,
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
        # Guidance: the library, an open draft (weeks 9–12), ramp's daily question.
        **guidance,
    }
    context.update(_rep_side_context(history, today=today))
    return context


@login_required
@require_http_methods(["GET", "POST"])
def check_diagnose(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Complete last week's "not sure yet": by the manager who checked it."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = DiagnosisForm(request.POST, today=rep.local_today())
    if form.is_valid():
        # Someone else's check (another manager's, another rep's): 404.
        check = get_object_or_404(
            Check.objects.filter(commitment__rep=rep, checked_by=request.user).only("pk"),
            pk=form.cleaned_data["check_id"],
        )
        try:
            done = services.check_diagnose(
                check=check,
                by=request.user,
                diagnosis=form.cleaned_data["diagnosis"],
                answers=form.answers(),
                fix=form.fix(),
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request, f"Diagnosed: {done.get_diagnosis_display().split(':')[0].lower()}."
            )
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, diagnose_form=form)


# --- practice plan (drills) and leading indicators --------------------------


def _drill_form(active: Commitment, drills: list, today, data=None) -> DrillForm | None:
    """The form for the next drill (on the next day of the spread), or None
    when the commitment has all it may have."""
    if len(drills) >= DRILLS_MAX and data is None:
        return None
    planned = drill_default_day(
        issued_on=active.issued_on,
        check_date=active.check_date,
        today=today,
        index=min(len(drills), DRILLS_MAX - 1),
    )
    return DrillForm(data, commitment=active, planned_default=planned)


def _practice_plan_context(request: HttpRequest, rep, active, *, today, is_coach: bool) -> dict:
    """The rep page's drills, leading indicator chart and strength: three
    queries (the drills, the chart's commitments and its values)."""
    drills = list(active.drills.all()) if active else []
    context = {
        "drills": drills,
        "drills_summary": drills_done_summary(drills),
        "drills_max": DRILLS_MAX,
        "chart": indicator_chart(rep=rep, viewer=request.user, today=today, subject=active),
    }
    if is_coach and active:
        context["drill_form"] = _drill_form(active, drills, today)
        context["indicator_form"] = IndicatorForm(instance=active)
    return context


def _my_practice_context(rep: User, active, *, today, form) -> dict:
    drills = list(active.drills.all()) if active else []
    return {
        "drills": drills,
        "drills_summary": drills_done_summary(drills),
        "chart": indicator_chart(rep=rep, viewer=rep, today=today, subject=active),
        "indicator_log_form": form or IndicatorLogForm(today=today),
    }


def _render_practice_plan(request: HttpRequest, rep_id: int, *, status: int = 200, **overrides):
    """The practice plan again (with a form's errors, or fresh after a save);
    over htmx with the summary the update section shows, swapped out of band."""
    context = _loop_context(request, _rep_for_viewer(request, rep_id))
    context.update(overrides)
    if not request.htmx:
        return render(request, "commitments/rep_detail.html", context, status=status)
    plan = render(request, "commitments/rep_detail.html#practice_plan", context, status=status)
    context["oob"] = True
    summary = render(request, "commitments/_since_last.html", context)
    plan.content += summary.content
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def drill_new(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Attach a drill or role-play to the rep's active commitment."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    active = get_object_or_404(Commitment.objects.active().filter(rep=rep))
    today = rep.local_today()
    form = _drill_form(active, list(active.drills.all()), today, data=request.POST)
    if form.is_valid():
        try:
            drill = services.drill_add(commitment=active, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            done = (
                f"Added: {drill.get_kind_display().lower()} for {drill.planned_on:%a %-d %b}. "
                f"{rep.name} sees it on their page."
            )
            if not request.htmx:
                messages.success(request, done)
                return redirect("commitments:rep_detail", rep_id=rep.pk)
            return _render_practice_plan(request, rep.pk, plan_done=done)
    return _render_practice_plan(request, rep.pk, status=422, drill_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_set(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Name or change the leading indicator of the rep's active commitment."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    active = get_object_or_404(Commitment.objects.active().filter(rep=rep))
    form = IndicatorForm(request.POST, instance=active)
    if form.is_valid():
        try:
            saved = services.commitment_set_indicator(
                commitment=active,
                by=request.user,
                unit=form.cleaned_data["indicator_unit"],
                target=form.cleaned_data["indicator_target"],
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            done = (
                f"Saved: {saved.indicator_unit}"
                + (f", {saved.indicator_target} a week." if saved.indicator_target else ".")
                if saved.indicator_unit
                else "Saved: no leading indicator for this one thing."
            )
            if not request.htmx:
                messages.success(request, done)
                return redirect("commitments:rep_detail", rep_id=rep.pk)
            return _render_practice_plan(request, rep.pk, indicator_done=done)
    return _render_practice_plan(request, rep.pk, status=422, indicator_form=form)


def _my_practice_response(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    if not request.htmx and status == 200:
        return redirect("commitments:my_one_thing")
    template = "commitments/my_one_thing.html" + ("#practice" if request.htmx else "")
    return render(request, template, _my_context(request, **forms), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def performance_conversation_new(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Record the performance conversation beyond coaching calls for."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = PerformanceConversationForm(request.POST)
    if form.is_valid():
        try:
            services.performance_conversation_record(rep=rep, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Recorded the performance conversation (only you see it).")
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, performance_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def drill_done(request: HttpRequest, drill_id: int) -> HttpResponse:
    """The rep ticks a drill off: one tap, and ticking again changes nothing."""
    if not request.user.is_rep:
        raise Http404
    # Only the rep's own drills: anyone else's is a 404.
    drill = get_object_or_404(Drill.objects.filter(commitment__rep=request.user), pk=drill_id)
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    try:
        drill = services.drill_tick(drill=drill, rep=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _my_practice_response(request, status=422)
    messages.success(request, f"Done: {drill.get_kind_display().lower()}. It counts as practice.")
    return _my_practice_response(request)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request: HttpRequest) -> HttpResponse:
    """The rep logs a value of their leading indicator."""
    if not request.user.is_rep:
        raise Http404
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    rep = request.user
    form = IndicatorLogForm(request.POST, today=rep.local_today())
    if form.is_valid():
        try:
            entry = services.indicator_log(rep=rep, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form_add_service_error(form, error)
            else:
                # No number to watch (or no one thing): there is no form to show it in.
                messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Logged: {entry.value} for {entry.day:%a %-d %b}.")
            return _my_practice_response(request)
    return _my_practice_response(request, status=422, indicator_log_form=form)


# --- standing behaviours, re-checks, corrections, revisions ----------------


def _ladder_context(request: HttpRequest, rep: Rep, context: dict, forms: dict) -> dict:
    """The ladder on the rep page; for the coach, the one re-check due, the
    slipped behaviours to re-issue, the wording edit and the correction of
    the check just recorded."""
    viewer, active, today = request.user, context["active"], context["today"]
    standing = standing_behaviours(rep)
    extra = {
        "standing": standing,
        "active_builds_on": _builds_on(active, standing),
        "revisions": CommitmentRevision.objects.filter(commitment=active) if active else [],
        "practice_corrections": (
            PracticeCorrection.objects.filter(commitment=active) if active else []
        ),
    }
    if not context["is_coach"]:
        return extra
    due = recheck_due(standing, today=today, active=active)
    extra["recheck"] = due
    # A refused form comes back with its message even when its section
    # would not show now (not due, the window closed, no longer active).
    extra["recheck_form"] = forms.get("recheck_form") or (
        RecheckForm(initial={"commitment_id": due.pk, "due_on": due.next_recheck_on})
        if due is not None
        else None
    )
    extra["reissue_offers"] = [
        rung
        for rung in standing
        if rung.slipped_recheck is not None and rung.slipped_recheck.reissued_as_id is None
    ]
    extra["reissue_error"] = forms.get("reissue_error", "")
    extra["edit_form"] = forms.get("edit_form") or (
        CommitmentEditForm.for_commitment(active) if active else None
    )
    extra["correct_form"] = forms.get("correct_form")
    # The latest check, on the first page of the history: its author may
    # correct it within the window (the page is loaded anyway: no query).
    history = context["history"]
    latest = history[0] if history.number == 1 and len(history) else None
    check = getattr(latest, "check_result", None)
    if (
        check is not None
        and check.checked_by_id == viewer.pk
        and correction_open(check.checked_at, timezone.now())
    ):
        extra["correctable"] = latest
        extra["correctable_until"] = check.checked_at + CORRECTION_WINDOW
        extra["correct_form"] = extra["correct_form"] or CheckCorrectionForm(
            initial={
                "check_id": check.pk,
                "outcome": check.outcome,
                "evidence": check.evidence,
                "diagnosis": latest.private_diagnosis,
            }
        )
    return extra


def _builds_on(active: Commitment | None, standing: list[Commitment]) -> Commitment | None:
    if active is None or active.builds_on_id is None:
        return None
    return next((rung for rung in standing if rung.pk == active.builds_on_id), None)


def _my_ladder_context(rep: User, active: Commitment | None, extra: dict | None) -> dict:
    """The ladder and the changes to the one thing, on the rep's page; the
    practice entries still open to correction."""
    standing = standing_behaviours(rep)
    now = timezone.now()
    practice = list(PracticeLog.objects.filter(commitment=active)[:10]) if active else []
    for entry in practice:
        entry.correctable = correction_open(entry.created_at, now)
    return {
        "standing": standing,
        "active_builds_on": _builds_on(active, standing),
        "revisions": CommitmentRevision.objects.filter(commitment=active) if active else [],
        "practice_corrections": (
            PracticeCorrection.objects.filter(commitment=active) if active else []
        ),
        "practice_entries": practice,
        "kind_choices": PracticeLog.Kind.choices,
        "practice_fix_error": "",
        **(extra or {}),
    }


@login_required
@require_http_methods(["GET", "POST"])
def recheck_answer(request: HttpRequest, rep_id: int) -> HttpResponse:
    """ "Still running …?": answer the one re-check due."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = RecheckForm(request.POST)
    if form.is_valid():
        # Another rep's behaviour is not this manager's to re-check: 404.
        standing = get_object_or_404(
            Commitment.objects.filter(rep=rep), pk=form.cleaned_data["commitment_id"]
        )
        try:
            answer = services.recheck_answer(
                commitment=standing,
                by=request.user,
                still_running=form.cleaned_data["answer"] == "yes",
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            if answer.still_running:
                messages.success(request, f"Noted: “{standing.behaviour}” is still running.")
            else:
                messages.success(
                    request,
                    f"Noted: “{standing.behaviour}” slipped. You can make it the one thing "
                    "again once no other one thing is active.",
                )
            if not request.htmx:
                return redirect("commitments:rep_detail", rep_id=rep_id)
            return _recheck_slot(request, rep_id)
    if request.htmx:
        return _recheck_slot(request, rep_id, status=422, recheck_form=form)
    return _render_loop(request, rep_id, recheck_form=form)


def _recheck_slot(request: HttpRequest, rep_id: int, status: int = 200, **forms) -> HttpResponse:
    """Only the re-check's slot, with its message: the weekly update's form
    beside it keeps what was typed."""
    context = _loop_context(request, _rep_for_viewer(request, rep_id), **forms)
    context["recheck_swap"] = True
    return render(request, "commitments/_recheck.html#slot", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recheck_reissue(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Make a standing behaviour that slipped the one thing again."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = RecheckReissueForm(request.POST)
    if not form.is_valid():
        raise Http404
    recheck = get_object_or_404(
        StandingRecheck.objects.filter(commitment__rep=rep), pk=form.cleaned_data["recheck_id"]
    )
    try:
        following = services.recheck_reissue(recheck=recheck, by=request.user)
    except ValidationError as error:
        return _render_loop(request, rep_id, reissue_error=" ".join(error.messages))
    messages.success(
        request,
        f"Re-issued: “{following.behaviour}” is the one thing again. "
        f"You'll check it on {following.check_date:%a %-d %b}.",
    )
    return _loop_saved(request, rep_id)


@login_required
@require_http_methods(["GET", "POST"])
def check_correct(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Correct a mistyped check within the window: recorded, not rewritten."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = CheckCorrectionForm(request.POST)
    if form.is_valid():
        # Another rep's check is not this manager's to correct: 404.
        check = get_object_or_404(
            Check.objects.filter(commitment__rep=rep), pk=form.cleaned_data["check_id"]
        )
        try:
            correction = services.check_correct(
                check=check,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                evidence=form.cleaned_data["evidence"],
                diagnosis=form.cleaned_data["diagnosis"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Corrected: {correction.old_outcome_label.lower()} → "
                f"{correction.new_outcome_label.lower()}. The history shows the correction.",
            )
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, correct_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request: HttpRequest, rep_id: int) -> HttpResponse:
    """Clarify the one thing's wording; asking less needs confirming."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    form = CommitmentEditForm(request.POST)
    if form.is_valid():
        commitment = get_object_or_404(
            Commitment.objects.filter(rep=rep), pk=form.cleaned_data["commitment_id"]
        )
        try:
            revision = services.commitment_revise(
                commitment=commitment, by=request.user, **form.revision()
            )
        except ValidationError as error:
            form.needs_confirmation = getattr(error, "code", "") == "needs_confirmation"
            form_add_service_error(form, error)
        else:
            if revision.kind == CommitmentRevision.Kind.NEW_VERSION:
                messages.success(request, "Saved as a new version: the rep sees what changed.")
            else:
                messages.success(request, "Clarified. The rep sees the new wording.")
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, edit_form=form)


def _own_practice(request: HttpRequest, entry_id: int) -> PracticeLog:
    """A practice entry of the signed-in rep: anyone else's is a 404."""
    if not request.user.is_rep:
        raise Http404
    return get_object_or_404(PracticeLog.objects.filter(rep=request.user), pk=entry_id)


@login_required
@require_http_methods(["GET", "POST"])
def practice_correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _own_practice(request, entry_id)
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    form = PracticeCorrectionForm(request.POST, prefix=f"fix{entry.pk}")
    problem = ""
    if form.is_valid():
        try:
            services.practice_correct(entry=entry, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
    if not problem:
        messages.success(request, "Corrected. The change is recorded for you both.")
    return _practice_fixed(request, problem)


@login_required
@require_http_methods(["GET", "POST"])
def practice_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _own_practice(request, entry_id)
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    problem = ""
    try:
        services.practice_delete(entry=entry, by=request.user)
    except ValidationError as error:
        problem = " ".join(error.messages)
    else:
        messages.success(request, "Deleted. What it said is kept in the record for you both.")
    return _practice_fixed(request, problem)


def _practice_fixed(request: HttpRequest, problem: str) -> HttpResponse:
    if not problem and not request.htmx:
        return redirect("commitments:my_one_thing")
    context = _my_context(request, extra={"practice_fix_error": problem})
    template = "commitments/my_one_thing.html" + ("#practice" if request.htmx else "")
    return render(request, template, context, status=422 if problem else 200)


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
