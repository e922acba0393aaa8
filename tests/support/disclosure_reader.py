"""A reader who holds every output of a poll at once and solves them together, for the tests.

Written apart from the product's own suppression code: it reads only the display strings of
the results by language and by every profile question, and what anyone knows of how they are
made. Its unknowns are the respondents cross-classified by language and by one profile answer
at a time (a joint table per profile question, which every question of the poll must split
into its rows), so it knows more than any one output states: that the same people answer
every question, in the same language and with the same profile. A shown number fixes its
figure, ``<K`` puts it in 0..K-1, ``x`` at K or more, ``-`` says nothing. For every figure
not shown as a number, the reader solves for its least and greatest value (HiGHS, through
SciPy); a figure whose least and greatest agree is pinned: given away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.results.by_language import PollResults, ResultRow, poll_results
from handlers.results.by_profile import ProfileResults, ProfileRow, results_by_profile
from storage.models import Assembly, Poll, Question

Expr = dict[int, int]
R = TypeVar("R", PollResults, ProfileResults)
ONE_ANSWER = ("single", "scale", "yesno")
LANGS = ("tr", "ar", "en")


@dataclass
class _Program:
    """Unknowns, linear equations, and the figures (named sums of unknowns) a reader sees."""

    size: int = 0
    equations: list[Expr] = field(default_factory=list)
    inequalities: list[tuple[Expr, float, float]] = field(default_factory=list)
    figures: dict[str, tuple[Expr, list[str]]] = field(default_factory=dict)
    prefix: str = ""  # names the moment the figures being added were shown at

    def unknowns(self, count: int) -> list[int]:
        """``count`` new unknowns, each at least zero."""
        first = self.size
        self.size += count
        return list(range(first, first + count))

    def equal(self, left: Expr, right: Expr) -> None:
        """Two sums are equal."""
        terms = dict(left)
        for index, weight in right.items():
            terms[index] = terms.get(index, 0) - weight
        self.equations.append(terms)

    def figure(self, name: str, expr: Expr, shown: str) -> None:
        """A figure as one output shows it. A total every output shows (an option's count
        overall, the respondents) has one name, so all its statements hold together."""
        name = self.prefix + name
        if name in self.figures:
            self.figures[name][1].append(shown)
        else:
            self.figures[name] = (expr, [shown])


def _sum(*exprs: Expr) -> Expr:
    total: Expr = {}
    for expr in exprs:
        for index, weight in expr.items():
            total[index] = total.get(index, 0) + weight
    return total


def _one(index: int) -> Expr:
    return {index: 1}


async def pinned_in_outputs(
    sessions: async_sessionmaker[AsyncSession], poll_id: int, k: int | None = None
) -> list[str]:
    """What a reader of a poll's results by language and by every profile question, as the
    product shows them now, can pin."""
    async with sessions() as session:
        poll = await session.get(Poll, poll_id)
        assert poll is not None
        assembly = await session.get(Assembly, poll.assembly_id)
        assert assembly is not None
        by_language = await poll_results(session, poll, language="en", k=k)
        by_profile = [
            await results_by_profile(session, poll, str(q["key"]), language="en", k=k)
            for q in assembly.profile or []
        ]
        questions = list(poll.questions)
    return pinned_figures(questions, by_language, by_profile, by_language.k)


def pinned_figures(
    questions: Sequence[Question],
    by_language: PollResults,
    by_profile: Sequence[ProfileResults],
    k: int,
) -> list[str]:
    """The figures not shown as numbers that the outputs, solved together, give away."""
    program = _Program()
    _model(program, questions, by_language, by_profile)
    return _solve(program, k)


def _model(
    program: _Program,
    questions: Sequence[Question],
    by_language: PollResults,
    by_profile: Sequence[ProfileResults],
) -> None:
    """The joint unknowns of every (language, profile question) pair, and every figure."""
    pairs: list[tuple[ProfileResults | None, list[str]]] = [
        (p, [c.key for c in p.columns]) for p in by_profile
    ]
    pairs = pairs or [(None, ["all"])]
    language_sums: dict[tuple[str, int, int, str], list[Expr]] = {}
    for profile, columns in pairs:
        joint = {(lang, c): program.unknowns(1)[0] for lang in LANGS for c in columns}
        cells: dict[tuple[int, int], dict[tuple[str, str], int]] = {}
        for number, question in enumerate(questions):
            split = {
                r: {lc: program.unknowns(1)[0] for lc in joint}
                for r in range(_row_count(question) + 1)
            }
            for lc, whole in joint.items():
                program.equal({split[r][lc]: 1 for r in split}, _one(whole))
            if question.kind == "multi":
                answered = split[0]
                options = {
                    o: {lc: program.unknowns(1)[0] for lc in joint}
                    for o in range(len(question.options))
                }
                for lc in joint:
                    for o in options:
                        program.inequalities.append(
                            ({options[o][lc]: 1, answered[lc]: -1}, -np.inf, 0)
                        )
                    program.inequalities.append(
                        (_sum({options[o][lc]: 1 for o in options}, {answered[lc]: -1}), 0, np.inf)
                    )
                for o, by_cell in options.items():
                    cells[number, 100 + o] = by_cell
            for r, by_cell in split.items():
                cells[number, r] = by_cell
        _figures(program, profile, columns, joint, cells, questions, language_sums)
    for _name, exprs in language_sums.items():
        for other in exprs[1:]:
            program.equal(exprs[0], other)
    _language_figures(program, questions, by_language, language_sums)


def _row_count(question: Question) -> int:
    """How many rows a question splits its respondents into, besides "did not answer": one
    per option or value for one-answer questions, else one (answered)."""
    if question.kind == "single":
        return len(question.options)
    return {"scale": 5, "yesno": 2}.get(question.kind, 1)


def _figures(
    program: _Program,
    profile: ProfileResults | None,
    columns: list[str],
    joint: dict[tuple[str, str], int],
    cells: dict[tuple[int, int], dict[tuple[str, str], int]],
    questions: Sequence[Question],
    language_sums: dict[tuple[str, int, int, str], list[Expr]],
) -> None:
    """The by-profile figures of one pair's joint table, and its sums by language."""
    for lang in LANGS:
        expr = {joint[lang, c]: 1 for c in columns}
        language_sums.setdefault(("respondents", -1, -1, lang), []).append(expr)
    for (number, r), by_cell in cells.items():
        for lang in LANGS:
            expr = {by_cell[lang, c]: 1 for c in columns}
            language_sums.setdefault(("cell", number, r, lang), []).append(expr)
    if profile is None:
        return
    name = f"by {profile.by}"
    column_exprs = {c: {joint[lang, c]: 1 for lang in LANGS} for c in columns}
    _row_figures(program, f"{name}: respondents", profile.respondents, column_exprs, columns)
    for number, (question, shown) in enumerate(zip(questions, profile.questions, strict=True)):
        count = _row_count(question)
        by_row = {
            r: {c: {cells[number, r][lang, c]: 1 for lang in LANGS} for c in columns}
            for r in range(count + 1)
        }
        label = f"{name}: q{number + 1}"
        if question.kind in ONE_ANSWER:
            for r, row in enumerate(shown.rows):
                _row_figures(program, f"{label} row {r}", row, by_row[r], columns)
        else:
            if shown.answered is not None:
                _row_figures(program, f"{label} answered", shown.answered, by_row[0], columns)
            for o, row in enumerate(shown.rows):
                option = {
                    c: {cells[number, 100 + o][lang, c]: 1 for lang in LANGS} for c in columns
                }
                _row_figures(program, f"{label} option {o}", row, option, columns)
        if shown.not_answered is not None:
            _row_figures(program, f"{label} skipped", shown.not_answered, by_row[count], columns)
        else:  # the row is left out only when nobody skipped the question
            nobody = ProfileRow("", "0", dict.fromkeys(columns, "0"))
            _row_figures(program, f"{label} skipped", nobody, by_row[count], columns)


