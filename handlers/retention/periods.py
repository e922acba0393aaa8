"""A municipality's retention periods: what each means, and the bounds a setting must keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from handlers.i18n.core import N_
from storage.errors import DomainError, lazy
from storage.models import Municipality

# The law keeps data only as long as its purpose needs: no period here may pass ten years.
LONGEST_MONTHS = 120
LONGEST_DAYS = 3650
WARNING_AHEAD = timedelta(days=14)  # a participant is warned this long before the erasure
DESTRUCTION_LOG_YEARS = 3  # the destruction log keeps each row this long


class PeriodProblem(DomainError):
    """A retention period out of bounds; the message names it and the bounds."""


@dataclass(frozen=True)
class Period:
    """One setting: its column, its unit, and what it keeps."""

    column: str
    unit: str  # "months" or "days"
    keeps: str  # what the period applies to, for the command line and the inventory


PERIODS = (
    Period("inactive_months", "months", "a participant with no activity"),
    Period("feedback_months", "months", "feedback texts"),
    Period("outbox_days", "days", "who each notice was sent to"),
    Period("message_key_days", "days", "the keys of inbound messages"),
)


def check_period(period: Period, value: int) -> int:
    """The value if it is a period the law allows (at least 1, at most ten years)."""
    if period.unit == "months":
        highest, message = (
            LONGEST_MONTHS,
            N_("{name} must be between 1 and {highest} months, not {value}."),
        )
    else:
        highest, message = (
            LONGEST_DAYS,
            N_("{name} must be between 1 and {highest} days, not {value}."),
        )
    if not 1 <= value <= highest:
        raise PeriodProblem(lazy(message, name=period.column, highest=highest, value=value))
    return value


def before(now: datetime, municipality: Municipality, column: str) -> datetime:
    """The moment data of this kind has to be older than to be due: ``now`` less the period."""
    value = int(getattr(municipality, column))
    if column.endswith("_months"):
        return now - relativedelta(months=value)
    return now - timedelta(days=value)
