"""Signing in, for full pages and for htmx requests alike."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django_htmx.http import HttpResponseClientRedirect

DRAFTS = "drafts"
# Never kept: the old token is useless once signed in again.
NOT_A_DRAFT = {"csrfmiddlewaretoken"}
DRAFT_MAX_CHARS = 40_000
DRAFTS_KEPT = 3


def login_required(view):
    """Django's ``login_required``, and for an htmx request whose session has
    expired: a client redirect to sign-in (not a sign-in page swapped into a
    form), coming back to the page the person was on. What they had typed
    (htmx or a plain form post) is kept in the session, which survives
    signing in, and fills the form again.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        # Only for a browser that had a session (it expired): a client that
        # never signed in gets no session row for what it posted.
        if request.method == "POST" and settings.SESSION_COOKIE_NAME in request.COOKIES:
            draft_keep(request)
        if not request.htmx:
            return redirect_to_login(request.get_full_path())
        page = request.htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(redirect_to_login(page).url)

    return wrapper


def draft_keep(request) -> None:
    """Keep what was posted, for the form to show after signing in. Bounded:
    a few forms' worth (our longest form is well under this), so a made-up
    session cookie cannot park megabytes in the session table."""
    draft = {key: request.POST.getlist(key) for key in request.POST if key not in NOT_A_DRAFT}
    if sum(len(value) for values in draft.values() for value in values) > DRAFT_MAX_CHARS:
        return
    drafts = request.session.get(DRAFTS, {})
    drafts[request.path] = draft
    # The newest few forms only.
    request.session[DRAFTS] = dict(list(drafts.items())[-DRAFTS_KEPT:])


def draft_pop(request, path: str) -> QueryDict | None:
    """What was typed into the form posting to ``path`` before the session
    expired, once; None when there is nothing."""
    drafts = request.session.get(DRAFTS)
    if not drafts or path not in drafts:
        return None
    saved = drafts.pop(path)
    request.session[DRAFTS] = drafts
    data = QueryDict(mutable=True)
    for key, values in saved.items():
        data.setlist(key, values)
    return data
