"""`reslog results` and `reslog export`: aggregates only, small counts suppressed.

`reslog export` writes the same tables as `reslog results`, figure by figure as shown; the
row-level file (``--row-level``) is for the municipality's own analyst, warned about and logged.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import CliError, database, print_table, run_async
from bot.cli.poll import require_poll
from bot.settings import Settings
from handlers.i18n.core import DEFAULT_LANGUAGE, LANGUAGES
from handlers.privacy.suppression import HIDDEN, WITHHELD
from handlers.results.by_language import (
    PollResults,
    QuestionResult,
    ResultRow,
    poll_results,
)
from handlers.results.by_profile import (
    ProfileQuestionResult,
    ProfileResults,
    ProfileRow,
    results_by_profile,
)
from handlers.results.disclosure import DECLINED
from handlers.results.export import Export, response_rows, result_rows
from storage.models import Poll
from storage.tallies import NO_ANSWER
from storage.vocabulary import QuestionKind

KIND_NAMES: dict[str, str] = {
    QuestionKind.SINGLE: "single choice",
    QuestionKind.MULTI: "multiple choice: a person counts once per option chosen",
    QuestionKind.SCALE: "scale 1-5",
    QuestionKind.YESNO: "yes or no",
    QuestionKind.NUMBER: "number",
    QuestionKind.TEXT: "free text: only the number of answers is shown, here and in every export",
}
FIRST_COLUMN: dict[str, str] = {
    QuestionKind.SINGLE: "option",
    QuestionKind.MULTI: "option",
    QuestionKind.SCALE: "value",
    QuestionKind.YESNO: "answer",
}
EXPORT_MODE = 0o600
BY_LANGUAGE = "language"

log = logging.getLogger(__name__)


def legend(k: int, withheld: bool, rounding: int = 1) -> str:
    """What the marks in a results table mean."""
    lines = [
        f"<{k}: fewer than {k} (K={k}); {HIDDEN}: hidden so that a count under {k} "
        "cannot be worked out from the totals",
        f"a median shows only where at least {k} answered",
    ]
    if rounding > 1:
        lines.append(
            f"the poll is open: only the respondents in all are shown, rounded to the nearest "
            f"{rounding} (fewer than 3: -); its results are shown, and fixed, when it closes"
        )
    if withheld:
        lines.append(f"{WITHHELD}: the table is withheld, as any figure of it would give one away")
    return "\n".join(lines)


def _line(row: ResultRow, label: str | None = None) -> list[str]:
    """A result row as table cells: label, total, then each language."""
    return [label or row.label, row.total, *(row.by_language[lang] for lang in LANGUAGES)]


def _print_question(question: QuestionResult) -> None:
    """One question's table."""
    print()
    print(f"{question.number}. {question.text} ({KIND_NAMES.get(question.kind, question.kind)})")
    rows = [_line(row) for row in question.rows]
    rows.append(_line(question.answered))
    if question.median is not None:
        rows.append(_line(question.median))
    print_table(rows, [FIRST_COLUMN.get(question.kind, ""), "total", *LANGUAGES])


def print_results(results: PollResults) -> None:
    """Results as plain tables, one per question."""
    print(f"{results.title} ({results.slug}, {results.status})")
    withheld = results.respondents.total == WITHHELD or any(q.withheld for q in results.questions)
    print(legend(results.k, withheld, results.rounding))
    print()
    print_table([_line(results.respondents)], ["", "total", *LANGUAGES])
    for question in results.questions:
        _print_question(question)


def _profile_line(row: ProfileRow, keys: list[str], label: str | None = None) -> list[str]:
    """A result row by profile answer as table cells: label, total, then each column."""
    return [label or row.label, row.total, *(row.by_option[key] for key in keys)]


def _print_profile_question(question: ProfileQuestionResult, keys: list[str]) -> None:
    """One question's table by profile answer."""
    print()
    print(f"{question.number}. {question.text} ({KIND_NAMES.get(question.kind, question.kind)})")
    rows = [_profile_line(row, keys) for row in question.rows]
    for extra in (question.not_answered, question.answered, question.median):
        if extra is not None:
            rows.append(_profile_line(extra, keys))
    print_table(rows, [FIRST_COLUMN.get(question.kind, ""), "total", *keys])


def print_profile_results(results: ProfileResults) -> None:
    """Results by a profile question as plain tables, one per question; columns are option keys."""
    print(f"{results.title} ({results.slug}, {results.status})")
    print(f"by {results.by}: {results.question}")
    withheld = results.respondents.total == WITHHELD or any(q.withheld for q in results.questions)
    print(legend(results.k, withheld, results.rounding))
    print(
        f"{DECLINED}: chose 'prefer not to say'; {NO_ANSWER}: never answered {results.by}, "
        "or erased themselves; did not answer: answered the poll but not this question"
    )
    print()
    keys = [column.key for column in results.columns]
    print_table([_profile_line(results.respondents, keys)], ["", "total", *keys])
    for question in results.questions:
        _print_profile_question(question, keys)


