"""A facilitator sends a poll file in chat: it is imported as a draft, or updates the poll.

Returns what to say, or None when the sender holds no staff role: the router then answers as it
answers any file ("I can only read text"), so the feature is not revealed to participants. A
staff member may use a file only for an assembly they run (else a polite refusal naming it).
Success says which poll, how many questions in which languages, and what to do next; what
importing does to a poll that exists already is ``handlers.polls.update``. A file that is too
big, not UTF-8, not YAML or wrong in any way gets the line and the reason in the reader's
language, and nothing is stored.
"""

from __future__ import annotations

import logging

from handlers.core.events import MAX_FILE_BYTES, TOO_BIG_FILE, UNREADABLE_FILE, Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    format_number,
    isolate,
    localized,
    ngettext,
)
from handlers.i18n.lazy import render
from handlers.polls.file import PollSpec, assembly_named, parse_poll, read_poll_file
from handlers.polls.update import (
    CORRECTED,
    IMPORTED,
    REPLACED,
    PollFileResult,
    TextChange,
    apply_poll_file,
)
from handlers.polls.yaml_lines import ContentFileError
from storage.models import Assembly
from storage.staff import managed_assemblies
from storage.vocabulary import PollStatus

log = logging.getLogger(__name__)


async def receive_poll_file(turn: Turn) -> list[Outgoing] | None:
    """Import the poll file a staff member sent; None for anyone else."""
    incoming = turn.incoming
    managed = await managed_assemblies(turn.session, incoming.channel, turn.address_hash)
    if managed is None:
        return None
    if incoming.unsupported == UNREADABLE_FILE:
        return [Outgoing(_("I could not read the file. Please send it again."))]
    document = incoming.document
    if incoming.unsupported == TOO_BIG_FILE or (
        document is not None and len(document.content) > MAX_FILE_BYTES
    ):
        return [
            Outgoing(
                _(
                    "The file is too big: a poll file has at most {size} kB. Nothing was stored."
                ).format(size=format_number(MAX_FILE_BYTES // 1024))
            )
        ]
    if document is None:
        return None
    try:
        text = document.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [
            Outgoing(
                _(
                    "The file is not UTF-8 text. Please save it as UTF-8 in a text editor and "
                    "send it again. Nothing was stored."
                )
            )
        ]
    return await _use(turn, text, managed)


async def _use(turn: Turn, text: str, managed: list[Assembly]) -> list[Outgoing]:
    """Check the file, then import it into an assembly the sender runs."""
    try:
        code = parse_poll(text).assembly_code
        await assembly_named(turn.session, text, code)  # a mistyped code is named as such
        if code not in {assembly.join_code.upper() for assembly in managed}:
            who = turn.participant.id if turn.participant else "unknown"
            log.info("a poll file for an assembly they do not run, from participant %s", who)
            return [
                Outgoing(
                    _(
                        "You do not run the assembly {code}, so this poll file was not used. "
                        "Nothing was stored."
                    ).format(code=isolate(code))
                )
            ]
        assembly, spec = await read_poll_file(turn.session, text)
        result = await apply_poll_file(turn.session, assembly, spec)
    except ContentFileError as exc:
        return [
            Outgoing(
                _("The poll file was not used, and nothing was changed:\n{reason}").format(
                    reason=render(exc.message)
                )
            )
        ]
    return [Outgoing(_said(result, spec))]


def _said(result: PollFileResult, spec: PollSpec) -> str:
    """What importing the file did, and what comes next."""
    slug = isolate(result.poll.slug)
    assembly = isolate(localized(result.assembly.name))
    count = len(spec.questions)
    questions = ngettext("{count} question", "{count} questions", count).format(
        count=format_number(count)
    )
    languages = ", ".join(isolate(LANGUAGE_NAMES[lang]) for lang in _languages(spec))
    if result.action == IMPORTED:
        lines = [
            _(
                "Poll {slug} is imported into {assembly} as a draft: {questions} in {languages}."
            ).format(slug=slug, assembly=assembly, questions=questions, languages=languages),
            _next_steps(result.poll.slug),
        ]
    elif result.action == REPLACED:
        lines = [
            _(
                "Poll {slug} of {assembly} had no answers yet, so its title, questions and "
                "options are now the file's: {questions} in {languages}."
            ).format(slug=slug, assembly=assembly, questions=questions, languages=languages),
            _still(result),
        ]
    elif result.action == CORRECTED:
        changed = len(result.changes)
        lines = [
            ngettext(
                "Poll {slug}: {count} text corrected: {texts}.",
                "Poll {slug}: {count} texts corrected: {texts}.",
                changed,
            ).format(
                slug=slug,
                count=format_number(changed),
                texts=", ".join(_change(change) for change in result.changes),
            ),
            _(
                "Its questions, options and the answers given so far are unchanged; to change "
                "what it asks, send it as a new poll under a new slug."
            ),
        ]
    else:
        lines = [
            _("Poll {slug} is unchanged: the file says what it says already.").format(slug=slug)
        ]
    return "\n".join(lines)


def _next_steps(slug: str) -> str:
    """The commands that take a draft further (each isolated whole, so it reads and copies well)."""
    return _(
        "Next: {preview} shows it as members will see it, {open} opens it now, and "
        "{schedule} sets when it opens and closes."
    ).format(
        preview=isolate(f"/preview {slug}"),
        open=isolate(f"/open {slug}"),
        schedule=isolate(f"/schedule {slug}"),
    )


def _still(result: PollFileResult) -> str:
    """What a replaced poll keeps: its status."""
    poll = result.poll
    if poll.status == PollStatus.OPEN:
        return _("It stays open: members now answer the new questions.")
    if poll.opens_at is not None:
        return _("It stays scheduled: it opens as planned.")
    return _("It stays a draft.") + "\n" + _next_steps(poll.slug)


def _change(change: TextChange) -> str:
    """One corrected text, as "question 2 (Arabic)"."""
    return _("{where} ({language})").format(
        where=render(change.where),
        language=isolate(LANGUAGE_NAMES.get(change.language, change.language)),
    )


def _languages(spec: PollSpec) -> list[str]:
    """The languages in which the file has every text."""
    texts = [spec.title]
    for question in spec.questions:
        texts += [question.text, *question.options]
    return [lang for lang in LANGUAGES if all(text.get(lang) for text in texts)]
