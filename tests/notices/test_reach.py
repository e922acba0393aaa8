"""One notice's reach as /delivery and `reslog notice list` show it: nothing small, nothing pinned.

Checked against the brute-force reader of ``tests.privacy.test_suppression``: every notice that would
read the same (with "N were not confirmed" telling the reader that failed is at least N)
is searched for one that gives a hidden figure another value.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from handlers.notices.reach import notice_reach, reach_of
from handlers.privacy.suppression import CountTable
from storage.digest_queries import REACH
from tests.privacy.test_suppression import _hidden_targets, _Reader

STATUSES = ("sent", "pending", "sending", "failed", "blocked", "skipped", "unconfirmed")


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {status: st.one_of(st.just(0), st.integers(1, 9)) for status in STATUSES}
    ),
    st.integers(2, 6),
)
@example(dict.fromkeys(STATUSES, 0) | {"sent": 5, "unconfirmed": 1}, 5)
@example(dict.fromkeys(STATUSES, 0) | {"sent": 7}, 5)
@example(dict.fromkeys(STATUSES, 0) | {"sent": 9, "failed": 1, "unconfirmed": 3}, 5)
def test_a_notice_shows_no_small_count_and_nothing_hidden_can_be_worked_out(
    statuses: dict[str, int], k: int
) -> None:
    shown = notice_reach(statuses, k)
    reach = reach_of(statuses)
    assert sum(reach.values()) == sum(statuses.values())
    figures = (shown.recipients, *shown.cells)
    if not any(statuses.values()):
        assert figures == ("0",) * 5  # a notice that reached nobody: nobody to protect
        return
    assert all(int(text) >= k for text in figures if text.isdigit())
    assert shown.unconfirmed == statuses["unconfirmed"]
    truth = CountTable(("notice",), REACH, (tuple(reach[column] for column in REACH),), False)
    cap = sum(reach.values()) + k
    failed = ("cell", 0, REACH.index("failed"))
    known = {failed: (shown.unconfirmed, cap)} if shown.unconfirmed else {}
    reader = _Reader(shown.figures, truth, cap, known)
    for target in _hidden_targets(shown.figures):
        assert reader.another_table_changes(target), (target, figures)


def test_the_labelled_delivery_counts_case_hides_which_of_the_seven_failed() -> None:
    # Issue 21, "delivery counts": seven recipients, five delivered and two failed (K=5).
    shown = notice_reach({"sent": 5, "failed": 2}, 5)
    assert shown.cells[REACH.index("failed")] == "<5"
    assert "2" not in (shown.recipients, *shown.cells)
