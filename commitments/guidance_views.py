"""The pages' guidance writes: a rep's draft approved, a daily answer given
(on the page or from the daily email's signed link), and the live wording
hint. Thin: access, a form, one service call, a partial or a redirect."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from common.auth import login_required
from common.forms import form_add_service_error
from common.http import HttpRequest
from reps.models import User

from . import services
from .forms import CommitmentForm, DailyAnswerForm
from .links import read_daily_answer_token
from .models import (
    Commitment,
    CommitmentDraft,
    DailyAnswer,
    check_window_days,
    next_check_default,
    vague_wording_hint,
)
from .views import _loop_saved, _my_context, _render_loop, _rep_for_coach


@login_required
@require_http_methods(["GET", "POST"])
def draft_approve(request: HttpRequest, rep_id: int, draft_id: int) -> HttpResponse:
    """The manager approves the rep's draft (weeks 9–12), as is or edited."""
    rep = _rep_for_coach(request, rep_id)
    if request.method == "GET":
        return redirect("commitments:rep_detail", rep_id=rep.pk)
    # Another rep's draft, or one already approved: 404.
    draft = get_object_or_404(
        CommitmentDraft.objects.filter(rep=rep, status=CommitmentDraft.Status.OPEN), pk=draft_id
    )
    today = rep.local_today()
    form = CommitmentForm(
        request.POST,
        prefix="draft",
        today=today,
        suggested=next_check_default(rep, today=today),
        window_days=check_window_days(rep),
    )
    if form.is_valid():
        try:
            commitment = services.commitment_draft_approve(
                draft=draft, by=request.user, spec=form.spec()
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            how = "with your edits" if commitment.proposed_by == "rep_edit" else "as drafted"
            messages.success(
                request,
                f"Approved {how}. {rep.name}'s one thing is checked on "
                f"{commitment.check_date:%a %-d %b}.",
            )
            return _loop_saved(request, rep_id)
    return _render_loop(request, rep_id, draft_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def daily_answer(request: HttpRequest) -> HttpResponse:
    """Ramp mode, on the rep's page: did you do the one thing today?"""
    if not request.user.is_rep:
        raise Http404
    if request.method == "GET":
        return redirect("commitments:my_one_thing")
    form = DailyAnswerForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            answer = services.daily_answer_record(rep=request.user, did_it=form.did_it)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 422
        else:
            messages.success(request, _recorded(answer))
    else:
        messages.error(request, "Answer yes or not today.")
        status = 422
    if not request.htmx:
        return redirect("commitments:my_one_thing")
    return render(
        request, "commitments/my_one_thing.html#practice", _my_context(request), status=status
    )


def _recorded(answer: DailyAnswer) -> str:
    said = "yes, you did it" if answer.did_it else "not today"
    text = f"Recorded for {answer.day:%a %-d %b}: {said}."
    if answer.ends_ramp:
        text += (
            " That's the behaviour sticking: ramp mode is over, no more daily checks. "
            "Your manager checks it with you weekly from now on."
        )
    return text


@require_http_methods(["GET", "POST"])
def daily_answer_link(request: HttpRequest, token: str) -> HttpResponse:
    """The daily email's answer link, no sign-in: the signed token (one rep,
    one day, one answer; short-lived) is the permission. A GET shows one
    button and changes nothing (mail scanners open links); the POST records.
    CSRF stays on: the page's form carries its token."""
    try:
        rep_id, day, did_it = read_daily_answer_token(token)
    except signing.SignatureExpired:
        return render(request, "commitments/daily_answer.html", {"refused": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, "commitments/daily_answer.html", {"refused": "invalid"}, status=404)
    rep = User.objects.reps().filter(pk=rep_id, is_active=True).first()
    if rep is None:
        return render(request, "commitments/daily_answer.html", {"refused": "invalid"}, status=404)
    context = {
        "rep": rep,
        "day": day,
        "did_it": did_it,
        "today": rep.local_today(),
        "active": Commitment.objects.active().filter(rep=rep).first(),
        "answer": DailyAnswer.objects.filter(rep=rep, day=day).first(),
    }
    if request.method == "POST" and context["answer"] is None:
        try:
            context["answer"] = services.daily_answer_record(
                rep=rep, did_it=did_it, day=day, via=DailyAnswer.Via.EMAIL
            )
        except ValidationError as error:
            context["problem"] = " ".join(error.messages)
            return render(request, "commitments/daily_answer.html", context, status=422)
        context["recorded"] = _recorded(context["answer"])
    return render(request, "commitments/daily_answer.html", context)


@login_required
@require_http_methods(["GET"])
def wording_hint(request: HttpRequest) -> HttpResponse:
    """The live hint as the one thing is typed (htmx): a concrete rewrite for
    vague wording, or nothing. Reads only the words sent."""
    words = next((v for k, v in request.GET.items() if k.endswith("behaviour")), "")
    # "Use it" links to the page being typed on (same origin only, no query).
    page = (request.htmx.current_url_abs_path or "").split("?")[0] if request.htmx else ""
    return render(
        request,
        "commitments/_wording_hint.html",
        {"hint": vague_wording_hint(words[:300]), "picker_url": page},
    )
