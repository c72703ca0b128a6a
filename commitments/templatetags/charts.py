"""The leading indicator chart as server-rendered SVG.

The data (weeks, commitment periods, checks, strength) comes from the rule
book's ``indicator_chart``; here it is only placed: coordinates in a fixed
view box that scales to the width it is given."""

import dataclasses
import datetime as dt
import math

from django import template

from commitments.models import IndicatorChart

register = template.Library()

WIDTH, HEIGHT = 400, 200
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 38, 22


def _nice_ceiling(value: float) -> int:
    """A round number at or above ``value``, for the top of the scale."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if step * power >= value and float(step * power).is_integer():
            return int(step * power)
    return int(10 * power)


@dataclasses.dataclass(frozen=True)
class _Row:
    start: dt.date
    value: int | None
    target: int | None
    unit: str
    checks: list


@register.inclusion_tag("partials/indicator_chart.html")
def indicator_chart_svg(chart: IndicatorChart) -> dict:
    days = (chart.last_day - chart.first_day).days
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    day_w = plot_w / days
    week_w = day_w * 7
    values = [w.value for w in chart.weeks if w.value is not None]
    targets = [p.target for p in chart.periods if p.target]
    y_max = _nice_ceiling(max([*values, *targets, 1]) * 1.1)
    baseline = TOP + plot_h

    def x(day: dt.date) -> float:
        offset = min(max((day - chart.first_day).days, 0), days)
        return round(LEFT + offset * day_w, 1)

    def y(value: float) -> float:
        return round(baseline - value / y_max * plot_h, 1)

    periods = [
        {
            "x": x(p.start),
            "width": max(round(x(p.end) - x(p.start), 1), 1),
            "alt": n % 2,
        }
        for n, p in enumerate(chart.periods)
    ]
    bars = []
    for n, week in enumerate(chart.weeks):
        left = LEFT + n * week_w
        if week.value is not None:
            top = y(week.value)
            bars.append(
                {
                    "x": round(left + week_w * 0.2, 1),
                    "y": min(top, baseline - 1),
                    "width": round(week_w * 0.6, 1),
                    "height": max(round(baseline - top, 1), 1),
                    "value": week.value,
                    "label_x": round(left + week_w / 2, 1),
                    "label_y": min(top, baseline - 1) - 4,
                }
            )
    targets_drawn = [
        {"x1": x(p.start), "x2": x(p.end), "y": y(p.target), "target": p.target}
        for p in chart.periods
        if p.target and p.end > chart.first_day
    ]
    target_label = None
    if targets_drawn:
        last = targets_drawn[-1]
        target_label = {"x": last["x2"], "y": last["y"] - 5, "target": last["target"]}
    checks = [
        {
            "x": x(c.day),
            "symbol": c.symbol,
            "letter": c.letter,
            "status": c.status,
        }
        for c in chart.checks
    ]
    ticks = [
        {"x": round(LEFT + (n + 0.5) * week_w, 1), "label": week.start}
        for n, week in enumerate(chart.weeks)
        if n % 2 == (len(chart.weeks) - 1) % 2
    ]
    rows = []
    for week in chart.weeks:
        end = week.start + dt.timedelta(days=7)
        rows.append(
            _Row(
                week.start,
                week.value,
                week.target,
                week.unit,
                # A check belongs to the week it judges: the 1:1 ending it.
                [c for c in chart.checks if week.start < c.day <= end],
            )
        )
    latest = chart.weeks[-1]
    return {
        "chart": chart,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "baseline": baseline,
        "plot_top": TOP,
        "plot_h": plot_h,
        "y_max": y_max,
        "y_max_at": y(y_max) + 4,
        "axis_label_x": LEFT - 5,
        "zero_at": baseline + 4,
        "tick_y": HEIGHT - 6,
        "periods": periods,
        "bars": bars,
        "targets": targets_drawn,
        "target_label": target_label,
        "checks": checks,
        "ticks": ticks,
        "rows": rows,
        "latest": latest,
        "has_letters": any(c.letter for c in chart.checks),
    }
