"""Flood limits: one person's messages beyond a number a minute are not read for a while.

Someone who sends more than ``messages`` messages within a minute (a script, a stuck phone, a
person pasting line after line) is answered once that they are going too fast, and what they
send in the minute after that is not read: no database work, no reply. Then their messages are
read again as usual. The limit is kept per process, in memory, keyed by the person's address
hash, before the turn touches the database (protecting it is the point); with several bot
processes a person's messages may be spread over them, so the limit applies to each process's
share. ``warned`` and ``ignored`` count what the guard did, for the operator. The guard also
carries the limit on what one staff member may send to everyone (``handlers.staff.broadcasts``).

The ``limits`` library was weighed for this and left aside: its memory storage sweeps every key
each 10 ms (or starts a thread to), which costs more than the turns it guards once thousands of
people are active. Here each person's times are pruned when they write again, and people gone
quiet are forgotten in one sweep a minute.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW = 60.0  # seconds: "a minute"
DEFAULT_MESSAGES = 30
DEFAULT_BROADCASTS = 10  # notices and poll openings one staff member may send an hour


class Admission(Enum):
    """What to do with one message."""

    READ = "read"  # handle it as usual
    WARN = "warn"  # over the limit just now: say so once, read nothing
    IGNORE = "ignore"  # paused after a warning: neither read nor answered


class FloodGuard:
    """Counts each person's messages of the last minute, in this process."""

    def __init__(
        self,
        messages: int = DEFAULT_MESSAGES,
        broadcasts_per_hour: int = DEFAULT_BROADCASTS,
        clock: Callable[[], float] = time.monotonic,
    ):
        if messages < 1 or broadcasts_per_hour < 1:
            raise ValueError("a flood limit allows at least one message")
        self.messages = messages
        # what one staff member may send to everyone; counted in the database, where it holds
        # across processes and restarts (``handlers.staff.broadcasts``)
        self.broadcasts_per_hour = broadcasts_per_hour
        self.warned = 0
        self.ignored = 0
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}
        self._paused: dict[str, float] = {}  # person -> when their messages are read again
        self._next_sweep = clock() + WINDOW

    def admit(self, person: str) -> Admission:
        """Whether to read this message of ``person`` (an address hash), warn them, or ignore it."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        paused_until = self._paused.get(person)
        if paused_until is not None:
            if now < paused_until:
                self.ignored += 1
                return Admission.IGNORE
            del self._paused[person]
        recent = self._recent.setdefault(person, deque())
        while recent and recent[0] <= now - WINDOW:
            recent.popleft()
        if len(recent) < self.messages:
            recent.append(now)
            return Admission.READ
        self._paused[person] = now + WINDOW
        recent.clear()
        self.warned += 1
        return Admission.WARN

    def _sweep(self, now: float) -> None:
        """Forget people with no message in the last minute and pauses that are over."""
        self._recent = {p: r for p, r in self._recent.items() if r and r[-1] > now - WINDOW}
        self._paused = {p: until for p, until in self._paused.items() if until > now}
        self._next_sweep = now + WINDOW
