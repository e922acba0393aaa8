"""Picks what answers an incoming event, from the stored state of the conversation.

``handle`` is the core's single entry point: it takes one ``Incoming`` and returns an
``Answer``: the ``Outgoing`` messages to send and the reader's language. It commits what the
person did in one transaction, handles a redelivered message once, and never lets an exception
escape: the person is told, in their language, that nothing they sent before was lost. An
answer to the question just asked takes the answer lane (``handlers.polls.lane``: one statement
to read, one batch to write); everything else takes the general path below. On PostgreSQL the
turn first holds the person (``storage.person_lock``), so that turns of one person on several
processes run one at a time.

A redelivered message is recognised by its key in ``inbound_messages``, written in the turn's
own transaction: the copy's turn fails on that key at commit, is rolled back whole and answers
nothing. (Looking the key up first would cost every message a statement to spare the rare copy
some work.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.consent import routes as consent
from handlers.consent.steps import UNSEEN, ConsentStep
from handlers.core.commands import Command, help_text
from handlers.core.dispatch import Conversation, StepHandlers, combined, dispatch
from handlers.core.events import TOO_BIG_FILE, UNREADABLE_FILE, Answer, Incoming, Outgoing
from handlers.core.flood import Admission, FloodGuard
from handlers.core.flow import choose_next_step, idle_prompt
from handlers.core.keywords import keyword_command
from handlers.core.steps import CoreStep, Step
from handlers.core.text_input import MAX_TEXT_LENGTH, clean_text
from handlers.core.turn import Turn
from handlers.digests import routes as digests
from handlers.i18n.core import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    _,
    format_number,
    supported_language,
    use_language,
)
from handlers.notices import routes as notices
from handlers.participants import feedback, onboarding
from handlers.participants import routes as participants
from handlers.polls import routes as polls
from handlers.polls.lane import answer_in_lane
from handlers.polls.staff.upload import receive_poll_file
from handlers.results import routes as results
from handlers.retention import routes as retention
from handlers.staff.invite import STAFF_START, accept_staff_invite
from handlers.staff.roles import is_staff
from handlers.staff.steps import (
    cancel_staff,
    is_staff_button,
    on_staff_button,
    on_staff_text,
    waiting_for_staff,
)
from storage.base import utcnow
from storage.crypto import AddressCipher
from storage.engine import IntegrityError, unreachable
from storage.models import InboundMessage, Participant
from storage.participants import reset_step
from storage.person_lock import hold_person
from storage.staff_conversations import find_person

log = logging.getLogger(__name__)

MAX_FOLLOW_UPS = 6
IDLE = StepHandlers(idle_prompt, on_text=feedback.offer_feedback)


@cache
def steps() -> Mapping[str, StepHandlers]:
    """Every step of a participant's conversation, from the features that declare them."""
    return combined(_resting(), participants.steps(), consent.steps(), polls.steps())


def _resting() -> dict[Step, StepHandlers]:
    """The core's own step: nothing is waiting."""
    return {CoreStep.IDLE: IDLE}


@cache
def staff_steps() -> Mapping[str, StepHandlers]:
    """Every step of a staff conversation, from the features that declare them."""
    return combined(polls.staff_steps(), notices.staff_steps(), digests.staff_steps())


@cache
def commands() -> Mapping[str, Command]:
    """Every /command, from the features that declare them and the core's own."""
    return combined(
        _own_commands(),
        participants.commands(),
        consent.commands(),
        polls.commands(),
        notices.commands(),
        results.commands(),
        digests.commands(),
        retention.commands(),
    )


def _own_commands() -> dict[str, Command]:
    """The core's commands: /start (also for a staff invitation), /help and /cancel."""
    return {
        "start": Command(
            _start,
            N_("Join an assembly, or continue"),
            order=1,
            before_joining=True,
            before_consent=True,
        ),
        "help": Command(
            _help, N_("What I can do"), order=8, before_joining=True, before_consent=True
        ),
        "cancel": Command(_cancel),
    }


