"""The warning a participant gets before they are erased for inactivity, in every language."""

from __future__ import annotations

from datetime import datetime

from handlers.i18n.core import (
    LANGUAGES,
    _,
    format_number,
    isolate,
    localized,
    ngettext,
    use_language,
)
from handlers.polls.reminder import local_time_text
from storage.models import Assembly


def warning_texts(assembly: Assembly, erased_from: datetime) -> dict[str, str]:
    """The warning in every language: how long they have been quiet, when they will be erased,
    what goes and what stays, and that any message keeps them."""
    municipality = assembly.municipality
    months = municipality.inactive_months
    texts = {}
    for language in LANGUAGES:
        with use_language(language):
            quiet = ngettext(
                "You have not written to {assembly} for {count} month.",
                "You have not written to {assembly} for {count} months.",
                months,
            ).format(assembly=isolate(localized(assembly.name)), count=format_number(months))
            texts[language] = "\n\n".join(
                [
                    quiet,
                    _(
                        "So that nothing is kept longer than needed, everything about you will "
                        "be erased from {when}: your chat id, language, profile and messages. "
                        "Your poll answers stay only inside the totals."
                    ).format(when=local_time_text(erased_from, municipality.timezone, language)),
                    _("To stay, send any message before then."),
                ]
            )
    return texts
