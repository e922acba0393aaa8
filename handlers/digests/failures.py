"""What the recipients a digest reached are told about the ones it did not reach.

Returns the text of one short message, in the digest's language; sends nothing. A recipient is
named as staff would recognise it (a chat id, an e-mail address partly masked), the reason in
words, never an error's raw text (which may name a server or echo an address in full).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from handlers.digests.staff.input import masked_email
from handlers.i18n.core import _, format_number, isolate, ngettext, use_language
from storage.digest_settings import EMAIL

STOPPED, UNREACHABLE, REFUSED, NOT_CONFIGURED, UNCONFIRMED = (
    "stopped",
    "unreachable",
    "refused",
    "not configured",
    "unconfirmed",
)


@dataclass(frozen=True)
class Undelivered:
    """A recipient the digest did not reach, and why (one of the reasons above)."""

    kind: str
    address: str
    reason: str


def recipient_name(kind: str, address: str) -> str:
    """How a recipient is named to staff, in the current language."""
    if kind == EMAIL:
        return _("e-mail {address}").format(address=isolate(masked_email(address)))
    return _("Telegram chat {chat}").format(chat=isolate(address))


def reason_text(reason: str) -> str:
    """Why a digest did not reach a recipient, in the current language."""
    reasons = {
        STOPPED: _("the bot is no longer in this chat"),
        UNREACHABLE: _("the server could not be reached"),
        REFUSED: _("it was refused"),
        NOT_CONFIGURED: _("this kind of recipient is not set up on the server"),
        UNCONFIRMED: _("sending was interrupted; it may or may not have arrived"),
    }
    return reasons.get(reason, _("it could not be sent"))


def failure_subject(language: str, subject: str) -> str:
    """The e-mail subject of a failure report, in the digest's language."""
    with use_language(language):
        return _("Digest of {subject}: some recipients were not reached").format(subject=subject)


def failure_report(
    language: str, subject: str, period_text: str, undelivered: Sequence[Undelivered], reached: int
) -> str:
    """The message for the recipients reached: which others the digest missed, and why (HTML)."""
    with use_language(language):
        lines = [
            "<b>"
            + escape(
                ngettext(
                    "The digest of {subject} for {period} did not reach {count} recipient:",
                    "The digest of {subject} for {period} did not reach {count} recipients:",
                    len(undelivered),
                ).format(
                    subject=isolate(subject),
                    period=period_text,
                    count=format_number(len(undelivered)),
                )
            )
            + "</b>"
        ]
        lines += [
            "• " + escape(f"{recipient_name(item.kind, item.address)}: {reason_text(item.reason)}")
            for item in undelivered
        ]
        lines.append(
            escape(
                ngettext(
                    "It reached {count} recipient. Please check the digest settings (/digest).",
                    "It reached {count} recipients. Please check the digest settings (/digest).",
                    reached,
                ).format(count=format_number(reached))
            )
        )
    return "\n".join(lines)