async def handle(
    session: AsyncSession,
    cipher: AddressCipher,
    incoming: Incoming,
    flood: FloodGuard | None = None,
) -> Answer:
    """Answer one incoming event; commit its effects; never raise. With a ``flood`` guard, a
    person over its limit is told so once and not read for a while (``handlers.core.flood``)."""
    client = supported_language(incoming.client_language) or DEFAULT_LANGUAGE
    language = client
    reader: str | None = client  # as stored: None for a participant who has not chosen
    participant_id: int | None = None
    try:
        address_hash = cipher.lookup_hash(incoming.channel, incoming.address)
        admission = flood.admit(address_hash) if flood is not None else Admission.READ
        if admission == Admission.IGNORE:
            return Answer([], reader)
        if admission == Admission.WARN:
            return await _slow_down(session, incoming, address_hash, client)
        await hold_person(session, address_hash)
        quick = await answer_in_lane(session, incoming, address_hash)
        if quick is not None:
            return quick
        participant, desk = await find_person(session, incoming.channel, address_hash)
        if participant is not None:
            participant_id = participant.id
            reader = participant.language
            language = participant.language or language
        turn = Turn(
            session=session,
            cipher=cipher,
            incoming=incoming,
            address_hash=address_hash,
            participant=participant,
            desk=desk,
            broadcasts_per_hour=flood.broadcasts_per_hour if flood is not None else None,
        )
        with use_language(language):
            replies = await _dispatch(turn)
        with use_language(_language_of(turn, language)):
            replies += await _follow_up(turn)
        _record_receipt(session, turn)
        await session.commit()
        return Answer(replies, _reader_of(turn, client), answers=turn.answers)
    except IntegrityError:
        await session.rollback()
        try:
            if incoming.message_id and await _seen_before(session, incoming):
                return Answer([], reader)
        except Exception as error:
            await _quiet_rollback(session)
            log.warning("could not tell a copy of a message from a conflict: %s", error)
            return Answer([_sorry(language)], reader, stored=not unreachable(error))
        log.exception("conflict while handling a message (participant %s)", participant_id)
    except Exception as error:
        if unreachable(error):
            await _quiet_rollback(session)
            log.warning("the database is out of reach; the message was not applied (%s)", error)
            return Answer([_sorry(language)], reader, stored=False)
        await session.rollback()
        log.exception("failed to handle a message (participant %s)", participant_id)
        await _reset_step(session, participant_id)
    return Answer([_sorry(language)], reader)


async def _slow_down(
    session: AsyncSession, incoming: Incoming, address_hash: str, client: str
) -> Answer:
    """The one answer to a person who went over the flood limit: in their language, or in every
    language (the likely one first) while they have not chosen one."""
    participant, _desk = await find_person(session, incoming.channel, address_hash)
    chosen = participant.language if participant is not None else None
    await session.rollback()  # nothing of the message is kept
    log.info("p:%s went over the flood limit; not read for a minute", address_hash[:12])
    languages = [chosen] if chosen else sorted(LANGUAGES, key=lambda lang: lang != client)
    texts = []
    for language in languages:
        with use_language(language):
            texts.append(
                _(
                    "You are sending messages faster than I can read them. I did not read this "
                    "one, and I will not read what you send in the next minute. Please wait a "
                    "minute, then send it again."
                )
            )
    return Answer([Outgoing("\n\n".join(texts))], chosen)


def _sorry(language: str) -> Outgoing:
    """The answer to a turn that failed: nothing sent before is lost, try again."""
    with use_language(language):
        return Outgoing(
            _(
                "Sorry, something went wrong on our side. Everything you sent before is safe. "
                "Please try again in a moment."
            )
        )


async def _quiet_rollback(session: AsyncSession) -> None:
    """Roll back a session whose connection may be gone; a rollback that fails says no more."""
    try:
        await session.rollback()
    except Exception as error:
        log.debug("rollback after losing the database failed too: %s", error)


async def _reset_step(session: AsyncSession, participant_id: int | None) -> None:
    """After a failure, let the next message work out the step afresh instead of failing again."""
    if participant_id is None:
        return
    try:
        await reset_step(session, participant_id, CoreStep.NONE)
        await session.commit()
    except Exception:
        await session.rollback()
        log.exception("could not reset the step of participant %s", participant_id)


def _language_of(turn: Turn, fallback: str) -> str:
    """The person's language after the turn (it may just have been chosen)."""
    return (turn.participant.language if turn.participant else None) or fallback


def _reader_of(turn: Turn, client: str) -> str | None:
    """The reader's language after the turn: a participant's choice (None while they have not
    made one), else the language their client suggested."""
    return turn.participant.language if turn.participant else client


async def _seen_before(session: AsyncSession, incoming: Incoming) -> bool:
    """Whether this channel message was handled already."""
    key = (incoming.channel, str(incoming.message_id))
    return await session.get(InboundMessage, key) is not None


def _record_receipt(session: AsyncSession, turn: Turn) -> None:
    """Note the message as handled and when the person last wrote, in the turn's transaction.

    Written last, so that these rows join the turn's final flush: on SQLite the write lock is
    then held only for the turn's own writes. A copy of the message handled at the same time
    fails on the message's key at commit and is rolled back whole.
    """
    incoming = turn.incoming
    if incoming.message_id:
        session.add(
            InboundMessage(
                channel=incoming.channel, external_id=str(incoming.message_id), received_at=utcnow()
            )
        )
    person = turn.participant
    if person is not None and person.consented_at is not None and person in session:
        person.last_inbound_at = utcnow()


