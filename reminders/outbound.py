"""Outbound HTTP for the ledger's Slack messages and webhook events.

Plain standard library (``urllib``): one JSON POST with a short timeout, no
proxies from the environment, no redirects, and — unless
``DELIVERY_ALLOW_LOCAL_URLS`` is on (tests and development only; the
settings refuse it with ``DEBUG=false``) — only ``https`` to public
addresses. The address is checked twice: when the URL is saved (a friendly
message) and on the socket actually connected at send time, so a name that
resolves to a private address later (DNS rebinding) is refused too.

Webhook signatures follow Stripe's scheme: ``CoachLoop-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``, with the
event's id in ``CoachLoop-Event-Id``. ``verify_signature`` is the
receiver's side, written out so that tests (and integrators) use one
definition.
"""

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "CoachLoop-Signature"
EVENT_ID_HEADER = "CoachLoop-Event-Id"
EVENT_TYPE_HEADER = "CoachLoop-Event-Type"
# How old (or how far in the future) a signed timestamp may be: receivers
# reject anything outside it, so a captured request cannot be replayed later.
SIGNATURE_TOLERANCE = dt.timedelta(minutes=5)
USER_AGENT = "CoachLoop-Webhook/1"
# A 4xx means "this will never work" except these two: try again later.
RETRY_STATUSES = frozenset({408, 429})


class AddressRefused(OSError):
    """The URL points at a private, loopback or otherwise internal address."""


class DeliveryRefused(Exception):
    """The receiver answered with a status that retrying cannot change."""

    def __init__(self, status: int, reason: str = ""):
        super().__init__(f"HTTP {status} {reason}".strip())
        self.status = status


class DeliveryFailed(Exception):
    """A failure worth retrying: a 5xx, 408, 429, a timeout, no connection."""


def _allow_local() -> bool:
    return bool(getattr(settings, "DELIVERY_ALLOW_LOCAL_URLS", False))


def address_problem(ip: str) -> str:
    """Why ``ip`` is not a public address we may post to, or ''."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    ):
        return f"{address} is not a public address"
    return ""


def _scheme_problem(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _allow_local()):
        pass
    else:
        return "Use an https:// address."
    if not parts.hostname:
        return "This is not a web address."
    if parts.username or parts.password:
        return "Leave the user name and password out of the address."
    return ""


def slack_url_problem(url: str) -> str:
    """Why ``url`` cannot be a Slack incoming webhook, or ''."""
    if problem := _scheme_problem(url):
        return problem
    hosts = [h.lower() for h in settings.SLACK_WEBHOOK_HOSTS]
    if (urlsplit(url).hostname or "").lower() not in hosts:
        return (
            "Paste the incoming-webhook address Slack gave you "
            f"(it starts with https://{hosts[0] if hosts else 'hooks.slack.com'}/)."
        )
    return ""


def webhook_url_problem(url: str) -> str:
    """Why ``url`` cannot be the organisation's webhook, or ''. Resolves the
    host: an address inside our network is refused (SSRF)."""
    if problem := _scheme_problem(url):
        return problem
    if _allow_local():
        return ""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return "This host name does not resolve."
    for info in infos:
        if address_problem(info[4][0]):
            return "This address is inside a private network; use a public https:// address."
    return ""


def _guarded_create_connection(address, *args, **kwargs):
    sock = socket.create_connection(address, *args, **kwargs)
    if not _allow_local():
        peer = sock.getpeername()[0]
        if problem := address_problem(peer):
            sock.close()
            raise AddressRefused(problem)
    return sock


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked on the socket itself, before TLS or a byte of the request.
        self._create_connection = _guarded_create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        if not _allow_local():
            raise AddressRefused("plain http is refused")
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # A 3xx is the answer: not followed, never to an internal address.


def _opener() -> urllib.request.OpenerDirector:
    # ProxyHandler({}): no proxy from the environment (it would be the peer we check).
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _GuardedHTTPHandler(),
        _GuardedHTTPSHandler(),
        _NoRedirects(),
    )


def post_json(url: str, body: bytes, *, headers: dict[str, str] | None = None) -> int:
    """POST ``body`` (JSON) to ``url``: the 2xx status, or ``DeliveryRefused``
    (a status retrying cannot change) or ``DeliveryFailed`` (retry later)."""
    if problem := _scheme_problem(url):
        raise DeliveryRefused(0, problem)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
    )
    try:
        with _opener().open(request, timeout=settings.DELIVERY_HTTP_TIMEOUT) as response:
            response.read(1024)
            return response.status
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
        if status >= 500 or status in RETRY_STATUSES:
            raise DeliveryFailed(f"HTTP {status} {error.reason}") from None
        raise DeliveryRefused(status, str(error.reason)) from None
    except AddressRefused as error:
        raise DeliveryRefused(0, f"refused: {error}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, AddressRefused):
            raise DeliveryRefused(0, f"refused: {error.reason}") from None
        raise DeliveryFailed(f"{type(error.reason).__name__}: {error.reason}") from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, bad answers
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from None


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, now: dt.datetime) -> str:
    """The ``CoachLoop-Signature`` value for ``body`` sent at ``now``."""
    timestamp = int(now.timestamp())
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    now: dt.datetime,
    tolerance: dt.timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """The receiver's check: ``header`` is a valid signature of the exact
    ``body`` with ``secret``, made within ``tolerance`` of ``now``.

    A body changed in transit fails the HMAC; a request captured and
    replayed later fails the timestamp (which the HMAC covers, so it cannot
    be moved). Receivers should also drop an event id they have already
    processed: a retry after a lost answer carries the same id.
    """
    if isinstance(body, str):
        body = body.encode()
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
