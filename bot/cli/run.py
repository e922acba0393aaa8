"""`reslog run`, `reslog serve` and `reslog console`: run the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.channels.console import console_identity, converse, stdin_lines
from bot.cli.common import CliError
from bot.cli.demo import DEMO_CODE
from bot.logs import configure_logging, service_level
from bot.settings import Settings, load_settings
from handlers.i18n.core import load_languages
from storage.engine import create_engine, create_sessionmaker


def _write(text: str) -> None:
    """Print to the terminal."""
    sys.stdout.write(text)
    sys.stdout.flush()


async def _console(settings: Settings, join_code: str | None) -> int:
    """A console conversation on the configured database."""
    engine = create_engine(settings.database_url)
    try:
        print(
            "RESLOG console: type your replies, a number to choose, /help for commands, Ctrl-D to leave.\n"
        )
        first = f"/start {join_code}" if join_code else "/start"
        address, language = console_identity()
        await converse(
            create_sessionmaker(engine),
            settings.cipher(),
            stdin_lines(),
            _write,
            address=address,
            language=language,
            first=first,
        )
    finally:
        await engine.dispose()
    print()
    return 0


def _run(args: argparse.Namespace) -> int:
    """Telegram long polling with a token; the console without one."""
    settings = load_settings()
    if settings.telegram_bot_token is None:
        print("TELEGRAM_BOT_TOKEN is not set: starting the console channel on the demo assembly.")
        return asyncio.run(_console(settings, args.join or DEMO_CODE))
    from functools import partial

    from bot.channels.telegram.app import run_polling
    from bot.worker import background

    configure_logging(service_level(settings.log_level, args.verbose), settings.log_format)
    load_languages()
    run_polling(settings, partial(background, settings))
    return 0


def _service_settings(args: argparse.Namespace, command: str) -> Settings:
    """The settings of a long-running command (Telegram or WhatsApp configured), logging set up."""
    settings = load_settings()
    if settings.telegram_bot_token is None and settings.whatsapp is None:
        raise CliError(
            f"Config 'TELEGRAM_BOT_TOKEN' is missing, and has no default (`reslog {command}` "
            "needs it, or WhatsApp's TWILIO_ACCOUNT_SID and the rest)"
        )
    configure_logging(service_level(settings.log_level, args.verbose), settings.log_format)
    load_languages()
    return settings


def _serve(args: argparse.Namespace) -> int:
    """The webhook server."""
    settings = _service_settings(args, "serve")
    from bot.web import serve

    serve(settings)
    return 0


def _worker(args: argparse.Namespace) -> int:
    """The worker process: the dispatcher and the scheduler."""
    settings = _service_settings(args, "worker")
    from bot import event_loop
    from bot.worker import run_worker

    event_loop.run(run_worker(settings))
    return 0


def _console_command(args: argparse.Namespace) -> int:
    """The console channel, whatever the token."""
    return asyncio.run(_console(load_settings(), args.join))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the commands that run the bot."""
    run = commands.add_parser(
        "run",
        help="run the bot (Telegram polling, or the console without a token)",
        description="Run the bot: Telegram long polling when TELEGRAM_BOT_TOKEN is set, otherwise a console conversation on the demo assembly.",
    )
    run.add_argument(
        "--join", help=f"console only: the join code to start with (default {DEMO_CODE})"
    )
    run.set_defaults(func=_run)
    serve = commands.add_parser(
        "serve",
        help="run the webhook server",
        description="Serve Telegram webhooks and /healthz with uvicorn (HOST, PORT).",
    )
    serve.set_defaults(func=_serve)
    worker = commands.add_parser(
        "worker",
        help="send notices from the outbox and open, remind and close polls on time",
        description="Send the outbox under Telegram's rate limits, and open, remind and close scheduled polls (every SCHEDULER_INTERVAL seconds), until stopped; one sender per channel and one scheduler at a time, others wait.",
    )
    worker.set_defaults(func=_worker)
    console = commands.add_parser(
        "console",
        help="talk to the bot in this terminal",
        description="A console conversation with the bot.",
    )
    console.add_argument("--join", help="a join code to start with")
    console.set_defaults(func=_console_command)
