"""The `reslog` entry point: parses the command line and turns every expected failure into one line.

Every refusal of the domain is a ``storage.errors.DomainError`` (a ``CliError`` among them): it
is caught here, once, and its English line printed as ``reslog: error: ...`` with exit 2. So
are a database that cannot be used and a file that cannot be read or written.
"""

from __future__ import annotations

import argparse
import logging
import sys

from sqlalchemy.exc import DBAPIError

from bot.cli import (
    assembly,
    db,
    demo,
    digest,
    digest_settings,
    doctor,
    notice,
    poll,
    poster,
    privacy,
    results,
    retention,
    run,
    staff,
    union,
)
from bot.logs import configure_logging
from storage.errors import DomainError


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="reslog",
        description="RESLOG: a Telegram and WhatsApp bot for citizens' assemblies.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (
        db,
        assembly,
        union,
        staff,
        poll,
        notice,
        results,
        digest,
        digest_settings,
        poster,
        demo,
        retention,
        privacy,
        doctor,
        run,
    ):
        group.register(commands)
    return parser


def database_problem(exc: DBAPIError) -> str:
    """A database that cannot be opened or has no tables, in one line with the likely fix."""
    reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
    return (
        f"the database cannot be used ({reason}); check DATABASE_URL, "
        "and run `reslog db upgrade` on a new database"
    )


def main(argv: list[str] | None = None) -> int:
    """Run one command; expected failures print `reslog: error: ...` and exit 2."""
    args = build_parser().parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except DomainError as exc:
        print(f"reslog: error: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # cannot connect, no such database, never migrated, ...
        logging.getLogger(__name__).debug("database failure", exc_info=True)
        print(f"reslog: error: {database_problem(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.__class__.__module__.startswith(("sqlalchemy", "asyncpg")):
            raise
        print(f"reslog: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
