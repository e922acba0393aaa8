"""The Telegram channel: python-telegram-bot wiring around the conversation core.

Each update is parsed into an ``Incoming`` (telegram_parse), a poll file a person sent is
downloaded into it (telegram_files), and it is handed to ``handlers.core.router.handle``
in its own database session, and the answer rendered (telegram_render). One person's updates
are handled in order, different people's concurrently (telegram_order). The engine, session
factory and address cipher are built in ``post_init`` and kept in ``bot_data``; the engine is
disposed in ``post_shutdown``. ``run_polling`` serves long polling; ``bot.web`` serves webhooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, TypeHandler

from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.commands import register_commands, register_staff_menus
from bot.channels.telegram.files import fetch_document
from bot.channels.telegram.order import PerPersonUpdateProcessor
from bot.channels.telegram.parse import CHANNEL, file_to_fetch, parse_update
from bot.channels.telegram.render import Pressed, call, deliver
from bot.channels.telegram.webhook_reply import current_webhook_reply
from bot.metrics.web import WebMetrics
from bot.settings import Settings, SettingsError
from handlers.core.router import handle
from storage.crypto import AddressCipher
from storage.engine import create_engine, create_sessionmaker

log = logging.getLogger(__name__)

ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
)
POLL_TIMEOUT = timedelta(seconds=10)
REPLY_CONNECTIONS = 64  # replies sent at once, at most (a turn's last reply rides in the webhook)
REPLY_TIMEOUT = 10.0  # seconds for one Bot API call of a turn
ENGINE, SESSIONS, CIPHER, STAFF_MENUS = "engine", "sessions", "cipher", "staff_menus"
FLOOD, METRICS = "flood", "metrics"

TelegramApplication = Application[
    ExtBot[None], ContextTypes.DEFAULT_TYPE, dict[Any, Any], dict[Any, Any], dict[Any, Any], None
]


def file_base_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API base URL (".../bot" -> ".../file/bot")."""
    head, sep, tail = base_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else base_url


