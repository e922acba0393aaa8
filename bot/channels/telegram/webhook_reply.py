"""The webhook reply: a turn's last message given back in the webhook's own 200 response.

Telegram lets the response to a webhook call carry one Bot API call, ``{"method":
"sendMessage", ...}``, which Telegram then makes itself. For a conversation that is one
request fewer per message a person sends: no connection, no request, no response to parse, and
the reply reaches the person without a round trip from the bot to Telegram. Telegram does not
say whether that call succeeded, so only the last text message of a turn goes this way (every
earlier one is sent, in order, before the response), never a file, and never a bulk send.

``bot.web`` opens a reply slot around each update it handles; the renderer fills it, or sends
as usual when there is no slot (long polling, the dispatcher).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass
class WebhookReply:
    """Room for one Bot API call in the webhook's response, empty until a message takes it."""

    call: dict[str, Any] | None = None
    deliver_again: bool = False  # the update was not applied: answer 5xx so Telegram resends it

    def send_message(self, chat_id: int, text: str, markup: dict[str, Any] | None) -> None:
        """Have Telegram send this message (with this ``reply_markup``, as the Bot API's JSON)
        once the webhook has answered."""
        call: dict[str, Any] = {"method": "sendMessage", "chat_id": chat_id, "text": text}
        if markup is not None:
            call["reply_markup"] = markup
        self.call = call


_slot: ContextVar[WebhookReply | None] = ContextVar("reslog_webhook_reply", default=None)


@contextmanager
def webhook_reply() -> Iterator[WebhookReply]:
    """A reply slot for the update handled inside the block."""
    reply = WebhookReply()
    token = _slot.set(reply)
    try:
        yield reply
    finally:
        _slot.reset(token)


def current_webhook_reply() -> WebhookReply | None:
    """The reply slot of the update being handled, if it came through the webhook."""
    return _slot.get()
