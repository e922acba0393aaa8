"""`reslog db`: migrate the database, show its revision; `reslog keygen`: make a secret key."""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.cli.common import CliError, database, run_async
from bot.settings import Settings, load_settings
from storage.backup import backup, restore
from storage.base import utcnow
from storage.crypto import generate_secret_key
from storage.erasures import ErasedRow, erased_rows, remember_erased
from storage.migrate import current, upgrade
from storage.participants import purge_unconsented, reapply_erasures


def _upgrade(args: argparse.Namespace) -> int:
    """Migrate to the latest schema."""
    settings = load_settings(need_secret=False)
    upgrade(settings.database_url, args.revision)
    print(f"database is at revision {args.revision}")
    return 0


def _current(args: argparse.Namespace) -> int:
    """Print the current revision."""
    current(load_settings(need_secret=False).database_url)
    return 0


async def _purge_pending(args: argparse.Namespace, settings: Settings) -> int:
    """Delete conversations that never reached consent."""
    if args.hours < 1:
        raise CliError("--hours must be at least 1")
    async with database(settings) as session:
        deleted = await purge_unconsented(session, utcnow() - timedelta(hours=args.hours))
        await session.commit()
    print(f"deleted {deleted} conversations that never reached consent")
    return 0


def _backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database, taken while the bot runs."""
    settings = load_settings(need_secret=False)
    out = Path(args.out)
    backup(settings.database_url, out)  # a BackupError is a DomainError: one line, exit 2
    print(f"backed up the database to {out} ({out.stat().st_size:,} bytes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    """Replace the database with a backup, migrate it to the latest schema, and erase again
    everyone erased since the backup was made (the erasures the database knew before)."""
    settings = load_settings(need_secret=False)
    known = asyncio.run(_erasures_known(settings))
    revision = restore(settings.database_url, Path(args.file), force=args.force)
    upgrade(settings.database_url)
    again = asyncio.run(_erase_again(settings, known))
    print(f"restored {args.file} (schema {revision}) and migrated it to the latest schema")
    print(f"erased again {again} people the backup held who had been erased since")
    return 0


async def _erasures_known(settings: Settings) -> list[ErasedRow]:
    """The erasures the database holds now (none if it is absent, empty or older than them)."""
    try:
        async with database(settings) as session:
            return await erased_rows(session)
    except DBAPIError:
        return []


async def _erase_again(settings: Settings, known: list[ErasedRow]) -> int:
    """Keep ``known`` in the restored database and erase whoever it brought back."""
    async with database(settings) as session:
        await remember_erased(session, known)
        again = await reapply_erasures(session, utcnow())
        await session.commit()
    return again


def _keygen(args: argparse.Namespace) -> int:
    """Write a new secret key to a file, or print it."""
    if args.file is None:
        print(generate_secret_key())
        return 0
    path = Path(args.file)
    if path.exists():
        if args.if_missing:
            return 0
        raise CliError(f"{path} exists already; a new key would make stored addresses unreadable")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generate_secret_key() + "\n")
    print(
        f"created a secret key in {path}: keep it safe, and back it up; without it stored addresses cannot be read"
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the db and keygen commands."""
    db = commands.add_parser("db", help="migrate the database", description="Database migrations.")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser(
        "upgrade",
        help="migrate to the latest schema",
        description="Migrate to the latest schema (or REVISION).",
    )
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    up.set_defaults(func=_upgrade)
    cur = db_commands.add_parser(
        "current", help="print the current revision", description="Print the current revision."
    )
    cur.set_defaults(func=_current)
    saved = db_commands.add_parser(
        "backup",
        help="copy the database, consistent while the bot runs",
        description="Write a consistent copy of the database to FILE while the bot runs"
        " (SQLite: its online backup; PostgreSQL: pg_dump's custom format).",
    )
    saved.add_argument("--out", required=True, metavar="FILE", help="where to write the backup")
    saved.set_defaults(func=_backup)
    back = db_commands.add_parser(
        "restore",
        help="replace the database with a backup",
        description="Replace the database with a backup made by `reslog db backup`, then"
        " migrate it to the latest schema. Stop the bot first.",
    )
    back.add_argument("file", help="a file written by `reslog db backup`")
    back.add_argument(
        "--force", action="store_true", help="replace a database that holds assemblies or people"
    )
    back.set_defaults(func=_restore)
    purge = db_commands.add_parser(
        "purge-pending",
        help="delete conversations that never reached consent",
        description="Delete people who started but never accepted the data-protection notice.",
    )
    purge.add_argument(
        "--hours", type=int, default=24, help="older than this many hours (default 24)"
    )
    purge.set_defaults(func=run_async(_purge_pending))
    keygen = commands.add_parser(
        "keygen", help="make a secret key", description="Make a secret key for RESLOG_SECRET_KEY."
    )
    keygen.add_argument(
        "--file", help="write the key to this file (mode 600) instead of printing it"
    )
    keygen.add_argument("--if-missing", action="store_true", help="do nothing if the file exists")
    keygen.set_defaults(func=_keygen)
