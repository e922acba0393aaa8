"""The steps a conversation can stand at: each feature declares its own as a ``StrEnum``.

A participant's steps subclass ``Step``, a staff conversation's ``StaffStep``; their values are
the strings stored in ``participants.step`` and ``staff_conversations.step``, so renaming one
would strand the conversations standing at it. The handlers of each step are declared by its
feature (``handlers.participants.routes``) and combined by ``handlers.core.router``.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """A step of a participant's conversation (each feature subclasses it)."""


class StaffStep(StrEnum):
    """A step of a staff member's own conversation (each staff feature subclasses it)."""


class CoreStep(Step):
    """Where a participant's conversation rests."""

    NONE = ""  # the step just ended (the router works out what comes next), or was reset
    IDLE = "idle"  # nothing is waiting
