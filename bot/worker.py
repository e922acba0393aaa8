"""The worker process: the outbox dispatcher (and, as it lands, the scheduler), until stopped.

``reslog worker`` runs this; ``reslog run`` (polling) runs the same beside the bot in one
process. SIGTERM or SIGINT stops it between rounds; a SIGKILL loses nothing either, since every
claim is committed before its message goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from telegram import Bot
from telegram.error import InvalidToken
from telegram.request import HTTPXRequest

from bot.channels.telegram import file_base_url
from bot.channels.telegram_sender import TelegramSender
from bot.dispatcher import DispatchConfig, Dispatcher, lead_and_dispatch
from bot.settings import Settings, SettingsError
from storage.engine import create_engine, create_sessionmaker

CONNECTIONS = 64


def telegram_bot(settings: Settings) -> Bot:
    """A Bot for bulk sending, with room for a round's requests at once."""
    if settings.telegram_bot_token is None:
        raise SettingsError("Config 'TELEGRAM_BOT_TOKEN' is missing, and has no default")
    return Bot(
        str(settings.telegram_bot_token),
        base_url=settings.telegram_api_base_url,
        base_file_url=file_base_url(settings.telegram_api_base_url),
        request=HTTPXRequest(connection_pool_size=CONNECTIONS),
    )


async def dispatch_telegram(settings: Settings, stop: asyncio.Event) -> None:
    """Send the Telegram outbox until ``stop`` is set (once this process leads the channel)."""
    engine = create_engine(settings.database_url)
    try:
        async with telegram_bot(settings) as bot:
            dispatcher = Dispatcher(
                create_sessionmaker(engine),
                settings.cipher(),
                TelegramSender(bot),
                DispatchConfig(rate=settings.telegram_rate),
            )
            await lead_and_dispatch(engine, dispatcher, stop)
    except InvalidToken:
        raise SettingsError("TELEGRAM_BOT_TOKEN was refused by Telegram") from None
    finally:
        await engine.dispose()


async def run_worker(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await dispatch_telegram(settings, stop)
