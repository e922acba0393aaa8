"""A test participant talking to the conversation core directly, as a channel adapter would."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.core.events import Choice, Incoming, Outgoing
from handlers.core.router import handle
from storage.crypto import AddressCipher


@dataclass
class Chat:
    """One person's conversation; remembers the last buttons shown."""

    sessions: async_sessionmaker[AsyncSession]
    cipher: AddressCipher
    address: str
    channel: str = "telegram"
    client_language: str | None = None
    last: list[Outgoing] = field(default_factory=list)
    _counter: int = 0

    async def send(self, incoming: Incoming) -> list[Outgoing]:
        """Deliver one event and keep the answer."""
        async with self.sessions() as session:
            self.last = (await handle(session, self.cipher, incoming)).replies
        return self.last

    async def say(self, text: str, *, message_id: str | None = None) -> list[Outgoing]:
        """Type a message."""
        return await self.send(
            Incoming(
                self.channel,
                self.address,
                text=text,
                client_language=self.client_language,
                message_id=message_id,
            )
        )

    async def press(self, label: str) -> list[Outgoing]:
        """Press the last shown button whose label contains ``label``."""
        return await self.send(
            Incoming(
                self.channel,
                self.address,
                choice=self.button(label).data,
                client_language=self.client_language,
            )
        )

    async def press_data(self, data: str) -> list[Outgoing]:
        """Press a button with raw data (a stale or forged one)."""
        return await self.send(
            Incoming(self.channel, self.address, choice=data, client_language=self.client_language)
        )

    def button(self, label: str) -> Choice:
        """The last shown button whose label contains ``label``."""
        for message in reversed(self.last):
            for choice in message.choices:
                if label in choice.label:
                    return choice
        shown = [c.label for m in self.last for c in m.choices]
        raise AssertionError(f"no button {label!r}; shown: {shown}")

    @property
    def text(self) -> str:
        """All text of the last answer."""
        return "\n".join(message.text for message in self.last)

    @property
    def plain(self) -> str:
        """All text of the last answer without the direction isolates around names."""
        return self.text.replace("\u2068", "").replace("\u2069", "")
