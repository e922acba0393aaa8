"""`reslog retention`: each municipality's retention periods, the purge run, the destruction log."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.cli.assembly import municipality_by_slug
from bot.cli.common import CliError, add_json_flag, database, print_table, run_async
from bot.settings import Settings, load_settings
from handlers.retention.periods import PERIODS, check_period
from handlers.retention.purge import run_purge
from storage.assemblies import municipalities
from storage.base import utcnow
from storage.destructions import destruction_log
from storage.engine import create_engine, create_sessionmaker
from storage.models import Municipality

LOG_COLUMNS = ["destroyed_at", "municipality", "category", "reason", "records", "run"]


def _option(column: str) -> str:
    """The command-line option of a period's column (``inactive_months`` → ``inactive-months``)."""
    return column.replace("_", "-")


def _periods_of(municipality: Municipality) -> list[Any]:
    """A municipality's row of the periods table."""
    return [municipality.slug, *(getattr(municipality, p.column) for p in PERIODS)]


async def _show(args: argparse.Namespace, settings: Settings) -> int:
    """Print each municipality's periods."""
    async with database(settings) as session:
        if args.municipality:
            shown = [await municipality_by_slug(session, args.municipality)]
        else:
            shown = await municipalities(session)
    if args.json:
        periods = [
            {"municipality": m.slug} | {p.column: getattr(m, p.column) for p in PERIODS}
            for m in shown
        ]
        print(json.dumps(periods, indent=2))
        return 0
    print_table(
        [_periods_of(m) for m in shown],
        ["municipality", *(f"{_option(p.column)} ({p.keeps})" for p in PERIODS)],
    )
    return 0


async def _set(args: argparse.Namespace, settings: Settings) -> int:
    """Change some of a municipality's periods; each checked before any is stored."""
    changes = {
        p.column: check_period(p, getattr(args, p.column))
        for p in PERIODS
        if getattr(args, p.column) is not None
    }
    if not changes:
        raise CliError(
            "give at least one period: " + ", ".join(f"--{_option(p.column)}" for p in PERIODS)
        )
    async with database(settings) as session:
        municipality = await municipality_by_slug(session, args.municipality)
        for column, value in changes.items():
            setattr(municipality, column, value)
        await session.commit()
        print_table(
            [_periods_of(municipality)], ["municipality", *(_option(p.column) for p in PERIODS)]
        )
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    """One purge run now (the worker runs one a day by itself)."""
    engine = create_engine(settings.database_url)
    try:
        report = await run_purge(
            create_sessionmaker(engine), utcnow(), "command", settings.backup_keep_days
        )
    finally:
        await engine.dispose()
    print(report.summary())
    return 0


def _since(text: str | None) -> datetime | None:
    """A --since date (YYYY-MM-DD, UTC)."""
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise CliError(f"--since {text!r} must be a date like 2026-01-31") from None


async def _log_rows(args: argparse.Namespace, settings: Settings) -> list[list[Any]]:
    """The destruction log's rows as printed, oldest first."""
    since = _since(args.since)
    async with database(settings) as session:
        municipality_id = None
        if args.municipality:
            municipality_id = (await municipality_by_slug(session, args.municipality)).id
        rows = [
            [
                row.destroyed_at.isoformat(timespec="seconds"),
                slug or "-",
                row.category,
                row.reason,
                row.records,
                row.run_id or "-",
            ]
            for row, slug in await destruction_log(session, since, municipality_id)
        ]
    return rows


def _log(args: argparse.Namespace) -> int:
    """Print the destruction log, or write it as CSV."""
    rows = asyncio.run(_log_rows(args, load_settings(need_secret=False)))
    if args.csv is None:
        print_table(rows, LOG_COLUMNS)
        return 0
    if args.csv == "-":
        _write_csv(sys.stdout, rows)
        return 0
    try:
        with open(args.csv, "w", encoding="utf-8", newline="") as handle:
            _write_csv(handle, rows)
    except OSError as exc:
        raise CliError(f"cannot write {args.csv}: {exc.strerror}") from None
    print(f"wrote {len(rows)} rows to {args.csv}")
    return 0


def _write_csv(handle: TextIO, rows: list[list[Any]]) -> None:
    """The log as CSV with a header row."""
    writer = csv.writer(handle)
    writer.writerow(LOG_COLUMNS)
    writer.writerows(rows)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the retention commands."""
    retention = commands.add_parser(
        "retention",
        help="retention periods, the purge, the destruction log",
        description="How long each kind of personal data is kept, the purge that enforces it,"
        " and the log of what it destroyed.",
    )
    group = retention.add_subparsers(dest="retention_command", required=True)
    show = group.add_parser("show", help="print the periods", description="Print the periods.")
    show.add_argument("--municipality", help="only this municipality (its slug)")
    add_json_flag(show)
    show.set_defaults(func=run_async(_show))
    change = group.add_parser(
        "set",
        help="change a municipality's periods",
        description="Change a municipality's retention periods (1 month or day up to ten years).",
    )
    change.add_argument("--municipality", required=True, help="the municipality's slug")
    for period in PERIODS:
        change.add_argument(
            f"--{_option(period.column)}",
            dest=period.column,
            type=int,
            metavar=period.unit.upper(),
            help=f"how long {period.keeps} is kept, in {period.unit}",
        )
    change.set_defaults(func=run_async(_set))
    run = group.add_parser(
        "run",
        help="run the purge now",
        description="Warn, erase and delete what is due now, and log it (for cron; the worker"
        " runs it once a day by itself).",
    )
    run.set_defaults(func=run_async(_run))
    log = group.add_parser(
        "log", help="print the destruction log", description="Print the destruction log."
    )
    log.add_argument("--municipality", help="only this municipality's destructions (its slug)")
    log.add_argument("--since", metavar="YYYY-MM-DD", help="only from this day (UTC)")
    log.add_argument("--csv", metavar="FILE", help="write CSV to FILE (- for standard output)")
    log.set_defaults(func=_log)
