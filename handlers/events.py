"""The only types the channel adapters and the conversation core share.

An adapter parses what a channel delivered into an ``Incoming``; the core answers with
a list of ``Outgoing``, each a text with optional ``Choice`` buttons and an optional file.
The core never sends: the adapter renders and sends what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: typed text (commands included) or pressed a button."""

    channel: str
    address: str
    text: str | None = None
    choice: str | None = None
    client_language: str | None = None
    unsupported: str | None = None
    message_id: str | None = None


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
