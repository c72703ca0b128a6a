"""Health check of the web container: does Django answer the sign-in page?

Sent as the proxy would send it (an allowed host, https already terminated),
so neither ALLOWED_HOSTS nor the HTTPS redirect gets in the way. Exit 0 when
healthy. Used by docker-compose.yml; needs nothing but the standard library.
"""

import os
import sys
import urllib.request

PORT = os.environ.get("PORT", "8000")


def allowed_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and "*" not in host:
            return host
    return "localhost"


def main() -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/accounts/login/",
        headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
