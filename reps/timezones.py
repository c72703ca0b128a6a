"""The time zones a person can have: one canonical list for the validator and
every picker.

The list is ``zone.tab`` from the pinned ``tzdata`` package plus ``UTC``: one
canonical IANA name per country region (Europe/London, Asia/Kolkata,
Europe/Oslo, ...), about 420 of them. Filtering
``zoneinfo.available_timezones()`` instead would depend on the server's
``/usr/share/zoneinfo`` and keep what no person should pick: ``localtime`` and
``posixrules`` (the server's own setting), ``Factory``, old names kept as links
(``US/Eastern``, ``Asia/Calcutta``, ``GB``) and the fixed-offset ``Etc/GMT+5``
zones, whose sign is the opposite of what people expect. ``zone1970.tab`` would
be shorter but merges countries (Oslo into Berlin), so people would not find
their own city. Every name here loads with ``zoneinfo`` (from the system
database, else from ``tzdata`` itself).
"""

import importlib.resources

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _zone_tab() -> list[str]:
    text = (
        importlib.resources.files("tzdata")
        .joinpath("zoneinfo", "zone.tab")
        .read_text(encoding="utf-8")
    )
    return [line.split("\t")[2] for line in text.splitlines() if line and not line.startswith("#")]


TIMEZONES: frozenset[str] = frozenset([*_zone_tab(), "UTC"])

# (value, label) for a picker: sorted by name, underscores read as spaces.
TIMEZONE_CHOICES: list[tuple[str, str]] = [(z, z.replace("_", " ")) for z in sorted(TIMEZONES)]

# The <option> elements, rendered once per process: through Django's widget
# templates the ~420 options cost tens of milliseconds on every page view.
_OPTIONS: list[str] = [
    f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in TIMEZONE_CHOICES
]
_INDEX: dict[str, int] = {value: i for i, (value, _) in enumerate(TIMEZONE_CHOICES)}


def timezone_options(selected: str | None) -> SafeString:
    """The <option> list with ``selected`` marked. A value not on the list (a
    zone saved before the list was canonical, or a tampered form) is shown
    first as it is, so the picker never silently shows another zone."""
    options = list(_OPTIONS)
    if selected in _INDEX:
        i = _INDEX[selected]
        value, label = TIMEZONE_CHOICES[i]
        options[i] = f'<option value="{escape(value)}" selected>{escape(label)}</option>'
    elif selected:
        options.insert(
            0, f'<option value="{escape(selected)}" selected>{escape(selected)}</option>'
        )
    return mark_safe("".join(options))  # noqa: S308 - every part is escaped above


_DATALIST: SafeString = mark_safe(  # noqa: S308 - every value is escaped
    "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>'
        for value, label in TIMEZONE_CHOICES
    )
)


def timezone_datalist_options() -> SafeString:
    """The zones as <datalist> options, rendered once per process."""
    return _DATALIST
