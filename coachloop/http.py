from django.http import HttpRequest as BaseHttpRequest
from django_htmx.middleware import HtmxDetails

from reps.models import User


class HttpRequest(BaseHttpRequest):
    """What our views see: a signed-in person and htmx details."""

    htmx: HtmxDetails
    user: User
