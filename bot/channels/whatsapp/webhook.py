"""``POST /twilio/whatsapp``: a WhatsApp message from Twilio, answered with TwiML in the 200.

In this order, each step refusing before the next one looks at anything:

1. no ``X-Twilio-Signature``: 403, the body unread;
2. the body (at most ``MAX_BODY_BYTES``, else 413) read as a form, and the signature checked
   over the public URL and the form (``whatsapp_signature``): 403 on a mismatch;
3. the form read as a message (``whatsapp_parse``): 400 with the reason if it is not one;
4. the core (``handlers.core.router.handle``) in a session of its own, after the same person's
   earlier messages (``person_turns``);
5. its replies rendered in the reader's language, as the core gave it back
   (``whatsapp_render``), and returned as TwiML,
   one ``<Message>`` each (at most ``MAX_MESSAGES``, Twilio's limit), so that Twilio sends them.

Twilio waits 15 seconds for the answer. A turn gets ``REPLY_DEADLINE`` seconds; one that takes
longer is not cancelled, since cancelling it could lose what the person sent, but finishes after
an empty 200, and its replies are logged as lost: the answer is stored and the person's next
message is answered from where the conversation stands. (Twilio does not post a message again
after a 200; a copy posted anyway, early or late, answers nothing, through the core's key in
``inbound_messages``.) Logs name people by a keyed-hash pseudonym, never by number.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.person_turns import PersonTurns
from bot.channels.text_parts import text_length
from bot.channels.whatsapp.parse import CHANNEL, Unreadable, parse_inbound
from bot.channels.whatsapp.render import MAX_TEXT, render
from bot.channels.whatsapp.signature import signed_form
from bot.metrics.web import WebMetrics
from bot.settings import WhatsAppSettings
from handlers.core.events import Incoming
from handlers.core.flood import FloodGuard
from handlers.core.router import handle
from handlers.i18n.core import LANGUAGES, supported_language
from storage.crypto import AddressCipher

log = logging.getLogger(__name__)

WHATSAPP_PATH = "/twilio/whatsapp"
REPLY_DEADLINE = 10.0
MAX_MESSAGES = 10
TWIML_TYPE = "application/xml"


def reference(cipher: AddressCipher, phone: str) -> str:
    """A short pseudonym for logs: never the phone number in clear."""
    return "p:" + cipher.lookup_hash(CHANNEL, phone)[:12]


@dataclass
class WhatsAppWebhook:
    """The endpoint, with what it needs; ``sessions`` and ``cipher`` are read at each request."""

    settings: WhatsAppSettings
    sessions: Callable[[], async_sessionmaker[AsyncSession]]
    cipher: Callable[[], AddressCipher]
    deadline: float = REPLY_DEADLINE
    turns: PersonTurns = field(default_factory=PersonTurns)
    flood: FloodGuard | None = None
    metrics: WebMetrics | None = None
    _running: set[asyncio.Future[list[str] | None]] = field(default_factory=set, repr=False)

    def route(self) -> Route:
        """The Starlette route of the endpoint."""
        return Route(WHATSAPP_PATH, self.receive, methods=["POST"])

    async def receive(self, request: Request) -> Response:
        """Check the signature, read the message, hand it to the core and answer with TwiML."""
        form = await signed_form(request, self.settings, WHATSAPP_PATH)
        if isinstance(form, Response):
            return form
        incoming = parse_inbound(form)
        if isinstance(incoming, Unreadable):
            return PlainTextResponse(incoming.reason, status_code=400)
        return await self._answer(incoming)

    async def _answer(self, incoming: Incoming) -> Response:
        """The replies as TwiML, or an empty TwiML if the turn outlasts the deadline."""
        turn = asyncio.ensure_future(self._turn(incoming))
        self._running.add(turn)  # the loop keeps only a weak reference to a task
        turn.add_done_callback(self._running.discard)
        try:
            async with asyncio.timeout(self.deadline):
                texts = await asyncio.shield(turn)
        except TimeoutError:
            who = reference(self.cipher(), incoming.address)
            log.warning(
                "the turn of %s outlasted %.0f s: answered Twilio with nothing, the turn goes on",
                who,
                self.deadline,
            )
            return twiml([], background=BackgroundTask(_finish_late, turn, who))
        if texts is None:  # nothing applied: Twilio retries a 5xx when the webhook URL asks it to
            return PlainTextResponse("the database is out of reach", status_code=503)
        return twiml(texts)

    async def _turn(self, incoming: Incoming) -> list[str] | None:
        """Handle one message after the person's earlier ones; the texts to send back, or None
        when the database was out of reach and nothing was applied."""
        async with self.turns.turn(incoming.address), self.sessions()() as session:
            started = time.perf_counter()
            answer = await handle(session, self.cipher(), incoming, self.flood)
        if self.metrics is not None:
            self.metrics.turn_done(CHANNEL, started, answer)
        if not answer.stored:
            return None
        if not answer.replies:
            return []
        return render(answer.replies, reader_languages(answer.language, incoming))


async def _finish_late(turn: asyncio.Future[list[str] | None], who: str) -> None:
    """Wait for a turn that outlasted the deadline, and say what became of its replies."""
    try:
        texts = await turn
    except Exception:
        log.exception("the late turn of %s failed", who)
        return
    if texts is None:
        log.warning("the late turn of %s found the database out of reach; nothing applied", who)
        return
    log.warning("the late turn of %s is done; its %d replies were not sent", who, len(texts))


def reader_languages(language: str | None, incoming: Incoming) -> tuple[str, ...]:
    """The reader's language; every language (theirs likely first) while none is chosen."""
    if language:
        return (language,)
    suggested = supported_language(incoming.client_language)
    return tuple(sorted(LANGUAGES, key=lambda lang: (lang != suggested, LANGUAGES.index(lang))))


def twiml(texts: Sequence[str], background: BackgroundTask | None = None) -> Response:
    """A TwiML answer: one ``<Message>`` per text, packed into ``MAX_MESSAGES`` if more."""
    response = MessagingResponse()
    for text in pack(list(texts)):
        response.message(text)
    return Response(response.to_xml(), media_type=TWIML_TYPE, background=background)


def pack(texts: list[str], most: int = MAX_MESSAGES, limit: int = MAX_TEXT) -> list[str]:
    """At most ``most`` texts: beyond that, neighbours are joined while they fit ``limit``."""
    if len(texts) <= most:
        return texts
    packed: list[str] = []
    for text in texts:
        if packed and text_length(packed[-1]) + 2 + text_length(text) <= limit:
            packed[-1] += "\n\n" + text
        else:
            packed.append(text)
    if len(packed) > most:
        log.warning("a reply of %d WhatsApp messages was cut to %d", len(packed), most)
    return packed[:most]