def build_application(settings: Settings, *, polling: bool = True) -> TelegramApplication:
    """The Application for the configured bot; without an updater when ``polling`` is False."""
    if settings.telegram_bot_token is None:
        raise SettingsError("Config 'TELEGRAM_BOT_TOKEN' is missing, and has no default")
    builder = (
        ApplicationBuilder()
        .token(str(settings.telegram_bot_token))
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .request(AiohttpRequest(REPLY_CONNECTIONS, REPLY_TIMEOUT))
        .job_queue(None)
        .concurrent_updates(PerPersonUpdateProcessor())
        .post_init(partial(_post_init, settings))
        .post_shutdown(_post_shutdown)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    return application


async def _post_init(
    settings: Settings, application: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    """Open the database, build the cipher and register the command menus (staff ones beside)."""
    engine = create_engine(settings.database_url)
    application.bot_data[ENGINE] = engine
    application.bot_data[SESSIONS] = create_sessionmaker(engine)
    application.bot_data[CIPHER] = settings.cipher()
    application.bot_data[FLOOD] = settings.flood_guard()
    await register_commands(application.bot)
    application.bot_data[STAFF_MENUS] = asyncio.create_task(
        register_staff_menus(
            application.bot, application.bot_data[SESSIONS], application.bot_data[CIPHER]
        ),
        name="staff command menus",
    )


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop registering staff menus if still under way, and dispose of the database engine."""
    menus = application.bot_data.pop(STAFF_MENUS, None)
    if isinstance(menus, asyncio.Task):
        menus.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await menus
            except Exception:
                log.exception("registering the staff command menus failed")
    engine = application.bot_data.pop(ENGINE, None)
    application.bot_data.pop(SESSIONS, None)
    if isinstance(engine, AsyncEngine):
        await engine.dispose()


def sessions_of(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> async_sessionmaker[AsyncSession]:
    """The session factory ``post_init`` built."""
    value = application.bot_data.get(SESSIONS)
    if not isinstance(value, async_sessionmaker):
        raise RuntimeError("the Telegram application has not been started (post_init did not run)")
    return value


def cipher_of(application: Application[Any, Any, Any, Any, Any, Any]) -> AddressCipher:
    """The address cipher ``post_init`` built."""
    value = application.bot_data.get(CIPHER)
    if not isinstance(value, AddressCipher):
        raise RuntimeError("the Telegram application has not been started (post_init did not run)")
    return value


def reference(cipher: AddressCipher, user_id: int) -> str:
    """A short pseudonym for logs: never the user id in clear."""
    return "p:" + cipher.lookup_hash(CHANNEL, str(user_id))[:12]


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hand one update to the core and send its answer; a pressed button is always answered."""
    user = update.effective_user
    if user is None:  # a channel post or the like: nobody to answer
        return
    application = context.application
    cipher = cipher_of(application)
    who = reference(cipher, user.id)
    query = update.callback_query
    if query is not None:
        await call("answerCallbackQuery", who, query.answer)
    incoming = parse_update(update)
    if incoming is None:
        return
    wanted = file_to_fetch(update)
    if wanted is not None:
        incoming = await fetch_document(context.bot, wanted, incoming, who)
    started = time.perf_counter()
    async with sessions_of(application)() as session:
        answer = await handle(session, cipher, incoming, application.bot_data.get(FLOOD))
    metrics = application.bot_data.get(METRICS)
    if isinstance(metrics, WebMetrics):
        metrics.turn_done(CHANNEL, started, answer)
    webhook = current_webhook_reply()
    if not answer.stored and webhook is not None:
        webhook.deliver_again = True  # nothing was applied: Telegram delivers it again later
        return
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else int(incoming.address)
    await deliver(
        context.bot,
        chat_id,
        answer.replies,
        _pressed(update),
        who,
        webhook,
    )


def _pressed(update: Update) -> Pressed | None:
    """The bot message whose button was pressed, when it can still be edited."""
    query = update.callback_query
    if query is None or query.message is None or not query.message.is_accessible:
        return None
    return Pressed(chat_id=query.message.chat.id, message_id=query.message.message_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what escaped a handler, naming the update but not the person."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling Telegram update %s", update_id, exc_info=context.error)


@asynccontextmanager
async def running(
    application: TelegramApplication,
    *,
    polling: bool = False,
    poll_timeout: timedelta = POLL_TIMEOUT,
) -> AsyncIterator[TelegramApplication]:
    """Run the application inside the current event loop, as ``run_polling`` would, then stop it."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        if polling and application.updater is not None:
            await application.updater.start_polling(
                timeout=poll_timeout, allowed_updates=list(ALLOWED_UPDATES)
            )
        await application.start()
        try:
            yield application
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def run_polling(settings: Settings, background: Background | None = None) -> None:
    """Serve the bot with long polling until interrupted, with ``background(stop)`` beside it."""
    if settings.telegram_webhook_url:
        log.warning(
            "TELEGRAM_WEBHOOK_URL is set, but `reslog run` polls: Telegram's webhook is removed "
            "while it runs (use `reslog serve` for webhooks)"
        )
    application = build_application(settings)
    if background is not None:
        _run_beside(application, background)
    try:
        application.run_polling(allowed_updates=list(ALLOWED_UPDATES), timeout=POLL_TIMEOUT)
    except InvalidToken:
        raise SettingsError("TELEGRAM_BOT_TOKEN was refused by Telegram") from None


def _run_beside(application: TelegramApplication, background: Background) -> None:
    """Start ``background`` once the bot is up and stop it, waiting for it, before the bot stops."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    post_init = application.post_init

    async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if post_init is not None:
            await post_init(app)
        tasks.append(asyncio.create_task(background(stop)))

    async def halt(_app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        stop.set()
        for task in tasks:
            await task

    application.post_init = start
    application.post_stop = halt
