from django.conf import settings


def signup(request) -> dict:
    """Whether the sign-in page offers a sign-up link (SIGNUP_ENABLED)."""
    return {"signup_enabled": settings.SIGNUP_ENABLED}
