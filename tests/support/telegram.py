"""The Telegram bot, as it runs in production, against the fake Bot API: for end-to-end tests.

``telegram_rig`` starts a ``FakeBotApi`` and the real Application from ``bot.channels.telegram.app``
pointed at it (long polling, or no updater for webhook tests). Each helper queues one update,
waits until the bot has fetched and fully handled it (no fixed sleeps), and returns the Bot API
calls the bot made meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

from starlette.datastructures import Secret

from bot.channels.telegram.app import TelegramApplication, build_application, running
from bot.settings import Settings
from handlers.core.flood import DEFAULT_BROADCASTS, DEFAULT_MESSAGES
from tests.conftest import TEST_SECRET
from tests.fakes.bot_api import ApiCall, FakeBotApi, Json

SETTLE_TIMEOUT = 15.0
POLL_TIMEOUT = timedelta(seconds=5)


@dataclass(frozen=True)
class Step:
    """What the bot did in answer to one update."""

    calls: list[ApiCall]

    def of(self, method: str) -> list[ApiCall]:
        """The calls of one method."""
        return [call for call in self.calls if call.method == method]

    @property
    def texts(self) -> list[str]:
        """Every text the bot sent or edited in, in order."""
        return [
            str(call.params["text"])
            for call in self.calls
            if call.method in ("sendMessage", "editMessageText")
        ]

    @property
    def text(self) -> str:
        """All those texts, one after the other."""
        return "\n".join(self.texts)


def telegram_settings(
    database_url: str,
    fake: FakeBotApi,
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
) -> Settings:
    """Settings for a bot that talks to the fake Bot API and the test database."""
    return Settings(
        database_url=database_url,
        secret_key=Secret(TEST_SECRET),
        telegram_bot_token=Secret(fake.token),
        telegram_api_base_url=fake.base_url,
        telegram_webhook_url=webhook_url,
        telegram_webhook_secret=Secret(webhook_secret) if webhook_secret else None,
        host="127.0.0.1",
        port=0,
        log_level="WARNING",
    )


class TelegramRig:
    """The fake Bot API and a running Application; restartable, as a new process would be."""

    def __init__(self, fake: FakeBotApi, settings: Settings, *, polling: bool = True) -> None:
        self.fake = fake
        self.settings = settings
        self.polling = polling
        self._stack: AsyncExitStack | None = None
        self._application: TelegramApplication | None = None

    @property
    def application(self) -> TelegramApplication:
        """The running Application."""
        assert self._application is not None, "the bot is not running"
        return self._application

    async def start(self) -> None:
        """Build a fresh Application (nothing kept in memory from before) and run it."""
        self._stack = AsyncExitStack()
        application = build_application(self.settings, polling=self.polling)
        await self._stack.enter_async_context(
            running(application, polling=self.polling, poll_timeout=POLL_TIMEOUT)
        )
        self._application = application

    async def stop(self) -> None:
        """Stop the Application as a shutdown would."""
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = None
        self._application = None

    async def restart(self) -> None:
        """Stop, and start again with a new Application on the same database."""
        await self.stop()
        await self.start()

    async def send(self, update: Json) -> Step:
        """Deliver one update by polling and wait until the bot has handled it."""
        before = len(self.fake.calls)
        await self.settle(self.fake.queue(update))
        return self.since(before)

    async def settle(self, update_id: int) -> None:
        """Wait until the bot has fetched an update by polling and finished handling it."""
        await self.fake.wait_until(
            lambda: self.fake.delivered(update_id), what=f"update {update_id} to be fetched"
        )
        await self.idle()

    async def idle(self) -> None:
        """Wait until every update the Application holds has been handled."""
        await asyncio.wait_for(self.application.update_queue.join(), SETTLE_TIMEOUT)

    def since(self, before: int) -> Step:
        """The calls (getUpdates aside) made after the first ``before`` calls."""
        calls = [call for call in self.fake.calls[before:] if call.method != "getUpdates"]
        return Step(calls)

    async def say(self, user: Json, text: str) -> Step:
        """The person types a message."""
        return await self.send(self.fake.text_update(user, text))

    async def press(self, user: Json, label: str) -> Step:
        """The person presses the newest shown button whose label contains ``label``."""
        return await self.send(self.fake.press_update(user, label))


@asynccontextmanager
async def telegram_rig(
    database_url: str,
    *,
    polling: bool = True,
    webhook_secret: str | None = None,
    flood_messages: int = DEFAULT_MESSAGES,
    staff_broadcasts: int = DEFAULT_BROADCASTS,
) -> AsyncIterator[TelegramRig]:
    """A fake Bot API and the bot running against it on the test database."""
    async with FakeBotApi() as fake:
        settings = replace(
            telegram_settings(database_url, fake, webhook_secret=webhook_secret),
            flood_messages=flood_messages,
            staff_broadcasts=staff_broadcasts,
        )
        rig = TelegramRig(fake, settings, polling=polling)
        await rig.start()
        try:
            yield rig
        finally:
            await rig.stop()
