"""The worker process: one outbox dispatcher per channel and the scheduler, side by side, until
stopped.

``reslog worker`` runs this; ``reslog run`` (polling) runs the same beside the bot in one
process. The Telegram dispatcher runs when TELEGRAM_BOT_TOKEN is set, the WhatsApp one when
TWILIO_ACCOUNT_SID is (at WHATSAPP_RATE messages a second from the one sender); the digests go
by Telegram and by e-mail (SMTP_URL); the retention purge runs once a day. Each takes its own
lock (``dispatcher-telegram``, ``dispatcher-whatsapp``, ``scheduler``, ``digests``,
``retention``), so several workers
may run and one of each works. SIGTERM or SIGINT stops them all, the requests under way first
answered and written; after a SIGKILL only the requests under way at that moment are in doubt
(each row is claimed, and committed, just before its request goes): WhatsApp's are looked up
at Twilio when a dispatcher starts again, Telegram's are left unconfirmed for staff to send
again. Every scheduled change is one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from telegram import Bot
from telegram.error import InvalidToken
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.app import file_base_url
from bot.channels.telegram.sender import TelegramSender
from bot.channels.whatsapp.sender import whatsapp_sender
from bot.digests.delivery import DigestChannels
from bot.metrics.worker import WorkerMetrics, serve_metrics
from bot.outbox.dispatcher import DispatchConfig, Dispatcher, lead_and_dispatch
from bot.schedule.digests import run_digest_scheduler
from bot.schedule.polls import run_scheduler
from bot.schedule.retention import run_retention
from bot.settings import Settings, SettingsError
from storage.engine import create_engine, create_sessionmaker

CONNECTIONS = 64


def telegram_bot(settings: Settings, request: BaseRequest | None = None) -> Bot:
    """A Bot for the worker, with room for the dispatcher's requests at once (``request``: on
    aiohttp for the dispatcher, else PTB's own, which sends files)."""
    if settings.telegram_bot_token is None:
        raise SettingsError("Config 'TELEGRAM_BOT_TOKEN' is missing, and has no default")
    return Bot(
        str(settings.telegram_bot_token),
        base_url=settings.telegram_api_base_url,
        base_file_url=file_base_url(settings.telegram_api_base_url),
        request=request or HTTPXRequest(connection_pool_size=CONNECTIONS),
    )


async def dispatch_telegram(
    settings: Settings, stop: asyncio.Event, metrics: WorkerMetrics | None = None
) -> None:
    """Send the Telegram outbox until ``stop`` is set (once this process leads the channel)."""
    engine = create_engine(settings.database_url)
    try:
        async with telegram_bot(settings, AiohttpRequest(CONNECTIONS)) as bot:
            dispatcher = Dispatcher(
                create_sessionmaker(engine),
                settings.cipher(),
                TelegramSender(bot),
                DispatchConfig(rate=settings.telegram_rate),
                metrics,
            )
            await lead_and_dispatch(engine, dispatcher, stop)
    except InvalidToken:
        raise SettingsError("TELEGRAM_BOT_TOKEN was refused by Telegram") from None
    finally:
        await engine.dispose()


async def dispatch_whatsapp(
    settings: Settings, stop: asyncio.Event, metrics: WorkerMetrics | None = None
) -> None:
    """Send the WhatsApp outbox until ``stop`` is set (once this process leads the channel)."""
    if settings.whatsapp is None:
        raise SettingsError("Config 'TWILIO_ACCOUNT_SID' is missing, and has no default")
    engine = create_engine(settings.database_url)
    try:
        on_template = metrics.template_sent if metrics is not None else None
        async with whatsapp_sender(settings.whatsapp, on_template) as sender:
            dispatcher = Dispatcher(
                create_sessionmaker(engine),
                settings.cipher(),
                sender,
                DispatchConfig(rate=settings.whatsapp.rate),
                metrics,
            )
            await lead_and_dispatch(engine, dispatcher, stop)
    finally:
        await engine.dispose()


async def schedule_polls(
    settings: Settings, stop: asyncio.Event, metrics: WorkerMetrics | None = None
) -> None:
    """Open, remind and close polls on time until ``stop`` is set (once this process leads)."""
    engine = create_engine(settings.database_url)
    try:
        await run_scheduler(
            engine,
            create_sessionmaker(engine),
            stop,
            settings.scheduler_interval,
            observe=metrics.round_done if metrics is not None else None,
        )
    finally:
        await engine.dispose()


async def send_digests(
    settings: Settings, stop: asyncio.Event, metrics: WorkerMetrics | None = None
) -> None:
    """Send digests on time until ``stop`` is set (once this process leads the digests)."""
    engine = create_engine(settings.database_url)
    try:
        async with contextlib.AsyncExitStack() as stack:
            bot = None
            if settings.telegram_bot_token is not None:
                bot = await stack.enter_async_context(telegram_bot(settings))
            await run_digest_scheduler(
                engine,
                create_sessionmaker(engine),
                settings.cipher(),
                DigestChannels(bot=bot, smtp=settings.smtp),
                stop,
                settings.scheduler_interval,
                observe=metrics.round_done if metrics is not None else None,
            )
    finally:
        await engine.dispose()


async def purge_on_schedule(
    settings: Settings, stop: asyncio.Event, metrics: WorkerMetrics | None = None
) -> None:
    """Run the retention purge once a day until ``stop`` is set (once this process leads it)."""
    engine = create_engine(settings.database_url)
    try:
        await run_retention(
            engine,
            create_sessionmaker(engine),
            stop,
            settings.scheduler_interval,
            settings.backup_keep_days,
            observe=metrics.round_done if metrics is not None else None,
        )
    finally:
        await engine.dispose()


async def worker_metrics(settings: Settings, metrics: WorkerMetrics, stop: asyncio.Event) -> None:
    """The worker's ``GET /metrics`` on HOST and METRICS_PORT until ``stop`` is set."""
    if settings.metrics_token is None:
        return
    engine = create_engine(settings.database_url)
    factory = create_sessionmaker(engine)
    try:
        await serve_metrics(
            metrics,
            str(settings.metrics_token),
            lambda: factory,
            settings.host,
            settings.metrics_port,
            stop,
        )
    finally:
        await engine.dispose()


async def background(settings: Settings, stop: asyncio.Event) -> None:
    """The configured channels' dispatchers and the scheduler until ``stop`` is set; if one
    fails, the others stop too and the failure is raised as it is."""
    metrics = WorkerMetrics.create() if settings.metrics_token is not None else None
    try:
        async with asyncio.TaskGroup() as group:
            if settings.telegram_bot_token is not None:
                group.create_task(dispatch_telegram(settings, stop, metrics))
            if settings.whatsapp is not None:
                group.create_task(dispatch_whatsapp(settings, stop, metrics))
            group.create_task(schedule_polls(settings, stop, metrics))
            group.create_task(send_digests(settings, stop, metrics))
            group.create_task(purge_on_schedule(settings, stop, metrics))
            if metrics is not None:
                group.create_task(worker_metrics(settings, metrics, stop))
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


async def run_worker(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await background(settings, stop)
