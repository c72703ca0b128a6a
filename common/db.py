"""Database expressions the apps share."""

import datetime as dt
import zoneinfo

from django.db.backends.signals import connection_created
from django.db.models import DateField, DateTimeField, F, Func, Value

SQLITE_LOCAL_DATE = "coachloop_local_date"


class LocalDate(Func):
    """The calendar date at ``now`` in each row's own time zone (an IANA name
    column such as a person's ``timezone``).

    "Today" differs from person to person: at 23:30 UTC it is already tomorrow
    in Sydney and still this morning in Honolulu. Loop facts (overdue, due in
    N days) are computed with this in SQL, so a list, its tiles and its
    aggregates agree row by row.
    """

    output_field = DateField()

    def __init__(self, zone: str | F, *, now: dt.datetime):
        zone = F(zone) if isinstance(zone, str) else zone
        super().__init__(Value(now, output_field=DateTimeField()), zone)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((%(expressions)s)::date)", arg_joiner=" AT TIME ZONE "
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_LOCAL_DATE)


def _sqlite_local_date(stamp: str | None, zone: str | None) -> str | None:
    if stamp is None or zone is None:
        return None
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is None:  # Django stores UTC without an offset in SQLite.
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date().isoformat()


def _register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_LOCAL_DATE, 2, _sqlite_local_date, deterministic=True
        )


connection_created.connect(_register_sqlite_functions, dispatch_uid="common.db.sqlite_functions")