async def _poll_results(
    session: AsyncSession, poll: Poll, args: argparse.Namespace, audience: str
) -> PollResults | ProfileResults:
    """The poll's results as `reslog results` shows them: by language or by ``--by``; their
    publication to ``audience`` recorded."""
    if args.by == BY_LANGUAGE:
        results: PollResults | ProfileResults = await poll_results(
            session, poll, language=args.language, k=args.k, audience=audience
        )
    else:
        results = await results_by_profile(
            session, poll, args.by, language=args.language, k=args.k, audience=audience
        )
    await session.commit()
    return results


async def _results(args: argparse.Namespace, settings: Settings) -> int:
    """Print a poll's results, small counts suppressed, by language or by a profile question."""
    async with database(settings) as session:
        poll = await require_poll(session, args.code, args.slug)
        results = await _poll_results(session, poll, args, "reslog results")
    if args.json:
        print(json.dumps(asdict(results), ensure_ascii=False, indent=2))
    elif isinstance(results, ProfileResults):
        print_profile_results(results)
    else:
        print_results(results)
    return 0


def write_csv(path: Path, export: Export) -> None:
    """Write the export as UTF-8 with a byte-order mark, readable by the owner only."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, EXPORT_MODE)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(export.header)
            writer.writerows(export.rows)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def _warn_row_level(out: Path, poll: Poll, code: str, rows: int) -> None:
    """Say on stderr that the row-level file must not be shared, and log where it went."""
    print(
        f"reslog: warning: {out} has one row per response: it is for the municipality's "
        "own analyst and must not be shared (counting its rows finds groups under K)",
        file=sys.stderr,
    )
    log.warning(
        "row-level export of poll %s of assembly %s written to %s (%d rows)",
        poll.slug,
        code,
        out.resolve(),
        rows,
    )


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the results' tables, or with --row-level one row per response, to a CSV file."""
    if args.row_level and (args.by != BY_LANGUAGE or args.k is not None):
        raise CliError(
            "--by and --k choose the tables; the row-level file has no language or profile column"
        )
    async with database(settings) as session:
        poll = await require_poll(session, args.code, args.slug)
        if not args.row_level:
            export = result_rows(
                await _poll_results(session, poll, args, f"reslog export to {args.out}")
            )
        else:
            export = await response_rows(session, poll, language=args.language)
    out = Path(args.out)
    write_csv(out, export)
    print(f"wrote {len(export.rows)} rows to {out}")
    if args.row_level:
        _warn_row_level(out, poll, args.code, len(export.rows))
    return 0


def _add_poll_arguments(parser: argparse.ArgumentParser) -> None:
    """The poll, the language of labels, K and the breakdown, which both commands take."""
    parser.add_argument("code", help="the assembly's join code")
    parser.add_argument("slug", help="the poll's slug (`reslog poll list CODE` shows them)")
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of titles, questions and options (default {DEFAULT_LANGUAGE})",
    )
    parser.add_argument(
        "--k",
        type=int,
        help="suppress counts under K; defaults to the municipality's K and can only raise it",
    )
    parser.add_argument(
        "--by",
        default=BY_LANGUAGE,
        metavar="KEY",
        help="break the results down by a profile question's key "
        "(a wrong one lists them), or by language (the default)",
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the results commands."""
    results = commands.add_parser(
        "results",
        help="show a poll's results as safe aggregates",
        description=(
            "Show a poll's results per question: a table of option | total | tr | ar | en, "
            "and how many answered. A count under K reads <K, and other counts are hidden "
            "(x) where the totals would give a small one away. Free-text answers are only "
            "counted. A response counts once it has one answer."
        ),
    )
    _add_poll_arguments(results)
    results.add_argument("--json", action="store_true", help="print JSON instead of tables")
    results.set_defaults(func=run_async(_results))
    export = commands.add_parser(
        "export",
        help="write a poll's results (or, with --row-level, its responses) to a CSV file",
        description=(
            "Write the tables `reslog results` shows to a CSV file (UTF-8 with a byte-order "
            "mark, so spreadsheets show Arabic, readable by its owner only): one row per "
            "question, option or value, and column (total, then each language, or with --by "
            "each answer to that profile question), with the figure as the results show it: "
            f"a number, <K for fewer than K, {HIDDEN} where a small count could be worked out, "
            f"{WITHHELD} for a table too small to show. Nothing is counted again, so the file "
            "never shows more than the results. With --row-level it writes instead one row "
            "per response of a closed poll with at least K responses, for the municipality's "
            "own analyst only: one column per question except free text (whose answers are "
            "never exported), options joined by '; ', no language or profile column, no "
            "participant id, no time, the rows shuffled; since its rows can be counted down "
            "to groups under K, it must not be shared, and writing it is logged as a warning."
        ),
    )
    _add_poll_arguments(export)
    export.add_argument(
        "--out", required=True, help="the CSV file to write (replaced if it exists)"
    )
    export.add_argument(
        "--row-level",
        action="store_true",
        help="one row per response instead, for the municipality's own analyst: never share it",
    )
    export.set_defaults(func=run_async(_export))
