"""What can go wrong when a message is sent, as the dispatcher needs to know it.

    SendError                  not retryable unless a subclass says so
    ├── Throttled              the channel asked us to slow down: wait ``retry_after``, retry
    ├── Unreachable            network trouble or a server error: retry with backoff
    ├── ContactStopped         the person blocked the bot or left: never send to them again
    └── Rejected               the channel refused this message (bad request): give up

Each channel adapter maps its own errors onto these (Telegram's 403 "bot was blocked by the
user" and a deleted account are ContactStopped; a 429 is Throttled).
"""

from __future__ import annotations


class SendError(Exception):
    """A message could not be sent."""

    retryable = False


class Throttled(SendError):
    """The channel's rate limit was hit; it says how long to wait."""

    retryable = True

    def __init__(self, retry_after: float, description: str = "throttled") -> None:
        super().__init__(description)
        self.retry_after = retry_after


class Unreachable(SendError):
    """The channel could not be reached or failed on its side."""

    retryable = True


class ContactStopped(SendError):
    """The person can no longer be reached on this channel."""


class Rejected(SendError):
    """The channel refused the message itself."""
