"""/retention for a municipality's staff: the retention periods, and changing one in chat.

``/retention`` shows each period of the sender's municipality (every municipality for an
administrator, each named by its slug); ``/retention SETTING VALUE`` (``/retention SLUG SETTING
VALUE`` when there are several) changes one, within the bounds the law allows, and says that
the notice states the periods of its version in force until the next one is activated.
"""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.text_input import parse_int
from handlers.core.turn import Turn
from handlers.digests.staff.access import digest_subjects
from handlers.i18n.core import _, format_number, isolate, localized, ngettext
from handlers.i18n.lazy import render
from handlers.retention.periods import PERIODS, PeriodProblem, check_period
from handlers.staff.roles import not_staff
from storage.models import Municipality


def _setting_names() -> str:
    """The settings as typed after /retention."""
    return ", ".join(period.column for period in PERIODS)


async def retention_command(turn: Turn, args: str) -> list[Outgoing]:
    """/retention [SLUG] [SETTING VALUE]: show the periods, or change one."""
    subjects = await digest_subjects(turn)
    if subjects is None:
        return [not_staff()]
    municipalities = [s for s in subjects if isinstance(s, Municipality)]
    if not municipalities:
        return [
            Outgoing(
                _(
                    "Retention periods are for a municipality's staff. Your role does not "
                    "include them."
                )
            )
        ]
    words = args.split()
    if not words:
        return [Outgoing("\n\n".join(_shown(m, len(municipalities) > 1) for m in municipalities))]
    if len(municipalities) > 1:
        named = next((m for m in municipalities if m.slug == words[0]), None)
        words = words[1:]
    else:
        named = municipalities[0]
    period = next((p for p in PERIODS if words and p.column == words[0].lower()), None)
    value = parse_int(words[1]) if len(words) == 2 else None
    if named is None or period is None or value is None:
        return [Outgoing(_usage(len(municipalities) > 1))]
    try:
        setattr(named, period.column, check_period(period, value))
    except PeriodProblem as problem:
        return [Outgoing(render(problem.message))]
    return [
        Outgoing(
            _shown(named, len(municipalities) > 1)
            + "\n\n"
            + _(
                "The data-protection notice goes on stating the periods of its version in "
                "force until a new version is activated (reslog privacy notice --activate)."
            )
        )
    ]


def _shown(municipality: Municipality, with_slug: bool) -> str:
    """One municipality's periods, one per line."""
    title = isolate(localized(municipality.name))
    if with_slug:
        title += f" ({isolate(municipality.slug)})"
    lines = [_("Retention periods of {municipality}:").format(municipality=title)]
    inactive, feedback = municipality.inactive_months, municipality.feedback_months
    outbox, keys = municipality.outbox_days, municipality.message_key_days
    lines += [
        "• inactive_months: "
        + ngettext(
            "a participant with no activity is erased after {count} month",
            "a participant with no activity is erased after {count} months",
            inactive,
        ).format(count=format_number(inactive)),
        "• feedback_months: "
        + ngettext(
            "feedback texts are deleted after {count} month",
            "feedback texts are deleted after {count} months",
            feedback,
        ).format(count=format_number(feedback)),
        "• outbox_days: "
        + ngettext(
            "who was sent which notice is forgotten after {count} day",
            "who was sent which notice is forgotten after {count} days",
            outbox,
        ).format(count=format_number(outbox)),
        "• message_key_days: "
        + ngettext(
            "the keys of inbound messages go after {count} day",
            "the keys of inbound messages go after {count} days",
            keys,
        ).format(count=format_number(keys)),
    ]
    return "\n".join(lines)


def _usage(several: bool) -> str:
    """How to change a period."""
    if several:
        return _(
            "To change a period, send /retention, the municipality, the setting and the number, "
            "like /retention zeytinburnu inactive_months 18. Settings: {settings}."
        ).format(settings=_setting_names())
    return _(
        "To change a period, send /retention, the setting and the number, like "
        "/retention inactive_months 18. Settings: {settings}."
    ).format(settings=_setting_names())
