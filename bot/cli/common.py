"""What every command shares: the one-line error, the database session, language-keyed names.

A command refuses with a ``CliError``, or lets the domain's own ``DomainError`` through:
``bot.cli.main`` prints either as one line. ``about`` names what a domain error is about
(``--time: ``) without catching it for good.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings, load_settings
from handlers.i18n.core import LANGUAGES
from storage.engine import create_engine, create_sessionmaker
from storage.errors import DomainError


class CliError(DomainError):
    """A command cannot do what was asked; the message is one English line."""


@contextmanager
def about(subject: str) -> Iterator[None]:
    """Put what a domain error raised inside is about before its line (``--time: ``)."""
    try:
        yield
    except DomainError as error:
        error.about(subject)
        raise


Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def run_async(
    command: Command, *, need_secret: bool = False
) -> Callable[[argparse.Namespace], int]:
    """Wrap an async command so argparse can call it."""

    def runner(args: argparse.Namespace) -> int:
        settings = load_settings(need_secret=need_secret)
        return asyncio.run(command(args, settings))

    return runner


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on the configured database, closed (and the engine disposed) afterwards."""
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def parse_names(values: list[str] | None, what: str) -> dict[str, str]:
    """Names given as LANG=TEXT, one per language."""
    names: dict[str, str] = {}
    for value in values or []:
        lang, sep, text = value.partition("=")
        if not sep or lang not in LANGUAGES or not text.strip():
            raise CliError(
                f"{what} {value!r} must look like tr=Text (languages: {', '.join(LANGUAGES)})"
            )
        names[lang] = text.strip()
    if not names:
        raise CliError(f"give at least one {what}, like --name tr=Text")
    return names


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Let a listing command print JSON instead of a table."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def print_table(rows: list[list[Any]], headers: list[str]) -> None:
    """Print rows as a plain aligned table."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


def read_text_file(path: str) -> str:
    """A UTF-8 text file's contents, or a CliError naming the file."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"cannot read {path}: it is not UTF-8 text") from None
