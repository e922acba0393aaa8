"""A period of whole local days, as digests and their runs are counted and stored by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Period:
    """A stretch of whole local days, ``start`` included and ``end`` not (both aware, UTC)."""

    start: datetime
    end: datetime
    timezone: str

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        length = self.end - self.start
        return Period(self.start - length, self.start, self.timezone)

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return round((self.end - self.start) / timedelta(days=1))
