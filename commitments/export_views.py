"""The record as CSV."""

from django.http import Http404, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from common.auth import login_required
from common.http import HttpRequest

from . import exports


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
