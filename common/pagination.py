"""A page of rows and their total in one query."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

TOTAL = "paginator_total"


class CountedPaginator(Paginator):
    """``Paginator.get_page`` without its ``COUNT(*)`` query: the page's rows
    carry the total (``COUNT(*) OVER ()``, computed before the LIMIT), so a
    page is one query. Only a page past the end costs the usual two, to find
    the last page. Same answers as ``Paginator.get_page``: not a number (or
    none) is the first page, out of range (0 included) the last."""

    def get_page(self, number) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        if number < 1:
            return super().get_page(number)
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(**{TOTAL: Window(Count("*"))})[
                bottom : bottom + self.per_page
            ]
        )
        if rows:
            self.count = getattr(rows[0], TOTAL)
        elif number == 1:
            self.count = 0
        else:
            return super().get_page(number)
        return self._get_page(rows, number, self)
