"""A count of people as staff may see it: under K only "fewer than K", nobody and K or more exact."""

from __future__ import annotations

import pytest

from handlers.privacy.headcount import Headcount


@pytest.mark.parametrize(
    ("count", "k", "fewer", "number", "printed"),
    [
        (0, 5, False, 0, "0"),  # nobody: said plainly, nothing will be sent
        (1, 5, True, 5, "<5"),
        (4, 5, True, 5, "<5"),
        (5, 5, False, 5, "5"),
        (6, 7, True, 7, "<7"),
        (1234, 5, False, 1234, "1,234"),
    ],
)
def test_a_count_under_k_is_only_fewer_than_k(
    count: int, k: int, fewer: bool, number: int, printed: str
) -> None:
    seen = Headcount(count, k)
    assert (seen.fewer, seen.number, seen.plain()) == (fewer, number, printed)


@pytest.mark.parametrize(
    ("count", "k", "message"), [(-1, 5, "cannot be negative"), (3, 1, "at least 2")]
)
def test_a_negative_count_or_a_threshold_under_two_is_refused(
    count: int, k: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Headcount(count, k)
