"""The organisation page's 12-week trend as a server-rendered SVG chart."""

from django import template

register = template.Library()

BAR_WIDTH = 22
BAR_GAP = 8
CHART_HEIGHT = 100
TOP = 14


@register.inclusion_tag("partials/trend_chart.html")
def trend_chart(trend: list) -> dict:
    """Kept share per week as bars, on-time share as dots; ``trend`` is
    ``MethodHealth.trend`` (oldest first). The same figures are in a table
    beside it for screen readers and for anyone who would rather read."""
    bars = []
    for n, week in enumerate(trend):
        x = n * (BAR_WIDTH + BAR_GAP)
        kept = week.kept_pct
        height = round(CHART_HEIGHT * kept / 100) if kept is not None else 0
        on_time = week.on_time_pct
        bars.append(
            {
                "week": week,
                "x": x,
                "mid": x + BAR_WIDTH // 2,
                "y": TOP + CHART_HEIGHT - height,
                "height": height,
                "dot_y": TOP + CHART_HEIGHT - round(CHART_HEIGHT * on_time / 100)
                if on_time is not None
                else None,
            }
        )
    return {
        "bars": bars,
        "bar_width": BAR_WIDTH,
        "width": len(trend) * (BAR_WIDTH + BAR_GAP) - BAR_GAP,
        "baseline": TOP + CHART_HEIGHT,
        "half": TOP + CHART_HEIGHT // 2,
        "height": TOP + CHART_HEIGHT + 18,
        "top": TOP,
    }


@register.filter
def root_cause_share(method, cause) -> int:
    """``MethodHealth.share(cause)``: the percentage of the diagnosed misses."""
    return method.share(cause)
