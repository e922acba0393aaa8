"""Reading a Telegram update as an ``Incoming`` event for the conversation core.

Only what a person does in a private chat with the bot is read: typed text (commands
included), a pressed inline button, an edited message (marked ``unsupported="edited"``)
and media (marked with its kind, such as ``"sticker"`` or ``"voice"``). Group and channel
posts, service messages and updates without a person are ignored (``None``).

A document that may be a poll file (a .yaml or .yml name, or a YAML or plain-text type) and
is small enough is named by ``file_to_fetch``: the adapter downloads it (telegram_files) and
hands it over in ``Incoming.document``. A larger one is marked ``TOO_BIG_FILE``; any other
document stays ``unsupported="document"``. Parsing does no I/O.

Sample (a resident opens the deep link t.me/<bot>?start=ZEYTINBURNU)::

    {"update_id": 100000001,
     "message": {"message_id": 1, "date": 1764043200, "text": "/start ZEYTINBURNU",
                 "from": {"id": 424242, "is_bot": false, "first_name": "Amal", "language_code": "ar"},
                 "chat": {"id": 424242, "first_name": "Amal", "type": "private"},
                 "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}}
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, Document, Message, Update, User

from handlers.core.events import MAX_FILE_BYTES, TOO_BIG_FILE, Incoming

CHANNEL = "telegram"
YAML_SUFFIXES = (".yaml", ".yml")
YAML_MIME_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)

# Checked in this order: an animation also carries a document, a venue also a location.
MEDIA_KINDS: tuple[str, ...] = (
    "sticker",
    "photo",
    "voice",
    "video_note",
    "video",
    "animation",
    "audio",
    "document",
    "venue",
    "location",
    "contact",
    "poll",
    "dice",
    "story",
    "game",
    "paid_media",
)


@dataclass(frozen=True)
class FileToFetch:
    """A document the adapter should download and hand to the core."""

    file_id: str
    name: str
    mime_type: str
    size: int | None


def parse_update(update: Update) -> Incoming | None:
    """The event a person caused, or None when the update is not for the core."""
    if update.callback_query is not None:
        query = update.callback_query
        if query.message is not None and query.message.chat.type != Chat.PRIVATE:
            return None
        return _incoming(update, query.from_user, choice=query.data or "")
    if update.edited_message is not None:
        edited = update.edited_message
        if not _private_from_person(edited):
            return None
        return _incoming(update, edited.from_user, unsupported="edited")
    if update.message is not None:
        return _parse_message(update, update.message)
    return None


def _parse_message(update: Update, message: Message) -> Incoming | None:
    """A new message in a private chat: its text, or the kind of media it carries."""
    if not _private_from_person(message):
        return None
    if message.text is not None:
        return _incoming(update, message.from_user, text=message.text)
    kind = media_kind(message)
    if kind is None:
        return None
    document = message.document
    if kind == "document" and document is not None and _too_big(document):
        return _incoming(update, message.from_user, unsupported=TOO_BIG_FILE)
    return _incoming(update, message.from_user, unsupported=kind)


def file_to_fetch(update: Update) -> FileToFetch | None:
    """The document to download for the core: a small file that looks like YAML, or None."""
    message = update.message
    if message is None or message.text is not None or not _private_from_person(message):
        return None
    document = message.document
    if document is None or media_kind(message) != "document" or _too_big(document):
        return None
    if not looks_like_yaml(document):
        return None
    return FileToFetch(
        file_id=document.file_id,
        name=document.file_name or "",
        mime_type=document.mime_type or "",
        size=document.file_size,
    )


def looks_like_yaml(document: Document) -> bool:
    """Whether a document may be a poll file, by its name or its type."""
    name = (document.file_name or "").lower()
    mime_type = (document.mime_type or "").split(";")[0].strip().lower()
    return name.endswith(YAML_SUFFIXES) or mime_type in YAML_MIME_TYPES


def _too_big(document: Document) -> bool:
    """A YAML-looking document larger than a poll file may be (by the size Telegram gives)."""
    size = document.file_size
    return looks_like_yaml(document) and size is not None and size > MAX_FILE_BYTES


def media_kind(message: Message) -> str | None:
    """The kind of media a message carries ("photo", "voice", ...), if any."""
    return next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), None)


def _private_from_person(message: Message) -> bool:
    """Whether a person wrote the message in their private chat with the bot."""
    user = message.from_user
    return message.chat.type == Chat.PRIVATE and user is not None and not user.is_bot


def _incoming(
    update: Update,
    user: User | None,
    *,
    text: str | None = None,
    choice: str | None = None,
    unsupported: str | None = None,
) -> Incoming | None:
    """The Incoming for one person's update, with a key that stays unique for deduplication.

    Update ids restart at random after a week without updates, and a new token starts its own
    sequence, so the key names what was sent instead: a press by its callback query id, a
    message (or an edit of it) by chat and message id.
    """
    if user is None:
        return None
    return Incoming(
        channel=CHANNEL,
        address=str(user.id),
        text=text,
        choice=choice,
        client_language=user.language_code,
        unsupported=unsupported,
        message_id=delivery_key(update),
    )


def delivery_key(update: Update) -> str:
    """What makes this delivery unique, whatever the update id."""
    if update.callback_query is not None:
        return f"c:{update.callback_query.id}"
    if update.edited_message is not None:
        edited = update.edited_message
        stamp = int(edited.edit_date.timestamp()) if edited.edit_date else 0
        return f"e:{edited.chat.id}:{edited.message_id}:{stamp}"
    if update.message is not None:
        return f"m:{update.message.chat.id}:{update.message.message_id}"
    return f"u:{update.update_id}"
