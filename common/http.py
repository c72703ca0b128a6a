from typing import TYPE_CHECKING

from django.http import HttpRequest as BaseHttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:  # typing only: this floor imports no app
    from reps.models import User


class HttpRequest(BaseHttpRequest):
    """What our views see: a signed-in person and htmx details."""

    htmx: HtmxDetails
    user: "User"