async def _dispatch(turn: Turn) -> list[Outgoing]:
    """Route the event to a command, a button handler or a text handler."""
    incoming = turn.incoming
    if incoming.unsupported == "edited":
        return [
            Outgoing(_("Edited messages are not read. Please send your answer as a new message."))
        ]
    if incoming.document is not None or incoming.unsupported in (UNREADABLE_FILE, TOO_BIG_FILE):
        uploaded = await receive_poll_file(turn)  # None: not staff
        if uploaded is not None:
            return uploaded
    if incoming.unsupported:
        turn.needs_prompt = turn.participant is not None
        return [
            Outgoing(_("I can only read text for now. Please type your answer or use the buttons."))
        ]
    if incoming.choice is not None and is_staff_button(incoming.choice):
        return await on_staff_button(turn, incoming.choice, staff_steps())
    if incoming.choice is not None:
        if turn.participant is None:
            return [Outgoing(_("That button is no longer active. Send /start to begin."))]
        return await dispatch(turn, _conversation(turn), button=incoming.choice)
    text = clean_text(incoming.text or "")
    if len(text) > MAX_TEXT_LENGTH:
        turn.needs_prompt = turn.participant is not None
        return [
            Outgoing(
                _("Your message is too long. Please keep it under {limit} characters.").format(
                    limit=format_number(MAX_TEXT_LENGTH)
                )
            )
        ]
    if text.startswith("/"):
        name, _sep, args = text[1:].partition(" ")
        return await _on_command(turn, name.split("@")[0].lower(), args.strip())
    if waiting_for_staff(turn, staff_steps()):
        return await on_staff_text(turn, text, staff_steps())
    keyword = keyword_command(text)
    if keyword is not None:
        return await _on_command(turn, *keyword)
    if turn.participant is None:
        return await onboarding.start(turn, None)
    if not text or (turn.participant.step_data or {}).get(UNSEEN):
        # Nothing typed, or a step the person was moved to without seeing it (a new notice
        # version): its question, without reading the message as an answer to it.
        turn.needs_prompt = True  # (showing it clears the mark)
        return []
    return await dispatch(turn, _conversation(turn), text=text)


def _consent_pending(person: Participant) -> bool:
    """Whether the person must answer a consent question before anything else."""
    return person.consented_at is None or person.step == ConsentStep.PARTICIPATION


def _conversation(turn: Turn) -> Conversation:
    """Where the participant's own conversation stands; an unknown step is the resting one."""
    person = turn.person
    return Conversation(
        steps().get(person.step, IDLE),
        person.step_nonce,
        _("That button is no longer active. Here is where we are:"),
        turn.ask_again,
    )


async def _on_command(turn: Turn, name: str, args: str) -> list[Outgoing]:
    """A /command, if the sender may send it yet."""
    if name == "cancel" and waiting_for_staff(turn, staff_steps()):
        return await cancel_staff(turn)
    command = commands().get(name) or Command(_unknown)
    if command.staff:  # staff need not be participants of their own assembly
        return await command.run(turn, args)
    person = turn.participant
    if person is None and not command.before_joining:
        return await onboarding.start(turn, None)
    if person is not None and not command.before_consent and _consent_pending(person):
        turn.needs_prompt = True
        return [Outgoing(_("Please answer the question below first."))]
    return await command.run(turn, args)


async def _unknown(turn: Turn, args: str) -> list[Outgoing]:
    """A command nobody declared."""
    turn.needs_prompt = True
    return [Outgoing(_("I do not know that command. /help lists what I can do."))]


async def _start(turn: Turn, args: str) -> list[Outgoing]:
    """/start [code]: join an assembly (or continue), or accept a staff invitation."""
    if args.startswith(STAFF_START):
        return await accept_staff_invite(turn, args.split()[0].removeprefix(STAFF_START))
    return await onboarding.start(turn, args.split()[0] if args else None)


async def _help(turn: Turn, args: str) -> list[Outgoing]:
    """/help: the commands, with the staff ones for staff."""
    return [Outgoing(help_text(commands(), staff=await is_staff(turn)))]


async def _cancel(turn: Turn, args: str) -> list[Outgoing]:
    """/cancel: leave the current step."""
    turn.finish()
    return [Outgoing(_("Cancelled."))]


async def _follow_up(turn: Turn) -> list[Outgoing]:
    """After a step is done, move to what comes next and ask its question."""
    replies: list[Outgoing] = []
    for _round in range(MAX_FOLLOW_UPS):
        if turn.participant is None or not (turn.needs_advance or turn.needs_prompt):
            break
        if turn.needs_advance:
            turn.needs_advance = False
            await choose_next_step(turn)
        turn.needs_prompt = False
        turn.ask_again()
        replies += await steps().get(turn.person.step, IDLE).prompt(turn)
    return replies
