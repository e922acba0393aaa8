"""Downloading a document a person sent, for the core: the I/O half of reading a poll file.

``fetch_document`` asks the Bot API where the file is (getFile), checks its size again, then
downloads it from the file URL (the ``base_file_url`` that goes with ``TELEGRAM_API_BASE_URL``)
and checks the bytes once more. A failure is never silent: the event is marked
``UNREADABLE_FILE`` and the core asks the person to send the file again.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.telegram.parse import FileToFetch
from handlers.core.events import MAX_FILE_BYTES, TOO_BIG_FILE, UNREADABLE_FILE, Incoming, InFile

log = logging.getLogger(__name__)


async def fetch_document(bot: Bot, wanted: FileToFetch, incoming: Incoming, who: str) -> Incoming:
    """The event with the downloaded file, or marked too big or unreadable."""
    try:
        file = await bot.get_file(wanted.file_id)
        if file.file_size is not None and file.file_size > MAX_FILE_BYTES:
            return replace(incoming, unsupported=TOO_BIG_FILE)
        content = bytes(await file.download_as_bytearray())
    except (TelegramError, RuntimeError) as exc:  # RuntimeError: getFile gave no file_path
        log.warning("could not download a document from %s: %s", who, exc)
        return replace(incoming, unsupported=UNREADABLE_FILE)
    if len(content) > MAX_FILE_BYTES:
        return replace(incoming, unsupported=TOO_BIG_FILE)
    return replace(incoming, document=InFile(wanted.name, content, wanted.mime_type))
