"""The record as CSV, and each person's calendar feed and its link page."""

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from common.auth import login_required
from common.http import HttpRequest

from . import calendar_feed, exports


def _csv_response(request: HttpRequest, *, name: str, private: bool) -> StreamingHttpResponse:
    today = request.user.local_today()
    lines = exports.csv_lines(exports.record_rows(request.user, private=private))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    suffix = "-private" if private else ""
    response["Content-Disposition"] = f'attachment; filename="coachloop-{name}{suffix}-{today}.csv"'
    # Notes and names: never kept by a cache on the way.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET"])
def team_export(request: HttpRequest) -> StreamingHttpResponse:
    """The manager's team, week by week; ``?private=1`` adds their own
    diagnoses and notes (never another manager's)."""
    if not request.user.is_manager:
        raise Http404
    private = request.GET.get("private") == "1"
    return _csv_response(request, name="team", private=private)


@login_required
@require_http_methods(["GET"])
def organisation_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every team of the organisation, without private columns."""
    if not request.user.is_org_admin or request.user.organisation_id is None:
        raise Http404
    return _csv_response(request, name="organisation", private=False)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_link(request: HttpRequest) -> HttpResponse:
    """The person's secret feed URL; a POST makes a new one (the old one
    stops working) or, with ``action=off``, switches the feed off."""
    person = request.user
    if request.method == "POST":
        if request.POST.get("action") == "off":
            calendar_feed.calendar_token_revoke(person=person)
            messages.success(request, "Calendar link switched off: the old link no longer works.")
        else:
            had_one = bool(person.calendar_token)
            calendar_feed.calendar_token_renew(person=person)
            messages.success(
                request,
                "New calendar link made: the old one no longer works."
                if had_one
                else "Calendar link made.",
            )
        return redirect("commitments:calendar_link")
    feed_url = None
    if person.calendar_token:
        feed_url = request.build_absolute_uri(
            reverse("commitments:calendar_feed", kwargs={"token": person.calendar_token})
        )
    return render(request, "commitments/calendar_link.html", {"feed_url": feed_url})


@require_http_methods(["GET"])
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the secret token is the credential. Unknown, revoked or
    a deactivated person's: 404."""
    person = calendar_feed.person_for_token(token)
    if person is None:
        raise Http404
    body = calendar_feed.feed_for(person, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="coachloop.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
