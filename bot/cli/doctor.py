"""`reslog doctor`: check a deployment, one line per check; exit 1 if any fails."""

from __future__ import annotations

import argparse
import asyncio

from bot.doctor.checks import CHECKS, Check
from bot.settings import Settings, SettingsError, load_settings
from storage.engine import create_engine, create_sessionmaker


def _doctor(args: argparse.Namespace) -> int:
    """Read the settings, then run every check."""
    try:
        settings = load_settings()
    except SettingsError as error:
        print(Check(False, "settings", str(error)).line())
        return 1
    print(Check(True, "settings", "read").line())
    return asyncio.run(_checks(settings))


async def _checks(settings: Settings) -> int:
    """Every check, in order; 1 if any failed."""
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    failed = False
    try:
        for check in CHECKS:
            for result in await check(settings, sessions):
                print(result.line(), flush=True)
                failed = failed or not result.ok
    finally:
        await engine.dispose()
    return 1 if failed else 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the doctor command."""
    doctor = commands.add_parser(
        "doctor",
        help="check a deployment",
        description="Check the settings, the database and its migration, the secret key, the"
        " outbox, the digests' recipients, Telegram, Twilio and the SMTP server; one line per"
        " check, ✓ or ✗ with what to do. Exit status 1 if any check fails.",
    )
    doctor.set_defaults(func=_doctor)
