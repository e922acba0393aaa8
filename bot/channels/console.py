"""The console channel: try the whole conversation in a terminal, choices as numbered lists."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.events import Incoming, Outgoing
from handlers.core.router import handle
from storage.crypto import AddressCipher

CHANNEL = "console"


def render(message: Outgoing, files_dir: Path) -> str:
    """A message as terminal text: its text, then its choices numbered."""
    lines = [message.text]
    lines.extend(
        f"  {number}. {choice.label}" for number, choice in enumerate(message.choices, start=1)
    )
    if message.file is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        path = files_dir / message.file.name
        path.write_bytes(message.file.content)
        lines.append(f"  [{message.file.name}: {path}]")
    return "\n".join(lines)


def console_identity() -> tuple[str, str | None]:
    """Who is talking (RESLOG_CONSOLE_USER, else the login name) and the terminal's language."""
    address = os.environ.get("RESLOG_CONSOLE_USER") or getpass.getuser()
    language = os.environ.get("LANG", "").split(".")[0] or None
    return address, language


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on standard input, until end of input."""
    loop = asyncio.get_running_loop()
    while True:
        sys.stdout.write("> ")
        sys.stdout.flush()
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line.rstrip("\n")


async def converse(
    sessions: async_sessionmaker[AsyncSession],
    cipher: AddressCipher,
    lines: AsyncIterator[str],
    write: Callable[[str], None],
    *,
    address: str,
    language: str | None,
    first: str | None = None,
    files_dir: Path = Path("var/console-files"),
) -> None:
    """Hold a conversation: each line goes to the core, each answer is printed."""

    async def say(text: str) -> None:
        incoming = Incoming(channel=CHANNEL, address=address, text=text, client_language=language)
        async with sessions() as session:
            answer = await handle(session, cipher, incoming)
        for reply in answer.replies:
            write(render(reply, files_dir) + "\n")

    if first:
        write(f"> {first}\n")
        await say(first)
    async for line in lines:
        await say(line)
