from django.utils.cache import add_never_cache_headers, patch_vary_headers


class LoopPagesMiddleware:
    """Every response varies on ``HX-Request`` (a partial and its page share a
    URL, and a cache must not hand one out for the other). Signed-in pages
    show loop state that changes with every save: never stored, so the Back
    button after a save shows the page as it is now, not as it was."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
