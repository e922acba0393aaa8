"""The only types the channel adapters and the conversation core share.

An adapter parses what a channel delivered into an ``Incoming``; the core answers with an
``Answer``: a list of ``Outgoing``, each a text with optional ``Choice`` buttons and an optional
file, and the language of the person it goes to.
The core never sends: the adapter renders and sends what it is given. Nor does it fetch: a file
a person sent arrives already downloaded, as an ``InFile``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_FILE_BYTES = 64 * 1024  # the largest file an adapter downloads and hands to the core
# ``Incoming.unsupported`` for a file that looked like a poll file but was not handed over:
UNREADABLE_FILE = "document_unreadable"  # the download failed
TOO_BIG_FILE = "document_too_big"  # larger than the adapter reads


@dataclass(frozen=True)
class InFile:
    """A file a person sent, as the adapter downloaded it."""

    name: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: typed text (commands included), pressed a button, sent a file.

    A file is carried in ``document`` with ``unsupported="document"``: whoever does not read
    files answers it as any other media.
    """

    channel: str
    address: str
    text: str | None = None
    choice: str | None = None
    client_language: str | None = None
    unsupported: str | None = None
    message_id: str | None = None
    document: InFile | None = None


@dataclass(frozen=True)
class Choice:
    """A button: what it shows and what pressing it sends back."""

    label: str
    data: str


@dataclass(frozen=True)
class OutFile:
    """A file sent with a message."""

    name: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Outgoing:
    """One message to send; ``replace`` asks the adapter to edit the message whose button was pressed."""

    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    replace: bool = False
    file: OutFile | None = field(default=None)


@dataclass(frozen=True)
class Answer:
    """The core's answer to one ``Incoming``: the messages, and the reader's language after the turn.

    ``language`` is None for a person who has not chosen a language yet: an adapter that writes
    words of its own around the messages may then write them in every language.
    ``stored`` is False when the database could not be reached: nothing of the event was
    applied, and an adapter that can have the channel deliver it again (a webhook answering
    5xx) should do so rather than send the replies, which only ask the person to try again.
    """

    replies: list[Outgoing]
    language: str | None
    stored: bool = True  # False: the database was out of reach and nothing was applied
    answers: int = 0  # poll answers the turn stored (for the operator's figures)
