"""WhatsApp participants posting to the bot as Twilio would: signed forms, TwiML answers read back.

``whatsapp_rig`` runs the web app exactly as ``reslog serve`` builds it (``bot.web.build_app``,
with WhatsApp configured) under uvicorn on loopback. The bot believes it is reached at
``PUBLIC_BASE_URL``; each request is signed by twilio's own ``RequestValidator`` over that URL
and the form, as Twilio signs it. ``Phone`` makes the forms one person's WhatsApp sends, each
with a fresh ``MessageSid``.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from xml.etree import ElementTree

import httpx
from starlette.datastructures import Secret
from twilio.request_validator import RequestValidator

from bot.channels.whatsapp.signature import SIGNATURE_HEADER
from bot.channels.whatsapp.webhook import WHATSAPP_PATH
from bot.settings import WhatsAppSettings
from bot.web import build_app
from handlers.core.flood import DEFAULT_MESSAGES
from tests.fakes.loopback import serving
from tests.support.telegram import TelegramRig, telegram_rig

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT_SID = "AC0f3e1c2b4a5968778695a4b3c2d1e0f9"
SENDER = "+908501234567"
PUBLIC_BASE_URL = "https://bot.example.org"
SIGNED_URL = PUBLIC_BASE_URL + WHATSAPP_PATH
_sids = itertools.count(1)


def whatsapp_settings(public_base_url: str = PUBLIC_BASE_URL) -> WhatsAppSettings:
    """WhatsApp settings for the tests' Twilio account."""
    return WhatsAppSettings(
        account_sid=ACCOUNT_SID,
        auth_token=Secret(AUTH_TOKEN),
        sender=SENDER,
        public_base_url=public_base_url,
    )


def sign(url: str, form: Mapping[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio sends for a form posted to ``url``."""
    return str(RequestValidator(token).compute_signature(url, dict(form)))


def message_sid() -> str:
    """A fresh Twilio message id."""
    return f"SM{next(_sids):032x}"


@dataclass
class Phone:
    """One person's WhatsApp: the forms Twilio posts for what they send."""

    number: str
    profile_name: str = "Amal"

    def form(self, body: str = "", **extra: str) -> dict[str, str]:
        """The form of one text message (``extra`` adds or replaces fields)."""
        sid = message_sid()
        fields = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ProfileName": self.profile_name,
            "MessageType": "text",
            "SmsSid": sid,
            "WaId": self.number.removeprefix("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": f"whatsapp:{SENDER}",
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{self.number}",
            "ApiVersion": "2010-04-01",
        }
        return {**fields, **extra}


def replies_of(response: httpx.Response) -> list[str]:
    """The texts of a TwiML answer, one per ``<Message>``."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    return [message.text or "" for message in root]


def number_of(texts: list[str], label: str) -> str:
    """The number a list shows for a choice whose label contains ``label``, in the digits shown."""
    for text in reversed(texts):
        for line in text.splitlines():
            for item in re.split(r" {4}", line):
                number, dot, shown = item.partition(". ")
                if dot and number.isdigit() and label in shown:
                    return number
    raise AssertionError(f"no choice {label!r} in {texts}")


@dataclass
class WhatsAppRig:
    """The web app on loopback, and an HTTP client that posts to it as Twilio does."""

    http: httpx.AsyncClient
    telegram: TelegramRig
    signed_url: str = SIGNED_URL
    log: list[list[str]] = field(default_factory=list)

    async def post(
        self,
        form: Mapping[str, str],
        *,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
        path: str = WHATSAPP_PATH,
    ) -> httpx.Response:
        """Post a form; signed for ``signed_url`` unless another ``signature`` is given."""
        sent = {SIGNATURE_HEADER: sign(self.signed_url, form) if signature is None else signature}
        sent.update(headers or {})
        if not sent[SIGNATURE_HEADER]:
            del sent[SIGNATURE_HEADER]
        return await self.http.post(path, data=dict(form), headers=sent)

    async def deliver(self, form: Mapping[str, str]) -> list[str]:
        """Post a signed form and return the texts of the TwiML answer."""
        texts = replies_of(await self.post(form))
        self.log.append(texts)
        return texts

    async def say(self, phone: Phone, text: str) -> list[str]:
        """The person sends a text."""
        return await self.deliver(phone.form(text))


@asynccontextmanager
async def whatsapp_rig(
    database_url: str,
    *,
    public_base_url: str = PUBLIC_BASE_URL,
    flood_messages: int = DEFAULT_MESSAGES,
    metrics_token: str | None = None,
) -> AsyncIterator[WhatsAppRig]:
    """The bot's web app with WhatsApp configured, served on loopback, and a client for it."""
    async with telegram_rig(database_url, polling=False, flood_messages=flood_messages) as telegram:
        settings = dataclasses.replace(
            telegram.settings,
            whatsapp=whatsapp_settings(public_base_url),
            metrics_token=Secret(metrics_token) if metrics_token else None,
        )
        app = build_app(settings, telegram.application)
        async with (
            serving(app, graceful=10) as base_url,
            httpx.AsyncClient(base_url=base_url) as http,
        ):
            yield WhatsAppRig(
                http=http, telegram=telegram, signed_url=public_base_url + WHATSAPP_PATH
            )
