"""Follow links: every same-origin page reachable from a start page, each
visited once, for tests that check something on every page anyone can reach.
Pages are found by following links, not by URL names, so the tests survive
views moving between apps."""

from collections import deque
from collections.abc import Callable
from urllib.parse import urldefrag, urljoin, urlsplit

MAX_PAGES = 40
SKIP = ("/admin/", "/logout", "/accounts/logout")
# A ``download`` link (the CSV exports) is a file, not a page: a browser does
# not navigate to it.
LINKS = "() => [...document.querySelectorAll('a[href]:not([download])')].map(a => a.href)"


def crawl(page, start: str, origin: str, visit: Callable[[object, str], dict]) -> dict[str, dict]:
    """Open every same-origin HTML page reachable by links from ``start`` and
    call ``visit(page, url)`` on each; returns what it said, by the URL landed on."""
    seen, visited = {start}, {}
    queue = deque([start])
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        landed = urldefrag(page.url)[0]
        if landed in visited:  # a redirect to a page already visited
            continue
        seen.add(landed)
        visited[landed] = visit(page, landed)
        for href in page.evaluate(LINKS):
            link = urldefrag(urljoin(landed, href))[0]
            parts = urlsplit(link)
            if f"{parts.scheme}://{parts.netloc}" != origin:
                continue
            if any(s in parts.path for s in SKIP) or link in seen:
                continue
            # The library's picks: one page each per form, the same page filled
            # in ten ways (tests open one of them themselves).
            if "pick=" in parts.query:
                continue
            seen.add(link)
            queue.append(link)
    return visited
