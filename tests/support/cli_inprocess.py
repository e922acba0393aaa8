"""Run the real `reslog` entry point inside the test process (a second each spared per command).

``bot.cli.main.main`` runs on a worker thread (it calls ``asyncio.run``, which cannot run inside
the test's loop) with the test's environment, in an empty directory, its output captured; the
logging set-up it does is undone afterwards, so later tests see pytest's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from bot.cli.main import main
from tests.support.cli import Run

_CLEARED = ("TELEGRAM_", "DATABASE_URL", "RESLOG_", "TWILIO_", "WHATSAPP_")


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """The process environment and working directory as ``env`` says, restored afterwards."""
    saved = dict(os.environ)
    cwd = Path.cwd()
    try:
        for key in [k for k in os.environ if k.startswith(_CLEARED)]:
            del os.environ[key]
        os.environ.update(env)
        os.chdir(env["HOME"])
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _logging_kept() -> Iterator[None]:
    """Put the root logger and every named logger's level back as they were."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def _run(env: dict[str, str], args: tuple[str, ...]) -> Run:
    """One command, start to end."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment(env),
        _logging_kept(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing the command line
            code = exc.code if isinstance(exc.code, int) else 2
    return Run(args, code, out.getvalue(), err.getvalue())


async def reslog_here(env: dict[str, str], *args: str) -> Run:
    """Run `reslog ARGS` in this process, as a person would type it."""
    return await asyncio.to_thread(_run, env, tuple(args))