def _total_name(name: str) -> str:
    """A row total's name, the same in every output ("q2 option 0 total")."""
    return name.split(": ", 1)[1] + " total"


def _row_figures(
    program: _Program, name: str, row: ProfileRow, exprs: dict[str, Expr], columns: list[str]
) -> None:
    """A shown row of a profile table: its total and each column."""
    program.figure(_total_name(name), _sum(*exprs.values()), row.total)
    for c in columns:
        program.figure(f"{name} [{c}]", exprs[c], row.by_option[c])


def _language_figures(
    program: _Program,
    questions: Sequence[Question],
    results: PollResults,
    sums: dict[tuple[str, int, int, str], list[Expr]],
) -> None:
    """The by-language figures: respondents, and every question's rows."""

    def lang_expr(kind: str, number: int, r: int, lang: str) -> Expr:
        return sums[kind, number, r, lang][0]

    def show(name: str, by_lang: dict[str, Expr], total: str, shown: dict[str, str]) -> None:
        program.figure(_total_name(name), _sum(*by_lang.values()), total)
        for lang in LANGS:
            program.figure(f"{name} [{lang}]", by_lang[lang], shown[lang])

    respondents = {lang: lang_expr("respondents", -1, -1, lang) for lang in LANGS}
    show(
        "by language: respondents",
        respondents,
        results.respondents.total,
        results.respondents.by_language,
    )
    for number, (question, shown) in enumerate(zip(questions, results.questions, strict=True)):
        count = _row_count(question)
        label = f"by language: q{number + 1}"
        if question.kind in ONE_ANSWER:
            for r, row in enumerate(shown.rows):
                show(
                    f"{label} row {r}",
                    {lg: lang_expr("cell", number, r, lg) for lg in LANGS},
                    row.total,
                    row.by_language,
                )
            answered = {
                lang: _sum(*(lang_expr("cell", number, r, lang) for r in range(count)))
                for lang in LANGS
            }
        else:
            answered = {lang: lang_expr("cell", number, 0, lang) for lang in LANGS}
            for o, row in enumerate(shown.rows):
                show(
                    f"{label} option {o}",
                    {lg: lang_expr("cell", number, 100 + o, lg) for lg in LANGS},
                    row.total,
                    row.by_language,
                )
        show(f"{label} answered", answered, shown.answered.total, shown.answered.by_language)
        skipped = {lang: lang_expr("cell", number, count, lang) for lang in LANGS}
        if shown.not_answered is not None:
            show(
                f"{label} skipped",
                skipped,
                shown.not_answered.total,
                shown.not_answered.by_language,
            )
        else:  # the row is left out only when nobody skipped the question
            show(f"{label} skipped", skipped, "0", dict.fromkeys(LANGS, "0"))


