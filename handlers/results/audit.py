"""What a reader of every published figure can work out: an integer program over all of them.

The figures of a poll (every breakdown's cells and totals, the respondents, the answered
counts) are integer unknowns tied by the equations a reader knows: a row adds up to its
total in every breakdown, a column to the respondents of that column, every breakdown to the
same respondents overall. What is shown bounds each unknown: a number fixes it, ``<K`` puts it
in 0..K-1, ``x`` at K or more, ``-`` says nothing. A hidden figure is *pinned* when every set
of figures that fits all of this gives it the same value, which is what a determined reader
solving everything together would find.

``pinned`` decides it exactly with HiGHS's mixed-integer solver (through SciPy). A few solves
push every hidden unknown at once in random directions; any unknown that some solution moves
off its true value is not pinned. For the rest, one by one, it looks for a solution above the
true value, then below it; each solution found clears every other unknown it moves too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Bound = tuple[int, int | None]
Terms = Mapping[int, int]


@dataclass
class LinearModel:
    """Integer unknowns ``0 <= v`` with their true values, linear rows ``low <= sum <= high``,
    and the bounds that what is shown puts on each unknown."""

    truth: list[int] = field(default_factory=list)
    rows: list[tuple[dict[int, int], int | None, int | None]] = field(default_factory=list)
    bounds: dict[int, Bound] = field(default_factory=dict)

    def unknown(self, value: int) -> int:
        """A new unknown whose true value is ``value``; its index."""
        self.truth.append(value)
        return len(self.truth) - 1

    def equal(self, terms: Terms, value: int = 0) -> None:
        """The weighted sum of some unknowns is ``value``."""
        self.rows.append((dict(terms), value, value))

    def between(self, terms: Terms, low: int | None, high: int | None) -> None:
        """The weighted sum of some unknowns lies between ``low`` and ``high`` (None: no limit)."""
        self.rows.append((dict(terms), low, high))

    def bound(self, index: int, low: int, high: int | None) -> None:
        """What one shown figure says of an unknown; several such statements all hold."""
        old_low, old_high = self.bounds.get(index, (0, None))
        new_high = high if old_high is None else old_high if high is None else min(high, old_high)
        self.bounds[index] = (max(low, old_low), new_high)


BATCHES = 24


def pinned(model: LinearModel, hidden: Iterable[int]) -> int | None:
    """The first hidden unknown (in the order given) that only its true value fits, if any."""
    order = list(dict.fromkeys(hidden))
    if not order:
        return None
    solver = _Solver(model)
    cleared = solver.batch_moves(order)
    for index in order:
        if index in cleared:
            continue
        moved = solver.moved({index: 1.0}) or solver.moved({index: -1.0})
        if index not in moved:
            return index
        cleared |= moved
    return None


class _Solver:
    """The model as SciPy's ``milp`` takes it, solved for one unknown at a time."""

    def __init__(self, model: LinearModel) -> None:
        """Build the constraint matrix and bounds once."""
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint
        from scipy.sparse import coo_array

        size = len(model.truth)
        self.truth = np.array(model.truth, dtype=float)
        rows, columns, values = [], [], []
        lows, highs = [], []
        for number, (terms, low, high) in enumerate(model.rows):
            for index, weight in terms.items():
                rows.append(number)
                columns.append(index)
                values.append(float(weight))
            lows.append(-np.inf if low is None else float(low))
            highs.append(np.inf if high is None else float(high))
        matrix = coo_array((values, (rows, columns)), shape=(len(model.rows), size)).tocsr()
        self.constraints = [LinearConstraint(matrix, np.array(lows), np.array(highs))]
        low_bounds = np.zeros(size)
        high_bounds = np.full(size, np.inf)
        for index, (low, high) in model.bounds.items():
            low_bounds[index] = low
            high_bounds[index] = np.inf if high is None else high
        self.bounds = Bounds(low_bounds, high_bounds)
        self.lows, self.highs = low_bounds, high_bounds
        self.integrality = np.ones(size, dtype=np.int8)
        self.size = size

    def batch_moves(self, order: list[int]) -> set[int]:
        """Unknowns cleared by pushing all of them at once in random directions (seeded, so
        the same figures give the same answer), a few times: most move in one of these."""
        import numpy as np

        generator = np.random.default_rng(0)
        cleared: set[int] = set()
        idle = 0
        for _batch in range(BATCHES):
            left = [index for index in order if index not in cleared]
            if not left or idle == 3:
                break
            signs = generator.choice((-1.0, 1.0), size=len(left))
            push = {
                index: 1.0
                if self.truth[index] <= self.lows[index]
                else -1.0
                if self.truth[index] >= self.highs[index]
                else float(sign)
                for index, sign in zip(left, signs, strict=True)
            }
            moved = self.moved(push)
            idle = idle + 1 if not moved - cleared else 0
            cleared |= moved
        return cleared

    def moved(self, push: dict[int, float]) -> set[int]:
        """The unknowns moved by a solution that pushes some up (+1) and others down (-1)."""
        import numpy as np
        from scipy.optimize import milp

        objective = np.zeros(self.size)
        for index, sign in push.items():
            objective[index] = -sign
        result = milp(
            objective,
            integrality=self.integrality,
            bounds=self.bounds,
            constraints=self.constraints,
            options={"disp": False, "time_limit": 20.0},
        )
        if result.x is None:
            return set()  # no answer in time: treat as not movable, so more gets hidden
        solution = np.rint(result.x)
        return {int(i) for i in np.flatnonzero(solution != self.truth)}
