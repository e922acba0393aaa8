"""Settings, a running sender and outbox helpers for tests of outbound WhatsApp against the fake
Twilio API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Secret

from bot.channels.whatsapp.sender import WhatsAppSender, whatsapp_sender
from bot.settings import WhatsAppSettings
from storage.models import OutboxMessage, Participant
from tests.fakes.twilio_api import FakeTwilioApi

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-for-tests-only"
SENDER = "+905550000000"
PUBLIC_BASE_URL = "https://reslog.example.org"
TEMPLATES = {
    "tr": "HX" + "a" * 32,
    "ar": "HX" + "b" * 32,
    "en": "HX" + "c" * 32,
}


def whatsapp_settings(
    fake: FakeTwilioApi | None,
    *,
    templates: dict[str, str] | None = None,
    rate: float = 50.0,
    api_base_url: str | None = None,
) -> WhatsAppSettings:
    """WhatsApp settings pointed at the fake (or at ``api_base_url``)."""
    return WhatsAppSettings(
        account_sid=ACCOUNT_SID,
        auth_token=Secret(AUTH_TOKEN),
        sender=SENDER,
        public_base_url=PUBLIC_BASE_URL,
        api_base_url=api_base_url or (fake.base_url if fake else None),
        rate=rate,
        templates=dict(TEMPLATES if templates is None else templates),
    )


def fake_twilio() -> FakeTwilioApi:
    """A fake Twilio API for the tests' account and sender (enter it with ``async with``)."""
    return FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, sender=SENDER)


@asynccontextmanager
async def running_sender(
    fake: FakeTwilioApi, templates: dict[str, str] | None = None
) -> AsyncIterator[WhatsAppSender]:
    """The WhatsApp sender as the worker builds it, pointed at the fake."""
    async with whatsapp_sender(whatsapp_settings(fake, templates=templates)) as sender:
        yield sender


def twilio_env(fake: FakeTwilioApi, **extra: str) -> dict[str, str]:
    """The environment that points `reslog` at the fake Twilio API."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_API_BASE_URL": fake.base_url,
        "WHATSAPP_TEMPLATES": ",".join(f"{k}={v}" for k, v in TEMPLATES.items()),
        **extra,
    }


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    async with sessions() as session:
        return list(
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        )


async def stopped_ids(sessions: async_sessionmaker[AsyncSession]) -> set[int]:
    """The participants who are stopped."""
    async with sessions() as session:
        found = await session.execute(
            select(Participant.id).where(Participant.stopped_at.is_not(None))
        )
        return set(found.scalars())