def rounded_low(value: int, base: int) -> int:
    """The least count that reads ``value`` once rounded to the nearest ``base`` (halves up),
    as the product documents it: 0 to 2 read 0, 3 to 7 read 5 for a base of 5."""
    return max(0, value - base // 2)


def rounded_high(value: int, base: int) -> int:
    """The greatest count that reads ``value`` once rounded to the nearest ``base``."""
    return value + (base - base // 2) - 1


Outputs = tuple[PollResults, Sequence[ProfileResults]]


def pinned_across_moments(
    questions: Sequence[Question],
    first: Outputs,
    second: Outputs,
    k: int,
    *,
    first_rounding: int,
) -> list[str]:
    """What a reader of a poll's outputs at two moments, solved together, can pin, knowing that
    in between one person joined and answered and one respondent erased themselves: a figure
    by language grew by 0 or 1; a figure by profile answer moved by -1 to 2 (the erased
    response moves to "no answer"). The first moment's numbers are read as rounded to
    ``first_rounding`` (1: exact)."""
    program = _Program()
    program.prefix = "m1 "
    _model(
        program,
        questions,
        _as_rounded(first[0], first_rounding),
        [_as_rounded(p, first_rounding) for p in first[1]],
    )
    program.prefix = "m2 "
    _model(program, questions, second[0], second[1])
    for name, (expr, _shown) in list(program.figures.items()):
        if not name.startswith("m2 ") or f"m1 {name[3:]}" not in program.figures:
            continue
        before = program.figures[f"m1 {name[3:]}"][0]
        by_language = name[3:].startswith("by language") or name.endswith(" total")
        low, high = (0, 1) if by_language else (-1, 2)
        program.inequalities.append((_sum(expr, {i: -w for i, w in before.items()}), low, high))
    return _solve(program, k, marked_only=True)


def _as_rounded(results: R, base: int) -> R:
    """The results with every number marked as rounded to ``base`` (as the reader reads them)."""
    if base == 1:
        return results

    def one(text: str) -> str:
        return f"~{base}:{text}" if text.isdigit() else text

    def mark(row: Any) -> Any:
        if row is None:
            return None
        by = "by_language" if isinstance(row, ResultRow) else "by_option"
        marked = {key: one(value) for key, value in getattr(row, by).items()}
        return replace(row, total=one(row.total), **{by: marked})

    questions = tuple(
        replace(
            q,
            answered=mark(q.answered),
            rows=tuple(mark(r) for r in q.rows),
            not_answered=mark(q.not_answered),
        )
        for q in results.questions
    )
    return replace(results, respondents=mark(results.respondents), questions=questions)


def _solve(program: _Program, k: int, *, marked_only: bool = False) -> list[str]:
    """Every figure not shown as a number whose least and greatest possible values agree;
    with ``marked_only``, only those shown ``<K`` or ``x`` somewhere (a figure never shown at
    all, such as an open poll's, is not checked)."""
    size = program.size + len(program.figures)
    rows: list[tuple[Expr, float, float]] = [(e, 0.0, 0.0) for e in program.equations]
    rows += program.inequalities
    low = np.zeros(size)
    high = np.full(size, np.inf)
    hidden: list[tuple[str, int]] = []
    for offset, (name, (expr, statements)) in enumerate(program.figures.items()):
        index = program.size + offset
        rows.append((_sum(expr, {index: -1}), 0.0, 0.0))
        for shown in statements:
            if shown.startswith("~"):  # rounded to a base: "~5:10" is 10 to the nearest 5
                base, value = map(int, shown[1:].split(":"))
                low[index] = max(low[index], rounded_low(value, base))
                high[index] = min(high[index], rounded_high(value, base))
            elif shown.isdigit():
                low[index] = max(low[index], int(shown))
                high[index] = min(high[index], int(shown))
            elif shown == f"<{k}":
                high[index] = min(high[index], k - 1)
            elif shown == "x":
                low[index] = max(low[index], k)
            elif shown not in ("-", ""):
                raise AssertionError(f"{name} is shown as {shown!r}")
        numbers = [t for t in statements if t.isdigit() or t.startswith("~")]
        marked = any(t in (f"<{k}", "x") for t in statements)
        if not numbers and set(statements) != {""} and (marked or not marked_only):
            hidden.append((name, index))
    data, row_ids, col_ids = [], [], []
    for number, (expr, _lo, _hi) in enumerate(rows):
        for index, weight in expr.items():
            data.append(float(weight))
            row_ids.append(number)
            col_ids.append(index)
    matrix = coo_array((data, (row_ids, col_ids)), shape=(len(rows), size)).tocsr()
    constraint = LinearConstraint(
        matrix, np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    )
    bounds = Bounds(low, high)
    integrality = np.ones(size, dtype=np.int8)
    indices = np.array([index for _name, index in hidden], dtype=int)
    seen: list[np.ndarray] = []  # each hidden figure's value in every solution found so far
    cleared: set[int] = set()
    found: list[str] = []
    for position, (name, index) in enumerate(hidden):
        if position in cleared:
            continue
        for sign in (1.0, -1.0):
            objective = np.zeros(size)
            objective[index] = sign
            result = milp(
                objective, integrality=integrality, bounds=bounds, constraints=[constraint]
            )
            assert result.x is not None, f"the outputs contradict each other ({name})"
            seen.append(np.rint(result.x[indices]))
            values = np.array(seen)
            cleared |= {int(i) for i in np.flatnonzero(values.min(axis=0) != values.max(axis=0))}
            if position in cleared:
                break
        else:
            found.append(f"{name} = {int(seen[-1][position])}")
    return found
