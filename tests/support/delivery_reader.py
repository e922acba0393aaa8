"""A reader of one notice's delivery as staff see it, for the tests: what can be worked out?

Written apart from the product's suppression code. It reads the figures of a notice from the
English /delivery message or from ``reslog notice list``: a number fixes its figure, ``<K``
(in chat "fewer than K" for the recipients) puts it in 0..K-1, ``x`` at K or more, ``-`` says
nothing; delivered, failed, blocked and waiting add up to the recipients. It enumerates every
notice that would read the same, and so finds any figure that can have only one value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import product

FIGURES = ("recipients", "delivered", "failed", "blocked", "waiting")
CHAT_LINE = re.compile(
    r"(?:to (?:fewer than (?P<fewer>\d+)|(?P<count>\d+)) (?:person|people)|recipients (?P<mark>\S+))"
    r" · delivered (?P<delivered>\S+) · failed (?P<failed>\S+) · blocked (?P<blocked>\S+)"
    r" · waiting (?P<waiting>\S+)"
)


def chat_figures(text: str) -> list[dict[str, str]]:
    """Each notice's figures in an English /delivery message, as shown ("fewer than 5" as "<5")."""
    found = []
    for match in CHAT_LINE.finditer(text):
        recipients = (
            f"<{match['fewer']}" if match["fewer"] else match["count"] or str(match["mark"])
        )
        found.append({"recipients": recipients, **{name: match[name] for name in FIGURES[1:]}})
    return found


def cli_figures(listing: str, notice_id: int) -> dict[str, str]:
    """A notice's figures in ``reslog notice list``: id kind status date time to d f b w text."""
    for line in listing.splitlines():
        words = line.split()
        if words and words[0] == str(notice_id):
            return dict(zip(FIGURES, words[5:10], strict=True))
    raise AssertionError(f"notice {notice_id} is not listed:\n{listing}")


def _range(text: str, k: int, cap: int) -> range:
    """The values a figure shown so can have."""
    if text == f"<{k}":
        return range(k)
    if text == "x":
        return range(k, cap + 1)
    if text == "-":
        return range(cap + 1)
    assert text.isdigit(), f"{text!r} is not a figure of threshold {k}"
    return range(int(text), int(text) + 1)


def possible(
    shown: Mapping[str, str], k: int, known: Mapping[str, range] | None = None
) -> list[dict[str, int]]:
    """Every notice (its five figures) that reads as ``shown``; ``known`` narrows some figures."""
    cap = 3 * k + sum(int(text) for text in shown.values() if text.isdigit())
    ranges = {name: _range(shown[name], k, cap) for name in FIGURES}
    for name, values in (known or {}).items():
        ranges[name] = range(
            max(ranges[name].start, values.start), min(ranges[name].stop, values.stop)
        )
    found = []
    for delivered, failed, blocked, waiting in product(*(ranges[name] for name in FIGURES[1:])):
        recipients = delivered + failed + blocked + waiting
        if recipients in ranges["recipients"]:
            found.append(
                dict(zip(FIGURES, (recipients, delivered, failed, blocked, waiting), strict=True))
            )
    return found


def pinned(shown: Mapping[str, str], k: int, known: Mapping[str, range] | None = None) -> list[str]:
    """The figures not shown as numbers that a reader can still work out exactly."""
    notices = possible(shown, k, known)
    assert notices, f"no notice reads as {dict(shown)}"
    return [
        name
        for name in FIGURES
        if not shown[name].isdigit() and len({notice[name] for notice in notices}) == 1
    ]
