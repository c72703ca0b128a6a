from django.utils.cache import add_never_cache_headers, patch_vary_headers


class LoopPagesMiddleware:
    """Every response varies on ``HX-Request`` (a partial and its page share a
    URL, and a cache must not hand one out for the other).

    No page is stored, signed in or not: signed-in pages show loop state that
    changes with every save, so the Back button after a save shows the page
    as it is now, not as it was; and every page carries a CSRF token (on
    ``<body hx-headers>``) that signing in or out rotates, so a stored
    sign-in or email-settings page would post a stale one. A view that sets
    ``Cache-Control`` itself keeps it; non-HTML answers (``/healthz/``) and
    static files (served by WhiteNoise before this runs) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        if not response.has_header("Cache-Control") and (
            _signed_in(request) or response.get("Content-Type", "").startswith("text/html")
        ):
            add_never_cache_headers(response)
        return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
