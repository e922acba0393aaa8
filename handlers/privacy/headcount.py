"""A count of people as staff may see it: how many a notice, an invitation or results go to.

Staff are told how many people something reaches, but never an exact count under the
municipality's K: a segment of one person reads "fewer than 5", in chat and on the command
line (``<5``), so that nobody in a small group can be counted. Nobody (0) is said as it is:
an empty audience is no secret, and staff must know that nothing will be sent. Counts of K
or more are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.privacy.suppression import check_threshold, small


@dataclass(frozen=True)
class Headcount:
    """A number of people, and the K of the municipality they belong to."""

    count: int
    k: int

    def __post_init__(self) -> None:
        """Refuse a negative count or a threshold too low to protect anyone."""
        check_threshold(self.k)
        if self.count < 0:
            raise ValueError("a count of people cannot be negative")

    @property
    def fewer(self) -> bool:
        """Whether staff may only be told "fewer than K" (1 to K-1 people)."""
        return 0 < self.count < self.k

    @property
    def number(self) -> int:
        """The number a sentence says: K for "fewer than K", else the count itself."""
        return self.k if self.fewer else self.count

    def plain(self) -> str:
        """As the command line prints it: ``<5``, or the count (``1,234``)."""
        return small(self.k) if self.fewer else f"{self.count:,}"
