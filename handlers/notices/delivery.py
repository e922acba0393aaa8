"""/delivery: for staff, how far each recent notice of the assemblies they run has gone.

Returns one message: for each notice, its assembly, when it was queued, its first words, and
how many it went to and were delivered, failed, went to people who blocked the bot or opted
out, or are waiting; and how many a stopped dispatcher left unconfirmed, with a button that sends
the notice again to them (one press; its label says some may get it twice). The figures are
the digest's (``handlers.notices.reach``): suppressed with the K of the notice's municipality,
written with the digest's marks ("<5", "x", "-") and its legend; a recipient count under K
reads "fewer than K". Someone without a staff role is told, in their language, that the
command is for facilitators (``handlers.staff.roles``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from handlers.core.events import Choice, Outgoing
from handlers.core.turn import Turn
from handlers.digests.text_parts import is_shown, legend, mark, reach_text
from handlers.i18n.core import _, current_language, format_number, isolate, localized, ngettext
from handlers.notices.reach import notice_reach
from handlers.privacy.suppression import small
from handlers.staff.desk import action_button
from handlers.staff.roles import not_staff, staff_assemblies
from storage.base import utcnow
from storage.digest_queries import REACH
from storage.models import Assembly, Notice
from storage.notices import recent_notices
from storage.outbox import delivery_counts, resend_unconfirmed

RECENT = 5
PREVIEW = 40


async def show_delivery(turn: Turn, args: str) -> list[Outgoing]:
    """The delivery of the latest notices of the sender's assemblies."""
    managed = await staff_assemblies(turn, "delivery")
    if managed is None:
        return [not_staff()]
    assemblies = {a.id: a for a in managed}
    notices = await recent_notices(turn.session, list(assemblies), RECENT)
    if not notices:
        return [Outgoing(_("No notice has been sent yet."))]
    counts = await delivery_counts(turn.session, [n.id for n in notices])
    lines = [_("Recent notices:")]
    buttons: list[Choice] = []
    marked: set[int] = set()
    for notice in notices:
        assembly = assemblies[notice.assembly_id]
        k = assembly.municipality.suppression_k
        shown = notice_reach(counts[notice.id], k)
        lines.append(
            "• "
            + _("{assembly}, {when}: {text}").format(
                assembly=isolate(localized(assembly.name)),
                when=isolate(_when(notice, assembly)),
                text=isolate(_preview(notice)),
            )
        )
        lines.append(f"{_recipients(shown.recipients, k)} · {reach_text(REACH, shown.cells)}")
        if shown.unconfirmed:
            lines.append(_unconfirmed_text(shown.unconfirmed))
            buttons.append(_resend_button(notice.id, shown.unconfirmed))
        if not all(map(is_shown, (shown.recipients, *shown.cells))):
            marked.add(k)
    lines += [legend(k) for k in sorted(marked)]
    return [Outgoing("\n".join(lines), tuple(buttons))]


async def resend_unconfirmed_rows(turn: Turn, notice_id: str) -> list[Outgoing]:
    """The "send again" button: the notice's unconfirmed messages go again, if the sender runs
    its assembly (some people may then get the notice twice, as the button said)."""
    managed = {a.id for a in await staff_assemblies(turn, "resend") or []}
    notice = await turn.session.get(Notice, int(notice_id)) if notice_id.isdigit() else None
    if notice is None or notice.assembly_id not in managed:
        return [Outgoing(_("This notice no longer exists."))]
    count = await resend_unconfirmed(turn.session, notice.id, utcnow())
    if not count:
        return [Outgoing(_("Nothing to send again: no message of this notice is unconfirmed."))]
    return [
        Outgoing(
            ngettext(
                "Sending again to {count} person whose message was not confirmed; they may get "
                "the notice twice.",
                "Sending again to {count} people whose message was not confirmed; some may get "
                "the notice twice.",
                count,
            ).format(count=format_number(count))
        )
    ]


def _unconfirmed_text(count: int) -> str:
    """How many of a notice's messages were not confirmed."""
    return ngettext(
        "{count} was not confirmed (the sender stopped while sending it): counted as failed.",
        "{count} were not confirmed (the sender stopped while sending them): counted as failed.",
        count,
    ).format(count=format_number(count))


def _resend_button(notice_id: int, count: int) -> Choice:
    """One press sends the notice again to its unconfirmed recipients."""
    return action_button(
        ngettext(
            "Send again to the {count} unconfirmed (may arrive twice)",
            "Send again to the {count} unconfirmed (some may get it twice)",
            count,
        ).format(count=format_number(count)),
        f"resend:{notice_id}",
    )


def _recipients(shown: str, k: int) -> str:
    """How many a notice went to, as shown: "to 12 people", "to fewer than 5 people", "recipients x"."""
    if shown == small(k):
        return ngettext("to fewer than {count} person", "to fewer than {count} people", k).format(
            count=mark(str(k))
        )
    if is_shown(shown):
        return ngettext("to {count} person", "to {count} people", int(shown)).format(
            count=mark(shown)
        )
    return _("recipients {count}").format(count=mark(shown))


def _when(notice: Notice, assembly: Assembly) -> str:
    """When the notice was queued, in the municipality's time and the reader's language."""
    moment = notice.queued_at or notice.created_at
    zone = ZoneInfo(assembly.municipality.timezone)
    return format_datetime(moment, "short", tzinfo=zone, locale=current_language())


def _preview(notice: Notice) -> str:
    """The notice's first words in the reader's language."""
    text = " ".join(localized(notice.text or {}).split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
